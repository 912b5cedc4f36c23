//! Proof terms (satisfaction and violation, WhyMon-style), built top-down from the
//! evaluator's tables for the reported verdict only; their JSON form and text
//! rendering; and [`check_proof`], which re-validates a proof against the naive
//! reference evaluator.
//!
//! Evidence is the earliest: the first failing step of an `always`, the first
//! witness of an `eventually`, the left-most deciding side of `&&`/`||`. Universal
//! evidence ("false at every step of 10..5000") is a range with a count and the
//! first few sub-proofs as samples, never one node per step.

use crate::compile::*;
use crate::eval::{Eval, NV, S, W};
use crate::syntax::{CmpOp, Quant};
use serde::Serialize;
use serde_json::Value as Json;

/// One proof node: that the node's formula is true (`sat`) or false at `step`, in
/// one of the three views (`S`, `NV` or `W`).
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub sat: bool,
    pub view: u8,
    pub node: N,
    pub op: &'static str,
    pub text: String,
    pub step: usize,
    pub time: i64,
    pub detail: Detail,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    pub text: String,
    pub value: Json,
}

/// Steps `from..to` (exclusive) where the sub-formula has the stated value.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub from: usize,
    pub to: usize,
    pub count: usize,
    pub samples: Vec<Proof>,
    /// The window reaches past the end of the trace.
    pub open_end: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    Leaf,
    Cmp {
        op: Option<CmpOp>,
        left: Operand,
        right: Option<Operand>,
    },
    /// Every operand's proof: `!`, `&&` satisfied, `||` violated, `->` violated, a `let` name.
    Subs(Vec<Proof>),
    /// The deciding operand: `&&` violated, `||` satisfied, `->` satisfied (left: vacuous).
    Side {
        right: bool,
        sub: Box<Proof>,
    },
    /// The one step that decides a temporal operator.
    Witness(Box<Proof>),
    /// `next`/`prev` with no usable step.
    NoStep {
        reason: String,
        open_end: bool,
    },
    /// Decided only by the steps after the end (true in the weak view, false in the strong one).
    PastEnd,
    /// A subformula shared in the formula (a `let` body used more than once),
    /// proved in full where it first occurs in this proof, at the same step and view.
    Shared,
    Range(Range),
    /// `until`/`since` satisfied: the witness of the right side (None: past the end) and the left side along the way.
    Sat2 {
        witness: Option<Box<Proof>>,
        along: Range,
    },
    /// `until`/`since` violated: where the left side failed (if it did) and the right side's failures before that.
    Viol2 {
        stop: Option<Box<Proof>>,
        psi: Range,
    },
    Bind {
        var: String,
        sub: Box<Proof>,
    },
    One {
        var: String,
        value: Json,
        sub: Box<Proof>,
    },
    All {
        var: String,
        count: usize,
        samples: Vec<(Json, Proof)>,
    },
}

pub fn dual(view: u8) -> u8 {
    match view {
        S => W,
        W => S,
        v => v,
    }
}

pub fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Const(_) => "const",
        Op::Atom(_) => "atom",
        Op::Not(_) => "!",
        Op::And(..) => "&&",
        Op::Or(..) => "||",
        Op::Implies(..) => "->",
        Op::Next(..) => "next",
        Op::Prev(..) => "prev",
        Op::Eventually(..) => "eventually",
        Op::Always(..) => "always",
        Op::Once(..) => "once",
        Op::Historically(..) => "historically",
        Op::Until(..) => "until",
        Op::Since(..) => "since",
        Op::Bind(..) => "bind",
        Op::Quant(Quant::Forall, ..) => "forall",
        Op::Quant(Quant::Exists, ..) => "exists",
        Op::Named(..) => "let",
    }
}

pub struct Prover<'e, 'a> {
    pub ev: &'e Eval<'a>,
    pub samples: usize,
    /// Nodes with more than one parent (a `let` body used twice, the sides of a
    /// `<->`): their proof at a step is given once per proof, then referred to.
    shared: Vec<bool>,
    done: std::cell::RefCell<std::collections::HashSet<NodeAt>>,
}

impl<'e, 'a> Prover<'e, 'a> {
    pub fn new(ev: &'e Eval<'a>, samples: usize) -> Prover<'e, 'a> {
        let plan = ev.plan;
        let mut parents = vec![0u32; plan.nodes.len()];
        for node in &plan.nodes {
            for c in crate::eval::children(&node.op) {
                parents[c] += 1;
            }
        }
        let shared = parents
            .iter()
            .zip(&plan.nodes)
            .map(|(&p, node)| p > 1 && !matches!(node.op, Op::Const(_) | Op::Atom(_)))
            .collect();
        Prover { ev, samples, shared, done: Default::default() }
    }

    /// The proof of node k at step i in `view`, under the bind positions `env`.
    /// A subformula shared in the plan (a `let` body used more than once) is
    /// proved in full where it first occurs in the proof and is a
    /// [`Detail::Shared`] leaf where it occurs again at the same step and view,
    /// so a proof grows with the formula's text, not its expansion.
    pub fn prove(&self, k: N, i: usize, view: u8, env: &[usize]) -> Proof {
        self.done.borrow_mut().clear();
        self.prove_rec(k, i, view, env)
    }
    fn holds(&self, k: N, i: usize, view: u8, env: &[usize]) -> bool {
        self.ev.value(k, i, env) & view != 0
    }

