//! The formula AST: formulas (booleans over a trace) and terms (JSON values at a step).
//!
//! `Display` prints a formula fully parenthesised, in the syntax `parse` reads, so
//! `parse(f.to_string()) == f` (the round-trip property tests check this).

use serde_json::Value as Json;
use std::fmt;
use std::sync::Arc;

/// A time unit of a duration literal or an interval bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Ns,
    Us,
    Ms,
    S,
    M,
    H,
    D,
}

impl Unit {
    pub fn nanos(self) -> f64 {
        match self {
            Unit::Ns => 1.0,
            Unit::Us => 1e3,
            Unit::Ms => 1e6,
            Unit::S => 1e9,
            Unit::M => 60e9,
            Unit::H => 3600e9,
            Unit::D => 86400e9,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::Us => "us",
            Unit::Ms => "ms",
            Unit::S => "s",
            Unit::M => "m",
            Unit::H => "h",
            Unit::D => "d",
        }
    }
    pub fn from_name(s: &str) -> Option<Unit> {
        Some(match s {
            "ns" => Unit::Ns,
            "us" => Unit::Us,
            "ms" => Unit::Ms,
            "s" => Unit::S,
            "m" => Unit::M,
            "h" => Unit::H,
            "d" => Unit::D,
            _ => return None,
        })
    }
}

/// One end of an interval: a number of steps (no unit) or a duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub unit: Option<Unit>,
}

/// `[lo..hi]` or `[lo..hi)`; a missing lower bound is 0, a missing upper bound is ∞.
/// The lower bound is always inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Interval {
    pub lo: Option<Bound>,
    pub hi: Option<Bound>,
    pub hi_open: bool,
}

impl Interval {
    pub fn is_full(&self) -> bool {
        self.lo.is_none() && self.hi.is_none()
    }
    /// Whether the interval measures time (some bound has a unit).
    pub fn is_time(&self) -> bool {
        self.lo.is_some_and(|b| b.unit.is_some()) || self.hi.is_some_and(|b| b.unit.is_some())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// Where a path starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    State,
    Event,
    Time,
    Step,
    /// `$`: the whole record of the step.
    Record,
    /// `before`: the state at the previous step (null at step 0); detsys's `@n.path`.
    Before,
    /// A bound name: a `bind` variable (`w.time`, `w.state.n1`) or a quantified one.
    Var(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    /// `.key`
    Key(String),
    /// `[term]`: an array index, or an object key when the term is a string.
    Index(Term),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// A JSON literal: number, string, true, false, null, or an array of literals.
    Lit(Json),
    /// A duration literal such as `10s`, converted to trace time units when compiled.
    Dur(f64, Unit),
    Path(Root, Vec<Seg>),
    Arith(ArithOp, Box<Term>, Box<Term>),
    Neg(Box<Term>),
    Len(Box<Term>),
    /// An array whose elements are not all literals: `[state.a, 1]`.
    Array(Vec<Term>),
    /// Segments applied to a computed value, as in a path: `[1, 2][i]`,
    /// `[state.a, state.b][1]`, `len(x)[0]`, `(state.a + 1).k`. A key reads an
    /// object, a non-negative whole number an array; anything else is null. The
    /// base is never a `Path` or an `Index` (the parser extends those instead).
    Index(Box<Term>, Vec<Seg>),
}

/// Prefix temporal operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UOp {
    Next,
    WNext,
    Prev,
    WPrev,
    Eventually,
    Always,
    Once,
    Historically,
}

impl UOp {
    pub fn name(self) -> &'static str {
        match self {
            UOp::Next => "next",
            UOp::WNext => "wnext",
            UOp::Prev => "prev",
            UOp::WPrev => "wprev",
            UOp::Eventually => "eventually",
            UOp::Always => "always",
            UOp::Once => "once",
            UOp::Historically => "historically",
        }
    }
    pub fn is_past(self) -> bool {
        matches!(self, UOp::Prev | UOp::WPrev | UOp::Once | UOp::Historically)
    }
}

