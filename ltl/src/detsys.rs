//! detsys-testkit's ltl formula language (`--syntax detsys`), read into histcheck's
//! AST with detsys's own precedence:
//!
//! - `always`/`[]`, `eventually`/`<>`/`atSomePoint` and quantifiers take everything
//!   to their right; `&&`/`/\` and `||`/`\/` share one level and associate to the
//!   right; `->` is a suffix of one operand whose right side is a whole formula.
//! - `@n'.path` is node n's state after the step (`state[n].path`), `@n.path` the
//!   state before it (`before[n].path`: the record's own `before` when it has one,
//!   whole, else the previous state; null at step 0); `$.path` is the step's
//!   event (`event.path`); `` `json` `` is a JSON constant; `=` is the only comparison.
//! - `forall n.` ranges over the nodes, `forall i in [1, 2].` over integers.
//! - Keys are alphanumeric; a missing key is null.

use crate::parse::ParseError;
use crate::syntax::*;
use serde_json::Value as Json;

struct D<'s> {
    s: &'s str,

    i: usize,
    nodes: Vec<String>,
    ints: Vec<String>,
    depth: usize,
}

type R<T> = Result<T, ParseError>;

fn perr(offset: usize, message: impl Into<String>) -> ParseError {
    ParseError { offset, message: message.into() }
}

