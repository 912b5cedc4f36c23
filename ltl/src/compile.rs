//! From the AST to the evaluation plan: quantifiers over static domains expanded,
//! weak operators desugared (`wnext φ = !next !φ`, `φ release ψ = !(!φ until !ψ)`,
//! `φ wuntil ψ = (φ until ψ) || always φ`), intervals resolved to whole steps or
//! trace time units, paths split into a projected column and dynamic rest, and
//! `bind` bodies matched against the patterns the evaluator compiles.

use crate::syntax::*;
use crate::trace::PSeg;
use serde_json::Value as Json;
use std::collections::HashMap;

pub type N = usize;

/// A node at a step in a view under bind positions: the key of per-evaluation memos.
pub type NodeAt = (N, usize, u8, Vec<usize>);

/// A window of distances, in whole steps or trace time units, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Win {
    pub time: bool,
    pub lo: i64,
    /// `None`: unbounded.
    pub hi: Option<i64>,
}

impl Win {
    pub const FULL: Win = Win { time: false, lo: 0, hi: None };
    pub fn is_full(&self) -> bool {
        self.lo <= 0 && self.hi.is_none()
    }
    pub fn empty(&self) -> bool {
        self.hi.is_some_and(|h| h < self.lo.max(0))
    }
    pub fn contains(&self, d: i64) -> bool {
        d >= self.lo && self.hi.is_none_or(|h| d <= h)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum At {
    Cur,
    Var(u32),
    /// The step before the current one (detsys `@n.path`); null at step 0.
    Prev,
    /// The step before a bound one (`w.before`); null when that is step 0.
    VarPrev(u32),
}

#[derive(Clone, Debug)]
pub enum TSeg {
    Key(String),
    Idx(usize),
    Dyn(TE),
}

#[derive(Clone, Debug)]
pub enum TE {
    Const(Json),
    /// A projected column (`path` from the record's root), then dynamic segments.
    Col {
        at: At,
        col: usize,
        rest: Vec<TSeg>,
    },
    Time(At),
    Step(At),
    Arith(ArithOp, Box<TE>, Box<TE>),
    Neg(Box<TE>),
    Len(Box<TE>),
    Array(Vec<TE>),
    /// Segments into a computed value (`[1, 2][state.i]`, `[state.a, 1][state.i].k`),
    /// applied as in a path. Built by `sub`, which folds what it can: the base is
    /// never a `Col`, a `Sub` or an `Alt`, and the first segment of a `Const` base
    /// is dynamic.
    Sub(Box<TE>, Vec<TSeg>),
    /// `Alt(c, a, b)`: `a` if `c` is true, else `b`. `before…` is a path into
    /// the record's own `before` when the record has one (not null: a stored
    /// detsys run has the deployment state there at step 0), else into the
    /// previous step's state; `c` reads whether it has one.
    Alt(Box<TE>, Box<TE>, Box<TE>),
}

#[derive(Clone, Debug)]
pub struct Atom {
    /// `None`: truthiness of `l`.
    pub op: Option<CmpOp>,
    pub l: TE,
    pub r: TE,
    pub l_text: String,
    pub r_text: String,
}

#[derive(Clone, Debug)]
pub enum Op {
    Const(bool),
    Atom(usize),
    Not(N),
    And(N, N),
    Or(N, N),
    Implies(N, N),
    Next(Win, N),
    Prev(Win, N),
    Eventually(Win, N),
    Always(Win, N),
    Once(Win, N),
    Historically(Win, N),
    Until(Win, N, N),
    Since(Win, N, N),
    Bind(u32, String, N),
    Quant(Quant, String, Vec<(Json, N)>),
    Named(String, N),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub op: Op,
    pub text: String,
    /// Bit k: bind variable k occurs free.
    pub free: u64,
}

/// `bind w. eventually (χ && e == w.e' && time - w.time <= c)`, compiled to a window and a hash join.
#[derive(Clone, Debug)]
pub struct BindPat {
    /// The conjuncts that do not mention w.
    pub rest: Vec<N>,
    /// The window the time/step bounds allow.
    pub win: Win,
    /// The atoms that make the bounds (for their beyond-the-end values).
    pub bound_atoms: Vec<N>,
    /// `e == w.e'`: (the atom node, e at the current step, e' at w).
    pub join: Option<(N, TE, TE)>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub nodes: Vec<Node>,
    pub root: N,
    pub atoms: Vec<Atom>,
    pub paths: Vec<Vec<PSeg>>,
    pub pats: HashMap<N, BindPat>,
    pub n_vars: u32,
    /// The columns the formula reads as paths of its own, ascending: a trace where
    /// no record has one of them deserves a warning ([`crate::absent_paths`]).
    /// (Not the record's own `before`, which most traces lack.)
    pub warn_cols: Vec<usize>,
    pub uses_nodes: bool,
    /// [`CompileOptions::end_time`].
    pub end_time: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// The unit of the trace's time field.
    pub time_unit: Unit,
    /// The `nodes` domain.
    pub nodes: Vec<String>,
    /// `--end-time`: the run went on, with no further step, until this time (in
    /// the trace's unit): a step after the end is at this time or later.
    pub end_time: Option<i64>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions { time_unit: Unit::Ms, nodes: vec![], end_time: None }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompileError(pub String);

#[derive(Clone, Debug)]
enum Binding {
    Bind(u32),
    Value(Json),
}

struct C<'o> {
    opts: &'o CompileOptions,
    plan: Plan,
    path_ids: HashMap<Vec<PSeg>, usize>,
    bind_slots: HashMap<*const Formula, u32>,
    /// The node of each `let` body compiled so far, per environment (a parsed
    /// body is closed, so there is one; an AST built by hand may name bound
    /// variables): every use shares one node and the plan grows with the
    /// formula's text, not with its expansion.
    lets: HashMap<(*const Formula, String), N>,
    /// While compiling a path into a record's own `before`: no warning if absent.
    quiet: bool,
}

/// Whether a formula uses the `nodes` domain (so the caller knows to compute it).
/// Each `let` body is looked at once, however often it is used.
pub fn uses_nodes(f: &Formula) -> bool {
    fn go(f: &Formula, seen: &mut std::collections::HashSet<*const Formula>) -> bool {
        match f {
            Formula::Quant(_, _, Domain::Nodes, _) => true,
            Formula::Quant(_, _, _, a) | Formula::Not(a) | Formula::Unary(_, _, a) | Formula::Bind(_, a) => go(a, seen),
            Formula::Named(_, a) => seen.insert(std::sync::Arc::as_ptr(a)) && go(a, seen),
            Formula::And(a, b) | Formula::Or(a, b) | Formula::Implies(a, b) | Formula::Iff(a, b) => {
                go(a, seen) || go(b, seen)
            }
            Formula::Binary(_, _, a, b) => go(a, seen) || go(b, seen),
            _ => false,
        }
    }
    go(f, &mut Default::default())
}

pub fn compile(f: &Formula, opts: &CompileOptions) -> Result<Plan, CompileError> {
    compile_with_paths(f, opts, vec![])
}

/// Like [`compile`], with the projected paths starting from `paths` (so several
/// formulas can share one loaded trace: each plan's paths extend the previous ones).
pub fn compile_with_paths(f: &Formula, opts: &CompileOptions, paths: Vec<Vec<PSeg>>) -> Result<Plan, CompileError> {
    let path_ids = paths.iter().cloned().enumerate().map(|(i, p)| (p, i)).collect();
    let mut c = C {
        opts,
        plan: Plan {
            nodes: vec![],
            root: 0,
            atoms: vec![],
            paths,
            pats: HashMap::new(),
            n_vars: 0,
            warn_cols: vec![],
            uses_nodes: uses_nodes(f),
            end_time: opts.end_time,
        },
        path_ids,
        bind_slots: HashMap::new(),
        lets: HashMap::new(),
        quiet: false,
    };
    let root = c.formula(f, &HashMap::new())?;
    c.plan.root = root;
    c.plan.warn_cols.sort_unstable();
    c.plan.warn_cols.dedup();
    Ok(c.plan)
}

type Env = HashMap<String, Binding>;

impl C<'_> {
    fn push(&mut self, op: Op, text: String) -> N {
        let free = match &op {
            Op::Const(_) => 0,
            Op::Atom(a) => {
                let at = &self.plan.atoms[*a];
                te_free(&at.l) | te_free(&at.r)
            }
            Op::Not(a) | Op::Next(_, a) | Op::Prev(_, a) | Op::Eventually(_, a) | Op::Always(_, a) => {
                self.plan.nodes[*a].free
            }
            Op::Once(_, a) | Op::Historically(_, a) | Op::Named(_, a) => self.plan.nodes[*a].free,
            Op::And(a, b) | Op::Or(a, b) | Op::Implies(a, b) => self.plan.nodes[*a].free | self.plan.nodes[*b].free,
            Op::Until(_, a, b) | Op::Since(_, a, b) => self.plan.nodes[*a].free | self.plan.nodes[*b].free,
            Op::Bind(v, _, a) => self.plan.nodes[*a].free & !(1u64 << v),
            Op::Quant(_, _, xs) => xs.iter().fold(0, |acc, (_, n)| acc | self.plan.nodes[*n].free),
        };
        self.plan.nodes.push(Node { op, text, free });
        self.plan.nodes.len() - 1
    }

    fn win(&self, iv: &Interval) -> Win {
        if iv.is_full() {
            return Win::FULL;
        }
        let time = iv.is_time();
        let scale = |b: &Bound| -> f64 {
            match b.unit {
                Some(u) => b.value * u.nanos() / self.opts.time_unit.nanos(),
                None => b.value,
            }
        };
        let lo = iv.lo.map_or(0, |b| {
            let v = scale(&b).ceil();
            v.clamp(0.0, 9.0e18) as i64
        });
        let hi = iv.hi.map(|b| {
            let v = scale(&b);
            let v = if iv.hi_open { v.ceil() - 1.0 } else { v.floor() };
            v.clamp(-1.0, 9.0e18) as i64
        });
        Win { time, lo, hi }
    }

    fn formula(&mut self, f: &Formula, env: &Env) -> Result<N, CompileError> {
        let text = pretty(f);
        Ok(match f {
            Formula::Const(b) => self.push(Op::Const(*b), text),
            Formula::Cmp(op, a, b) => {
                let atom = Atom {
                    op: Some(*op),
                    l: self.term(a, env)?,
                    r: self.term(b, env)?,
                    l_text: a.to_string(),
                    r_text: b.to_string(),
                };
                self.plan.atoms.push(atom);
                self.push(Op::Atom(self.plan.atoms.len() - 1), text)
            }
            Formula::Truthy(t) => {
                let atom = Atom {
                    op: None,
                    l: self.term(t, env)?,
                    r: TE::Const(Json::Null),
                    l_text: t.to_string(),
                    r_text: String::new(),
                };
                self.plan.atoms.push(atom);
                self.push(Op::Atom(self.plan.atoms.len() - 1), text)
            }
            Formula::Not(a) => {
                let a = self.formula(a, env)?;
                self.push(Op::Not(a), text)
            }
            Formula::And(a, b) | Formula::Or(a, b) | Formula::Implies(a, b) => {
                let (x, y) = (self.formula(a, env)?, self.formula(b, env)?);
                let op = match f {
                    Formula::And(..) => Op::And(x, y),
                    Formula::Or(..) => Op::Or(x, y),
                    _ => Op::Implies(x, y),
                };
                self.push(op, text)
            }
            Formula::Iff(a, b) => {
                // a <-> b is (a -> b) && (b -> a), sharing the nodes of a and b (a
                // chain of `<->` would otherwise double at each step).
                let (x, y) = (self.formula(a, env)?, self.formula(b, env)?);
                let l = self.push(Op::Implies(x, y), format!("{} -> {}", paren(a), paren(b)));
                let r = self.push(Op::Implies(y, x), format!("{} -> {}", paren(b), paren(a)));
                self.push(Op::And(l, r), text)
            }
            Formula::Unary(op, iv, a) => {
                let w = self.win(iv);
                let x = self.formula(a, env)?;
                match op {
                    UOp::Next => self.push(Op::Next(w, x), text),
                    UOp::Prev => self.push(Op::Prev(w, x), text),
                    UOp::Eventually => self.push(Op::Eventually(w, x), text),
                    UOp::Always => self.push(Op::Always(w, x), text),
                    UOp::Once => self.push(Op::Once(w, x), text),
                    UOp::Historically => self.push(Op::Historically(w, x), text),
                    UOp::WNext | UOp::WPrev => {
                        let nx = self.push(Op::Not(x), format!("!{}", paren(a)));
                        let inner = if *op == UOp::WNext { Op::Next(w, nx) } else { Op::Prev(w, nx) };
                        let kw = if *op == UOp::WNext { "next" } else { "prev" };
                        let m = self.push(inner, format!("{kw}{iv} !{}", paren(a)));
                        self.push(Op::Not(m), text)
                    }
                }
            }
            Formula::Binary(op, iv, a, b) => {
                let w = self.win(iv);
                let (x, y) = (self.formula(a, env)?, self.formula(b, env)?);
                match op {
                    BOp::Until => self.push(Op::Until(w, x, y), text),
                    BOp::Since => self.push(Op::Since(w, x, y), text),
                    BOp::WUntil => {
                        let u = self.push(Op::Until(w, x, y), format!("{} until{iv} {}", paren(a), paren(b)));
                        let g = self.push(Op::Always(w, x), format!("always{iv} {}", paren(a)));
                        self.push(Op::Or(u, g), text)
                    }
                    BOp::Release => {
                        let nx = self.push(Op::Not(x), format!("!{}", paren(a)));
                        let ny = self.push(Op::Not(y), format!("!{}", paren(b)));
                        let u = self.push(Op::Until(w, nx, ny), format!("!{} until{iv} !{}", paren(a), paren(b)));
                        self.push(Op::Not(u), text)
                    }
                }
            }
            Formula::Bind(v, body) => {
                let key = f as *const Formula;
                let slot = match self.bind_slots.get(&key) {
                    Some(&s) => s,
                    None => {
                        let s = self.plan.n_vars;
                        if s >= 64 {
                            return Err(CompileError("more than 64 `bind`s in one formula".into()));
                        }
                        self.plan.n_vars += 1;
                        self.bind_slots.insert(key, s);
                        s
                    }
                };
                let mut inner = env.clone();
                inner.insert(v.clone(), Binding::Bind(slot));
                let b = self.formula(body, &inner)?;
                let n = self.push(Op::Bind(slot, v.clone(), b), text);
                if let Some(p) = self.pattern(slot, b) {
                    self.plan.pats.insert(n, p);
                }
                n
            }
            Formula::Quant(q, v, d, body) => {
                let dom: Vec<Json> = match d {
                    Domain::Nodes => self.opts.nodes.iter().map(|s| Json::String(s.clone())).collect(),
                    Domain::List(items) => items.clone(),
                };
                let mut xs = Vec::new();
                for val in dom {
                    let mut inner = env.clone();
                    inner.insert(v.clone(), Binding::Value(val.clone()));
                    xs.push((val, self.formula(body, &inner)?));
                }
                self.push(Op::Quant(*q, v.clone(), xs), text)
            }
            Formula::Named(name, a) => {
                let mut names: Vec<String> = env.iter().map(|(k, b)| format!("{k}={b:?}")).collect();
                names.sort_unstable();
                let key = (std::sync::Arc::as_ptr(a), names.join("\u{0}"));
                if let Some(&n) = self.lets.get(&key) {
                    return Ok(n);
                }
                let x = self.formula(a, env)?;
                let n = self.push(Op::Named(name.clone(), x), text);
                self.lets.insert(key, n);
                n
            }
        })
    }

    fn col(&mut self, p: Vec<PSeg>) -> usize {
        if let Some(&c) = self.path_ids.get(&p) {
            return c;
        }
        let c = self.plan.paths.len();
        self.plan.paths.push(p.clone());
        self.path_ids.insert(p, c);
        c
    }

    fn term(&mut self, t: &Term, env: &Env) -> Result<TE, CompileError> {
        Ok(match t {
            Term::Lit(j) => TE::Const(j.clone()),
            Term::Dur(v, u) => {
                let x = v * u.nanos() / self.opts.time_unit.nanos();
                if x.fract() == 0.0 && x.abs() < 9e15 {
                    TE::Const(Json::from(x as i64))
                } else {
                    TE::Const(serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number))
                }
            }
            Term::Arith(op, a, b) => {
                let (a, b) = (self.term(a, env)?, self.term(b, env)?);
                TE::Arith(*op, Box::new(a), Box::new(b))
            }
            Term::Neg(a) => TE::Neg(Box::new(self.term(a, env)?)),
            Term::Len(a) => TE::Len(Box::new(self.term(a, env)?)),
            Term::Array(items) => TE::Array(items.iter().map(|x| self.term(x, env)).collect::<Result<_, _>>()?),
            Term::Index(base, segs) => {
                let base = self.term(base, env)?;
                let segs = segs.iter().map(|s| self.seg(s, env)).collect::<Result<Vec<_>, _>>()?;
                sub(base, segs)
            }
            Term::Path(root, segs) => {
                let segs_te = segs.iter().map(|s| self.seg(s, env)).collect::<Result<Vec<_>, _>>()?;
                let (at, prefix): (At, Vec<PSeg>) = match root {
                    Root::State => (At::Cur, vec![PSeg::Key("state".into())]),
                    Root::Event => (At::Cur, vec![PSeg::Key("event".into())]),
                    Root::Record => (At::Cur, vec![]),
                    Root::Before => return self.before(At::Cur, At::Prev, segs_te),
                    Root::Time => {
                        return Ok(if segs_te.is_empty() { TE::Time(At::Cur) } else { TE::Const(Json::Null) })
                    }
                    Root::Step => {
                        return Ok(if segs_te.is_empty() { TE::Step(At::Cur) } else { TE::Const(Json::Null) })
                    }
                    Root::Var(v) => match env.get(v) {
                        // Segments into a quantified value are resolved right away where static.
                        Some(Binding::Value(j)) => return Ok(sub(TE::Const(j.clone()), segs_te)),
                        Some(Binding::Bind(slot)) => {
                            let at = At::Var(*slot);
                            match segs_te.first() {
                                // `w.$…`: w's record, as `$…` is the current one's.
                                Some(TSeg::Key(k)) if k == "$" => return self.path(at, vec![], segs_te[1..].to_vec()),
                                // `w.before…`: `before` at w's step.
                                Some(TSeg::Key(k)) if k == "before" => {
                                    return self.before(at, At::VarPrev(*slot), segs_te[1..].to_vec())
                                }
                                Some(TSeg::Key(k)) if k == "time" && segs_te.len() == 1 => return Ok(TE::Time(at)),
                                Some(TSeg::Key(k)) if k == "step" && segs_te.len() == 1 => return Ok(TE::Step(at)),
                                Some(TSeg::Key(k)) if k == "time" || k == "step" => return Ok(TE::Const(Json::Null)),
                                _ => (at, vec![]),
                            }
                        }
                        None => return Err(CompileError(format!("unknown name `{v}`"))),
                    },
                };
                self.path(at, prefix, segs_te)?
            }
        })
    }