    fn range(&self, k: N, from: usize, to: usize, view: u8, env: &[usize], open_end: bool) -> Range {
        let to = to.max(from);
        let samples = (from..to).take(self.samples).map(|j| self.prove_rec(k, j, view, env)).collect();
        Range { from, to, count: to - from, samples, open_end }
    }

    fn prove_rec(&self, k: N, i: usize, view: u8, env: &[usize]) -> Proof {
        let ev = self.ev;
        let plan = ev.plan;
        let node = &plan.nodes[k];
        let sat = self.holds(k, i, view, env);
        let n = ev.n;
        let again = self.shared[k] && !self.done.borrow_mut().insert((k, i, view, env.to_vec()));
        let detail = match &node.op {
            _ if again => Detail::Shared,
            Op::Const(_) => Detail::Leaf,
            Op::Atom(a) => {
                let at = &plan.atoms[*a];
                let cur = crate::eval::Cur::Real(i);
                let left = Operand { text: at.l_text.clone(), value: ev.term(&at.l, cur, env).to_json() };
                let right =
                    at.op.map(|_| Operand { text: at.r_text.clone(), value: ev.term(&at.r, cur, env).to_json() });
                Detail::Cmp { op: at.op, left, right }
            }
            Op::Not(x) => Detail::Subs(vec![self.prove_rec(*x, i, dual(view), env)]),
            Op::Named(_, x) => Detail::Subs(vec![self.prove_rec(*x, i, view, env)]),
            Op::And(x, y) => {
                if sat {
                    Detail::Subs(vec![self.prove_rec(*x, i, view, env), self.prove_rec(*y, i, view, env)])
                } else if !self.holds(*x, i, view, env) {
                    Detail::Side { right: false, sub: Box::new(self.prove_rec(*x, i, view, env)) }
                } else {
                    Detail::Side { right: true, sub: Box::new(self.prove_rec(*y, i, view, env)) }
                }
            }
            Op::Or(x, y) => {
                if !sat {
                    Detail::Subs(vec![self.prove_rec(*x, i, view, env), self.prove_rec(*y, i, view, env)])
                } else if self.holds(*x, i, view, env) {
                    Detail::Side { right: false, sub: Box::new(self.prove_rec(*x, i, view, env)) }
                } else {
                    Detail::Side { right: true, sub: Box::new(self.prove_rec(*y, i, view, env)) }
                }
            }
            Op::Implies(x, y) => {
                let dv = dual(view);
                if !sat {
                    Detail::Subs(vec![self.prove_rec(*x, i, dv, env), self.prove_rec(*y, i, view, env)])
                } else if !self.holds(*x, i, dv, env) {
                    Detail::Side { right: false, sub: Box::new(self.prove_rec(*x, i, dv, env)) }
                } else {
                    Detail::Side { right: true, sub: Box::new(self.prove_rec(*y, i, view, env)) }
                }
            }
            Op::Quant(q, var, xs) => {
                let want = *q == Quant::Exists; // the kind of element that decides alone
                if sat == want {
                    // exists satisfied / forall violated: one element
                    match xs.iter().find(|(_, x)| self.holds(*x, i, view, env) == want) {
                        Some((v, x)) => Detail::One {
                            var: var.clone(),
                            value: v.clone(),
                            sub: Box::new(self.prove_rec(*x, i, view, env)),
                        },
                        None => Detail::Leaf,
                    }
                } else {
                    let samples = xs
                        .iter()
                        .take(self.samples)
                        .map(|(v, x)| (v.clone(), self.prove_rec(*x, i, view, env)))
                        .collect();
                    Detail::All { var: var.clone(), count: xs.len(), samples }
                }
            }
            Op::Next(w, x) | Op::Prev(w, x) => {
                let next = matches!(node.op, Op::Next(..));
                let j = if next { (i + 1 < n).then_some(i + 1) } else { i.checked_sub(1) };
                match j {
                    Some(j) => {
                        let (a, b) = if next { (i, j) } else { (j, i) };
                        let d = if w.time { ev.tr.times[b] - ev.tr.times[a] } else { 1 };
                        if w.contains(d) {
                            Detail::Witness(Box::new(self.prove_rec(*x, j, view, env)))
                        } else {
                            let unit = if w.time { " time units" } else { " step" };
                            Detail::NoStep {
                                reason: format!(
                                    "the {} step is {d}{unit} away, outside the interval",
                                    if next { "next" } else { "previous" }
                                ),
                                open_end: false,
                            }
                        }
                    }
                    None if !next => Detail::NoStep { reason: "there is no previous step".into(), open_end: false },
                    None => {
                        let open = !w.empty() && (w.time || w.contains(1));
                        if sat {
                            Detail::PastEnd
                        } else if !open {
                            Detail::NoStep {
                                reason: "no step after the end can be in the interval".into(),
                                open_end: false,
                            }
                        } else if view == W {
                            Detail::NoStep { reason: "no step after the end can make it true".into(), open_end: true }
                        } else {
                            Detail::NoStep { reason: "the trace ends here".into(), open_end: true }
                        }
                    }
                }
            }
            Op::Eventually(w, x) | Op::Always(w, x) => {
                let evn = matches!(node.op, Op::Eventually(..));
                let (lo, hi, open) = ev.fwin(w, i);
                if sat == evn {
                    // eventually satisfied / always violated: the first deciding step
                    match (lo..hi).find(|&j| self.holds(*x, j, view, env) == evn) {
                        Some(j) => Detail::Witness(Box::new(self.prove_rec(*x, j, view, env))),
                        None => Detail::PastEnd,
                    }
                } else {
                    Detail::Range(self.range(*x, lo, hi, view, env, open))
                }
            }
            Op::Once(w, x) | Op::Historically(w, x) => {
                let once = matches!(node.op, Op::Once(..));
                match ev.pwin(w, i) {
                    None => Detail::Range(Range { from: i, to: i, count: 0, samples: vec![], open_end: false }),
                    Some((lo, hi)) => {
                        if sat == once {
                            match (lo..=hi).rev().find(|&j| self.holds(*x, j, view, env) == once) {
                                Some(j) => Detail::Witness(Box::new(self.prove_rec(*x, j, view, env))),
                                None => Detail::Leaf,
                            }
                        } else {
                            Detail::Range(self.range(*x, lo, hi + 1, view, env, false))
                        }
                    }
                }
            }
            Op::Until(w, x, y) => {
                let (lo, hi, open) = ev.fwin(w, i);
                if sat {
                    let mut witness = None;
                    for j in i..hi {
                        if j >= lo && self.holds(*y, j, view, env) {
                            witness = Some(j);
                            break;
                        }
                        if !self.holds(*x, j, view, env) {
                            break;
                        }
                    }
                    match witness {
                        Some(j) => Detail::Sat2 {
                            witness: Some(Box::new(self.prove_rec(*y, j, view, env))),
                            along: self.range(*x, i, j, view, env, false),
                        },
                        None => Detail::Sat2 { witness: None, along: self.range(*x, i, n, view, env, true) },
                    }
                } else {
                    let stop = (i..hi).find(|&k| !self.holds(*x, k, view, env));
                    match stop {
                        Some(k) => Detail::Viol2 {
                            stop: Some(Box::new(self.prove_rec(*x, k, view, env))),
                            psi: self.range(*y, lo, (k + 1).min(hi), view, env, false),
                        },
                        None => Detail::Viol2 { stop: None, psi: self.range(*y, lo, hi, view, env, open) },
                    }
                }
            }
            Op::Since(w, x, y) => match ev.pwin(w, i) {
                None => Detail::Viol2 {
                    stop: None,
                    psi: Range { from: i, to: i, count: 0, samples: vec![], open_end: false },
                },
                Some((lo, hi)) => {
                    if sat {
                        let mut witness = None;
                        for j in (lo..=i).rev() {
                            if j <= hi && self.holds(*y, j, view, env) {
                                witness = Some(j);
                                break;
                            }
                            if !self.holds(*x, j, view, env) {
                                break;
                            }
                        }
                        let j = witness.unwrap_or(i);
                        Detail::Sat2 {
                            witness: witness.map(|j| Box::new(self.prove_rec(*y, j, view, env))),
                            along: self.range(*x, j + 1, i + 1, view, env, false),
                        }
                    } else {
                        let stop = (lo..=i).rev().find(|&k| !self.holds(*x, k, view, env));
                        match stop {
                            Some(k) => Detail::Viol2 {
                                stop: Some(Box::new(self.prove_rec(*x, k, view, env))),
                                psi: self.range(*y, k.max(lo), hi + 1, view, env, false),
                            },
                            None => Detail::Viol2 { stop: None, psi: self.range(*y, lo, hi + 1, view, env, false) },
                        }
                    }
                }
            },
            Op::Bind(slot, var, body) => {
                let mut env2 = env.to_vec();
                env2[*slot as usize] = i;
                Detail::Bind { var: var.clone(), sub: Box::new(self.prove_rec(*body, i, view, &env2)) }
            }
        };
        Proof {
            sat,
            view,
            node: k,
            op: op_name(&node.op),
            text: node.text.clone(),
            step: i,
            time: ev.tr.times[i],
            detail,
        }
    }
}

