//! The evaluator. Every subformula gets, at every step, a triple of views packed in
//! a byte: bit 0 strong (the trace continues with everything false), bit 1 neutral
//! (plain LTLf), bit 2 weak (the trace continues with everything true), with
//! strong ≤ neutral ≤ weak. Negation maps (s, n, w) to (¬w, ¬n, ¬s).
//!
//! Beyond the end of the trace time is ≥ the last time and steps are ≥ the length:
//! an atom whose value that already decides (`time - w.time <= 100` once the trace
//! has run past the deadline) takes that value in every view ([`Eval::bnd`]), so
//! windows that closed inside the trace give definite verdicts. A window reaching
//! past the end counts for the strong view only where every continuation has a
//! step in it ([`Eval::sure`]), for the weak view where one could; and every value
//! is [`ordered`], as the trace may also end where it does.
//!
//! Subformulas with no free `bind` variable are evaluated column by column
//! (bottom-up, one pass per subformula: recurrences for unbounded operators,
//! next-position tables for windows, O(n) or O(n log n)). `bind` bodies of the
//! form `eventually (χ && e == w.e' && time - w.time <= c)` become a window plus a
//! hash join; any other body is evaluated on demand per binding (the fallback,
//! O(n²) at worst, stopping at the first witness or counterexample). On-demand
//! work is counted against a budget ([`DEFAULT_BUDGET`]); once it is spent no
//! verdict is drawn ([`crate::Outcome::work`]).

use crate::compile::*;
use crate::syntax::{CmpOp, Quant};
use crate::trace::Trace;
use crate::value::*;
use rustc_hash::FxHashMap;
use std::borrow::Cow;

pub const S: u8 = 1;
pub const NV: u8 = 2;
pub const W: u8 = 4;
pub const ALL: u8 = 7;
/// A cell of a lazily computed column that nothing needed: computed on demand by [`Eval::value`].
pub const UNKNOWN: u8 = 0xFF;

pub(crate) fn children(op: &Op) -> Vec<N> {
    match op {
        Op::Const(_) | Op::Atom(_) => vec![],
        Op::Not(a) | Op::Next(_, a) | Op::Prev(_, a) | Op::Eventually(_, a) | Op::Always(_, a) => vec![*a],
        Op::Once(_, a) | Op::Historically(_, a) | Op::Named(_, a) | Op::Bind(_, _, a) => vec![*a],
        Op::And(a, b) | Op::Or(a, b) | Op::Implies(a, b) | Op::Until(_, a, b) | Op::Since(_, a, b) => vec![*a, *b],
        Op::Quant(_, _, xs) => xs.iter().map(|(_, x)| *x).collect(),
    }
}

/// The views made to agree with the trace as it is: strong only where neutral
/// holds, weak wherever neutral holds. The trace may end here (the empty
/// continuation), so "true on every continuation" needs the neutral value and
/// "true on some continuation" follows from it. Without this, a boundary such as
/// `next true` at the last step (true on every longer trace, false on this one)
/// would be strong but not neutral.
#[inline]
pub fn ordered(v: u8) -> u8 {
    let nv = v & NV;
    (v & S & (nv >> 1)) | nv | (v & W) | (nv << 1)
}

#[inline]
pub fn neg(x: u8) -> u8 {
    let inv = !x & 7;
    ((inv >> 2) & 1) | (inv & 2) | ((inv & 1) << 2)
}

/// The current position of a term: a real step, or a generic step beyond the end.
#[derive(Clone, Copy, Debug)]
pub enum Cur {
    Real(usize),
    /// Times and steps are exact integers (a time of nanoseconds since 1970 is past 2^53).
    Beyond {
        time: i64,
        step: i64,
    },
}

pub struct Eval<'a> {
    pub plan: &'a Plan,
    pub tr: &'a Trace,
    pub cols: Vec<Option<Vec<u8>>>,
    pub n: usize,
    /// The earliest time a step after the end can have: the last time, or
    /// `--end-time` when the run is known to have gone on without steps until then.
    pub horizon: i64,
    /// Whether some `bind` took the general (per-binding) path.
    pub fallback_used: bool,
    /// [`Eval::bnd`] of the nodes with no free variable, once computed (a plan
    /// is a DAG: a shared subformula is reached along many paths).
    bnd_memo: Vec<std::cell::Cell<u8>>,
    /// Work units spent by on-demand evaluation (see [`DEFAULT_BUDGET`]).
    work: std::cell::Cell<u64>,
    /// The most work units on-demand evaluation may spend.
    pub budget: u64,
    /// Whether some evaluation was cut short because the budget was spent.
    exhausted: std::cell::Cell<bool>,
}