    /// `before…` at a step: the record's own `before` there (`own`) when the
    /// record has one (not null), whole: a key it lacks is null; else the state at
    /// the step before (`prev`).
    fn before(&mut self, own: At, prev: At, segs: Vec<TSeg>) -> Result<TE, CompileError> {
        self.quiet = true;
        let has = self.path(own, vec![PSeg::Key("before".into()), PSeg::Present], vec![]);
        let own = self.path(own, vec![PSeg::Key("before".into())], segs.clone());
        self.quiet = false;
        let (has, own) = (has?, own?);
        let prev = self.path(prev, vec![PSeg::Key("state".into())], segs)?;
        Ok(TE::Alt(Box::new(has), Box::new(own), Box::new(prev)))
    }

    fn seg(&mut self, s: &Seg, env: &Env) -> Result<TSeg, CompileError> {
        Ok(match s {
            Seg::Key(k) => TSeg::Key(k.clone()),
            Seg::Index(t) => match self.term(t, env)? {
                TE::Const(j) => const_seg(&j),
                te => TSeg::Dyn(te),
            },
        })
    }

    pub(crate) fn path(&mut self, at: At, mut prefix: Vec<PSeg>, segs: Vec<TSeg>) -> Result<TE, CompileError> {
        let mut rest = Vec::new();
        let mut dynamic = false;
        for s in segs {
            match s {
                TSeg::Key(k) if !dynamic => prefix.push(PSeg::Key(k)),
                TSeg::Idx(i) if !dynamic => prefix.push(PSeg::Idx(i)),
                s => {
                    dynamic = true;
                    rest.push(s);
                }
            }
        }
        let col = self.col(prefix);
        if !self.quiet {
            self.plan.warn_cols.push(col);
        }
        Ok(TE::Col { at, col, rest })
    }