impl<'s> D<'s> {
    fn rest(&self) -> &'s str {
        &self.s[self.i..]
    }
    fn ws(&mut self) {
        loop {
            let r = self.rest();
            let t = r.trim_start();
            self.i += r.len() - t.len();
            if t.starts_with("//") {
                self.i += t.find('\n').unwrap_or(t.len());
            } else if let Some(body) = t.strip_prefix("/*") {
                self.i += 2 + body.find("*/").map_or(body.len(), |k| k + 2);
            } else {
                return;
            }
        }
    }
    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.rest().starts_with(tok) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }
    /// A keyword: the word followed by a non-identifier character.
    fn word(&mut self, w: &str) -> bool {
        self.ws();
        let r = self.rest();
        if r.starts_with(w) && !r[w.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            self.i += w.len();
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> R<String> {
        self.ws();
        let r = self.rest();
        let len = r.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(r.len());
        if len == 0 || !r.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(perr(self.i, "expected a name"));
        }
        self.i += len;
        Ok(r[..len].to_string())
    }
    fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end of the formula".into(),
            Some(c) => format!("`{}`", crate::parse::quoted(c.encode_utf8(&mut [0; 4]))),
        }
    }

    fn formula(&mut self) -> R<Formula> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(perr(self.i, "formula nested too deeply"));
        }
        let r = self.formula_inner();
        self.depth -= 1;
        r
    }

    fn formula_inner(&mut self) -> R<Formula> {
        for (w, q) in [("forall", Quant::Forall), ("exists", Quant::Exists)] {
            if self.word(w) {
                let v = self.name()?;
                if self.word("in") {
                    if !self.eat("[") {
                        return Err(perr(self.i, format!("expected `[` after `in`, found {}", self.found())));
                    }
                    let mut items = Vec::new();
                    if !self.eat("]") {
                        loop {
                            items.push(Json::from(self.int()?));
                            if self.eat(",") {
                                continue;
                            }
                            if !self.eat("]") {
                                return Err(perr(self.i, format!("expected `,` or `]`, found {}", self.found())));
                            }
                            break;
                        }
                    }
                    if !self.eat(".") {
                        return Err(perr(self.i, format!("expected `.` after the list, found {}", self.found())));
                    }
                    self.ints.push(v.clone());
                    let body = self.formula();
                    self.ints.pop();
                    return Ok(Formula::Quant(q, v, Domain::List(items), Box::new(body?)));
                }
                if !self.eat(".") {
                    return Err(perr(
                        self.i,
                        format!(
                            "expected `.` or `in` after `{w} {}`, found {}",
                            crate::parse::quoted(&v),
                            self.found()
                        ),
                    ));
                }
                self.nodes.push(v.clone());
                let body = self.formula();
                self.nodes.pop();
                return Ok(Formula::Quant(q, v, Domain::Nodes, Box::new(body?)));
            }
        }
        if self.word("always") || self.eat("[]") {
            return Ok(Formula::Unary(UOp::Always, Interval::default(), Box::new(self.formula()?)));
        }
        if self.word("eventually") || self.word("atSomePoint") || self.eat("<>") {
            return Ok(Formula::Unary(UOp::Eventually, Interval::default(), Box::new(self.formula()?)));
        }
        // connective: operand (BIN operand)*, one level, right-associative
        self.connective()
    }

    /// The right side of `&&`/`||`: another connective (a temporal operator there is an error in detsys).
    fn formula_connective(&mut self) -> R<Formula> {
        self.depth += 1;
        let r = self.formula_connective_inner();
        self.depth -= 1;
        r
    }

    fn formula_connective_inner(&mut self) -> R<Formula> {
        if self.depth > 64 {
            return Err(perr(self.i, "formula nested too deeply"));
        }
        self.ws();
        let start = self.i;
        for w in ["always", "eventually", "atSomePoint", "forall", "exists"] {
            if self.word(w) {
                return Err(perr(start, format!("`{w}` after `&&`/`||` needs parentheses in detsys syntax")));
            }
        }
        self.connective()
    }

    /// `operand (&& | || connective)?`: one level, right-associative.
    fn connective(&mut self) -> R<Formula> {
        let first = self.operand()?;
        if self.eat("&&") || self.eat("/\\") {
            return Ok(Formula::And(Box::new(first), Box::new(self.formula_connective()?)));
        }
        if self.eat("||") || self.eat("\\/") {
            return Ok(Formula::Or(Box::new(first), Box::new(self.formula_connective()?)));
        }
        Ok(first)
    }

    fn operand(&mut self) -> R<Formula> {
        let neg = self.eat("!") || self.eat("~");
        let mut t = self.term()?;
        if neg {
            t = Formula::Not(Box::new(t));
        }
        if self.eat("->") {
            return Ok(Formula::Implies(Box::new(t), Box::new(self.formula()?)));
        }
        Ok(t)
    }

    fn term(&mut self) -> R<Formula> {
        if self.word("TT") {
            return Ok(Formula::Const(true));
        }
        if self.word("FF") {
            return Ok(Formula::Const(false));
        }
        if self.eat("(") {
            let f = self.formula()?;
            if !self.eat(")") {
                return Err(perr(self.i, format!("expected `)`, found {}", self.found())));
            }
            return Ok(f);
        }
        let a = self.expr()?;
        if !self.eat("=") {
            return Err(perr(self.i, format!("expected `=` (the only comparison), found {}", self.found())));
        }
        let b = self.expr()?;
        Ok(Formula::Cmp(CmpOp::Eq, a, b))
    }

    fn int(&mut self) -> R<i64> {
        self.ws();
        let r = self.rest();
        let sign = usize::from(r.starts_with(['+', '-']));
        let digits = r[sign..].find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len() - sign);
        if digits == 0 {
            return Err(perr(self.i, format!("expected an integer, found {}", self.found())));
        }
        let v = r[..sign + digits].parse::<i64>().map_err(|_| perr(self.i, "integer out of range"))?;
        self.i += sign + digits;
        Ok(v)
    }

    fn path(&mut self) -> R<Vec<Seg>> {
        let mut segs = Vec::new();
        loop {
            // no whitespace inside a path
            let r = self.rest();
            if let Some(k) = r.strip_prefix('.') {
                let len = k.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(k.len());
                segs.push(Seg::Key(k[..len].to_string()));
                self.i += 1 + len;
            } else if r.starts_with('[') {
                self.i += 1;
                let v = self.int()?;
                if !self.eat("]") {
                    return Err(perr(self.i, format!("expected `]`, found {}", self.found())));
                }
                segs.push(if v >= 0 { Seg::Index(Term::Lit(Json::from(v))) } else { Seg::Key(String::new()) });
            } else {
                return Ok(segs);
            }
        }
    }

    fn expr(&mut self) -> R<Term> {
        self.ws();
        let start = self.i;
        if self.eat("@") {
            let n = self.name()?;
            let after = self.rest().starts_with('\'');
            if after {
                self.i += 1;
            }
            let root = if after { Root::State } else { Root::Before };
            let node = if self.nodes.contains(&n) { Seg::Index(Term::Path(Root::Var(n), vec![])) } else { Seg::Key(n) };
            let mut segs = vec![node];
            segs.extend(self.path()?);
            return Ok(Term::Path(root, segs));
        }
        if self.eat("$") {
            return Ok(Term::Path(Root::Event, self.path()?));
        }
        if self.eat("`") {
            let r = self.rest();
            let end = r.find('`').ok_or_else(|| perr(start, "unterminated `JSON` constant"))?;
            let j: Json =
                serde_json::from_str(&r[..end]).map_err(|e| perr(start + 1, format!("bad JSON constant: {e}")))?;
            self.i += end + 1;
            return Ok(Term::Lit(j));
        }
        let r = self.rest();
        if r.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
            return Ok(Term::Lit(Json::from(self.int()?)));
        }
        let n = self.name().map_err(|_| {
            perr(start, format!("expected a value (@node.path, $.path, `json`, an integer), found {}", self.found()))
        })?;
        if !self.ints.contains(&n) {
            return Err(perr(
                start,
                format!("unknown name `{0}` (bind integers with `forall {0} in [...]`)", crate::parse::quoted(&n)),
            ));
        }
        let var = Term::Path(Root::Var(n), vec![]);
        if self.eat("+") {
            let k = self.int()?;
            return Ok(Term::Arith(ArithOp::Add, Box::new(var), Box::new(Term::Lit(Json::from(k)))));
        }
        Ok(var)
    }
}