/// The default work budget of on-demand evaluation (per-binding `bind` bodies
/// and proofs): one unit per subformula value not read from a column, and one
/// per step a window visits on demand. Counted, never timed, so the same input
/// and budget give the same output on every machine.
pub const DEFAULT_BUDGET: u64 = 100_000_000;

/// (first position, one past the last position, whether the window reaches past the end).
pub type FWin = (usize, usize, bool);

impl<'a> Eval<'a> {
    pub fn new(plan: &'a Plan, tr: &'a Trace) -> Eval<'a> {
        Eval::with_budget(plan, tr, DEFAULT_BUDGET)
    }

    /// [`Eval::new`] with a work budget for on-demand evaluation: once it is
    /// spent, every value not yet known reads as undecided (weak view only) and
    /// [`Eval::exhausted`] is true, so no verdict may be drawn.
    pub fn with_budget(plan: &'a Plan, tr: &'a Trace, budget: u64) -> Eval<'a> {
        let horizon = plan.end_time.map_or(tr.last_time(), |e| e.max(tr.last_time()));
        let mut e = Eval {
            plan,
            tr,
            cols: vec![None; plan.nodes.len()],
            n: tr.n,
            horizon,
            fallback_used: false,
            bnd_memo: vec![std::cell::Cell::new(UNKNOWN); plan.nodes.len()],
            work: std::cell::Cell::new(0),
            budget,
            exhausted: std::cell::Cell::new(false),
        };
        // A `bind` whose only parent is `x -> bind` or `x && bind` matters only where x
        // is not false in every view: elsewhere its cells are left UNKNOWN.
        let mut parents: Vec<Vec<N>> = vec![Vec::new(); plan.nodes.len()];
        for (k, node) in plan.nodes.iter().enumerate() {
            for c in children(&node.op) {
                parents[c].push(k);
            }
        }
        for (k, ps) in parents.iter().enumerate() {
            if plan.nodes[k].free == 0 {
                let guard = match (&plan.nodes[k].op, ps.as_slice()) {
                    (Op::Bind(..), [p]) if plan.nodes[*p].free == 0 => match plan.nodes[*p].op {
                        Op::Implies(x, y) | Op::And(x, y) if y == k && x != k => Some(x),
                        _ => None,
                    },
                    _ => None,
                };
                let mut c = e.column_guarded(k, guard);
                c.iter_mut().filter(|v| **v != UNKNOWN).for_each(|v| *v = ordered(*v));
                e.cols[k] = Some(c);
            }
        }
        e
    }

    /// Work units spent so far (at most the budget).
    pub fn spent(&self) -> u64 {
        self.work.get()
    }

    /// Whether the budget ran out (some value was not computed).
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Spends one unit; false (and marks the budget exhausted) when none is left.
    #[inline]
    fn tick(&self) -> bool {
        let w = self.work.get();
        if w >= self.budget {
            self.exhausted.set(true);
            return false;
        }
        self.work.set(w + 1);
        true
    }

    /// [`Eval::value`] at a step a window visits: one unit, `None` when the budget is spent.
    #[inline]
    fn visit(&self, k: N, j: usize, env: &[usize]) -> Option<u8> {
        self.tick().then(|| self.value(k, j, env))
    }

    pub fn env0(&self) -> Vec<usize> {
        vec![0; self.plan.n_vars as usize]
    }

    // ---------- terms and atoms ----------

    fn cell(&self, c: CVal) -> Val<'a> {
        match c {
            CVal::Null => Val::Null,
            CVal::Bool(b) => Val::Bool(b),
            CVal::Int(i) => Val::Int(i),
            CVal::Num(f) => Val::Num(f),
            CVal::Str(s) => Val::Str(Cow::Borrowed(self.tr.strs.get(s))),
            CVal::Big(b) => Val::J(&self.tr.big[b as usize]),
        }
    }

    fn pos_of(&self, at: At, cur: Cur, env: &[usize]) -> Option<usize> {
        match (at, cur) {
            (At::Var(s), _) => Some(env[s as usize]),
            (At::VarPrev(s), _) => env[s as usize].checked_sub(1),
            (At::Cur, Cur::Real(i)) => Some(i),
            (At::Prev, Cur::Real(i)) => i.checked_sub(1),
            _ => None,
        }
    }

    pub fn term(&self, t: &'a TE, cur: Cur, env: &[usize]) -> Val<'a> {
        match t {
            TE::Const(j) => Val::of_json(j),
            TE::Time(at) => match (at, cur) {
                (At::Cur, Cur::Beyond { time, .. }) => Val::Int(time),
                _ => self.pos_of(*at, cur, env).map_or(Val::Null, |p| Val::Int(self.tr.times[p])),
            },
            TE::Step(at) => match (at, cur) {
                (At::Cur, Cur::Beyond { step, .. }) => Val::Int(step),
                _ => self.pos_of(*at, cur, env).map_or(Val::Null, |p| Val::Int(p as i64)),
            },
            TE::Col { at, col, rest } => {
                let Some(p) = self.pos_of(*at, cur, env) else { return Val::Null };
                self.segs(self.cell(self.tr.cols[*col][p]), rest, cur, env)
            }
            TE::Sub(base, rest) => self.segs(self.term(base, cur, env), rest, cur, env),
            TE::Alt(c, a, b) => {
                if truthy(&self.term(c, cur, env)) {
                    self.term(a, cur, env)
                } else {
                    self.term(b, cur, env)
                }
            }
            TE::Arith(op, a, b) => arith(*op, &self.term(a, cur, env), &self.term(b, cur, env)),
            TE::Neg(a) => neg_val(&self.term(a, cur, env)),
            TE::Len(a) => len(&self.term(a, cur, env)),
            TE::Array(xs) => {
                Val::Own(serde_json::Value::Array(xs.iter().map(|x| self.term(x, cur, env).to_json()).collect()))
            }
        }
    }

    /// Segments applied to a value: missing keys and indices are null.
    fn segs(&self, mut v: Val<'a>, rest: &'a [TSeg], cur: Cur, env: &[usize]) -> Val<'a> {
        for s in rest {
            v = match s {
                TSeg::Key(k) => v.get_key(k),
                TSeg::Idx(i) => v.index(&Val::Int(*i as i64)),
                TSeg::Dyn(t) => {
                    let idx = self.term(t, cur, env);
                    v.index(&idx)
                }
            };
        }
        v
    }

    pub fn atom(&self, a: usize, cur: Cur, env: &[usize]) -> bool {
        let at = &self.plan.atoms[a];
        let l = self.term(&at.l, cur, env);
        match at.op {
            None => truthy(&l),
            Some(op) => compare(op, &l, &self.term(&at.r, cur, env)),
        }
    }

    /// The value of an atom at a generic step beyond the end, when the known bounds
    /// (time ≥ the last time, step ≥ the length) decide it; else `W` (undecided).
    fn atom_bnd(&self, a: usize, env: &[usize]) -> u8 {
        let at = &self.plan.atoms[a];
        let (l, r) = (te_cur_refs(&at.l), te_cur_refs(&at.r));
        let refs = [l[0] + r[0], l[1] + r[1], l[2] + r[2]];
        if refs[0] > 0 {
            return W;
        }
        let t0 = self.horizon;
        let s0 = self.n as i64;
        if refs[1] == 0 && refs[2] == 0 {
            return if self.atom(a, Cur::Beyond { time: t0, step: s0 }, env) { ALL } else { 0 };
        }
        let monotone = matches!(at.op, Some(CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge));
        if !monotone || refs[1] > 1 || refs[2] > 1 {
            return W;
        }
        // No time or step of a trace is larger.
        let big = i64::MAX;
        let corners = [(t0, s0), (big, s0), (t0, big), (big, big)];
        let first = self.atom(a, Cur::Beyond { time: t0, step: s0 }, env);
        if corners.iter().all(|&(time, step)| self.atom(a, Cur::Beyond { time, step }, env) == first) {
            if first {
                ALL
            } else {
                0
            }
        } else {
            W
        }
    }

    /// The views of a node at a generic step beyond the end (bits S and W matter).
    pub fn bnd(&self, k: N, env: &[usize]) -> u8 {
        let closed = self.plan.nodes[k].free == 0;
        if closed && self.bnd_memo[k].get() != UNKNOWN {
            return self.bnd_memo[k].get();
        }
        let v = self.bnd_of(k, env);
        if closed {
            self.bnd_memo[k].set(v);
        }
        v
    }

    fn bnd_of(&self, k: N, env: &[usize]) -> u8 {
        match &self.plan.nodes[k].op {
            Op::Const(b) => {
                if *b {
                    ALL
                } else {
                    0
                }
            }
            Op::Atom(a) => self.atom_bnd(*a, env),
            Op::Not(x) => neg(self.bnd(*x, env)),
            Op::And(x, y) => self.bnd(*x, env) & self.bnd(*y, env),
            Op::Or(x, y) => self.bnd(*x, env) | self.bnd(*y, env),
            Op::Implies(x, y) => neg(self.bnd(*x, env)) | self.bnd(*y, env),
            Op::Quant(Quant::Forall, _, xs) => xs.iter().fold(ALL, |acc, (_, x)| acc & self.bnd(*x, env)),
            Op::Quant(Quant::Exists, _, xs) => xs.iter().fold(0, |acc, (_, x)| acc | self.bnd(*x, env)),
            Op::Named(_, x) => self.bnd(*x, env),
            _ => W,
        }
    }

    // ---------- windows ----------

    /// The future window of position i: positions j ≥ i with d(i, j) in w.
    pub fn fwin(&self, w: &Win, i: usize) -> FWin {
        let n = self.n;
        if w.is_full() {
            return (i, n, true);
        }
        if w.empty() {
            return (i, i, false);
        }
        if !w.time {
            let lo = (i as i64).saturating_add(w.lo).min(n as i64) as usize;
            let hi = w.hi.map_or(n, |h| (i as i64).saturating_add(h).saturating_add(1).min(n as i64) as usize);
            let open = w.hi.is_none_or(|h| (n - i) as i64 <= h);
            (lo, hi.max(lo), open)
        } else {
            let t = &self.tr.times;
            let ti = t[i];
            let lo = t.partition_point(|&x| x < ti.saturating_add(w.lo)).max(i);
            let hi = w.hi.map_or(n, |h| t.partition_point(|&x| x <= ti.saturating_add(h)));
            let open = w.hi.is_none_or(|h| self.horizon.saturating_sub(ti) <= h);
            (lo, hi.max(lo), open)
        }
    }

    /// `fwin` for i = 0, 1, 2, … in order: time windows by two monotone pointers, O(1) amortised.
    pub fn fwin_seq<'s>(&'s self, w: &'s Win) -> impl FnMut(usize) -> FWin + 's {
        let (mut lo, mut hi) = (0usize, 0usize);
        let n = self.n;
        move |i| {
            if !w.time || w.is_full() || w.empty() {
                return self.fwin(w, i);
            }
            let t = &self.tr.times;
            let ti = t[i];
            let lo_t = ti.saturating_add(w.lo);
            if lo < i {
                lo = i;
            }
            while lo < n && t[lo] < lo_t {
                lo += 1;
            }
            let hi_v = match w.hi {
                Some(h) => {
                    let hi_t = ti.saturating_add(h);
                    while hi < n && t[hi] <= hi_t {
                        hi += 1;
                    }
                    hi
                }
                None => n,
            };
            let open = w.hi.is_none_or(|h| self.horizon.saturating_sub(ti) <= h);
            (lo, hi_v.max(lo), open)
        }
    }

    /// The past window of position i, inclusive: positions j ≤ i with d(j, i) in w.
    pub fn pwin(&self, w: &Win, i: usize) -> Option<(usize, usize)> {
        if w.empty() {
            return None;
        }
        if w.is_full() {
            return Some((0, i));
        }
        let (lo, hi) = if !w.time {
            let hi = (i as i64).checked_sub(w.lo)?;
            if hi < 0 {
                return None;
            }
            let lo = w.hi.map_or(0, |h| (i as i64).saturating_sub(h).max(0));
            (lo as usize, hi as usize)
        } else {
            let t = &self.tr.times;
            let ti = t[i];
            let hi = t.partition_point(|&x| x <= ti.saturating_sub(w.lo)).min(i + 1);
            if hi == 0 {
                return None;
            }
            let lo = w.hi.map_or(0, |h| t.partition_point(|&x| x < ti.saturating_sub(h)));
            (lo, hi - 1)
        };
        (lo <= hi).then_some((lo, hi))
    }

    fn dist(&self, w: &Win, a: usize, b: usize) -> i64 {
        if w.time {
            self.tr.times[b] - self.tr.times[a]
        } else {
            (b - a) as i64
        }
    }

    /// next[w] at the last step, from the views `b` of its operand after the end:
    /// the step after the end could be in the window in time if the window is open
    /// there, in steps if it holds distance 1.
    fn next_tail(&self, w: &Win, b: u8) -> u8 {
        if w.empty() || self.n == 0 {
            return 0;
        }
        let last = self.n - 1;
        let could = if w.time { self.fwin(w, last).2 } else { w.contains(1) };
        self.some_beyond(w, last, could, || b)
    }

    /// What a step after the end adds to an existential operator (`eventually`,
    /// `until`, `next`) at i, from the views `b` of its operand there (asked only
    /// when needed): weak if such a step could be in the window (`could`), strong
    /// only if one surely is.
    fn some_beyond(&self, w: &Win, i: usize, could: bool, b: impl FnOnce() -> u8) -> u8 {
        if !could {
            return 0;
        }
        let b = b();
        (if self.sure(w, i) { b & S } else { 0 }) | (b & W)
    }

    /// The dual, for `always`: the views that survive the steps after the end.
    /// Strong needs `b` wherever such a step could be, weak only where one surely is.
    fn all_beyond(&self, w: &Win, i: usize, could: bool, b: impl FnOnce() -> u8) -> u8 {
        if !could {
            return ALL;
        }
        let b = b();
        (b & S) | NV | (if self.sure(w, i) { b & W } else { W })
    }

    /// Whether the first step after the end certainly lies in position i's future
    /// window, in every continuation: a continuation may end after one step, and
    /// its time may be any time ≥ the last, so only windows that hold every
    /// distance from there on are sure in time.
    pub fn sure(&self, w: &Win, i: usize) -> bool {
        if w.empty() {
            return false;
        }
        if w.time {
            w.hi.is_none() && self.tr.times[i].saturating_add(w.lo) <= self.horizon
        } else {
            w.contains((self.n - i) as i64)
        }
    }

    // ---------- columns ----------

    fn col(&self, k: N) -> &[u8] {
        self.cols[k].as_deref().unwrap_or(&[])
    }

    /// First position ≥ x whose bit b is `want`, for every x in 0..=n.
    fn next_table(v: &[u8], bit: u8, want: bool) -> Vec<u32> {
        let n = v.len();
        let mut t = vec![n as u32; n + 1];
        for x in (0..n).rev() {
            t[x] = if (v[x] & bit != 0) == want { x as u32 } else { t[x + 1] };
        }
        t
    }

    /// Last position ≤ x whose bit b is `want` (as position + 1; 0 = none).
    fn prev_table(v: &[u8], bit: u8, want: bool) -> Vec<u32> {
        let mut t = vec![0u32; v.len()];
        let mut last = 0u32;
        for (x, &c) in v.iter().enumerate() {
            if (c & bit != 0) == want {
                last = x as u32 + 1;
            }
            t[x] = last;
        }
        t
    }

    fn column_guarded(&mut self, k: N, guard: Option<N>) -> Vec<u8> {
        let n = self.n;
        let plan = self.plan;
        let env = self.env0();
        let needed = |i: usize| guard.is_none_or(|g| self.cols[g].as_ref().is_none_or(|c| c[i] != 0));
        match &plan.nodes[k].op {
            Op::Const(b) => vec![if *b { ALL } else { 0 }; n],
            Op::Atom(a) => self.atom_column(*a),
            Op::Not(x) => self.col(*x).iter().map(|&v| neg(v)).collect(),
            Op::And(x, y) => self.col(*x).iter().zip(self.col(*y)).map(|(a, b)| a & b).collect(),
            Op::Or(x, y) => self.col(*x).iter().zip(self.col(*y)).map(|(a, b)| a | b).collect(),
            Op::Implies(x, y) => self.col(*x).iter().zip(self.col(*y)).map(|(a, b)| (neg(*a) | b) & ALL).collect(),
            Op::Named(_, x) => self.col(*x).to_vec(),
            Op::Quant(q, _, xs) => {
                let mut out = vec![if *q == Quant::Forall { ALL } else { 0 }; n];
                for (_, x) in xs {
                    for (o, v) in out.iter_mut().zip(self.col(*x)) {
                        if *q == Quant::Forall {
                            *o &= v
                        } else {
                            *o |= v
                        }
                    }
                }
                out
            }
            Op::Next(w, x) => {
                let c = self.col(*x);
                let tail = self.next_tail(w, self.bnd(*x, &env));
                (0..n)
                    .map(|i| {
                        if i + 1 < n {
                            if w.contains(self.dist(w, i, i + 1)) {
                                c[i + 1]
                            } else {
                                0
                            }
                        } else {
                            tail
                        }
                    })
                    .collect()
            }
            Op::Prev(w, x) => {
                let c = self.col(*x);
                (0..n).map(|i| if i >= 1 && w.contains(self.dist(w, i - 1, i)) { c[i - 1] } else { 0 }).collect()
            }
            Op::Eventually(w, x) | Op::Always(w, x) => {
                let ev = matches!(plan.nodes[k].op, Op::Eventually(..));
                let c = self.col(*x);
                let b = self.bnd(*x, &env);
                let mut out = vec![0u8; n];
                if w.is_full() {
                    // v(i) = φ(i) ∨ v(i+1) (eventually), φ(i) ∧ v(i+1) (always)
                    let mut acc = if ev { b & (S | W) } else { (b & (S | W)) | NV };
                    for i in (0..n).rev() {
                        acc = if ev { c[i] | acc } else { c[i] & acc };
                        out[i] = acc;
                    }
                    return out;
                }
                let tables: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::next_table(c, bit, ev)).collect();
                let mut win = self.fwin_seq(w);
                for (i, o) in out.iter_mut().enumerate() {
                    let (lo, hi, open) = win(i);
                    let mut v = 0u8;
                    for (t, bit) in tables.iter().zip([S, NV, W]) {
                        let found = (t[lo] as usize) < hi;
                        if found == ev {
                            v |= bit;
                        }
                    }
                    *o =
                        if ev { v | self.some_beyond(w, i, open, || b) } else { v & self.all_beyond(w, i, open, || b) };
                }
                out
            }
            Op::Until(w, x, y) => {
                let (cx, cy) = (self.col(*x), self.col(*y));
                let by = self.bnd(*y, &env);
                let nf: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::next_table(cx, bit, false)).collect();
                let nt: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::next_table(cy, bit, true)).collect();
                let mut win = self.fwin_seq(w);
                (0..n)
                    .map(|i| {
                        let (lo, hi, open) = win(i);
                        // a witness after the end, where φ held to the end of the trace
                        let past = self.some_beyond(w, i, open, || by);
                        let mut v = 0u8;
                        for (j, bit) in [S, NV, W].into_iter().enumerate() {
                            let f = nf[j][i] as usize;
                            let t = nt[j][lo] as usize;
                            if t < hi && t <= f {
                                v |= bit;
                            } else if f == n {
                                v |= bit & past;
                            }
                        }
                        v
                    })
                    .collect()
            }
            Op::Once(w, x) | Op::Historically(w, x) => {
                let once = matches!(plan.nodes[k].op, Op::Once(..));
                let c = self.col(*x);
                if w.is_full() {
                    let mut acc = if once { 0 } else { ALL };
                    return c
                        .iter()
                        .map(|&v| {
                            acc = if once { acc | v } else { acc & v };
                            acc
                        })
                        .collect();
                }
                let tables: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::prev_table(c, bit, once)).collect();
                (0..n)
                    .map(|i| {
                        let Some((lo, hi)) = self.pwin(w, i) else { return if once { 0 } else { ALL } };
                        let mut v = 0u8;
                        for (t, bit) in tables.iter().zip([S, NV, W]) {
                            let found = t[hi] as usize > lo;
                            if found == once {
                                v |= bit;
                            }
                        }
                        v
                    })
                    .collect()
            }
            Op::Since(w, x, y) => {
                let (cx, cy) = (self.col(*x), self.col(*y));
                let lf: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::prev_table(cx, bit, false)).collect();
                let pt: Vec<Vec<u32>> = [S, NV, W].iter().map(|&bit| Self::prev_table(cy, bit, true)).collect();
                (0..n)
                    .map(|i| {
                        let Some((lo, hi)) = self.pwin(w, i) else { return 0 };
                        let mut v = 0u8;
                        for (j, bit) in [S, NV, W].into_iter().enumerate() {
                            // ψ at some j in [max(lo, last ¬φ), hi]
                            let lower = lo.max((lf[j][i] as usize).saturating_sub(1));
                            let lower = if lf[j][i] == 0 { lo } else { lower };
                            let p = pt[j][hi] as usize;
                            if p > lower {
                                v |= bit;
                            }
                        }
                        v
                    })
                    .collect()
            }
            Op::Bind(slot, _, body) => {
                let need: Vec<bool> = (0..n).map(needed).collect();
                if let Some(pat) = plan.pats.get(&k) {
                    return self.pattern_column(*slot, *body, pat, &need);
                }
                let mut env = env;
                let out = (0..n)
                    .map(|i| {
                        if !need[i] {
                            return UNKNOWN;
                        }
                        env[*slot as usize] = i;
                        self.value(*body, i, &env)
                    })
                    .collect();
                self.fallback_used = true;
                out
            }
        }
    }

    fn atom_column(&self, a: usize) -> Vec<u8> {
        let at = &self.plan.atoms[a];
        let env = self.env0();
        let n = self.n;
        let b = |x: bool| if x { ALL } else { 0 };
        // Fast paths: a column against a constant, or a column's truthiness.
        if let TE::Col { at: At::Cur, col, rest } = &at.l {
            if rest.is_empty() {
                let cells = &self.tr.cols[*col];
                match (at.op, &at.r) {
                    (None, _) => return cells.iter().map(|&c| b(truthy(&self.cell(c)))).collect(),
                    (Some(op), TE::Const(k)) if !k.is_array() && !k.is_object() => {
                        let kv = Val::of_json(k);
                        // An interned constant string compares by id for == and !=.
                        if let (Some(sid), CmpOp::Eq | CmpOp::Ne) = (k.as_str().map(|s| self.tr.strs.lookup(s)), op) {
                            let eq = op == CmpOp::Eq;
                            return cells
                                .iter()
                                .map(|&c| b(matches!((c, sid), (CVal::Str(x), Some(y)) if x == y) == eq))
                                .collect();
                        }
                        return cells.iter().map(|&c| b(compare(op, &self.cell(c), &kv))).collect();
                    }
                    _ => {}
                }
            }
        }
        (0..n).map(|i| b(self.atom(a, Cur::Real(i), &env))).collect()
    }

    /// A hash key for JSON equality.
    fn key(&self, v: &Val<'_>) -> Key {
        match v {
            Val::Null => Key::Null,
            Val::Bool(b) => Key::Bool(*b),
            Val::Int(i) => Key::Int(*i),
            Val::Num(f) => dbl_key(*f),
            Val::Str(s) => self.tr.strs.lookup(s).map_or_else(|| Key::Text(s.to_string()), Key::Str),
            Val::J(j) => Key::Text(canonical(j)),
            Val::Own(j) => Key::Text(canonical(j)),
        }
    }

    fn key_at(&self, t: &'a TE, i: usize, env: &[usize]) -> Key {
        if let TE::Col { at, col, rest } = t {
            if rest.is_empty() {
                if let Some(p) = self.pos_of(*at, Cur::Real(i), env) {
                    match self.tr.cols[*col][p] {
                        CVal::Str(s) => return Key::Str(s),
                        CVal::Null => return Key::Null,
                        CVal::Int(x) => return Key::Int(x),
                        _ => {}
                    }
                }
            }
        }
        self.key(&self.term(t, Cur::Real(i), env))
    }

    fn pattern_column(&self, slot: u32, body: N, pat: &'a BindPat, need: &[bool]) -> Vec<u8> {
        let n = self.n;
        let mut chi = vec![ALL; n];
        for r in &pat.rest {
            for (o, v) in chi.iter_mut().zip(self.col(*r)) {
                *o &= v;
            }
        }
        let rest_bnd = pat.rest.iter().fold(ALL, |acc, r| acc & self.bnd(*r, &[]));
        let _ = body;
        let mut env = self.env0();
        // Without a join: next-position tables of χ per view.
        let tables: Vec<Vec<u32>> = if pat.join.is_none() {
            [S, NV, W].iter().map(|&bit| Self::next_table(&chi, bit, true)).collect()
        } else {
            vec![]
        };
        // With a join: key -> ascending positions where χ is not all-false.
        let mut index: FxHashMap<Key, Vec<u32>> = FxHashMap::default();
        if let Some((_, e, _)) = &pat.join {
            for (j, &c) in chi.iter().enumerate() {
                if c != 0 {
                    index.entry(self.key_at(e, j, &env)).or_default().push(j as u32);
                }
            }
        }
        // The join atom beyond the end: undecided (W) when it reads the current step.
        let join_const_bnd = match &pat.join {
            Some((_, e, _)) if te_uses_cur(e) => Some(W),
            None => Some(ALL),
            _ => None,
        };
        let mut win = self.fwin_seq(&pat.win);
        let last_t = self.horizon;
        let mut out = vec![0u8; n];
        for (i, o) in out.iter_mut().enumerate() {
            let (lo, hi, open) = win(i);
            if !need[i] {
                *o = UNKNOWN;
                continue;
            }
            env[slot as usize] = i;
            let mut v = 0u8;
            match &pat.join {
                None => {
                    for (t, bit) in tables.iter().zip([S, NV, W]) {
                        if (t[lo] as usize) < hi {
                            v |= bit;
                        }
                    }
                }
                Some((_, _, ew)) => {
                    if let Some(ps) = index.get(&self.key_at(ew, i, &env)) {
                        let start = ps.partition_point(|&p| (p as usize) < lo);
                        for &p in &ps[start..] {
                            if p as usize >= hi || v == ALL {
                                break;
                            }
                            v |= chi[p as usize];
                        }
                    }
                }
            }
            if v & (S | W) == (S | W) {
                *o = v;
                continue;
            }
            // Beyond the end: the conjunction's value at a generic later step.
            let bounds = if pat.win.empty() {
                pat.bound_atoms.iter().fold(ALL, |acc, &a| acc & self.bnd(a, &env))
            } else if pat.win.hi.is_some() {
                if open {
                    W
                } else {
                    0
                }
            } else {
                let d_last = if pat.win.time { last_t.saturating_sub(self.tr.times[i]) } else { (n - i) as i64 };
                if d_last >= pat.win.lo {
                    ALL
                } else {
                    W
                }
            };
            let join = match (join_const_bnd, &pat.join) {
                (Some(b), _) => b,
                (None, Some((ja, _, _))) => self.bnd(*ja, &env),
                (None, None) => ALL,
            };
            *o = v | (rest_bnd & bounds & join & (S | W));
        }
        out
    }

    // ---------- on-demand values (bind bodies, proofs) ----------

    /// The views of node k at step i with the bind variables in env.
    pub fn value(&self, k: N, i: usize, env: &[usize]) -> u8 {
        if let Some(c) = &self.cols[k] {
            if c[i] != UNKNOWN {
                return c[i];
            }
        }
        if !self.tick() {
            // Undecided: the verdict is withheld (see `Outcome::work`).
            return W;
        }
        ordered(self.value_unordered(k, i, env))
    }

    /// [`Eval::value`] before [`ordered`].
    fn value_unordered(&self, k: N, i: usize, env: &[usize]) -> u8 {
        let n = self.n;
        match &self.plan.nodes[k].op {
            Op::Const(b) => {
                if *b {
                    ALL
                } else {
                    0
                }
            }
            Op::Atom(a) => {
                if self.atom(*a, Cur::Real(i), env) {
                    ALL
                } else {
                    0
                }
            }
            Op::Not(x) => neg(self.value(*x, i, env)),
            Op::And(x, y) => {
                let a = self.value(*x, i, env);
                if a == 0 {
                    0
                } else {
                    a & self.value(*y, i, env)
                }
            }
            Op::Or(x, y) => {
                let a = self.value(*x, i, env);
                if a == ALL {
                    ALL
                } else {
                    a | self.value(*y, i, env)
                }
            }
            Op::Implies(x, y) => {
                let a = neg(self.value(*x, i, env));
                if a == ALL {
                    ALL
                } else {
                    a | self.value(*y, i, env)
                }
            }
            Op::Named(_, x) => self.value(*x, i, env),
            Op::Quant(q, _, xs) => {
                let mut acc = if *q == Quant::Forall { ALL } else { 0 };
                for (_, x) in xs {
                    let v = self.value(*x, i, env);
                    acc = if *q == Quant::Forall { acc & v } else { acc | v };
                }
                acc
            }
            Op::Next(w, x) => {
                if i + 1 < n {
                    if w.contains(self.dist(w, i, i + 1)) {
                        self.value(*x, i + 1, env)
                    } else {
                        0
                    }
                } else {
                    self.next_tail(w, self.bnd(*x, env))
                }
            }
            Op::Prev(w, x) => {
                if i >= 1 && w.contains(self.dist(w, i - 1, i)) {
                    self.value(*x, i - 1, env)
                } else {
                    0
                }
            }
            Op::Eventually(w, x) => {
                let (lo, hi, open) = self.fwin(w, i);
                let mut acc = 0;
                for j in lo..hi {
                    let Some(v) = self.visit(*x, j, env) else { return W };
                    acc |= v;
                    if acc == ALL {
                        return ALL;
                    }
                }
                acc | self.some_beyond(w, i, open, || self.bnd(*x, env))
            }
            Op::Always(w, x) => {
                let (lo, hi, open) = self.fwin(w, i);
                let mut acc = ALL;
                for j in lo..hi {
                    let Some(v) = self.visit(*x, j, env) else { return W };
                    acc &= v;
                    if acc == 0 {
                        return 0;
                    }
                }
                acc & self.all_beyond(w, i, open, || self.bnd(*x, env))
            }
            Op::Until(w, x, y) => {
                let (lo, hi, open) = self.fwin(w, i);
                let (mut ok, mut acc) = (ALL, 0u8);
                for j in i..hi {
                    if !self.tick() {
                        return W;
                    }
                    if j >= lo {
                        acc |= self.value(*y, j, env) & ok;
                    }
                    ok &= self.value(*x, j, env);
                    if ok == 0 {
                        return acc;
                    }
                }
                acc | (ok & self.some_beyond(w, i, open, || self.bnd(*y, env)))
            }
            Op::Once(w, x) | Op::Historically(w, x) => {
                let once = matches!(self.plan.nodes[k].op, Op::Once(..));
                let Some((lo, hi)) = self.pwin(w, i) else { return if once { 0 } else { ALL } };
                let mut acc = if once { 0 } else { ALL };
                for j in (lo..=hi).rev() {
                    let Some(v) = self.visit(*x, j, env) else { return W };
                    acc = if once { acc | v } else { acc & v };
                    if (once && acc == ALL) || (!once && acc == 0) {
                        break;
                    }
                }
                acc
            }
            Op::Since(w, x, y) => {
                let Some((lo, hi)) = self.pwin(w, i) else { return 0 };
                let (mut ok, mut acc) = (ALL, 0u8);
                for j in (lo..=i).rev() {
                    if !self.tick() {
                        return W;
                    }
                    if j <= hi {
                        acc |= self.value(*y, j, env) & ok;
                    }
                    ok &= self.value(*x, j, env);
                    if ok == 0 {
                        break;
                    }
                }
                acc
            }
            Op::Bind(slot, _, body) => {
                let mut env2 = env.to_vec();
                env2[*slot as usize] = i;
                self.value(*body, i, &env2)
            }
        }
    }
}

fn neg_val<'x>(v: &Val<'_>) -> Val<'x> {
    crate::value::neg(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_swaps_strong_and_weak() {
        assert_eq!(neg(0b000), 0b111);
        assert_eq!(neg(0b100), 0b110);
        assert_eq!(neg(0b110), 0b100);
        assert_eq!(neg(0b111), 0);
    }
}
