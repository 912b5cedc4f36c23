//! The formula parser: a nom lexer, then a Pratt parser over one expression
//! grammar, then a type check that tells formulas (booleans) from terms (values).
//!
//! Precedence, loosest first: binders (`bind`, `forall`, `exists`: the body
//! extends as far right as possible), `->`/`<->` (right-assoc), `||`, `&&`,
//! binary temporal operators (non-assoc), prefix `!` and temporal operators,
//! comparisons (non-assoc), `+ -`, `* /`, unary minus and postfix `.key`/`[i]`.

use crate::syntax::*;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_while, take_while1};
use nom::character::complete::{char, digit1, multispace1, not_line_ending};
use nom::combinator::{opt, recognize};
use nom::sequence::{pair, tuple};
use nom::IResult;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use history::builder::{push_shown_char, shown_text, shown_width, QUOTE_CHARS, SNIPPET_CHARS};

/// A formula that does not parse: the byte offset and a message. `render` puts a
/// caret under the column.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ParseError { offset, message: message.into() }
    }
    /// The 1-based column (in characters) of the error in `src`.
    pub fn column(&self, src: &str) -> usize {
        let off = self.offset.min(src.len());
        src.char_indices().take_while(|(i, _)| *i < off).count() + 1
    }
    /// `column N: message`, the formula's line and a caret under the column.
    /// The line is shown escaped (control and invisible characters as `\u{..}`)
    /// and, when long, cut to a window of [`SNIPPET_CHARS`] around the error with
    /// a count of what was cut on each side; the caret stays under the error.
    pub fn render(&self, src: &str) -> String {
        let col = self.column(src);
        // Show the line holding the error (formulas from --spec may span one line only,
        // but `let` chains from a file may have several).
        let mut off = self.offset.min(src.len());
        while !src.is_char_boundary(off) {
            off -= 1;
        }
        let line_start = src[..off].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[off..].find('\n').map_or(src.len(), |i| off + i);
        let line_no = src[..line_start].matches('\n').count() + 1;
        let in_line = src[line_start..off].chars().count();
        let place = if line_start > 0 || line_end < src.len() {
            format!("line {line_no}, column {}", in_line + 1)
        } else {
            format!("column {col}")
        };
        let (shown, caret) = snippet(&src[line_start..off], &src[off..line_end]);
        format!("{place}: {}\n  {shown}\n  {}^", self.message, " ".repeat(caret))
    }
}

/// A piece of the formula quoted in a message: escaped, and cut to
/// [`QUOTE_CHARS`] characters with a count of the rest.
pub(crate) fn quoted(s: &str) -> String {
    shown_text(s, QUOTE_CHARS)
}

/// The line around an error, `before` and `after` it, as shown under a message:
/// escaped and cut to at most [`SNIPPET_CHARS`] characters around the error
/// (up to half of them before it, more when the rest of the line is short),
/// each cut marked with a count of what was cut, as the history parsers do.
/// Returns the text and the caret's column in it (0-based, in characters).
fn snippet(before: &str, after: &str) -> (String, usize) {
    let width = |s: &str| s.chars().map(shown_width).sum::<usize>();
    let after_room = SNIPPET_CHARS - width(before).min(SNIPPET_CHARS / 2);
    let room = SNIPPET_CHARS - width(after).min(after_room);
    // The last characters before the error that fit in `room`.
    let mut used = 0;
    let mut keep_from = before.len();
    for (i, c) in before.char_indices().rev() {
        let w = shown_width(c);
        if used + w > room {
            break;
        }
        used += w;
        keep_from = i;
    }
    let mut out = String::new();
    let cut_before = before[..keep_from].chars().count();
    if cut_before > 0 {
        out.push_str(&format!("[{cut_before} char{} before]…", if cut_before == 1 { "" } else { "s" }));
    }
    for c in before[keep_from..].chars() {
        push_shown_char(&mut out, c);
    }
    let caret = out.chars().count();
    out.push_str(&shown_text(after, after_room));
    (out, caret)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `split`: the two whole parts of a plain `D.D` number, for `x.0.1`.
    Num {
        value: f64,
        int: Option<i64>,
        unit: Option<Unit>,
        split: Option<(i64, i64)>,
    },
    Str(String),
    Sym(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const SYMS: &[&str] = &[
    "<->", "->", "==", "!=", "<=", ">=", "&&", "||", "[]", "<>", "..", "<", ">", "!", "(", ")", "[", "]", ",", ".",
    "+", "-", "*", "/", ";", "=", "$", ":",
];

fn ws(i: &str) -> IResult<&str, ()> {
    let mut rest = i;
    loop {
        if let Ok((r, _)) = multispace1::<&str, nom::error::Error<&str>>(rest) {
            rest = r;
        } else if let Ok((r, _)) =
            alt((pair(tag("//"), not_line_ending), pair(tag("#"), not_line_ending)))(rest) as IResult<&str, _>
        {
            rest = r;
        } else if rest.starts_with("/*") {
            match take_until::<_, _, nom::error::Error<&str>>("*/")(&rest[2..]) {
                Ok((r, _)) => rest = &r[2..],
                // Unterminated: left for the lexer to report.
                Err(_) => return Ok((rest, ())),
            }
        } else {
            return Ok((rest, ()));
        }
    }
}

fn ident(i: &str) -> IResult<&str, &str> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))(i)
}

fn number(i: &str) -> IResult<&str, &str> {
    recognize(tuple((
        digit1,
        opt(pair(char('.'), digit1)),
        opt(tuple((alt((char('e'), char('E'))), opt(alt((char('+'), char('-')))), digit1))),
    )))(i)
}

