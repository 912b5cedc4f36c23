//! A formula set's results on one trace, and the `histcheck ltl --json`
//! documents that carry them. Every document is a typed value whose keys come
//! out in the order its fields are declared (and documented here).

use crate::proof::{AtDoc, ProofDoc};
use crate::spec::{CompiledSet, FormulaSet};
use crate::trace::Trace;
use crate::{Outcome, PathWarning, Verdict, Work};
use serde::Serialize;

/// What a pending verdict becomes (`--end`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum End {
    /// Pending stays pending.
    #[default]
    Pending,
    /// Pending counts as fails: the run is over, so an open obligation is broken.
    Strict,
    /// Pending counts as holds.
    Lenient,
}

impl End {
    /// The verdict an outcome is reported with. A verdict the work budget left
    /// undecided stays pending whatever `self` says.
    pub fn apply(self, o: &Outcome) -> Verdict {
        match (o.verdict, self) {
            (Verdict::Pending, _) if o.work.exhausted => Verdict::Pending,
            (Verdict::Pending, End::Strict) => Verdict::Fails,
            (Verdict::Pending, End::Lenient) => Verdict::Holds,
            (v, _) => v,
        }
    }
}

/// One formula's result on a trace.
#[derive(Clone, Debug)]
pub struct FormulaResult {
    /// The formula's name.
    pub name: String,
    /// The formula as written.
    pub src: String,
    /// What evaluation found.
    pub outcome: Outcome,
    /// The verdict after [`End`].
    pub verdict: Verdict,
    /// Paths the formula reads that no record has.
    pub warnings: Vec<PathWarning>,
}

impl FormulaSet {
    /// Evaluates every formula of the set on `tr` (read with `compiled.paths`),
    /// with `samples` sub-proofs per range and `budget` work units each.
    pub fn evaluate(
        &self,
        compiled: &CompiledSet,
        tr: &Trace,
        samples: usize,
        budget: u64,
        end: End,
    ) -> Vec<FormulaResult> {
        compiled
            .plans
            .iter()
            .zip(&self.formulas)
            .map(|(plan, f)| {
                let outcome = crate::evaluate_with(plan, tr, samples, budget);
                FormulaResult {
                    name: f.name.clone(),
                    src: f.src.clone(),
                    verdict: end.apply(&outcome),
                    warnings: crate::absent_paths(plan, tr),
                    outcome,
                }
            })
            .collect()
    }
}

/// The worst verdict of a list: fails, else pending, else holds (also for none).
pub fn worst(results: &[FormulaResult]) -> Verdict {
    if results.iter().any(|r| r.verdict == Verdict::Fails) {
        Verdict::Fails
    } else if results.iter().any(|r| r.verdict == Verdict::Pending) {
        Verdict::Pending
    } else {
        Verdict::Holds
    }
}

/// `ltl --json` with one formula: `file`, `end_time` (only with `--end-time`),
/// then the keys of [`ResultDoc`], in this order.
#[derive(Debug, Serialize)]
pub struct SingleDoc<'a> {
    /// The trace read.
    pub file: &'a str,
    /// `--end-time`, in the trace's unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// The formula's result, its keys inline.
    #[serde(flatten)]
    pub result: ResultDoc<'a>,
}

/// `ltl --json` with `-f` or `--spec`: `file`, `end_time` (only with
/// `--end-time`), `results` (one [`ResultDoc`] per formula, in order).
#[derive(Debug, Serialize)]
pub struct ManyDoc<'a> {
    /// The trace read.
    pub file: &'a str,
    /// `--end-time`, in the trace's unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// One result per formula, in order.
    pub results: Vec<ResultDoc<'a>>,
}

/// One formula's result: `name`, `formula`, `verdict` (after `--end`),
/// `raw_verdict`, `definite`, `first_failure` ({step, time} or null), `pending`
/// ({count, obligations} or null), `warnings` (paths no record has), `proof`,
/// `work` ({spent, budget, exhausted}: the work units of per-binding evaluation
/// and proofs, and whether `--budget` ran out, which leaves the verdict pending).
#[derive(Debug, Serialize)]
pub struct ResultDoc<'a> {
    /// The formula's name.
    pub name: &'a str,
    /// The formula as written.
    pub formula: &'a str,
    /// holds, fails or pending, after `--end`.
    pub verdict: &'static str,
    /// The verdict before `--end`.
    pub raw_verdict: &'static str,
    /// Whether no continuation of the trace could change the verdict.
    pub definite: bool,
    /// The first step where the formula is broken.
    pub first_failure: Option<AtDoc>,
    /// The obligations left open (a pending raw verdict only).
    pub pending: Option<PendingDoc<'a>>,
    /// Paths the formula reads that no record has.
    pub warnings: Vec<WarningDoc<'a>>,
    /// The proof of the raw verdict.
    pub proof: ProofDoc<'a>,
    /// The work spent.
    pub work: WorkDoc,
}