/// Binary temporal operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BOp {
    Until,
    WUntil,
    Release,
    Since,
}

impl BOp {
    pub fn name(self) -> &'static str {
        match self {
            BOp::Until => "until",
            BOp::WUntil => "wuntil",
            BOp::Release => "release",
            BOp::Since => "since",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    Forall,
    Exists,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// The keys of `state` at step 0, or `--nodes`.
    Nodes,
    /// A literal list.
    List(Vec<Json>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    Const(bool),
    Cmp(CmpOp, Term, Term),
    /// A bare term used as a formula: true when truthy.
    Truthy(Term),
    Not(Box<Formula>),
    And(Box<Formula>, Box<Formula>),
    Or(Box<Formula>, Box<Formula>),
    Implies(Box<Formula>, Box<Formula>),
    Iff(Box<Formula>, Box<Formula>),
    Unary(UOp, Interval, Box<Formula>),
    Binary(BOp, Interval, Box<Formula>, Box<Formula>),
    Bind(String, Box<Formula>),
    Quant(Quant, String, Domain, Box<Formula>),
    /// A `let` definition, expanded where it is used; the name labels proofs.
    /// Every use of one definition shares its body (so a formula is a DAG as
    /// long as its text, however often names are used), and the compiler
    /// compiles each body once.
    Named(String, Arc<Formula>),
}

/// Keys printed as `.key`; anything else is printed as `["key"]`.
pub fn is_plain_key(k: &str) -> bool {
    let mut cs = k.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn fmt_num(v: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        write!(f, "{}", v as i64)
    } else {
        write!(f, "{v}")
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_num(self.value, f)?;
        if let Some(u) = self.unit {
            f.write_str(u.name())?;
        }
        Ok(())
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_full() {
            return Ok(());
        }
        f.write_str("[")?;
        if let Some(lo) = self.lo {
            write!(f, "{lo}")?;
        }
        f.write_str("..")?;
        if let Some(hi) = self.hi {
            write!(f, "{hi}")?;
        }
        f.write_str(if self.hi_open { ")" } else { "]" })
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Root::State => f.write_str("state"),
            Root::Event => f.write_str("event"),
            Root::Time => f.write_str("time"),
            Root::Step => f.write_str("step"),
            Root::Record => f.write_str("$"),
            Root::Before => f.write_str("before"),
            Root::Var(v) => f.write_str(v),
        }
    }
}

fn fmt_segs(segs: &[Seg], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for s in segs {
        match s {
            Seg::Key(k) if is_plain_key(k) || k == "$" => write!(f, ".{k}")?,
            Seg::Key(k) => write!(f, "[{}]", Json::from(k.as_str()))?,
            // `[[]]` would lex as `[`, the `always` box, `]`.
            Seg::Index(Term::Lit(Json::Array(a))) if a.is_empty() => f.write_str("[[ ]]")?,
            Seg::Index(t) => write!(f, "[{t}]")?,
        }
    }
    Ok(())
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Lit(j) => write!(f, "{j}"),
            Term::Dur(v, u) => {
                fmt_num(*v, f)?;
                f.write_str(u.name())
            }
            Term::Path(root, segs) => {
                write!(f, "{root}")?;
                fmt_segs(segs, f)
            }
            Term::Index(base, segs) => {
                match &**base {
                    // Postfix segments bind to these as they are printed.
                    Term::Lit(Json::Array(a)) if !a.is_empty() => write!(f, "{base}")?,
                    Term::Array(a) if !a.is_empty() => write!(f, "{base}")?,
                    Term::Len(_) | Term::Arith(..) | Term::Neg(_) => write!(f, "{base}")?,
                    // `[]` before `[` would lex as the `always` box; `[ ]` is an array.
                    Term::Lit(Json::Array(_)) | Term::Array(_) => f.write_str("[ ]")?,
                    // Anything else in parentheses: `(-1)[0]`, `(1)[0]`, `(state.a)` (never built by the parser).
                    _ => write!(f, "({base})")?,
                }
                fmt_segs(segs, f)
            }
            Term::Arith(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Term::Neg(a) => write!(f, "(-{a})"),
            Term::Len(a) => write!(f, "len({a})"),
            Term::Array(items) => {
                f.write_str("[")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Formula::Const(b) => write!(f, "{b}"),
            Formula::Cmp(op, a, b) => write!(f, "{a} {} {b}", op.symbol()),
            Formula::Truthy(t) => write!(f, "{t}"),
            Formula::Not(a) => write!(f, "!({a})"),
            Formula::And(a, b) => write!(f, "({a}) && ({b})"),
            Formula::Or(a, b) => write!(f, "({a}) || ({b})"),
            Formula::Implies(a, b) => write!(f, "({a}) -> ({b})"),
            Formula::Iff(a, b) => write!(f, "({a}) <-> ({b})"),
            Formula::Unary(op, iv, a) => write!(f, "{}{iv} ({a})", op.name()),
            Formula::Binary(op, iv, a, b) => write!(f, "({a}) {}{iv} ({b})", op.name()),
            Formula::Bind(v, a) => write!(f, "bind {v}. {a}"),
            Formula::Quant(q, v, d, a) => {
                let q = if *q == Quant::Forall { "forall" } else { "exists" };
                write!(f, "{q} {v} in ")?;
                match d {
                    Domain::Nodes => f.write_str("nodes")?,
                    Domain::List(items) => {
                        f.write_str("[")?;
                        for (i, j) in items.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{j}")?;
                        }
                        f.write_str("]")?;
                    }
                }
                write!(f, ". {a}")
            }
            // A `let` name is printed as its expansion; the label only serves proofs.
            Formula::Named(_, a) => write!(f, "{a}"),
        }
    }
}