/// Splits a formula into tokens; an unknown character is an error at its offset.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut rest = src;
    loop {
        rest = ws(rest).map(|(r, _)| r).unwrap_or(rest);
        let pos = src.len() - rest.len();
        if rest.is_empty() {
            out.push(Token { tok: Tok::Eof, pos });
            return Ok(out);
        }
        if rest.starts_with("/*") {
            return Err(ParseError::new(pos, "unterminated comment: `/*` without a closing `*/`"));
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_ascii_digit() {
            let (r, text) = number(rest).map_err(|_| ParseError::new(pos, "bad number"))?;
            let value: f64 = text.parse().map_err(|_| ParseError::new(pos, "bad number"))?;
            let int = if text.bytes().all(|b| b.is_ascii_digit()) { text.parse::<i64>().ok() } else { None };
            // `0.1` after `.` is two indices (`x.0.1`): keep both parts.
            let split = text.split_once('.').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            // A unit must touch the number: `10s`, `1.5ms`.
            let (r, unit) = match ident(r) {
                Ok((r2, u)) => match Unit::from_name(u) {
                    Some(unit) => (r2, Some(unit)),
                    None => {
                        return Err(ParseError::new(
                            src.len() - r.len(),
                            format!("unknown unit `{}` (units: ns, us, ms, s, m, h, d)", quoted(u)),
                        ))
                    }
                },
                Err(_) => (r, None),
            };
            out.push(Token { tok: Tok::Num { value, int, unit, split: split.filter(|_| unit.is_none()) }, pos });
            rest = r;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let (r, id) = ident(rest).map_err(|_| ParseError::new(pos, "bad name"))?;
            out.push(Token { tok: Tok::Ident(id.to_string()), pos });
            rest = r;
        } else if c == '"' {
            // Find the closing quote, honouring backslash escapes, then let serde_json unescape.
            let bytes = rest.as_bytes();
            let mut k = 1;
            let mut closed = None;
            while k < bytes.len() {
                match bytes[k] {
                    b'\\' => k += 2,
                    b'"' => {
                        closed = Some(k);
                        break;
                    }
                    _ => k += 1,
                }
            }
            let end = closed.ok_or_else(|| ParseError::new(pos, "unterminated string"))?;
            let s: String = serde_json::from_str(&rest[..=end]).map_err(|e| {
                // serde_json counts from the literal's quote: point at the bad
                // character, and keep its message without its own position.
                let mut at = pos + e.column().saturating_sub(1).min(end);
                while !src.is_char_boundary(at) {
                    at -= 1;
                }
                let text = e.to_string();
                let text = text.split(" at line ").next().unwrap_or("");
                ParseError::new(if e.line() == 1 { at } else { pos }, format!("bad string literal: {text}"))
            })?;
            out.push(Token { tok: Tok::Str(s), pos });
            rest = &rest[end + 1..];
        } else if let Some(s) = SYMS.iter().find(|s| rest.starts_with(**s)) {
            out.push(Token { tok: Tok::Sym(s), pos });
            rest = &rest[s.len()..];
        } else {
            return Err(ParseError::new(pos, format!("unexpected character `{}`", quoted(c.encode_utf8(&mut [0; 4])))));
        }
    }
}

/// The untyped expression tree the Pratt parser builds.
#[derive(Clone, Debug)]
enum Ex {
    Bool(bool),
    Null,
    Num(f64, Option<i64>),
    Dur(f64, Unit),
    Str(String),
    Array(Vec<(Ex, usize)>),
    Name(String),
    Root(Root),
    /// A base and its postfix segments, flat (a path of 16,000 segments is one
    /// node, not 16,000 nested ones).
    Post(Box<(Ex, usize)>, Vec<PostSeg>),
    Call(String, Vec<(Ex, usize)>),
    Neg(Box<(Ex, usize)>),
    Arith(ArithOp, Box<(Ex, usize)>, Box<(Ex, usize)>),
    Cmp(CmpOp, Box<(Ex, usize)>, Box<(Ex, usize)>),
    Not(Box<(Ex, usize)>),
    And(Box<(Ex, usize)>, Box<(Ex, usize)>),
    Or(Box<(Ex, usize)>, Box<(Ex, usize)>),
    Implies(Box<(Ex, usize)>, Box<(Ex, usize)>),
    Iff(Box<(Ex, usize)>, Box<(Ex, usize)>),
    Unary(UOp, Interval, Box<(Ex, usize)>),
    Binary(BOp, Interval, Box<(Ex, usize)>, Box<(Ex, usize)>),
    Bind(String, Box<(Ex, usize)>),
    Quant(Quant, String, Domain, Box<(Ex, usize)>),
}

#[derive(Clone, Debug)]
enum PostSeg {
    Field(String),
    Index((Ex, usize)),
}

const KEYWORDS: &[&str] = &[
    "state",
    "event",
    "time",
    "step",
    "before",
    "bind",
    "forall",
    "exists",
    "in",
    "let",
    "nodes",
    "true",
    "false",
    "null",
    "not",
    "and",
    "or",
    "always",
    "eventually",
    "next",
    "wnext",
    "prev",
    "wprev",
    "once",
    "historically",
    "until",
    "wuntil",
    "release",
    "since",
];

fn unary_op(name: &str) -> Option<UOp> {
    Some(match name {
        "next" => UOp::Next,
        "wnext" => UOp::WNext,
        "prev" => UOp::Prev,
        "wprev" => UOp::WPrev,
        "eventually" => UOp::Eventually,
        "always" => UOp::Always,
        "once" => UOp::Once,
        "historically" => UOp::Historically,
        _ => return None,
    })
}

fn binary_op(name: &str) -> Option<BOp> {
    Some(match name {
        "until" => BOp::Until,
        "wuntil" => BOp::WUntil,
        "release" => BOp::Release,
        "since" => BOp::Since,
        _ => return None,
    })
}