/// The work of one formula: `spent`, `budget`, `exhausted`.
#[derive(Debug, Serialize)]
pub struct WorkDoc {
    /// Work units spent.
    pub spent: u64,
    /// The budget.
    pub budget: u64,
    /// Whether it ran out before the verdict was known.
    pub exhausted: bool,
}

/// Open obligations: `count`, `obligations` (the first few).
#[derive(Debug, Serialize)]
pub struct PendingDoc<'a> {
    /// How many are open.
    pub count: usize,
    /// The first [`crate::PENDING_LISTED`] of them.
    pub obligations: Vec<ObligationDoc<'a>>,
}

/// An open obligation: `step`, `time`, `formula`.
#[derive(Debug, Serialize)]
pub struct ObligationDoc<'a> {
    /// The step it was opened at.
    pub step: usize,
    /// That step's time.
    pub time: i64,
    /// The subformula whose window was still open.
    pub formula: &'a str,
}

/// A path the formula reads that no record has: `path`, `missing` (its first
/// prefix no record has), `closest` (an existing path at that level, or null),
/// `message`.
#[derive(Debug, Serialize)]
pub struct WarningDoc<'a> {
    /// The path as written from the record's root.
    pub path: &'a str,
    /// Its first prefix no record has.
    pub missing: &'a str,
    /// The closest existing path at that level.
    pub closest: Option<&'a str>,
    /// The warning as a sentence.
    pub message: String,
}

impl<'a> ResultDoc<'a> {
    /// The document of a result; `times` are the trace's step times.
    pub fn new(r: &'a FormulaResult, times: &[i64]) -> ResultDoc<'a> {
        let o = &r.outcome;
        let pending = (o.verdict == Verdict::Pending).then(|| PendingDoc {
            count: o.pending_count,
            obligations: o
                .pending
                .iter()
                .map(|p| ObligationDoc { step: p.step, time: p.time, formula: &p.formula })
                .collect(),
        });
        ResultDoc {
            name: &r.name,
            formula: &r.src,
            verdict: r.verdict.name(),
            raw_verdict: o.verdict.name(),
            definite: o.definite,
            first_failure: o.first_failure.map(|(step, time)| AtDoc { step, time }),
            pending,
            warnings: r
                .warnings
                .iter()
                .map(|w| WarningDoc {
                    path: &w.path,
                    missing: &w.missing,
                    closest: w.closest.as_deref(),
                    message: w.to_string(),
                })
                .collect(),
            proof: o.proof.doc(times),
            work: WorkDoc::from(o.work),
        }
    }
}

impl From<Work> for WorkDoc {
    fn from(w: Work) -> WorkDoc {
        WorkDoc { spent: w.spent, budget: w.budget, exhausted: w.exhausted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompileOptions;
    use crate::spec::{Source, Syntax};
    use crate::trace::{StateMode, TraceOptions};

    #[test]
    fn a_single_document_keeps_its_key_order() {
        let set =
            FormulaSet::parse(vec![Source::new("formula", "eventually (state.x == 2)")], Syntax::Histcheck).unwrap();
        let c =
            set.compile(&CompileOptions { time_unit: crate::syntax::Unit::Ms, nodes: vec![], end_time: None }).unwrap();
        let text = "{\"time\":0,\"state\":{\"x\":1}}\n{\"time\":5,\"state\":{\"x\":1}}\n";
        let topts = TraceOptions { time_field: vec!["time".into()], state_mode: StateMode::Full, size_hint: 0 };
        let tr = crate::trace::load_from(text.as_bytes(), &c.paths, &topts).unwrap();
        let results = set.evaluate(&c, &tr, 3, crate::DEFAULT_BUDGET, End::Strict);
        assert_eq!(results[0].outcome.verdict, Verdict::Pending);
        assert_eq!(results[0].verdict, Verdict::Fails);
        assert_eq!(worst(&results), Verdict::Fails);
        let doc = SingleDoc { file: "t.jsonl", end_time: None, result: ResultDoc::new(&results[0], &tr.times) };
        let json = serde_json::to_string(&doc).unwrap();
        let keys = [
            "\"file\"",
            "\"name\"",
            "\"formula\"",
            "\"verdict\":\"fails\"",
            "\"raw_verdict\":\"pending\"",
            "\"definite\"",
            "\"first_failure\"",
            "\"pending\":{\"count\"",
            "\"warnings\"",
            "\"proof\"",
            "\"work\":{\"spent\"",
        ];
        let mut at = 0;
        for k in keys {
            let i = json[at..].find(k).unwrap_or_else(|| panic!("{k} after byte {at} in {json}"));
            at += i + k.len();
        }
    }
}