    /// Matches `bind w. eventually (C1 && C2 && …)` where each conjunct is a bound on
    /// `time - w.time` or `step - w.step`, a join `e == w.e'`, or free of w.
    fn pattern(&self, slot: u32, body: N) -> Option<BindPat> {
        let Op::Eventually(w, conj) = &self.plan.nodes[body].op else { return None };
        if !w.is_full() {
            return None;
        }
        let mut parts = Vec::new();
        self.conjuncts(*conj, &mut parts);
        let bit = 1u64 << slot;
        let mut pat = BindPat { rest: vec![], win: Win::FULL, bound_atoms: vec![], join: None };
        let (mut lo, mut hi): (i64, Option<i64>) = (0, None);
        let mut kind: Option<bool> = None; // Some(true): time bounds
        for p in parts {
            let node = &self.plan.nodes[p];
            if node.free & bit == 0 {
                pat.rest.push(p);
                continue;
            }
            let Op::Atom(a) = node.op else { return None };
            let atom = &self.plan.atoms[a];
            let op = atom.op?;
            if let Some((is_time, c)) = delta_bound(&atom.l, &atom.r, slot) {
                // `time - w.time OP c`
                if kind.is_some_and(|k| k != is_time) {
                    return None;
                }
                kind = Some(is_time);
                let (l2, h2) = bound_of(op, c)?;
                lo = lo.max(l2);
                hi = match (hi, h2) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                pat.bound_atoms.push(p);
                continue;
            }
            if op == CmpOp::Eq && pat.join.is_none() {
                let fl = te_free(&atom.l);
                let fr = te_free(&atom.r);
                let cur_l = te_uses_cur(&atom.l);
                let cur_r = te_uses_cur(&atom.r);
                if fl == 0 && fr == bit && !cur_r {
                    pat.join = Some((p, atom.l.clone(), atom.r.clone()));
                    continue;
                }
                if fr == 0 && fl == bit && !cur_l {
                    pat.join = Some((p, atom.r.clone(), atom.l.clone()));
                    continue;
                }
            }
            return None;
        }
        if pat.bound_atoms.is_empty() && pat.join.is_none() {
            return None;
        }
        pat.win = Win { time: kind.unwrap_or(false), lo, hi };
        Some(pat)
    }

