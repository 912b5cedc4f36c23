//! The naive reference evaluator: the definitions, position by position, over the
//! parsed JSON records ([`history::Step`]), with its own term evaluation and
//! window arithmetic. Exponential in the nesting of temporal operators; meant for
//! short traces in tests and for [`crate::proof::check_proof`].
//!
//! Views: `S` (strong), `NV` (neutral, plain LTLf), `W` (weak). At a generic step
//! beyond the end, an atom takes its value when "time ≥ last time and step ≥ the
//! length" decides it (it reads no state or event of that step, and is a
//! comparison monotone in time and step, or constant); otherwise it is false in
//! the strong view and true in the weak one, as is every temporal subformula.

use crate::compile::*;
use crate::syntax::{ArithOp, CmpOp, Quant};
use history::Step;
use serde_json::Value as Json;

pub struct Ref<'a> {
    plan: &'a Plan,
    steps: &'a [Step],
    /// Values computed so far: a subformula shared in the plan (a `let` body,
    /// the sides of `<->`) is evaluated once per step, view and binding, not
    /// once per path to it.
    memo: std::cell::RefCell<std::collections::HashMap<NodeAt, bool>>,
}

const S: u8 = 1;
const NV: u8 = 2;
const W: u8 = 4;

fn dual(v: u8) -> u8 {
    match v {
        S => W,
        W => S,
        v => v,
    }
}

#[derive(Clone, Copy)]
enum Pos {
    Real(usize),
    /// A time and a step after the end, exact.
    Beyond(i64, i64),
}

fn jnum(f: f64) -> Json {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Json::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
    }
}

/// Two JSON numbers by their exact values (README, "numbers"): integers (i64)
/// exactly; an integer against a double without rounding the integer. A double
/// with a fraction is below 2^52 in size, where the integer's rounding to a
/// double keeps the order; a whole double is compared as a 128-bit integer.
fn num_order(x: &serde_json::Number, y: &serde_json::Number) -> Option<std::cmp::Ordering> {
    match (x.as_i64(), y.as_i64()) {
        (Some(p), Some(q)) => Some(p.cmp(&q)),
        (Some(p), None) => int_dbl(p, y.as_f64()?),
        (None, Some(q)) => int_dbl(q, x.as_f64()?).map(|o| o.reverse()),
        (None, None) => x.as_f64()?.partial_cmp(&y.as_f64()?),
    }
}

fn int_dbl(p: i64, f: f64) -> Option<std::cmp::Ordering> {
    if f.fract() == 0.0 && f.abs() < 1e38 {
        Some((p as i128).cmp(&(f as i128)))
    } else {
        (p as f64).partial_cmp(&f)
    }
}

fn eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => num_order(x, y) == Some(std::cmp::Ordering::Equal),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq(p, q)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| eq(v, w)))
        }
        _ => a == b,
    }
}

fn order(a: &Json, b: &Json) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => num_order(x, y),
        (Json::String(x), Json::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn truthy(a: &Json) -> bool {
    match a {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(x) => !x.is_empty(),
        Json::Object(x) => !x.is_empty(),
    }
}

fn arith(op: ArithOp, a: &Json, b: &Json) -> Json {
    let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else { return Json::Null };
    if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
        // exact; an integer if it fits in i64, else the nearest double
        let (p, q) = (p as i128, q as i128);
        let r = match op {
            ArithOp::Add => Some(p + q),
            ArithOp::Sub => Some(p - q),
            ArithOp::Mul => Some(p * q),
            ArithOp::Div => (q != 0 && p % q == 0).then(|| p / q),
        };
        if let Some(r) = r {
            return match i64::try_from(r) {
                Ok(r) => Json::from(r),
                Err(_) => serde_json::Number::from_f64(r as f64).map_or(Json::Null, Json::Number),
            };
        }
    }
    let (p, q) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
    let r = match op {
        ArithOp::Add => p + q,
        ArithOp::Sub => p - q,
        ArithOp::Mul => p * q,
        ArithOp::Div if q == 0.0 => return Json::Null,
        ArithOp::Div => p / q,
    };
    if r.is_finite() {
        serde_json::Number::from_f64(r).map_or(Json::Null, Json::Number)
    } else {
        Json::Null
    }
}

