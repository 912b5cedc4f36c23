//! The `--json` documents of `histcheck runs list|show|import` as typed
//! values, so that their keys come out in the documented order (a
//! `serde_json::Value` map would sort them). Values the store holds as JSON (a
//! run's seed and faults, an analysis's verdict and result) stay
//! `serde_json::Value`. (`runs check`'s document is `runs::report::CheckDoc`.)

use crate::{Analysis, RunSummary};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value as Json;

/// One `Analysis` event: `runs list`'s `last_analysis` (without `result`) and
/// `runs show`'s `analyses` (with it).
#[derive(Clone, Debug, Serialize)]
pub struct AnalysisDoc<'a> {
    pub row: i64,
    pub at: &'a str,
    pub component: &'a str,
    pub checker: Option<&'a str>,
    pub checker_version: Option<&'a str>,
    pub valid: &'a Json,
    /// The checker's whole result, as stored, keys in the writer's order
    /// (`runs show` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<StoredResult<'a>>,
}

impl<'a> AnalysisDoc<'a> {
    pub fn new(a: &'a Analysis, with_result: bool) -> Self {
        AnalysisDoc {
            row: a.row,
            at: &a.at,
            component: &a.component,
            checker: a.checker.as_deref(),
            checker_version: a.checker_version.as_deref(),
            valid: &a.valid,
            result: with_result.then_some(match &a.result_text {
                Some(text) => StoredResult::Text(text),
                None => StoredResult::Value(&a.result),
            }),
        }
    }
}

/// A stored result: its text as written, else (no `result` key) its value.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum StoredResult<'a> {
    Text(&'a RawValue),
    Value(&'a Json),
}

/// `runs list --json`.
#[derive(Clone, Debug, Serialize)]
pub struct ListDoc<'a> {
    pub db: &'a str,
    pub runs: Vec<ListedRun<'a>>,
    /// `event_log` rows no run could be given (a malformed test or run id).
    pub skipped_rows: &'a [crate::SkippedRow],
}

#[derive(Clone, Debug, Serialize)]
pub struct ListedRun<'a> {
    pub test_id: i64,
    pub run_id: i64,
    pub seed: &'a Json,
    pub faults: &'a Json,
    pub ops: usize,
    pub steps: usize,
    pub imported_from: Option<&'a str>,
    pub last_analysis: Option<AnalysisDoc<'a>>,
}

impl<'a> ListedRun<'a> {
    pub fn new(r: &'a RunSummary) -> Self {
        ListedRun {
            test_id: r.id.test,
            run_id: r.id.run,
            seed: &r.seed,
            faults: &r.faults,
            ops: r.ops,
            steps: r.steps,
            imported_from: r.imported_from.as_deref(),
            last_analysis: r.last_analysis.as_ref().map(|a| AnalysisDoc::new(a, false)),
        }
    }
}

/// `runs show --json`.
#[derive(Clone, Debug, Serialize)]
pub struct ShowDoc<'a> {
    pub db: &'a str,
    pub test_id: i64,
    pub run_id: i64,
    pub analyses: Vec<AnalysisDoc<'a>>,
}

/// `runs import --json`.
#[derive(Clone, Debug, Serialize)]
pub struct ImportDoc<'a> {
    pub db: &'a str,
    pub imported: Vec<ImportedDoc<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportedDoc<'a> {
    pub source: &'a str,
    pub test_id: i64,
    pub run_id: i64,
    pub ops: usize,
    pub new_test: bool,
}

impl<'a> From<&'a crate::import::Imported> for ImportedDoc<'a> {
    fn from(d: &'a crate::import::Imported) -> Self {
        ImportedDoc { source: &d.source, test_id: d.id.test, run_id: d.id.run, ops: d.ops, new_test: d.new_test }
    }
}