    fn conjuncts(&self, n: N, out: &mut Vec<N>) {
        match self.plan.nodes[n].op {
            Op::And(a, b) => {
                self.conjuncts(a, out);
                self.conjuncts(b, out);
            }
            _ => out.push(n),
        }
    }
}

/// A constant index: a string is a key, a whole non-negative number an array
/// index (`1.0` too, as when the index is computed); anything else reads null.
fn const_seg(j: &Json) -> TSeg {
    match j {
        Json::String(s) => TSeg::Key(s.clone()),
        Json::Number(n) => match n.as_u64() {
            Some(i) => TSeg::Idx(i as usize),
            None => match n.as_f64() {
                Some(f) if f >= 0.0 && f.fract() == 0.0 => TSeg::Idx(f as usize),
                _ => TSeg::Key(NO_KEY.into()),
            },
        },
        _ => TSeg::Key(NO_KEY.into()),
    }
}

/// A key no JSON object of a trace is expected to have: what `x[null]` or `x[-1]` reads.
const NO_KEY: &str = "\u{0}no such key";

/// `base` with segments applied, folded where the result is known at compile time:
/// into constants, into the chosen element of an array term, onto a column's
/// dynamic rest; numbers (arithmetic, `len`, time, step) have no fields.
pub(crate) fn sub(mut base: TE, segs: Vec<TSeg>) -> TE {
    let mut it = segs.into_iter();
    while let Some(s) = it.next() {
        base = match (base, s) {
            (TE::Const(j), TSeg::Key(k)) => TE::Const(j.get(&k).cloned().unwrap_or(Json::Null)),
            (TE::Const(j), TSeg::Idx(i)) => TE::Const(j.get(i).cloned().unwrap_or(Json::Null)),
            (TE::Array(xs), TSeg::Idx(i)) => xs.into_iter().nth(i).unwrap_or(TE::Const(Json::Null)),
            (TE::Array(_), TSeg::Key(_)) => TE::Const(Json::Null),
            (TE::Arith(..) | TE::Neg(_) | TE::Len(_) | TE::Time(_) | TE::Step(_), _) => TE::Const(Json::Null),
            (TE::Col { at, col, mut rest }, s) => {
                rest.push(s);
                rest.extend(it);
                return TE::Col { at, col, rest };
            }
            (TE::Alt(c, a, b), s) => {
                let segs: Vec<TSeg> = std::iter::once(s).chain(it).collect();
                return TE::Alt(c, Box::new(sub(*a, segs.clone())), Box::new(sub(*b, segs)));
            }
            (TE::Sub(b, mut rest), s) => {
                rest.push(s);
                rest.extend(it);
                return TE::Sub(b, rest);
            }
            (b, s) => {
                let mut rest = vec![s];
                rest.extend(it);
                return TE::Sub(Box::new(b), rest);
            }
        };
    }
    base
}