/// Reads [record, time, step] of the current position.
fn reads(t: &TE, acc: &mut [usize; 3]) {
    match t {
        TE::Const(_) => {}
        TE::Col { at, rest, .. } => {
            if !matches!(at, At::Var(_) | At::VarPrev(_)) {
                acc[0] += 1;
            }
            for s in rest {
                if let TSeg::Dyn(d) = s {
                    reads(d, acc);
                }
            }
        }
        TE::Time(At::Cur) => acc[1] += 1,
        TE::Step(At::Cur) => acc[2] += 1,
        TE::Time(At::Prev) | TE::Step(At::Prev) => acc[0] += 1,
        TE::Time(_) | TE::Step(_) => {}
        TE::Arith(_, a, b) => {
            reads(a, acc);
            reads(b, acc);
        }
        TE::Neg(a) | TE::Len(a) => reads(a, acc),
        TE::Array(xs) => xs.iter().for_each(|x| reads(x, acc)),
        TE::Alt(c, a, b) => {
            reads(c, acc);
            reads(a, acc);
            reads(b, acc);
        }
        TE::Sub(b, rest) => {
            reads(b, acc);
            for s in rest {
                if let TSeg::Dyn(d) = s {
                    reads(d, acc);
                }
            }
        }
    }
}

impl<'a> Ref<'a> {
    pub fn new(plan: &'a Plan, steps: &'a [Step]) -> Ref<'a> {
        Ref { plan, steps, memo: Default::default() }
    }
    pub fn n(&self) -> usize {
        self.steps.len()
    }
    pub fn time(&self, i: usize) -> i64 {
        self.steps[i].time
    }
    /// The earliest time of a step after the end: the last time, or the plan's
    /// `end_time` (the run went on without steps until then).
    fn horizon(&self) -> i64 {
        let last = self.steps.last().map_or(0, |s| s.time);
        self.plan.end_time.map_or(last, |e| e.max(last))
    }

    fn record_at(&self, at: At, pos: Pos, env: &[usize]) -> Option<&'a Json> {
        let p = match (at, pos) {
            (At::Var(s), _) => env[s as usize],
            (At::VarPrev(s), _) => env[s as usize].checked_sub(1)?,
            (At::Cur, Pos::Real(i)) => i,
            (At::Prev, Pos::Real(i)) => i.checked_sub(1)?,
            _ => return None,
        };
        Some(&self.steps[p].record)
    }

    fn term(&self, t: &TE, pos: Pos, env: &[usize]) -> Json {
        match t {
            TE::Const(j) => j.clone(),
            TE::Time(at) | TE::Step(at) => {
                let is_time = matches!(t, TE::Time(_));
                let p = match (at, pos) {
                    (At::Var(s), _) => env[*s as usize],
                    (At::Cur, Pos::Real(i)) => i,
                    (At::Cur, Pos::Beyond(tm, st)) => return Json::from(if is_time { tm } else { st }),
                    (At::Prev, Pos::Real(i)) if i > 0 => i - 1,
                    _ => return Json::Null,
                };
                if is_time {
                    Json::from(self.steps[p].time)
                } else {
                    Json::from(p)
                }
            }
            TE::Col { at, col, rest } => {
                let Some(rec) = self.record_at(*at, pos, env) else { return Json::Null };
                let mut v = rec;
                for s in &self.plan.paths[*col] {
                    let next = match s {
                        crate::trace::PSeg::Key(k) => v.get(k.as_str()),
                        crate::trace::PSeg::Idx(i) => v.get(*i),
                        // there and not null (a missing path stops the walk before: false)
                        crate::trace::PSeg::Present => return Json::Bool(!v.is_null()),
                    };
                    match next {
                        Some(x) => v = x,
                        None if self.plan.paths[*col].last() == Some(&crate::trace::PSeg::Present) => {
                            return Json::Bool(false)
                        }
                        None => return Json::Null,
                    }
                }
                self.segs(v.clone(), rest, pos, env)
            }
            TE::Sub(base, rest) => self.segs(self.term(base, pos, env), rest, pos, env),
            TE::Alt(c, a, b) => {
                if truthy(&self.term(c, pos, env)) {
                    self.term(a, pos, env)
                } else {
                    self.term(b, pos, env)
                }
            }
            TE::Arith(op, a, b) => arith(*op, &self.term(a, pos, env), &self.term(b, pos, env)),
            TE::Neg(a) => match self.term(a, pos, env) {
                Json::Number(n) => match n.as_i64() {
                    Some(i) if i != i64::MIN => Json::from(-i),
                    _ => jnum(-n.as_f64().unwrap_or(f64::NAN)),
                },
                _ => Json::Null,
            },
            TE::Len(a) => match self.term(a, pos, env) {
                Json::String(s) => Json::from(s.chars().count()),
                Json::Array(x) => Json::from(x.len()),
                Json::Object(x) => Json::from(x.len()),
                _ => Json::Null,
            },
            TE::Array(xs) => Json::Array(xs.iter().map(|x| self.term(x, pos, env)).collect()),
        }
    }

    /// Segments applied to a value, from the definition: a string key into an object,
    /// a whole non-negative number into an array, null otherwise.
    fn segs(&self, mut v: Json, rest: &[TSeg], pos: Pos, env: &[usize]) -> Json {
        for s in rest {
            let idx = match s {
                TSeg::Key(k) => Json::String(k.clone()),
                TSeg::Idx(i) => Json::from(*i),
                TSeg::Dyn(d) => self.term(d, pos, env),
            };
            v = match (&v, &idx) {
                (Json::Object(o), Json::String(k)) => o.get(k).cloned().unwrap_or(Json::Null),
                (Json::Array(a), Json::Number(n)) => n
                    .as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .and_then(|f| a.get(f as usize).cloned())
                    .unwrap_or(Json::Null),
                _ => Json::Null,
            };
        }
        v
    }

    pub fn operands(&self, a: usize, i: usize, env: &[usize]) -> (Json, Json) {
        let at = &self.plan.atoms[a];
        (self.term(&at.l, Pos::Real(i), env), self.term(&at.r, Pos::Real(i), env))
    }

    fn atom(&self, a: usize, pos: Pos, env: &[usize]) -> bool {
        let at = &self.plan.atoms[a];
        let l = self.term(&at.l, pos, env);
        let Some(op) = at.op else { return truthy(&l) };
        let r = self.term(&at.r, pos, env);
        use std::cmp::Ordering::*;
        match op {
            CmpOp::Eq => eq(&l, &r),
            CmpOp::Ne => !eq(&l, &r),
            CmpOp::Lt => order(&l, &r) == Some(Less),
            CmpOp::Le => matches!(order(&l, &r), Some(Less | Equal)),
            CmpOp::Gt => order(&l, &r) == Some(Greater),
            CmpOp::Ge => matches!(order(&l, &r), Some(Greater | Equal)),
        }
    }

    /// An atom at a generic step after the end: Some(value) when decided.
    fn atom_beyond(&self, a: usize, env: &[usize]) -> Option<bool> {
        let at = &self.plan.atoms[a];
        let mut r = [0; 3];
        reads(&at.l, &mut r);
        reads(&at.r, &mut r);
        let (t0, s0) = (self.horizon(), self.n() as i64);
        if r[0] > 0 {
            return None;
        }
        if r[1] == 0 && r[2] == 0 {
            return Some(self.atom(a, Pos::Beyond(t0, s0), env));
        }
        if !matches!(at.op, Some(CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)) || r[1] > 1 || r[2] > 1 {
            return None;
        }
        let vals: Vec<bool> = [(t0, s0), (i64::MAX, s0), (t0, i64::MAX), (i64::MAX, i64::MAX)]
            .iter()
            .map(|&(t, s)| self.atom(a, Pos::Beyond(t, s), env))
            .collect();
        vals.iter().all(|v| *v == vals[0]).then_some(vals[0])
    }

    /// A node's value at a generic step after the end, in the strong or weak view.
    fn beyond(&self, k: N, view: u8, env: &[usize]) -> bool {
        match &self.plan.nodes[k].op {
            Op::Const(b) => *b,
            Op::Atom(a) => self.atom_beyond(*a, env).unwrap_or(view == W),
            Op::Not(x) => !self.beyond(*x, dual(view), env),
            Op::And(x, y) => self.beyond(*x, view, env) && self.beyond(*y, view, env),
            Op::Or(x, y) => self.beyond(*x, view, env) || self.beyond(*y, view, env),
            Op::Implies(x, y) => !self.beyond(*x, dual(view), env) || self.beyond(*y, view, env),
            Op::Quant(Quant::Forall, _, xs) => xs.iter().all(|(_, x)| self.beyond(*x, view, env)),
            Op::Quant(Quant::Exists, _, xs) => xs.iter().any(|(_, x)| self.beyond(*x, view, env)),
            Op::Named(_, x) => self.beyond(*x, view, env),
            _ => view == W,
        }
    }

    pub fn dist(&self, w: &Win, a: usize, b: usize) -> i64 {
        if w.time {
            self.steps[b].time - self.steps[a].time
        } else {
            b as i64 - a as i64
        }
    }

    /// Whether a step after the end can be at a distance in w from step i.
    fn open(&self, w: &Win, i: usize) -> bool {
        if w.empty() {
            return false;
        }
        let Some(h) = w.hi else { return true };
        if w.time {
            self.time(i).saturating_add(h) >= self.horizon().max(self.time(i).saturating_add(w.lo))
        } else {
            h >= w.lo.max((self.n() - i) as i64)
        }
    }

    /// Whether every continuation has a step in the window of step i: the first
    /// step after the end, at distance length − i in steps, or at a time that may
    /// be anything ≥ the last time (the continuation may also stop there).
    fn sure(&self, w: &Win, i: usize) -> bool {
        if w.empty() {
            return false;
        }
        if w.time {
            w.hi.is_none() && self.time(i).saturating_add(w.lo) <= self.horizon()
        } else {
            w.contains((self.n() - i) as i64)
        }
    }

    /// Whether a step after the end is in the window of step i for every
    /// continuation (`every`: [`Ref::sure`]) or for one ([`Ref::open`]).
    fn reach(&self, w: &Win, i: usize, every: bool) -> bool {
        if every {
            self.sure(w, i)
        } else {
            self.open(w, i)
        }
    }

    /// The window of step i in the trace, as first and one-past-last positions, and
    /// whether it reaches past the end.
    pub fn fwin(&self, w: &Win, i: usize) -> (usize, usize, bool) {
        if w.empty() {
            return (i, i, false);
        }
        let n = self.n();
        let lo = (i..n).find(|&j| self.dist(w, i, j) >= w.lo).unwrap_or(n);
        let hi = (lo..n).find(|&j| w.hi.is_some_and(|h| self.dist(w, i, j) > h)).unwrap_or(n);
        (lo, hi, self.open(w, i))
    }

    pub fn pwin(&self, w: &Win, i: usize) -> Option<(usize, usize)> {
        let inside: Vec<usize> = (0..=i).filter(|&j| w.contains(self.dist(w, j, i))).collect();
        Some((*inside.first()?, *inside.last()?))
    }

    /// The value of node k at step i in `view`. The trace may also end where it
    /// does, so the strong view (every continuation) needs the neutral value, and
    /// the weak one (some continuation) has it.
    pub fn value(&self, k: N, i: usize, view: u8, env: &[usize]) -> bool {
        let key = (k, i, view, env.to_vec());
        if let Some(&v) = self.memo.borrow().get(&key) {
            return v;
        }
        let v = match view {
            S => self.value_of(k, i, S, env) && self.value_of(k, i, NV, env),
            W => self.value_of(k, i, W, env) || self.value_of(k, i, NV, env),
            _ => self.value_of(k, i, NV, env),
        };
        self.memo.borrow_mut().insert(key, v);
        v
    }

    /// The value of node k at step i in `view`, before the neutral value is
    /// taken into account; operands are read with [`Ref::value`].
    fn value_of(&self, k: N, i: usize, view: u8, env: &[usize]) -> bool {
        let n = self.n();
        let v = |x: N, j: usize| self.value(x, j, view, env);
        let ext = view != NV; // the strong and weak views see steps after the end
        match &self.plan.nodes[k].op {
            Op::Const(b) => *b,
            Op::Atom(a) => self.atom(*a, Pos::Real(i), env),
            Op::Not(x) => !self.value(*x, i, dual(view), env),
            Op::And(x, y) => v(*x, i) && v(*y, i),
            Op::Or(x, y) => v(*x, i) || v(*y, i),
            Op::Implies(x, y) => !self.value(*x, i, dual(view), env) || v(*y, i),
            Op::Named(_, x) => v(*x, i),
            Op::Quant(Quant::Forall, _, xs) => xs.iter().all(|(_, x)| v(*x, i)),
            Op::Quant(Quant::Exists, _, xs) => xs.iter().any(|(_, x)| v(*x, i)),
            Op::Next(w, x) => {
                if i + 1 < n {
                    w.contains(self.dist(w, i, i + 1)) && v(*x, i + 1)
                } else {
                    // the next step would be after the end: one step on, at a time ≥ the
                    // last; strong needs it in the window for every such time, weak for one
                    let inside = if w.time { self.reach(w, i, view == S) } else { w.contains(1) };
                    ext && inside && self.beyond(*x, view, env)
                }
            }
            Op::Prev(w, x) => i > 0 && w.contains(self.dist(w, i - 1, i)) && v(*x, i - 1),
            // After the end, strong needs a step that every continuation has in the
            // window, weak one that some continuation could have there.
            Op::Eventually(w, x) => {
                let past = self.reach(w, i, view == S);
                (i..n).any(|j| w.contains(self.dist(w, i, j)) && v(*x, j))
                    || (ext && past && self.beyond(*x, view, env))
            }
            Op::Always(w, x) => {
                let past = self.reach(w, i, view == W);
                (i..n).all(|j| !w.contains(self.dist(w, i, j)) || v(*x, j))
                    && !(ext && past && !self.beyond(*x, view, env))
            }
            Op::Once(w, x) => (0..=i).any(|j| w.contains(self.dist(w, j, i)) && v(*x, j)),
            Op::Historically(w, x) => (0..=i).all(|j| !w.contains(self.dist(w, j, i)) || v(*x, j)),
            Op::Until(w, x, y) => {
                (i..n).any(|j| w.contains(self.dist(w, i, j)) && v(*y, j) && (i..j).all(|k| v(*x, k)))
                    || (ext && self.reach(w, i, view == S) && (i..n).all(|k| v(*x, k)) && self.beyond(*y, view, env))
            }
            Op::Since(w, x, y) => {
                (0..=i).any(|j| w.contains(self.dist(w, j, i)) && v(*y, j) && (j + 1..=i).all(|k| v(*x, k)))
            }
            Op::Bind(slot, _, body) => {
                let mut env2 = env.to_vec();
                env2[*slot as usize] = i;
                self.value(*body, i, view, &env2)
            }
        }
    }
}
