//! LTL on finite traces, with three verdicts (holds, fails, pending) and proofs.
//!
//! - [`parse::parse`] reads a formula ([`syntax`]), [`detsys::parse`] a detsys-testkit one;
//! - [`compile::compile`] makes an evaluation plan;
//! - [`trace::load`] reads a JSON Lines trace into columns (only the paths the plan uses);
//! - [`evaluate`] evaluates, gives the verdict and builds the proof ([`proof`]);
//! - [`proof::check_proof`] re-validates a proof with the naive [`reference`](mod@reference) evaluator.

pub mod compile;
pub mod detsys;
pub mod eval;
pub mod parse;
pub mod proof;
pub mod reference;
pub mod syntax;
pub mod trace;
pub mod value;

use compile::{Op, Plan};
use eval::{Eval, NV, W};
use proof::{Proof, Prover};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// True on the trace (neutral view).
    Holds,
    /// Definitely violated: no continuation of the trace could make it true (weak view false).
    Fails,
    /// False only because the trace ended while an obligation was open.
    Pending,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Pending => "pending",
        }
    }
}

/// An obligation still open when the trace ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Obligation {
    pub step: usize,
    pub time: i64,
    /// The subformula whose window was still open.
    pub formula: String,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Whether the verdict holds for every continuation (strong view true, or fails).
    pub definite: bool,
    pub first_failure: Option<(usize, i64)>,
    /// Open obligations (pending verdicts): how many, and the first few.
    pub pending_count: usize,
    pub pending: Vec<Obligation>,
    /// Satisfaction proof (holds, neutral view) or violation proof (fails: weak view; pending: neutral view).
    pub proof: Proof,
    /// Whether some `bind` was evaluated per binding rather than compiled.
    pub fallback_used: bool,
}

/// How many pending obligations are listed.
pub const PENDING_LISTED: usize = 10;

/// The top-level `always` nodes, looking through `&&`, `forall` and `let` names.
fn top_alwayses(plan: &Plan, k: usize, out: &mut Vec<usize>) {
    match &plan.nodes[k].op {
        Op::And(a, b) => {
            top_alwayses(plan, *a, out);
            top_alwayses(plan, *b, out);
        }
        Op::Named(_, a) => top_alwayses(plan, *a, out),
        Op::Quant(syntax::Quant::Forall, _, xs) => xs.iter().for_each(|(_, a)| top_alwayses(plan, *a, out)),
        Op::Always(..) => out.push(k),
        _ => {}
    }
}

/// Evaluates a compiled formula over a loaded trace: the verdict, the first
/// failure, open obligations and the proof (with `samples` sub-proofs per range).
pub fn evaluate(plan: &Plan, tr: &trace::Trace, samples: usize) -> Outcome {
    let ev = Eval::new(plan, tr);
    let env = ev.env0();
    let v = ev.value(plan.root, 0, &env);
    let verdict = if v & NV != 0 {
        Verdict::Holds
    } else if v & W == 0 {
        Verdict::Fails
    } else {
        Verdict::Pending
    };
    let view = match verdict {
        Verdict::Holds | Verdict::Pending => NV,
        Verdict::Fails => W,
    };
    let prover = Prover { ev: &ev, samples };
    let proof = prover.prove(plan.root, 0, view, &env);
    let mut alw = Vec::new();
    top_alwayses(plan, plan.root, &mut alw);
    let mut first_failure = None;
    let mut pending = Vec::new();
    let mut pending_count = 0;
    if verdict != Verdict::Holds {
        for &a in &alw {
            let Op::Always(w, x) = &plan.nodes[a].op else { continue };
            if ev.value(a, 0, &env) & view != 0 {
                continue;
            }
            let (lo, hi, _) = ev.fwin(w, 0);
            if let Some(j) = (lo..hi).find(|&j| ev.value(*x, j, &env) & view == 0) {
                if first_failure.is_none_or(|(f, _)| j < f) {
                    first_failure = Some((j, tr.times[j]));
                }
            }
            if verdict == Verdict::Pending {
                for j in lo..hi {
                    if ev.value(*x, j, &env) & NV == 0 {
                        pending_count += 1;
                        if pending.len() < PENDING_LISTED {
                            let p = prover.prove(*x, j, NV, &env);
                            let formula = p.open_obligation().map_or(p.text.clone(), |o| o.text.clone());
                            pending.push(Obligation { step: j, time: tr.times[j], formula });
                        }
                    }
                }
            }
        }
        if first_failure.is_none() {
            let s = proof.earliest_step();
            first_failure = Some((s, tr.times[s]));
        }
        if verdict == Verdict::Pending && pending_count == 0 {
            let o = proof.open_obligation().unwrap_or(&proof);
            pending_count = 1;
            pending.push(Obligation { step: o.step, time: o.time, formula: o.text.clone() });
        }
    }
    let definite = verdict == Verdict::Fails || v & eval::S != 0;
    Outcome { verdict, definite, first_failure, pending_count, pending, proof, fallback_used: ev.fallback_used }
}