impl Proof {
    /// Every proof node, depth first.
    pub fn walk<'p>(&'p self, f: &mut impl FnMut(&'p Proof)) {
        f(self);
        match &self.detail {
            Detail::Subs(xs) => xs.iter().for_each(|p| p.walk(f)),
            Detail::Side { sub, .. } | Detail::Witness(sub) | Detail::Bind { sub, .. } | Detail::One { sub, .. } => {
                sub.walk(f)
            }
            Detail::Range(r) => r.samples.iter().for_each(|p| p.walk(f)),
            Detail::Sat2 { witness, along } => {
                if let Some(w) = witness {
                    w.walk(f);
                }
                along.samples.iter().for_each(|p| p.walk(f));
            }
            Detail::Viol2 { stop, psi } => {
                if let Some(s) = stop {
                    s.walk(f);
                }
                psi.samples.iter().for_each(|p| p.walk(f));
            }
            Detail::All { samples, .. } => samples.iter().for_each(|(_, p)| p.walk(f)),
            Detail::Leaf | Detail::Cmp { .. } | Detail::NoStep { .. } | Detail::PastEnd | Detail::Shared => {}
        }
    }

    /// The first node whose window was still open when the trace ended.
    pub fn open_obligation(&self) -> Option<&Proof> {
        let mut found = None;
        self.walk(&mut |p| {
            if found.is_none() && !p.sat {
                let open = match &p.detail {
                    Detail::Range(r) => r.open_end,
                    Detail::Viol2 { psi, stop: None } => psi.open_end,
                    Detail::NoStep { open_end, .. } => *open_end,
                    _ => false,
                };
                if open {
                    found = Some(p);
                }
            }
        });
        found
    }