fn cmp_op(s: &str) -> Option<CmpOp> {
    Some(match s {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}

/// Binding powers of the infix operators.
const BP_IMPL: u8 = 2;
const BP_OR: u8 = 3;
const BP_AND: u8 = 4;
const BP_TBIN: u8 = 5;
const BP_PREFIX: u8 = 6;
const BP_CMP: u8 = 7;
const BP_ADD: u8 = 8;
const BP_MUL: u8 = 9;

struct P {
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

type R<T> = Result<T, ParseError>;

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{}`", quoted(s)),
        Tok::Num { .. } => "a number".into(),
        Tok::Str(_) => "a string".into(),
        Tok::Sym(s) => format!("`{s}`"),
        Tok::Eof => "the end of the formula".into(),
    }
}

impl P {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> usize {
        self.toks[self.i].pos
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn is_word(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == s)
    }
    fn expect_sym(&mut self, s: &str, what: &str) -> R<()> {
        if self.is_sym(s) {
            self.bump();
            Ok(())
        } else {
            Err(ParseError::new(self.pos(), format!("expected `{s}` {what}, found {}", describe(self.peek()))))
        }
    }
    fn ident(&mut self, what: &str) -> R<String> {
        match self.peek().clone() {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                self.bump();
                Ok(s)
            }
            t => Err(ParseError::new(self.pos(), format!("expected {what}, found {}", describe(&t)))),
        }
    }

    fn expr(&mut self, min_bp: u8) -> R<(Ex, usize)> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(ParseError::new(self.pos(), "formula nested too deeply"));
        }
        let r = self.expr_inner(min_bp);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, min_bp: u8) -> R<(Ex, usize)> {
        let mut lhs = self.prefix(min_bp)?;
        let mut chain = 0usize;
        loop {
            let pos = self.pos();
            // Each operator of a chain nests the tree one level deeper.
            chain += 1;
            if self.depth + chain > 256 {
                return Err(ParseError::new(pos, "formula nested too deeply"));
            }
            let (bp, kind) = match self.peek().clone() {
                Tok::Sym("->") => (BP_IMPL, 0),
                Tok::Sym("<->") => (BP_IMPL, 1),
                Tok::Sym("||") => (BP_OR, 2),
                Tok::Ident(w) if w == "or" => (BP_OR, 2),
                Tok::Sym("&&") => (BP_AND, 3),
                Tok::Ident(w) if w == "and" => (BP_AND, 3),
                Tok::Ident(w) if binary_op(&w).is_some() => (BP_TBIN, 4),
                Tok::Sym(s) if cmp_op(s).is_some() => (BP_CMP, 5),
                Tok::Sym("+") | Tok::Sym("-") => (BP_ADD, 6),
                Tok::Sym("*") | Tok::Sym("/") => (BP_MUL, 6),
                _ => break,
            };
            if bp <= min_bp {
                break;
            }
            let op = self.bump();
            lhs = match kind {
                0 | 1 => {
                    let rhs = self.expr(bp - 1)?; // right-associative
                    let (a, b) = (Box::new(lhs), Box::new(rhs));
                    (if kind == 0 { Ex::Implies(a, b) } else { Ex::Iff(a, b) }, pos)
                }
                2 => (Ex::Or(Box::new(lhs), Box::new(self.expr(bp)?)), pos),
                3 => (Ex::And(Box::new(lhs), Box::new(self.expr(bp)?)), pos),
                4 => {
                    let Tok::Ident(w) = &op.tok else { unreachable!() };
                    let bop = binary_op(w).unwrap_or(BOp::Until);
                    let iv = self.interval()?;
                    let rhs = self.expr(bp)?;
                    if let Tok::Ident(w2) = self.peek() {
                        if binary_op(w2).is_some() {
                            return Err(ParseError::new(
                                self.pos(),
                                format!("`{w}` and `{w2}` do not chain: add parentheses"),
                            ));
                        }
                    }
                    (Ex::Binary(bop, iv, Box::new(lhs), Box::new(rhs)), pos)
                }
                5 => {
                    let Tok::Sym(s) = op.tok else { unreachable!() };
                    let cop = cmp_op(s).unwrap_or(CmpOp::Eq);
                    let rhs = self.expr_term_rhs(bp)?;
                    if let Tok::Sym(s2) = self.peek() {
                        if cmp_op(s2).is_some() {
                            return Err(ParseError::new(
                                self.pos(),
                                "comparisons do not chain: write `a < b && b < c`".to_string(),
                            ));
                        }
                    }
                    (Ex::Cmp(cop, Box::new(lhs), Box::new(rhs)), pos)
                }
                _ => {
                    let Tok::Sym(s) = op.tok else { unreachable!() };
                    let aop = match s {
                        "+" => ArithOp::Add,
                        "-" => ArithOp::Sub,
                        "*" => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    (Ex::Arith(aop, Box::new(lhs), Box::new(self.expr(bp)?)), pos)
                }
            };
        }
        Ok(lhs)
    }

    /// The right side of a comparison: `[]` there is the empty array.
    fn expr_term_rhs(&mut self, bp: u8) -> R<(Ex, usize)> {
        if self.is_sym("[]") {
            let pos = self.pos();
            self.bump();
            let mut lhs = (Ex::Array(vec![]), pos);
            lhs = self.postfix(lhs)?;
            // Allow arithmetic after it, though it is meaningless.
            return Ok(lhs);
        }
        self.expr(bp)
    }

    /// `[a..b]` / `[a..b)` right after a temporal keyword, when the bracket holds `..`.
    fn interval(&mut self) -> R<Interval> {
        if !self.is_sym("[") {
            return Ok(Interval::default());
        }
        // An interval iff `..` comes before the closing bracket.
        let mut k = 1;
        let mut is_iv = false;
        while let Tok::Num { .. } | Tok::Sym("..") = self.peek_at(k) {
            if self.peek_at(k) == &Tok::Sym("..") {
                is_iv = true;
            }
            k += 1;
        }
        if !is_iv {
            return Ok(Interval::default());
        }
        let start = self.pos();
        self.bump();
        let lo = self.bound()?;
        self.expect_sym("..", "in an interval")?;
        let hi = self.bound()?;
        let hi_open = if self.is_sym("]") {
            false
        } else if self.is_sym(")") {
            true
        } else {
            return Err(ParseError::new(self.pos(), format!("expected `]` or `)`, found {}", describe(self.peek()))));
        };
        self.bump();
        let iv = Interval { lo, hi, hi_open };
        let units: Vec<bool> = [lo, hi].iter().flatten().map(|b| b.unit.is_some()).collect();
        if units.len() == 2 && units[0] != units[1] {
            return Err(ParseError::new(start, "an interval mixes steps and durations"));
        }
        if let (Some(l), Some(h)) = (lo, hi) {
            let f = |b: Bound| b.value * b.unit.map_or(1.0, Unit::nanos);
            if f(l) > f(h) || (hi_open && f(l) >= f(h)) {
                return Err(ParseError::new(start, "empty interval: the lower bound is above the upper one"));
            }
        }
        if hi_open && hi.is_none() {
            return Err(ParseError::new(start, "an interval without an upper bound ends with `]`"));
        }
        Ok(iv)
    }

    fn bound(&mut self) -> R<Option<Bound>> {
        if let Tok::Num { value, unit, int, .. } = self.peek().clone() {
            if unit.is_none() && int.is_none() {
                return Err(ParseError::new(self.pos(), "a step bound is a whole number (durations need a unit)"));
            }
            self.bump();
            Ok(Some(Bound { value, unit }))
        } else {
            Ok(None)
        }
    }

    fn prefix(&mut self, min_bp: u8) -> R<(Ex, usize)> {
        let pos = self.pos();
        let t = self.peek().clone();
        match t {
            Tok::Ident(w) if w == "bind" => {
                self.bump();
                let v = self.ident("a name after `bind`")?;
                self.expect_sym(".", "after the bound name")?;
                let body = self.expr(0)?;
                Ok((Ex::Bind(v, Box::new(body)), pos))
            }
            Tok::Ident(w) if w == "forall" || w == "exists" => {
                self.bump();
                let q = if w == "forall" { Quant::Forall } else { Quant::Exists };
                let v = self.ident(&format!("a name after `{w}`"))?;
                if !self.is_word("in") {
                    return Err(ParseError::new(
                        self.pos(),
                        format!("expected `in nodes` or `in [...]`, found {}", describe(self.peek())),
                    ));
                }
                self.bump();
                let d = self.domain()?;
                self.expect_sym(".", "after the domain")?;
                let body = self.expr(0)?;
                Ok((Ex::Quant(q, v, d, Box::new(body)), pos))
            }
            Tok::Sym("!") => {
                self.bump();
                Ok((Ex::Not(Box::new(self.expr(BP_PREFIX)?)), pos))
            }
            Tok::Ident(w) if w == "not" => {
                self.bump();
                Ok((Ex::Not(Box::new(self.expr(BP_PREFIX)?)), pos))
            }
            Tok::Ident(w) if unary_op(&w).is_some() => {
                self.bump();
                let op = unary_op(&w).unwrap_or(UOp::Always);
                let iv = self.interval()?;
                Ok((Ex::Unary(op, iv, Box::new(self.expr(BP_PREFIX)?)), pos))
            }
            Tok::Sym("[]") if !matches!(self.peek_at(1), Tok::Sym(s) if cmp_op(s).is_some()) && min_bp < BP_CMP => {
                self.bump();
                let iv = self.interval()?;
                Ok((Ex::Unary(UOp::Always, iv, Box::new(self.expr(BP_PREFIX)?)), pos))
            }
            Tok::Sym("<>") => {
                self.bump();
                let iv = self.interval()?;
                Ok((Ex::Unary(UOp::Eventually, iv, Box::new(self.expr(BP_PREFIX)?)), pos))
            }
            Tok::Sym("-") => {
                self.bump();
                let inner = self.expr(BP_MUL)?;
                Ok(match inner.0 {
                    Ex::Num(v, i) => (Ex::Num(-v, i.map(|i| -i)), pos),
                    Ex::Dur(v, u) => (Ex::Dur(-v, u), pos),
                    _ => (Ex::Neg(Box::new(inner)), pos),
                })
            }
            _ => {
                let p = self.primary()?;
                self.postfix(p)
            }
        }
    }

    fn domain(&mut self) -> R<Domain> {
        if self.is_word("nodes") {
            self.bump();
            return Ok(Domain::Nodes);
        }
        let pos = self.pos();
        if self.is_sym("[]") {
            self.bump();
            return Ok(Domain::List(vec![]));
        }
        if !self.is_sym("[") {
            return Err(ParseError::new(
                pos,
                format!("expected `nodes` or a list `[...]`, found {}", describe(self.peek())),
            ));
        }
        let (e, p) = self.primary()?;
        match lit_of(&e) {
            Some(Json::Array(items)) => Ok(Domain::List(items)),
            _ => Err(ParseError::new(p, "a domain list holds literals only")),
        }
    }

    fn primary(&mut self) -> R<(Ex, usize)> {
        let pos = self.pos();
        let t = self.bump().tok;
        let e = match t {
            Tok::Num { value, int, unit: None, .. } => Ex::Num(value, int),
            Tok::Num { value, unit: Some(u), .. } => Ex::Dur(value, u),
            Tok::Str(s) => Ex::Str(s),
            Tok::Sym("$") => Ex::Root(Root::Record),
            Tok::Sym("(") => {
                let inner = self.expr(0)?;
                self.expect_sym(")", "to close `(`")?;
                return Ok(inner);
            }
            Tok::Sym("[]") => Ex::Array(vec![]),
            Tok::Sym("[") => {
                let mut items = Vec::new();
                if !self.is_sym("]") {
                    loop {
                        items.push(self.expr_term_rhs(0)?);
                        if self.is_sym(",") {
                            self.bump();
                            continue;
                        }
                        break;
                    }
                }
                self.expect_sym("]", "to close the array")?;
                Ex::Array(items)
            }
            Tok::Ident(w) => match w.as_str() {
                "true" => Ex::Bool(true),
                "false" => Ex::Bool(false),
                "null" => Ex::Null,
                "state" => Ex::Root(Root::State),
                "event" => Ex::Root(Root::Event),
                "time" => Ex::Root(Root::Time),
                "step" => Ex::Root(Root::Step),
                "before" => Ex::Root(Root::Before),
                _ if KEYWORDS.contains(&w.as_str()) => {
                    return Err(ParseError::new(pos, format!("unexpected keyword `{}`", quoted(&w))));
                }
                _ if self.is_sym("(") => {
                    self.bump();
                    let mut args = Vec::new();
                    if !self.is_sym(")") {
                        loop {
                            args.push(self.expr_term_rhs(0)?);
                            if self.is_sym(",") {
                                self.bump();
                                continue;
                            }
                            break;
                        }
                    }
                    self.expect_sym(")", "to close the argument list")?;
                    Ex::Call(w, args)
                }
                _ => Ex::Name(w),
            },
            t => {
                return Err(ParseError::new(pos, format!("expected a formula or a value, found {}", describe(&t))));
            }
        };
        Ok((e, pos))
    }

    fn postfix(&mut self, e: (Ex, usize)) -> R<(Ex, usize)> {
        let at = e.1;
        let mut segs = Vec::new();
        loop {
            let pos = self.pos();
            if self.is_sym(".") {
                self.bump();
                let key = match self.bump().tok {
                    Tok::Ident(k) => k,
                    // `w.$.x`: the whole record of a bound step
                    Tok::Sym("$") => "$".to_string(),
                    Tok::Num { int: Some(i), unit: None, .. } => {
                        segs.push(PostSeg::Index((Ex::Num(i as f64, Some(i)), pos)));
                        continue;
                    }
                    // `x.0.1`: the lexer read `0.1` as one number.
                    Tok::Num { split: Some((i, j)), .. } => {
                        for k in [i, j] {
                            segs.push(PostSeg::Index((Ex::Num(k as f64, Some(k)), pos)));
                        }
                        continue;
                    }
                    t => {
                        return Err(ParseError::new(
                            pos + 1,
                            format!("expected a key after `.`, found {}", describe(&t)),
                        ))
                    }
                };
                segs.push(PostSeg::Field(key));
            } else if self.is_sym("[") {
                self.bump();
                let idx = self.expr(0)?;
                self.expect_sym("]", "to close the index")?;
                segs.push(PostSeg::Index(idx));
            } else if segs.is_empty() {
                return Ok(e);
            } else {
                return Ok((Ex::Post(Box::new(e), segs), at));
            }
        }
    }
}

fn lit_of(e: &Ex) -> Option<Json> {
    Some(match e {
        Ex::Bool(b) => Json::Bool(*b),
        Ex::Null => Json::Null,
        Ex::Num(v, Some(i)) if *v == *i as f64 => Json::from(*i),
        Ex::Num(v, _) => serde_json::Number::from_f64(*v).map(Json::Number)?,
        Ex::Str(s) => Json::String(s.clone()),
        Ex::Array(items) => Json::Array(items.iter().map(|(e, _)| lit_of(e)).collect::<Option<Vec<_>>>()?),
        _ => return None,
    })
}

/// Names in scope while typing: bound by `bind`, by a quantifier, or by `let`
/// (each `let` with its body, shared by every use, and the body's height).
#[derive(Default, Clone)]
struct Scope {
    binds: Vec<String>,
    quants: Vec<String>,
    lets: HashMap<String, (Arc<Formula>, usize)>,
}

/// How deep a formula may nest once its `let` names are expanded: the compiler,
/// the printers and the evaluators recurse on its depth, and a `let` body under
/// the parser's limit can be used inside another, and so on.
pub const MAX_DEPTH: usize = 300;

/// The height of a term's expression (terms are not shared, so this is bounded by the parser's nesting limit).
fn ex_height(e: &(Ex, usize)) -> usize {
    1 + match &e.0 {
        Ex::Array(xs) | Ex::Call(_, xs) => xs.iter().map(ex_height).max().unwrap_or(0),
        Ex::Post(b, segs) => segs
            .iter()
            .map(|s| match s {
                PostSeg::Index(i) => ex_height(i),
                PostSeg::Field(_) => 0,
            })
            .max()
            .unwrap_or(0)
            .max(ex_height(b)),
        Ex::Neg(a) | Ex::Not(a) | Ex::Unary(_, _, a) | Ex::Bind(_, a) | Ex::Quant(_, _, _, a) => ex_height(a),
        Ex::Arith(_, a, b)
        | Ex::Cmp(_, a, b)
        | Ex::And(a, b)
        | Ex::Or(a, b)
        | Ex::Implies(a, b)
        | Ex::Iff(a, b)
        | Ex::Binary(_, _, a, b) => ex_height(a).max(ex_height(b)),
        _ => 0,
    }
}

fn to_formula(e: &(Ex, usize), sc: &Scope) -> R<Formula> {
    to_formula_h(e, sc).map(|(f, _)| f)
}

/// The formula and its height with `let` names expanded; an error where that
/// height passes [`MAX_DEPTH`].
fn to_formula_h(e: &(Ex, usize), sc: &Scope) -> R<(Formula, usize)> {
    let (ex, pos) = e;
    let b = |x: &(Ex, usize), sc: &Scope| to_formula_h(x, sc).map(|(f, h)| (Box::new(f), h));
    let (f, h) = match ex {
        Ex::Bool(v) => (Formula::Const(*v), 1),
        Ex::Cmp(op, a, c) => (Formula::Cmp(*op, to_term(a, sc)?, to_term(c, sc)?), ex_height(e)),
        Ex::Not(a) => {
            let (a, h) = b(a, sc)?;
            (Formula::Not(a), h + 1)
        }
        Ex::And(a, c) | Ex::Or(a, c) | Ex::Implies(a, c) | Ex::Iff(a, c) => {
            let ((a, ha), (c, hc)) = (b(a, sc)?, b(c, sc)?);
            let f = match ex {
                Ex::And(..) => Formula::And(a, c),
                Ex::Or(..) => Formula::Or(a, c),
                Ex::Implies(..) => Formula::Implies(a, c),
                _ => Formula::Iff(a, c),
            };
            (f, ha.max(hc) + 1)
        }
        Ex::Unary(op, iv, a) => {
            let (a, h) = b(a, sc)?;
            (Formula::Unary(*op, *iv, a), h + 1)
        }
        Ex::Binary(op, iv, a, c) => {
            let ((a, ha), (c, hc)) = (b(a, sc)?, b(c, sc)?);
            (Formula::Binary(*op, *iv, a, c), ha.max(hc) + 1)
        }
        Ex::Bind(v, body) => {
            let mut inner = sc.clone();
            inner.binds.push(v.clone());
            inner.quants.retain(|q| q != v);
            let (body, h) = b(body, &inner)?;
            (Formula::Bind(v.clone(), body), h + 1)
        }
        Ex::Quant(q, v, d, body) => {
            let mut inner = sc.clone();
            inner.quants.push(v.clone());
            inner.binds.retain(|q| q != v);
            let (body, h) = b(body, &inner)?;
            (Formula::Quant(*q, v.clone(), d.clone(), body), h + 1)
        }
        Ex::Name(n) if !sc.binds.contains(n) && !sc.quants.contains(n) => match sc.lets.get(n) {
            Some((f, h)) => (Formula::Named(n.clone(), Arc::clone(f)), h + 1),
            None => return Err(ParseError::new(*pos, format!("unknown name `{}`", quoted(n)))),
        },
        _ => (Formula::Truthy(to_term(e, sc)?), ex_height(e)),
    };
    if h > MAX_DEPTH {
        return Err(ParseError::new(
            *pos,
            format!("formula nested too deeply: more than {MAX_DEPTH} levels once `let` names are expanded"),
        ));
    }
    Ok((f, h))
}

fn to_term(e: &(Ex, usize), sc: &Scope) -> R<Term> {
    let (ex, pos) = e;
    let b = |x: &(Ex, usize)| to_term(x, sc).map(Box::new);
    Ok(match ex {
        Ex::Bool(_) | Ex::Null | Ex::Num(..) | Ex::Str(_) => Term::Lit(lit_of(ex).unwrap_or(Json::Null)),
        Ex::Dur(v, u) => Term::Dur(*v, *u),
        Ex::Array(items) => match lit_of(ex) {
            Some(j) => Term::Lit(j),
            None => Term::Array(items.iter().map(|x| to_term(x, sc)).collect::<R<Vec<_>>>()?),
        },
        Ex::Root(r) => Term::Path(r.clone(), vec![]),
        Ex::Name(n) => {
            if sc.binds.contains(n) || sc.quants.contains(n) {
                Term::Path(Root::Var(n.clone()), vec![])
            } else if sc.lets.contains_key(n.as_str()) {
                return Err(ParseError::new(*pos, format!("`{}` is a formula (a `let`), not a value", quoted(n))));
            } else {
                return Err(ParseError::new(*pos, format!("unknown name `{}`", quoted(n))));
            }
        }
        Ex::Post(base, segs) => {
            let mut t = to_term(base, sc)?;
            for s in segs {
                let seg = match s {
                    PostSeg::Field(key) => Seg::Key(key.clone()),
                    PostSeg::Index(idx) => match to_term(idx, sc)? {
                        Term::Lit(Json::String(s)) => Seg::Key(s),
                        t => Seg::Index(t),
                    },
                };
                t = with_seg(t, seg);
            }
            t
        }
        Ex::Call(name, args) => match (name.as_str(), args.len()) {
            ("len", 1) => Term::Len(b(&args[0])?),
            ("len", n) => return Err(ParseError::new(*pos, format!("len takes one argument, not {n}"))),
            _ => return Err(ParseError::new(*pos, format!("unknown function `{}` (functions: len)", quoted(name)))),
        },
        Ex::Neg(a) => Term::Neg(b(a)?),
        Ex::Arith(op, a, c) => Term::Arith(*op, b(a)?, b(c)?),
        _ => return Err(ParseError::new(*pos, "expected a value here, found a formula (add parentheses?)")),
    })
}

/// `base.key` or `base[i]`: a path grows by a segment, and so does an index into a
/// computed value; anything else becomes the base of a new `Term::Index`.
fn with_seg(base: Term, seg: Seg) -> Term {
    match base {
        Term::Path(root, mut segs) => {
            segs.push(seg);
            Term::Path(root, segs)
        }
        Term::Index(b, mut segs) => {
            segs.push(seg);
            Term::Index(b, segs)
        }
        b => Term::Index(Box::new(b), vec![seg]),
    }
}

/// A parsed specification: the formula with its `let` definitions expanded.
pub fn parse(src: &str) -> Result<Formula, ParseError> {
    let toks = lex(src)?;
    let mut p = P { toks, i: 0, depth: 0 };
    let mut sc = Scope::default();
    while p.is_word("let") {
        p.bump();
        let name = p.ident("a name after `let`")?;
        p.expect_sym("=", "after the name")?;
        let body = p.expr(0)?;
        p.expect_sym(";", "after a `let` definition")?;
        let (f, h) = to_formula_h(&body, &sc)?;
        sc.lets.insert(name, (Arc::new(f), h));
    }
    let e = p.expr(0)?;
    if p.peek() != &Tok::Eof {
        return Err(ParseError::new(p.pos(), format!("unexpected {} after the formula", describe(p.peek()))));
    }
    to_formula(&e, &sc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Formula {
        parse(s).unwrap_or_else(|e| panic!("{}", e.render(s)))
    }

    #[test]
    fn precedence_of_unary_temporal_operators() {
        let f = p("always state.a > 0 && always !(state.b == 1)");
        let Formula::And(a, b) = f else { panic!() };
        assert!(matches!(*a, Formula::Unary(UOp::Always, _, ref x) if matches!(**x, Formula::Cmp(..))));
        assert!(matches!(*b, Formula::Unary(UOp::Always, _, ref x) if matches!(**x, Formula::Not(_))));
    }

    #[test]
    fn implication_is_right_associative() {
        let f = p("true -> false -> true");
        let Formula::Implies(_, b) = f else { panic!() };
        assert!(matches!(*b, Formula::Implies(..)));
    }

    #[test]
    fn binders_extend_right() {
        let f = p("state.p && bind w. eventually state.q && time - w.time <= 5");
        let Formula::And(_, b) = f else { panic!() };
        let Formula::Bind(_, body) = *b else { panic!() };
        assert!(matches!(*body, Formula::And(..)));
    }

    #[test]
    fn intervals_and_aliases() {
        let f = p("[] (state.p -> <>[..10s] state.q)");
        let Formula::Unary(UOp::Always, _, body) = f else { panic!() };
        let Formula::Implies(_, q) = *body else { panic!() };
        let Formula::Unary(UOp::Eventually, iv, _) = *q else { panic!() };
        assert_eq!(iv.hi, Some(Bound { value: 10.0, unit: Some(Unit::S) }));
        let f = p("eventually[2..5) state.q");
        assert!(matches!(f, Formula::Unary(UOp::Eventually, Interval { hi_open: true, .. }, _)));
    }

    #[test]
    fn empty_array_after_comparison() {
        let f = p("state.log == []");
        assert!(matches!(f, Formula::Cmp(CmpOp::Eq, _, Term::Lit(Json::Array(ref a))) if a.is_empty()));
    }

    #[test]
    fn quantified_index_and_lets() {
        let f = p("let leader = state.n1.role == \"leader\"; forall a in nodes. always (leader -> state[a].term >= 0)");
        assert!(matches!(f, Formula::Quant(Quant::Forall, _, Domain::Nodes, _)));
    }

    /// The term of `always X == 0`.
    fn lhs(src: &str) -> Term {
        match p(&format!("{src} == 0")) {
            Formula::Cmp(CmpOp::Eq, t, _) => t,
            f => panic!("{src}: {f:?}"),
        }
    }

    fn idx(i: i64) -> Seg {
        Seg::Index(Term::Lit(Json::from(i)))
    }

    #[test]
    fn computed_values_take_segments() {
        use serde_json::json;
        let state = |k: &str| Term::Path(Root::State, vec![Seg::Key(k.into())]);
        let cases: Vec<(&str, Term)> = vec![
            ("[1,2][1]", Term::Index(Box::new(Term::Lit(json!([1, 2]))), vec![idx(1)])),
            ("[\"n1\", \"n2\"][0]", Term::Index(Box::new(Term::Lit(json!(["n1", "n2"]))), vec![idx(0)])),
            ("[state.a, state.b][1]", Term::Index(Box::new(Term::Array(vec![state("a"), state("b")])), vec![idx(1)])),
            (
                "len(state.log)[0].x[\"y z\"]",
                Term::Index(
                    Box::new(Term::Len(Box::new(state("log")))),
                    vec![idx(0), Seg::Key("x".into()), Seg::Key("y z".into())],
                ),
            ),
            // `.0` is an index, like `[0]`.
            ("[[1], 2].0.0", Term::Index(Box::new(Term::Lit(json!([[1], 2]))), vec![idx(0), idx(0)])),
            (
                "(state.a + 1)[state.i]",
                Term::Index(
                    Box::new(Term::Arith(ArithOp::Add, Box::new(state("a")), Box::new(Term::Lit(json!(1))))),
                    vec![Seg::Index(state("i"))],
                ),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(lhs(src), want, "{src}");
        }
        // Paths stay paths, parenthesised or not.
        let log0 = Term::Path(Root::State, vec![Seg::Key("log".into()), idx(0)]);
        assert_eq!(lhs("state.log[0]"), log0);
        assert_eq!(lhs("(state.log)[0]"), log0);
        assert_eq!(lhs("state[\"log\"].0"), log0);
        assert_eq!(lhs("state.log.0.1"), Term::Path(Root::State, vec![Seg::Key("log".into()), idx(0), idx(1)]));
        // A number after a binder's `.` is still a number.
        let one_and_a_half = Term::Lit(json!(1.5));
        for src in ["bind w.1.5 < time", "forall a in [1]. 1.5 < a", "forall a in [1].1.5 < a"] {
            let body = match p(src) {
                Formula::Bind(_, b) | Formula::Quant(_, _, _, b) => *b,
                f => panic!("{src}: {f:?}"),
            };
            assert!(matches!(&body, Formula::Cmp(CmpOp::Lt, l, _) if *l == one_and_a_half), "{src}: {body:?}");
        }
        // `[]` is the empty array right of a comparison, and takes an index there.
        let f = p("state.x == [][0]");
        let Formula::Cmp(_, _, r) = &f else { panic!() };
        assert_eq!(r, &Term::Index(Box::new(Term::Lit(json!([]))), vec![idx(0)]));
        assert!(parse("(state.a == 1).x").is_err());
    }

    #[test]
    fn indexed_terms_print_as_they_parse() {
        use serde_json::json;
        for src in [
            "always [1,2][1] == state.x",
            "always [\"n1\", \"n2\"][step] == state.leader",
            "[state.a, state.b][1] > 0 && [state.a, 1][state.i].k",
            "len(state.log)[0] == null",
            "(state.a - 1)[0] != (-state.b).k",
            "state.x == [][0]",
            "[[], [1]][1][0] == 1",
            "forall a in nodes. [state[a].role][0] == \"leader\"",
            "bind w. eventually [w.state.x, time][0] == (w.time)",
            "(10s)[0] == (true).k",
            "state.a[[ ]] == [1][[ ]]",
        ] {
            let f = p(src);
            let text = f.to_string();
            assert_eq!(parse(&text).map_err(|e| e.render(&text)), Ok(f), "{src} printed as {text}");
        }
        // Bases the parser never builds but Display must still print readably.
        let seg = vec![idx(0), Seg::Key("a b".into()), Seg::Key("k".into())];
        for base in [
            Term::Lit(json!(-1)),
            Term::Lit(json!(1.5)),
            Term::Lit(json!("s")),
            Term::Lit(json!(null)),
            Term::Lit(json!([])),
            Term::Lit(json!([[], -2])),
            Term::Dur(3.0, Unit::Ms),
            Term::Neg(Box::new(Term::Path(Root::Event, vec![]))),
            Term::Arith(ArithOp::Div, Box::new(Term::Path(Root::Time, vec![])), Box::new(Term::Lit(json!(2)))),
        ] {
            let t = Term::Index(Box::new(base), seg.clone());
            let f = Formula::Cmp(CmpOp::Eq, t.clone(), t);
            let text = f.to_string();
            assert_eq!(parse(&text).map_err(|e| e.render(&text)), Ok(f), "printed as {text}");
        }
    }

    #[test]
    fn errors_have_columns() {
        let e = parse("always (state.a == )").unwrap_err();
        assert_eq!(e.column("always (state.a == )"), 20);
        let r = e.render("always (state.a == )");
        assert!(r.contains("column 20"), "{r}");
        assert!(r.ends_with(&format!("{}^", " ".repeat(19))), "{r}");
        assert!(parse("unknown_name").is_err());
        assert!(parse("p until q until r").is_err());
        assert!(parse("eventually[1s..5] state.a").is_err());
    }

    /// A long line is cut around the error, each side with a count, the
    /// escapes keep the caret under the bad character, and long names are cut.
    #[test]
    fn error_snippets_are_escaped_and_cut_around_the_caret() {
        let caret_under = |r: &str| {
            let lines: Vec<&str> = r.lines().collect();
            let at = lines[2].chars().count() - 1;
            (lines[1].chars().count(), lines[1].chars().skip(at).collect::<String>())
        };
        // A tab and an escape before the error, 300 characters on each side.
        let src = format!("always\t{} && \u{1b} {}", "y".repeat(300), "z".repeat(300));
        let r = parse(&src).unwrap_err().render(&src);
        assert!(r.starts_with("column 312: unexpected character `\\u{1b}`\n  [251 chars before]…y"), "{r}");
        assert!(r.contains(" && \\u{1b} zzz"), "{r}");
        assert!(r.lines().nth(1).unwrap().ends_with("z…[247 more chars]"), "{r}");
        let (shown, under) = caret_under(&r);
        assert!(shown <= SNIPPET_CHARS + 2 + 40, "{shown}: {r}");
        assert!(under.starts_with("\\u{1b} z"), "{r}");
        // Near the start: nothing cut before, the tab shown as `\t`.
        let src = format!("always\t\u{7} {}", "z".repeat(300));
        let r = parse(&src).unwrap_err().render(&src);
        assert!(r.contains("\n  always\\t\\u{7} zz"), "{r}");
        assert!(caret_under(&r).1.starts_with("\\u{7} zz"), "{r}");
        // A short line ending at the error keeps up to the whole room before it.
        let src = format!("always {} &&", "y".repeat(200));
        let r = parse(&src).unwrap_err().render(&src);
        assert!(r.contains("\n  [90 chars before]…"), "{r}");
        // A long name in the message is cut too.
        let e = parse(&format!("always {} == 1", "x".repeat(1000))).unwrap_err();
        assert!(e.message.contains(&format!("`{}…[952 more chars]`", "x".repeat(QUOTE_CHARS))), "{}", e.message);
    }
}

#[cfg(test)]
mod index_props {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn lit() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            (-50i64..50).prop_map(|i| json!(i)),
            Just(json!(2.5)),
            "[a-z \"]{0,3}".prop_map(Json::String),
        ];
        leaf.prop_recursive(2, 6, 3, |inner| prop::collection::vec(inner, 0..3).prop_map(Json::Array))
    }

    /// Terms in the shapes the parser builds (so printing and re-parsing must give them back).
    fn term() -> impl Strategy<Value = Term> {
        let key = prop_oneof!["[a-z]{1,3}", "[a-z ]{0,3}"];
        let root = prop_oneof![Just(Root::State), Just(Root::Event), Just(Root::Step), Just(Root::Record)];
        let leaf = prop_oneof![
            lit().prop_map(Term::Lit),
            (root, prop::collection::vec(key.clone().prop_map(Seg::Key), 0..3)).prop_map(|(r, s)| Term::Path(r, s)),
        ];
        leaf.prop_recursive(3, 16, 3, move |inner| {
            let seg = prop_oneof![
                key.clone().prop_map(Seg::Key),
                (0i64..3).prop_map(|i| Seg::Index(Term::Lit(json!(i)))),
                inner
                    .clone()
                    .prop_filter("a string index is a key", |t| !matches!(t, Term::Lit(Json::String(_))))
                    .prop_map(Seg::Index),
            ];
            prop_oneof![
                (inner.clone(), prop::collection::vec(seg, 1..3)).prop_map(|(b, segs)| match b {
                    Term::Path(r, mut s) => {
                        s.extend(segs);
                        Term::Path(r, s)
                    }
                    Term::Index(b, mut s) => {
                        s.extend(segs);
                        Term::Index(b, s)
                    }
                    b => Term::Index(Box::new(b), segs),
                }),
                prop::collection::vec(inner.clone(), 1..3).prop_map(|xs| {
                    match xs
                        .iter()
                        .map(|x| match x {
                            Term::Lit(j) => Some(j.clone()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                    {
                        Some(js) => Term::Lit(Json::Array(js)),
                        None => Term::Array(xs),
                    }
                }),
                inner.clone().prop_map(|t| Term::Len(Box::new(t))),
                // (`[] - x` reads as `always (-x)`: an old corner, not about indices.)
                (inner.clone().prop_filter("[] - x", |a| a != &Term::Lit(json!([]))), inner.clone())
                    .prop_map(|(a, b)| Term::Arith(ArithOp::Sub, Box::new(a), Box::new(b))),
                inner
                    .prop_filter("-literal folds", |t| !matches!(t, Term::Lit(Json::Number(_))))
                    .prop_map(|t| Term::Neg(Box::new(t))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: testkit::cases(2000), ..ProptestConfig::default() })]
        #[test]
        fn indexed_terms_round_trip(a in term(), b in term()) {
            let f = Formula::Cmp(CmpOp::Eq, a, b);
            let text = f.to_string();
            let g = parse(&text).map_err(|e| TestCaseError::fail(e.render(&text)))?;
            prop_assert_eq!(g, f, "{}", text);
        }
    }
}

#[cfg(test)]
mod depth_tests {
    #[test]
    fn long_chains_and_deep_nesting_are_errors_not_crashes() {
        let chain = vec!["state.p"; 5000].join(" && ");
        assert!(super::parse(&chain).is_err());
        let deep = format!("{}state.p{}", "(".repeat(5000), ")".repeat(5000));
        assert!(super::parse(&deep).is_err());
        let nots = format!("{}state.p", "!".repeat(5000));
        assert!(super::parse(&nots).is_err());
        let ok = vec!["state.p"; 100].join(" && ");
        assert!(super::parse(&ok).is_ok());
        let d = vec!["TT"; 5000].join(" && ");
        assert!(crate::detsys::parse(&d).is_err());
        let d = format!("{}TT{}", "(".repeat(5000), ")".repeat(5000));
        assert!(crate::detsys::parse(&d).is_err());
    }

    /// The column of a parse error of `src` (1-based).
    fn err_col(src: &str) -> usize {
        match super::parse(src) {
            Ok(f) => panic!("parsed: {}", crate::syntax::pretty(&f)),
            Err(e) => e.column(src),
        }
    }

    /// A path of 16,000 segments parses (flat, not 16,000 nested nodes), prints
    /// and compiles, on a thread with a small stack.
    #[test]
    fn long_paths_are_flat() {
        let run = || {
            for src in [
                format!("state{} == 1", ".a".repeat(16_000)),
                format!("state.x{} == 1", "[0]".repeat(16_000)),
                format!("state.x{} == 1", ".0".repeat(16_000)),
            ] {
                let f = super::parse(&src).unwrap();
                let crate::syntax::Formula::Cmp(_, crate::syntax::Term::Path(_, segs), _) = &f else { panic!() };
                assert!(segs.len() >= 16_000);
                assert_eq!(super::parse(&f.to_string()).unwrap(), f);
                let p = crate::compile::compile(&f, &Default::default()).unwrap();
                assert_eq!(p.paths[0].len(), segs.len() + 1);
            }
        };
        std::thread::Builder::new().stack_size(256 << 10).spawn(run).unwrap().join().unwrap();
    }

    /// `let` bodies each under the parser's limit, used inside one another: the
    /// limit applies to the expanded formula, with the column of the use.
    #[test]
    fn the_depth_limit_applies_after_expansion() {
        // 3,000 chained lets.
        let mut src: String = (1..=3000).map(|k| format!("let a{k} = !a{};\n", k - 1)).collect();
        src = format!("let a0 = state.p;\n{src}a3000");
        let col = err_col(&src);
        assert!(src[..col - 1].ends_with("let a150 = !"), "{}", &src[col.saturating_sub(20)..col + 10]);
        // Bodies nested 20 deep, each using the previous one.
        let nest = |k: usize| format!("let b{k} = {}b{}{};\n", "(!".repeat(20), k - 1, ")".repeat(20));
        let src = format!("let b0 = state.p;\n{}b40", (1..=40).map(nest).collect::<String>());
        let e = super::parse(&src).unwrap_err();
        assert!(e.message.contains("once `let` names are expanded"), "{e}");
        // Under the limit, it parses.
        let src = format!("let b0 = state.p;\n{}b4", (1..=4).map(nest).collect::<String>());
        assert!(super::parse(&src).is_ok());
    }

    /// A formula's plan grows with its text: `let` bodies are shared, `<->` does
    /// not compile its sides twice (63 doubling lets or chained `<->` used to
    /// expand to 2^63 nodes).
    #[test]
    fn lets_and_iff_compile_to_a_dag() {
        let src: String = (1..=63).map(|k| format!("let a{k} = a{} && a{};", k - 1, k - 1)).collect();
        let f = super::parse(&format!("let a0 = state.p; {src} always a63")).unwrap();
        assert!(!crate::compile::uses_nodes(&f));
        let p = crate::compile::compile(&f, &Default::default()).unwrap();
        assert!(p.nodes.len() <= 3 * 64 + 4, "{} nodes", p.nodes.len());
        assert_eq!(p.atoms.len(), 1);
        let iff = vec!["state.p"; 63].join(" <-> ");
        let p = crate::compile::compile(&super::parse(&iff).unwrap(), &Default::default()).unwrap();
        assert!(p.nodes.len() <= 4 * 63, "{} nodes", p.nodes.len());
        // And it evaluates, with a proof the checker accepts.
        let text = "{\"state\": {\"p\": true}}\n{\"state\": {\"p\": false}}\n";
        let tr = crate::trace::load(text.as_bytes(), &p.paths, &Default::default()).unwrap();
        let out = crate::evaluate(&p, &tr, 3);
        let steps = crate::trace::load_steps(text.as_bytes(), &Default::default()).unwrap();
        crate::proof::check_proof(&steps, &super::parse(&iff).unwrap(), &Default::default(), &out.proof).unwrap();
    }

    #[test]
    fn an_unterminated_comment_is_an_error() {
        assert_eq!(err_col("state.p /* never closed && false"), 9);
        assert_eq!(err_col("/*"), 1);
        assert!(super::parse("state.p /* closed */ && true").is_ok());
    }
}
