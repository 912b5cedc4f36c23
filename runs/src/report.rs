//! The JSON documents of stored-run checking, as typed values whose keys come
//! out in the order their fields are declared: `runs check --json`
//! ([`CheckDoc`]) and the result of an LTL Analysis event ([`LtlRunDoc`]).
//! (The result of an Elle Analysis event is `checker::report_json::Document`.)

use checker::report_json::Valid;
use serde::Serialize;
use store::SkippedRow;

/// `runs check --json`: `db`, `checker`, `consistency_models`,
/// `anomalies_requested`, `write`, `runs`, `skipped_rows`, `summary`.
#[derive(Clone, Debug, Serialize)]
pub struct CheckDoc<'a> {
    /// The database, as given.
    pub db: &'a str,
    /// `elle list-append`, `ltl (2 formulas)`, or both joined by `and`.
    pub checker: &'a str,
    /// The consistency models asked for (also without `--elle`).
    pub consistency_models: &'a [String],
    /// The anomalies asked for besides those the models prohibit.
    pub anomalies_requested: &'a [String],
    /// Whether Analysis events were written (not `--no-write`).
    pub write: bool,
    /// One verdict per run, ordered by test and run.
    pub runs: Vec<RunDoc<'a>>,
    /// `event_log` rows no run could be given (a malformed test or run id).
    pub skipped_rows: &'a [SkippedRow],
    /// The counts.
    pub summary: CheckSummary,
}

/// One run's verdict in `runs check --json`: `test_id`, `run_id`, `ops`,
/// `valid`, then `anomaly_types` and `not` (with `--elle`), `ltl_failing`
/// (with `--ltl` or `--spec`), `analysis_row` and `analysis_rows` (when the
/// run was checked), `error` (when something went wrong).
#[derive(Clone, Debug, Serialize)]
pub struct RunDoc<'a> {
    /// The run's test.
    pub test_id: i64,
    /// The run.
    pub run_id: i64,
    /// Its history ops.
    pub ops: usize,
    /// true, false or "unknown" over every checker; null when the run could not be checked.
    pub valid: Option<Valid>,
    /// `--elle`: the anomaly types reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomaly_types: Option<&'a [String]>,
    /// `--elle`: the consistency models they rule out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<&'a [String]>,
    /// `--ltl`/`--spec`: the formulas that failed, or are pending (`name (pending)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ltl_failing: Option<&'a [String]>,
    /// The first Analysis row written for the run (null with `--no-write`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_row: Option<Option<i64>>,
    /// Every Analysis row written for the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_rows: Option<&'a [i64]>,
    /// Why the run could not be checked, or its result not written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// The counts of `runs check`: `runs`, `valid`, `invalid`, `unknown`,
/// `errors` (runs that could not be checked, or whose result could not be
/// written), `written` (Analysis events).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// Runs checked (or tried).
    pub runs: usize,
    /// Runs that passed every checker.
    pub valid: usize,
    /// Runs where a checker found a violation.
    pub invalid: usize,
    /// Runs where a checker was inconclusive (and none found a violation).
    pub unknown: usize,
    /// Runs that could not be checked, or whose result was not written.
    pub errors: usize,
    /// Analysis events written.
    pub written: usize,
}

/// The `result` of an LTL Analysis event (a run's trace checked against
/// formulas): `test_id`, `run_id`, `valid`, `steps`, `results`.
#[derive(Debug, Serialize)]
pub struct LtlRunDoc<'a> {
    /// The run's test.
    pub test_id: i64,
    /// The run.
    pub run_id: i64,
    /// false if a formula fails, else "unknown" if one is pending, else true.
    pub valid: Valid,
    /// The trace's steps.
    pub steps: usize,
    /// One result per formula, in order.
    pub results: Vec<LtlFormulaDoc<'a>>,
}

/// One formula's result on a run: `name`, `formula`, `verdict`, `definite`,
/// `first_failure`, `warnings`, `proof`.
#[derive(Debug, Serialize)]
pub struct LtlFormulaDoc<'a> {
    /// The formula's name (`ltl1`, … for `--ltl`).
    pub name: &'a str,
    /// The formula as written.
    pub formula: &'a str,
    /// holds, fails or pending.
    pub verdict: &'static str,
    /// Whether no continuation of the trace could change the verdict.
    pub definite: bool,
    /// The first step where the formula is broken.
    pub first_failure: Option<StepTime>,
    /// Paths the formula reads that no step of the run has (they read null:
    /// a property may hold vacuously), with the closest existing one.
    pub warnings: Vec<String>,
    /// The proof, as `histcheck ltl --json` writes it.
    pub proof: ltl::proof::ProofDoc<'a>,
}

/// A step and its time.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct StepTime {
    /// The step.
    pub step: usize,
    /// Its time.
    pub time: i64,
}