    /// The smallest step any node of the proof is about, below the root.
    pub fn earliest_step(&self) -> usize {
        let mut best = usize::MAX;
        let mut leaves = 0;
        self.walk(&mut |p| {
            let leaf = matches!(
                p.detail,
                Detail::Cmp { .. } | Detail::Leaf | Detail::NoStep { .. } | Detail::PastEnd | Detail::Shared
            ) || matches!(&p.detail, Detail::Range(r) if r.count > 0);
            if leaf {
                leaves += 1;
                let s = match &p.detail {
                    Detail::Range(r) => r.from,
                    _ => p.step,
                };
                best = best.min(s);
            }
        });
        if leaves == 0 {
            self.step
        } else {
            best
        }
    }
}

/// A step and its time, in JSON: `{"step", "time"}`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct AtDoc {
    pub step: usize,
    pub time: i64,
}

fn at(times: &[i64], step: usize) -> AtDoc {
    AtDoc { step, time: times.get(step).copied().unwrap_or(0) }
}

/// How much of a value a proof embeds: arrays and objects keep their first
/// [`CAP_ITEMS`] elements or keys, strings their first [`CAP_CHARS`] characters,
/// at any depth; what was cut is counted.
pub const CAP_ITEMS: usize = 64;
pub const CAP_CHARS: usize = 256;

/// `v` cut to the caps, and how many elements, keys and characters were cut.
pub fn capped(v: &Json) -> (Json, u64) {
    fn go(v: &Json, cut: &mut u64) -> Json {
        match v {
            Json::String(s) => match s.char_indices().nth(CAP_CHARS) {
                Some((b, _)) => {
                    *cut += s[b..].chars().count() as u64;
                    Json::String(s[..b].to_string())
                }
                None => v.clone(),
            },
            Json::Array(a) => {
                *cut += a.len().saturating_sub(CAP_ITEMS) as u64;
                Json::Array(a.iter().take(CAP_ITEMS).map(|x| go(x, cut)).collect())
            }
            Json::Object(o) => {
                *cut += o.len().saturating_sub(CAP_ITEMS) as u64;
                Json::Object(o.iter().take(CAP_ITEMS).map(|(k, x)| (k.clone(), go(x, cut))).collect())
            }
            _ => v.clone(),
        }
    }
    let mut cut = 0;
    let j = go(v, &mut cut);
    (j, cut)
}

/// A compared value in a proof: `{"text", "value", "cut"?}`; `cut` (present only
/// when the value was capped) counts the elements, keys and characters left out.
#[derive(Clone, Debug, Serialize)]
pub struct OperandDoc<'p> {
    pub text: &'p str,
    pub value: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<u64>,
}

impl<'p> OperandDoc<'p> {
    fn of(text: &'p str, v: &Json) -> OperandDoc<'p> {
        let (value, cut) = capped(v);
        OperandDoc { text, value, cut: (cut > 0).then_some(cut) }
    }
}

/// A range of steps: `{"from", "to", "count", "open_end", "samples"}` (`from` and
/// `to` are null when the range is empty).
#[derive(Clone, Debug, Serialize)]
pub struct RangeDoc<'p> {
    pub from: Option<AtDoc>,
    pub to: Option<AtDoc>,
    pub count: usize,
    pub open_end: bool,
    pub samples: Vec<ProofDoc<'p>>,
}

fn range_doc<'p>(r: &'p Range, times: &[i64]) -> RangeDoc<'p> {
    let (from, to) = if r.count > 0 { (Some(at(times, r.from)), Some(at(times, r.to - 1))) } else { (None, None) };
    RangeDoc {
        from,
        to,
        count: r.count,
        open_end: r.open_end,
        samples: r.samples.iter().map(|p| p.doc(times)).collect(),
    }
}

/// One element of a quantifier's domain and its proof: `{"value", "proof"}`.
#[derive(Clone, Debug, Serialize)]
pub struct SampleDoc<'p> {
    pub value: Json,
    pub proof: ProofDoc<'p>,
}

/// A proof node in JSON, with its keys in this order (absent ones left out):
/// `kind`, `op`, `formula`, `step`, `time`, `view` (only when not neutral), then
/// by operator `var`, `value`, `count` (`bind` and quantifiers); `compare`,
/// `left`, `right` (atoms); `subs`; `side`, `sub`; `witness`; `reason`,
/// `open_end` (`next`/`prev` without a usable step); `past_end`; `shared` (a
/// shared subformula proved above at the same step); `range`;
/// `along`; `stop`, `right_false` (`until`/`since`); `samples` (quantifiers).
#[derive(Clone, Debug, Serialize)]
pub struct ProofDoc<'p> {
    pub kind: &'static str,
    pub op: &'static str,
    pub formula: &'p str,
    pub step: usize,
    pub time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub var: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<OperandDoc<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<OperandDoc<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subs: Option<Vec<ProofDoc<'p>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<Box<ProofDoc<'p>>>,
    /// `Some(None)`: an `until` witnessed only past the end (JSON null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Option<Box<ProofDoc<'p>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'p str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_end: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub past_end: Option<bool>,
    /// A shared subformula proved above at this step ([`Detail::Shared`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeDoc<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub along: Option<RangeDoc<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Option<Box<ProofDoc<'p>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_false: Option<RangeDoc<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<SampleDoc<'p>>>,
}