fn paren(f: &Formula) -> String {
    let s = pretty(f);
    match f {
        Formula::Const(_) | Formula::Cmp(..) | Formula::Truthy(_) | Formula::Named(..) => s,
        _ => format!("({s})"),
    }
}

/// `time - w.time` vs a constant (either side): Some((is_time, c)) when `l OP r` reads `Δ OP c`.
fn delta_bound(l: &TE, r: &TE, slot: u32) -> Option<(bool, i64)> {
    let TE::Arith(ArithOp::Sub, a, b) = l else { return None };
    let TE::Const(Json::Number(c)) = r else { return None };
    let c = c.as_i64()?;
    match (&**a, &**b) {
        (TE::Time(At::Cur), TE::Time(At::Var(s))) if *s == slot => Some((true, c)),
        (TE::Step(At::Cur), TE::Step(At::Var(s))) if *s == slot => Some((false, c)),
        _ => None,
    }
}

/// The distances `Δ OP c` allows, as an inclusive range.
fn bound_of(op: CmpOp, c: i64) -> Option<(i64, Option<i64>)> {
    Some(match op {
        CmpOp::Le => (0, Some(c)),
        CmpOp::Lt => (0, Some(c.checked_sub(1)?)),
        CmpOp::Ge => (c.max(0), None),
        CmpOp::Gt => (c.checked_add(1)?.max(0), None),
        _ => return None,
    })
}