/// Short text of a formula for proofs and tables: like `Display`, without the
/// parentheses around atoms and with `let` names kept.
pub fn pretty(f: &Formula) -> String {
    fn atomic(f: &Formula) -> bool {
        matches!(f, Formula::Const(_) | Formula::Cmp(..) | Formula::Truthy(_) | Formula::Named(..))
    }
    fn wrap(f: &Formula) -> String {
        if atomic(f) || matches!(f, Formula::Not(_) | Formula::Unary(..)) {
            pretty(f)
        } else {
            format!("({})", pretty(f))
        }
    }
    match f {
        Formula::Const(_) | Formula::Cmp(..) | Formula::Truthy(_) => f.to_string(),
        Formula::Named(n, _) => n.clone(),
        Formula::Not(a) => format!("!{}", wrap(a)),
        Formula::And(a, b) => format!("{} && {}", wrap(a), wrap(b)),
        Formula::Or(a, b) => format!("{} || {}", wrap(a), wrap(b)),
        Formula::Implies(a, b) => format!("{} -> {}", wrap(a), wrap(b)),
        Formula::Iff(a, b) => format!("{} <-> {}", wrap(a), wrap(b)),
        Formula::Unary(op, iv, a) => format!("{}{iv} {}", op.name(), wrap(a)),
        Formula::Binary(op, iv, a, b) => format!("{} {}{iv} {}", wrap(a), op.name(), wrap(b)),
        Formula::Bind(v, a) => format!("bind {v}. {}", pretty(a)),
        Formula::Quant(q, v, d, a) => {
            let q = if *q == Quant::Forall { "forall" } else { "exists" };
            let d = match d {
                Domain::Nodes => "nodes".to_string(),
                Domain::List(items) => Json::Array(items.clone()).to_string(),
            };
            format!("{q} {v} in {d}. {}", pretty(a))
        }
    }
}