/// A value for the text rendering: capped, with what was cut counted.
fn shown(v: &Json) -> String {
    match capped(v) {
        (j, 0) => j.to_string(),
        (j, cut) => format!("{j} (… {cut} more elements, keys or characters cut)"),
    }
}

pub fn view_name(v: u8) -> &'static str {
    match v {
        S => "strong",
        W => "weak",
        _ => "neutral",
    }
}

impl Proof {
    /// The JSON document of the proof ([`ProofDoc`]), values capped.
    pub fn doc(&self, times: &[i64]) -> ProofDoc<'_> {
        fn boxed<'q>(p: &'q Proof, times: &[i64]) -> Box<ProofDoc<'q>> {
            Box::new(p.doc(times))
        }
        let mut d = ProofDoc {
            kind: if self.sat { "satisfaction" } else { "violation" },
            op: self.op,
            formula: &self.text,
            step: self.step,
            time: self.time,
            view: (self.view != NV).then(|| view_name(self.view)),
            var: None,
            value: None,
            count: None,
            compare: None,
            left: None,
            right: None,
            subs: None,
            side: None,
            sub: None,
            witness: None,
            reason: None,
            open_end: None,
            past_end: None,
            shared: None,
            range: None,
            along: None,
            stop: None,
            right_false: None,
            samples: None,
        };
        match &self.detail {
            Detail::Leaf => {}
            Detail::Cmp { op, left, right } => {
                d.compare = op.map(|o| o.symbol());
                d.left = Some(OperandDoc::of(&left.text, &left.value));
                d.right = right.as_ref().map(|r| OperandDoc::of(&r.text, &r.value));
            }
            Detail::Subs(xs) => d.subs = Some(xs.iter().map(|p| p.doc(times)).collect()),
            Detail::Side { right, sub } => {
                d.side = Some(if *right { "right" } else { "left" });
                d.sub = Some(boxed(sub, times));
            }
            Detail::Witness(sub) => d.witness = Some(Some(boxed(sub, times))),
            Detail::NoStep { reason, open_end } => {
                d.reason = Some(reason);
                d.open_end = Some(*open_end);
            }
            Detail::PastEnd => d.past_end = Some(true),
            Detail::Shared => d.shared = Some(true),
            Detail::Range(r) => d.range = Some(range_doc(r, times)),
            Detail::Sat2 { witness, along } => {
                d.witness = Some(witness.as_deref().map(|p| boxed(p, times)));
                d.along = Some(range_doc(along, times));
            }
            Detail::Viol2 { stop, psi } => {
                d.stop = Some(stop.as_deref().map(|p| boxed(p, times)));
                d.right_false = Some(range_doc(psi, times));
            }
            Detail::Bind { var, sub } => {
                d.var = Some(var);
                d.sub = Some(boxed(sub, times));
            }
            Detail::One { var, value, sub } => {
                d.var = Some(var);
                d.value = Some(capped(value).0);
                d.sub = Some(boxed(sub, times));
            }
            Detail::All { var, count, samples } => {
                d.var = Some(var);
                d.count = Some(*count);
                d.samples =
                    Some(samples.iter().map(|(v, p)| SampleDoc { value: capped(v).0, proof: p.doc(times) }).collect());
            }
        }
        d
    }

    /// [`Proof::doc`] as a JSON value (for tests and callers that inspect it; its
    /// object keys are then sorted: print [`Proof::doc`] for the documented order).
    pub fn to_json(&self, times: &[i64]) -> Json {
        serde_json::to_value(self.doc(times)).unwrap_or(Json::Null)
    }

    /// The proof as an indented tree, a step and time on every line.
    pub fn render(&self, times: &[i64], indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent);
        let mark = if self.sat { "✓" } else { "✗" };
        let t = |s: usize| format!("step {s} (t={})", times.get(s).copied().unwrap_or(0));
        let span = |r: &Range| -> String {
            if r.count == 0 {
                "no steps".to_string()
            } else if r.count == 1 {
                format!("step {} (t={})", r.from, times[r.from])
            } else {
                format!("{} steps {}..{} (t={}..{})", r.count, r.from, r.to - 1, times[r.from], times[r.to - 1])
            }
        };
        let end_note = |r: &Range| -> &'static str {
            if !r.open_end {
                ""
            } else if self.view == W {
                ", and no step after the end can change that"
            } else {
                ", and the trace ended while the window was still open"
            }
        };
        let head = format!("{pad}{mark} {}: ", t(self.step));
        let line = match &self.detail {
            Detail::Leaf => self.text.clone(),
            Detail::Cmp { op: Some(op), left, right: Some(r) } => {
                format!(
                    "{} {} {}: {} {} {}",
                    left.text,
                    op.symbol(),
                    r.text,
                    shown(&left.value),
                    op.symbol(),
                    shown(&r.value)
                )
            }
            Detail::Cmp { left, .. } => format!("{}: {}", left.text, shown(&left.value)),
            Detail::Witness(w) => {
                let verb = match (self.op, self.sat) {
                    ("always", false) | ("historically", false) => "false at",
                    ("next", _) | ("prev", _) => "at the adjacent step,",
                    _ => "true at",
                };
                format!("{}: {verb} {}", self.text, t(w.step))
            }
            Detail::NoStep { reason, .. } => format!("{}: {reason}", self.text),
            Detail::Shared => format!("{}: as shown above for this step", self.text),
            Detail::PastEnd => {
                if self.sat {
                    format!("{}: only the steps after the end could make it true", self.text)
                } else {
                    format!("{}: the steps after the end could make it false", self.text)
                }
            }
            Detail::Range(r) => {
                let v = if self.sat { "true" } else { "false" };
                format!("{}: {v} at {}{}", self.text, span(r), end_note(r))
            }
            Detail::Sat2 { witness: Some(w), along } => {
                format!("{}: right side at {}, left side true at {} before", self.text, t(w.step), span(along))
            }
            Detail::Sat2 { witness: None, along } => {
                format!("{}: left side true at {} to the end, right side only after the end", self.text, span(along))
            }
            Detail::Viol2 { stop: Some(s), psi } => {
                format!("{}: left side false at {}, right side false at {} before", self.text, t(s.step), span(psi))
            }
            Detail::Viol2 { stop: None, psi } => {
                format!("{}: right side false at {}{}", self.text, span(psi), end_note(psi))
            }
            Detail::Bind { var, .. } => format!("{}: {var} = {}", self.text, t(self.step)),
            Detail::One { var, value, .. } => {
                let verb = if self.sat { "holds" } else { "fails" };
                format!("{}: {verb} for {var} = {}", self.text, shown(value))
            }
            Detail::All { var, count, .. } => {
                let verb = if self.sat { "holds" } else { "fails" };
                format!("{}: {verb} for all {count} values of {var}", self.text)
            }
            Detail::Subs(_) | Detail::Side { .. } => self.text.clone(),
        };
        out.push_str(&head);
        out.push_str(&line);
        if self.view != NV && indent == 0 {
            out.push_str(&format!(" [{} view]", view_name(self.view)));
        }
        out.push('\n');
        let sub = |p: &Proof, out: &mut String| p.render(times, indent + 1, out);
        match &self.detail {
            Detail::Subs(xs) => xs.iter().for_each(|p| sub(p, out)),
            Detail::Side { sub: s, .. }
            | Detail::Witness(s)
            | Detail::Bind { sub: s, .. }
            | Detail::One { sub: s, .. } => sub(s, out),
            Detail::Range(r) => r.samples.iter().for_each(|p| sub(p, out)),
            Detail::Sat2 { witness, along } => {
                if let Some(w) = witness {
                    sub(w, out);
                }
                along.samples.iter().for_each(|p| sub(p, out));
            }
            Detail::Viol2 { stop, psi } => {
                if let Some(s) = stop {
                    sub(s, out);
                }
                psi.samples.iter().for_each(|p| sub(p, out));
            }
            Detail::All { samples, .. } => samples.iter().for_each(|(_, p)| sub(p, out)),
            _ => {}
        }
    }
}