/// Parses a detsys-testkit formula.
pub fn parse(src: &str) -> Result<Formula, ParseError> {
    let mut d = D { s: src, i: 0, nodes: vec![], ints: vec![], depth: 0 };
    let f = d.formula()?;
    d.ws();
    if d.i < src.len() {
        return Err(perr(d.i, format!("unexpected {} after the formula", d.found())));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detsys_precedence() {
        // `->` takes a whole formula on its right: TT -> (FF -> TT)
        let f = parse("TT -> FF -> TT").unwrap();
        let Formula::Implies(_, b) = f else { panic!() };
        assert!(matches!(*b, Formula::Implies(..)));
        // always extends right
        assert!(
            matches!(parse("[] TT && FF").unwrap(), Formula::Unary(UOp::Always, _, ref b) if matches!(**b, Formula::And(..)))
        );
        // one level, right-assoc: a && (b || c)
        let f = parse("TT && FF || TT").unwrap();
        assert!(matches!(f, Formula::And(_, ref b) if matches!(**b, Formula::Or(..))));
        assert!(parse("TT && always TT").is_err());
    }

    #[test]
    fn detsys_terms() {
        let f = parse("<> @register1'.value = `[1]`").unwrap();
        assert_eq!(f.to_string(), "eventually (state.register1.value == [1])");
        let f = parse("forall n. [] (@n'.value = `[1]` -> <> $.message = `\"ack\"`)").unwrap();
        assert!(f.to_string().contains("state[n].value"), "{f}");
        assert!(f.to_string().contains("event.message == \"ack\""), "{f}");
        let f = parse("exists i in [1,2]. <> @register1'.value[0] = i").unwrap();
        assert!(matches!(f, Formula::Quant(Quant::Exists, _, Domain::List(ref l), _) if l.len() == 2));
        let f = parse("[] @a.x = @a'.x").unwrap();
        assert!(f.to_string().contains("before.a.x == state.a.x"), "{f}");
        assert!(parse("[] @a.x == 1").is_err());
        assert!(parse("<> @B'.log = `\"Hello world!\"`").is_ok());
    }
}