pub fn te_free(t: &TE) -> u64 {
    match t {
        TE::Const(_) => 0,
        TE::Col { at, rest, .. } => {
            let mut f = if let At::Var(s) | At::VarPrev(s) = at { 1u64 << s } else { 0 };
            for s in rest {
                if let TSeg::Dyn(t) = s {
                    f |= te_free(t);
                }
            }
            f
        }
        TE::Time(At::Var(s)) | TE::Step(At::Var(s)) => 1u64 << s,
        TE::Time(_) | TE::Step(_) => 0,
        TE::Arith(_, a, b) => te_free(a) | te_free(b),
        TE::Neg(a) | TE::Len(a) => te_free(a),
        TE::Array(xs) => xs.iter().fold(0, |acc, x| acc | te_free(x)),
        TE::Alt(c, a, b) => te_free(c) | te_free(a) | te_free(b),
        TE::Sub(b, rest) => rest.iter().fold(te_free(b), |acc, s| match s {
            TSeg::Dyn(t) => acc | te_free(t),
            _ => acc,
        }),
    }
}

/// Whether a term reads the current step's record, time or step.
pub fn te_uses_cur(t: &TE) -> bool {
    te_cur_refs(t).iter().any(|&c| c > 0)
}

/// How often the term reads the current step's [record, time, step].
pub fn te_cur_refs(t: &TE) -> [usize; 3] {
    fn go(t: &TE, acc: &mut [usize; 3]) {
        match t {
            TE::Const(_) => {}
            TE::Col { at, rest, .. } => {
                if matches!(at, At::Cur | At::Prev) {
                    acc[0] += 1;
                }
                for s in rest {
                    if let TSeg::Dyn(t) = s {
                        go(t, acc);
                    }
                }
            }
            TE::Time(at) => {
                if matches!(at, At::Cur) {
                    acc[1] += 1;
                } else if matches!(at, At::Prev) {
                    acc[0] += 1;
                }
            }
            TE::Step(at) => {
                if matches!(at, At::Cur) {
                    acc[2] += 1;
                } else if matches!(at, At::Prev) {
                    acc[0] += 1;
                }
            }
            TE::Arith(_, a, b) => {
                go(a, acc);
                go(b, acc);
            }
            TE::Neg(a) | TE::Len(a) => go(a, acc),
            TE::Array(xs) => xs.iter().for_each(|x| go(x, acc)),
            TE::Alt(c, a, b) => {
                go(c, acc);
                go(a, acc);
                go(b, acc);
            }
            TE::Sub(b, rest) => {
                go(b, acc);
                for s in rest {
                    if let TSeg::Dyn(t) = s {
                        go(t, acc);
                    }
                }
            }
        }
    }
    let mut acc = [0; 3];
    go(t, &mut acc);
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn request_response_compiles_to_a_join() {
        let f = parse("always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id && time - w.time <= 100))").unwrap();
        let p = compile(&f, &CompileOptions::default()).unwrap();
        assert_eq!(p.pats.len(), 1);
        let pat = p.pats.values().next().unwrap();
        assert_eq!(pat.win, Win { time: true, lo: 0, hi: Some(100) });
        assert!(pat.join.is_some());
        assert_eq!(pat.rest.len(), 1);
    }

    /// The left term of the first atom of `src`.
    fn left(src: &str, opts: &CompileOptions) -> (TE, Plan) {
        let p = compile(&parse(src).unwrap(), opts).unwrap();
        (p.atoms[0].l.clone(), p)
    }

    #[test]
    fn indexed_values_fold_where_static() {
        let o = CompileOptions::default();
        let konst = |src: &str| match left(src, &o).0 {
            TE::Const(j) => j,
            t => panic!("{src}: not folded: {t:?}"),
        };
        assert_eq!(konst("[1,2][1] == 0"), Json::from(2));
        assert_eq!(konst("[\"n1\", \"n2\"][0] == 0"), Json::from("n1"));
        assert_eq!(konst("[[1, [5]], 2][0][1].0 == 0"), Json::from(5));
        assert_eq!(konst("[1,2][2] == 0"), Json::Null);
        assert_eq!(konst("[1,2][-1] == 0"), Json::Null);
        assert_eq!(konst("[1,2][1.0] == 0"), Json::from(2));
        assert_eq!(konst("[1,2][0.5] == 0"), Json::Null);
        assert_eq!(konst("[1,2].k == 0"), Json::Null);
        assert_eq!(konst("[1,2][null] == 0"), Json::Null);
        assert_eq!(konst("[1,2][true] == 0"), Json::Null);
        assert_eq!(konst("(\"ab\")[0] == 0"), Json::Null);
        // Numbers have no fields.
        assert_eq!(konst("len(state.log)[0] == 0"), Json::Null);
        assert_eq!(konst("(state.a + 1).k == 0"), Json::Null);
        // The chosen element of an array term, with the rest of the segments.
        let (t, p) = left("[state.a, state.b.c][1].d[0] == 0", &o);
        let TE::Col { at: At::Cur, col, rest } = t else { panic!("{t:?}") };
        let key = |k: &str| PSeg::Key(k.into());
        assert_eq!(p.paths[col], vec![key("state"), key("b"), key("c")]);
        assert!(matches!(rest.as_slice(), [TSeg::Key(d), TSeg::Idx(0)] if d == "d"), "{rest:?}");
        // A dynamic index stays one, and is read at the current step.
        let (t, _) = left("[state.a, 1][state.i] == 0", &o);
        assert!(matches!(&t, TE::Sub(b, r) if matches!(**b, TE::Array(_)) && matches!(r[..], [TSeg::Dyn(_)])), "{t:?}");
        assert!(te_uses_cur(&t));
        assert_eq!(te_cur_refs(&t), [2, 0, 0]);
        let (t, _) = left("[1, 2][step] == 0", &o);
        assert!(matches!(&t, TE::Sub(b, _) if matches!(**b, TE::Const(_))), "{t:?}");
        assert_eq!(te_cur_refs(&t), [0, 0, 1]);
        // Free bind variables are seen through the index.
        let (t, p) = left("bind w. [1, 2][w.state.i] == 0", &o);
        assert_eq!(te_free(&t), 1, "{t:?}");
        assert_eq!(p.nodes[p.root].free, 0);
    }

    #[test]
    fn quantified_values_take_dynamic_indices() {
        let f = parse("forall a in [[1, 2], [3]]. always a[state.i] == 2").unwrap();
        let p = compile(&f, &CompileOptions::default()).unwrap();
        assert_eq!(p.atoms.len(), 2);
        assert!(p.atoms.iter().all(|a| matches!(&a.l, TE::Sub(b, _) if matches!(**b, TE::Const(_)))));
        // Static segments into one still fold.
        let (t, _) = left("forall a in [[1, 2]]. a[1] == 2", &CompileOptions::default());
        assert!(matches!(t, TE::Const(ref j) if j == &Json::from(2)), "{t:?}");
    }

    #[test]
    fn quantifiers_expand_and_intervals_scale() {
        let f = parse("forall a in nodes. eventually[..2s] state[a].up").unwrap();
        let opts = CompileOptions { time_unit: Unit::Ms, nodes: vec!["n1".into(), "n2".into()], ..Default::default() };
        let p = compile(&f, &opts).unwrap();
        let Op::Quant(_, _, xs) = &p.nodes[p.root].op else { panic!() };
        assert_eq!(xs.len(), 2);
        assert!(p.nodes.iter().any(|n| matches!(n.op, Op::Eventually(Win { time: true, lo: 0, hi: Some(2000) }, _))));
        assert_eq!(p.paths.len(), 2);
    }
}