/// Re-validates a proof: every node's claim is recomputed by the naive reference
/// evaluator, its structure must follow the formula's operator, leaves must carry
/// the values the atoms compare, ranges must be the operator's window (counts
/// included) with every position checked and samples inside, and witnesses must be
/// the earliest.
pub fn check_proof(
    steps: &[history::Step],
    formula: &crate::syntax::Formula,
    opts: &CompileOptions,
    proof: &Proof,
) -> Result<(), String> {
    let plan = compile(formula, opts).map_err(|e| e.0)?;
    let r = crate::reference::Ref::new(&plan, steps);
    let env = vec![0; plan.n_vars as usize];
    if proof.node != plan.root || proof.step != 0 {
        return Err("the proof is not about the whole formula at step 0".into());
    }
    let mut parents = vec![0u32; plan.nodes.len()];
    for node in &plan.nodes {
        for c in crate::eval::children(&node.op) {
            parents[c] += 1;
        }
    }
    let shared: Vec<bool> = parents.iter().map(|&p| p > 1).collect();
    Checker { r: &r, plan: &plan, shared: &shared }.check(proof, &env, "$")
}

#[allow(clippy::too_many_arguments)]
struct Checker<'c, 'a> {
    r: &'c crate::reference::Ref<'a>,
    plan: &'c Plan,
    /// Nodes with more than one parent, which a proof may refer to once proved.
    shared: &'c [bool],
}

#[allow(clippy::too_many_arguments)]
impl Checker<'_, '_> {
    fn val(&self, k: N, i: usize, view: u8, env: &[usize]) -> bool {
        self.r.value(k, i, view, env)
    }

    fn sub(&self, p: &Proof, k: N, step: usize, sat: bool, view: u8, env: &[usize], path: &str) -> Result<(), String> {
        if p.node != k || p.step != step || p.sat != sat || p.view != view {
            return Err(format!(
                "{path}: expected a {} proof of node {k} at step {step} ({} view), found node {} at step {} ({}, {} view)",
                if sat { "satisfaction" } else { "violation" },
                view_name(view),
                p.node,
                p.step,
                if p.sat { "satisfaction" } else { "violation" },
                view_name(p.view)
            ));
        }
        self.check(p, env, path)
    }

    /// Every position of the range has the value, the samples are its first positions.
    fn range(
        &self,
        r: &Range,
        k: N,
        want: bool,
        view: u8,
        env: &[usize],
        path: &str,
        from: usize,
        to: usize,
    ) -> Result<(), String> {
        if (r.from, r.to, r.count) != (from, to.max(from), to.saturating_sub(from)) {
            return Err(format!("{path}: range {}..{} (count {}), the window is {from}..{to}", r.from, r.to, r.count));
        }
        for j in from..to {
            if self.val(k, j, view, env) != want {
                return Err(format!("{path}: the range claims step {j} is {want}, it is not"));
            }
        }
        for (s, p) in r.samples.iter().enumerate() {
            if p.step != from + s {
                return Err(format!("{path}: sample {s} is not the range's step {}", from + s));
            }
            self.sub(p, k, from + s, want, view, env, &format!("{path}.sample[{s}]"))?;
        }
        Ok(())
    }

    fn check(&self, p: &Proof, env: &[usize], path: &str) -> Result<(), String> {
        let plan = self.plan;
        let node = plan.nodes.get(p.node).ok_or_else(|| format!("{path}: no node {}", p.node))?;
        if p.op != op_name(&node.op) || p.text != node.text {
            return Err(format!("{path}: the proof is about `{}`, the formula here is `{}`", p.text, node.text));
        }
        let (i, view, sat) = (p.step, p.view, p.sat);
        let n = self.r.n();
        if i >= n {
            return Err(format!("{path}: step {i} is past the end"));
        }
        if self.r.time(i) != p.time {
            return Err(format!("{path}: step {i} is at time {}, not {}", self.r.time(i), p.time));
        }
        if self.val(p.node, i, view, env) != sat {
            return Err(format!("{path}: `{}` is not {} at step {i} ({} view)", node.text, sat, view_name(view)));
        }
        let bad = |what: &str| Err(format!("{path}: {what} for `{}`", node.text));
        match (&node.op, &p.detail) {
            // A node with several parents, proved where it first occurs (its
            // claim was checked just above, like every node's).
            (_, Detail::Shared) if self.shared[p.node] => Ok(()),
            (Op::Const(_), Detail::Leaf) => Ok(()),
            (Op::Atom(a), Detail::Cmp { op, left, right }) => {
                let at = &plan.atoms[*a];
                let (l, r) = self.r.operands(*a, i, env);
                if *op != at.op || !crate::value::json_eq(&left.value, &l) {
                    return bad("the left value is wrong");
                }
                match (right, at.op) {
                    (Some(rv), Some(_)) if crate::value::json_eq(&rv.value, &r) => Ok(()),
                    (None, None) => Ok(()),
                    _ => bad("the right value is wrong"),
                }
            }
            (Op::Not(x), Detail::Subs(xs)) if xs.len() == 1 => self.sub(&xs[0], *x, i, !sat, dual(view), env, path),
            (Op::Named(_, x), Detail::Subs(xs)) if xs.len() == 1 => self.sub(&xs[0], *x, i, sat, view, env, path),
            (Op::And(x, y), Detail::Subs(xs)) | (Op::Or(x, y), Detail::Subs(xs)) if xs.len() == 2 => {
                self.sub(&xs[0], *x, i, sat, view, env, &format!("{path}.l"))?;
                self.sub(&xs[1], *y, i, sat, view, env, &format!("{path}.r"))
            }
            (Op::And(x, y), Detail::Side { right, sub }) | (Op::Or(x, y), Detail::Side { right, sub }) => {
                if *right && self.val(*x, i, view, env) == sat {
                    return bad("the right side is shown, but the left one decides");
                }
                self.sub(sub, if *right { *y } else { *x }, i, sat, view, env, &format!("{path}.side"))
            }
            (Op::Implies(x, y), Detail::Subs(xs)) if xs.len() == 2 && !sat => {
                self.sub(&xs[0], *x, i, true, dual(view), env, &format!("{path}.l"))?;
                self.sub(&xs[1], *y, i, false, view, env, &format!("{path}.r"))
            }
            (Op::Implies(x, y), Detail::Side { right, sub }) if sat => {
                if *right {
                    self.sub(sub, *y, i, true, view, env, &format!("{path}.r"))
                } else {
                    self.sub(sub, *x, i, false, dual(view), env, &format!("{path}.l"))
                }
            }
            (Op::Quant(q, _, xs), Detail::One { value, sub, .. }) => {
                let want = *q == Quant::Exists;
                if sat != want {
                    return bad("one element cannot decide this");
                }
                let pos =
                    xs.iter().position(|(v, _)| v == value).ok_or_else(|| format!("{path}: not in the domain"))?;
                if xs[..pos].iter().any(|(_, x)| self.val(*x, i, view, env) == want) {
                    return bad("an earlier element decides");
                }
                self.sub(sub, xs[pos].1, i, want, view, env, &format!("{path}.{value}"))
            }
            (Op::Quant(q, _, xs), Detail::All { count, samples, .. }) => {
                if sat == (*q == Quant::Exists) || *count != xs.len() {
                    return bad("wrong domain summary");
                }
                for (k, (v, sp)) in samples.iter().enumerate() {
                    if xs.get(k).map(|x| &x.0) != Some(v) {
                        return bad("samples out of order");
                    }
                    self.sub(sp, xs[k].1, i, sat, view, env, &format!("{path}.{v}"))?;
                }
                Ok(())
            }
            (Op::Next(w, x), d) | (Op::Prev(w, x), d) => {
                let next = matches!(node.op, Op::Next(..));
                let j = if next { (i + 1 < n).then_some(i + 1) } else { i.checked_sub(1) };
                match (j, d) {
                    (Some(j), Detail::Witness(s)) => {
                        let (a, b) = if next { (i, j) } else { (j, i) };
                        if !w.contains(self.r.dist(w, a, b)) {
                            return bad("the adjacent step is outside the interval");
                        }
                        self.sub(s, *x, j, sat, view, env, &format!("{path}.at"))
                    }
                    (Some(j), Detail::NoStep { .. }) => {
                        let (a, b) = if next { (i, j) } else { (j, i) };
                        if sat || w.contains(self.r.dist(w, a, b)) {
                            return bad("the adjacent step is inside the interval");
                        }
                        Ok(())
                    }
                    (None, Detail::NoStep { .. }) if !sat => Ok(()),
                    (None, Detail::PastEnd) if sat && next => Ok(()),
                    _ => bad("wrong shape"),
                }
            }
            (Op::Eventually(w, x), d) | (Op::Always(w, x), d) => {
                let evn = matches!(node.op, Op::Eventually(..));
                let (lo, hi, open) = self.r.fwin(w, i);
                match d {
                    Detail::Witness(s) if sat == evn => {
                        if s.step < lo || s.step >= hi {
                            return bad("the witness is outside the window");
                        }
                        if (lo..s.step).any(|j| self.val(*x, j, view, env) == evn) {
                            return bad("an earlier step decides");
                        }
                        self.sub(s, *x, s.step, evn, view, env, &format!("{path}.at"))
                    }
                    Detail::PastEnd if sat == evn => {
                        if !open || (lo..hi).any(|j| self.val(*x, j, view, env) == evn) {
                            return bad("not decided past the end");
                        }
                        Ok(())
                    }
                    Detail::Range(r) if sat != evn => {
                        if r.open_end != open {
                            return bad("wrong open_end");
                        }
                        self.range(r, *x, !evn, view, env, path, lo, hi)
                    }
                    _ => bad("wrong shape"),
                }
            }
            (Op::Once(w, x), d) | (Op::Historically(w, x), d) => {
                let once = matches!(node.op, Op::Once(..));
                let win = self.r.pwin(w, i);
                match (win, d) {
                    (None, Detail::Range(r)) if r.count == 0 && sat != once => Ok(()),
                    (Some((lo, hi)), Detail::Witness(s)) if sat == once => {
                        if s.step < lo || s.step > hi {
                            return bad("the witness is outside the window");
                        }
                        if (s.step + 1..=hi).any(|j| self.val(*x, j, view, env) == once) {
                            return bad("a later step decides");
                        }
                        self.sub(s, *x, s.step, once, view, env, &format!("{path}.at"))
                    }
                    (Some((lo, hi)), Detail::Range(r)) if sat != once => {
                        self.range(r, *x, !once, view, env, path, lo, hi + 1)
                    }
                    _ => bad("wrong shape"),
                }
            }
            (Op::Until(w, x, y), d) => {
                let (lo, hi, open) = self.r.fwin(w, i);
                match d {
                    Detail::Sat2 { witness: Some(s), along } if sat => {
                        let j = s.step;
                        if j < lo || j >= hi {
                            return bad("the witness is outside the window");
                        }
                        self.range(along, *x, true, view, env, &format!("{path}.along"), i, j)?;
                        self.sub(s, *y, j, true, view, env, &format!("{path}.witness"))
                    }
                    Detail::Sat2 { witness: None, along } if sat => {
                        if !open {
                            return bad("not decided past the end");
                        }
                        self.range(along, *x, true, view, env, &format!("{path}.along"), i, n)
                    }
                    Detail::Viol2 { stop: Some(s), psi } if !sat => {
                        let k = s.step;
                        if k < i || k >= hi {
                            return bad("the left side's failure is outside the window");
                        }
                        self.sub(s, *x, k, false, view, env, &format!("{path}.stop"))?;
                        self.range(psi, *y, false, view, env, &format!("{path}.right"), lo, (k + 1).min(hi))
                    }
                    Detail::Viol2 { stop: None, psi } if !sat => {
                        self.range(psi, *y, false, view, env, &format!("{path}.right"), lo, hi)
                    }
                    _ => bad("wrong shape"),
                }
            }
            (Op::Since(w, x, y), d) => match (self.r.pwin(w, i), d) {
                (None, Detail::Viol2 { stop: None, psi }) if !sat && psi.count == 0 => Ok(()),
                (Some((lo, hi)), Detail::Sat2 { witness: Some(s), along }) if sat => {
                    let j = s.step;
                    if j < lo || j > hi {
                        return bad("the witness is outside the window");
                    }
                    self.range(along, *x, true, view, env, &format!("{path}.along"), j + 1, i + 1)?;
                    self.sub(s, *y, j, true, view, env, &format!("{path}.witness"))
                }
                (Some((lo, hi)), Detail::Viol2 { stop, psi }) if !sat => match stop {
                    Some(s) => {
                        self.sub(s, *x, s.step, false, view, env, &format!("{path}.stop"))?;
                        if s.step > i {
                            return bad("the left side's failure is after the step");
                        }
                        self.range(psi, *y, false, view, env, &format!("{path}.right"), s.step.max(lo), hi + 1)
                    }
                    None => self.range(psi, *y, false, view, env, &format!("{path}.right"), lo, hi + 1),
                },
                _ => bad("wrong shape"),
            },
            (Op::Bind(slot, _, body), Detail::Bind { sub, .. }) => {
                let mut env2 = env.to_vec();
                env2[*slot as usize] = i;
                self.sub(sub, *body, i, sat, view, &env2, &format!("{path}.bind"))
            }
            _ => bad("wrong shape"),
        }
    }
}
