//! Checking the stored runs of a detsys-testkit store: each run's Jepsen
//! history against an Elle workload and its state trace against LTL formulas,
//! in parallel, with a typed verdict per run; every checker's result is
//! written back as an `Analysis` event, in run order, one transaction per run.
//!
//! The main entry point is [`check`]: it reads the runs a [`Request`] selects,
//! checks them, writes the results (unless asked not to) and returns a
//! [`Report`]. It never touches the terminal: what a user should see while it
//! works goes through a [`Progress`], and the caller renders the report
//! ([`Report::doc`] is its `--json` document).
//!
//! ```
//! use runs::{Request, Valid};
//! use store::fixture::{self, Variant};
//! use store::{RunId, Store};
//!
//! // A store holding detsys's register example: a correct run and a stale read.
//! let path = std::env::temp_dir().join(format!("runs-doctest-{}.db", std::process::id()));
//! let _ = std::fs::remove_file(&path);
//! let mut s = Store::create(&path, store::DEFAULT_BUSY_MS).unwrap();
//! let mut rows = vec![fixture::register_test(0)];
//! rows.extend(fixture::register_run(RunId { test: 0, run: 0 }, Variant::Correct));
//! rows.extend(fixture::register_run(RunId { test: 0, run: 1 }, Variant::StaleRead));
//! fixture::insert(&mut s, &rows).unwrap();
//!
//! // Check both against an LTL formula, without writing anything back.
//! let formulas = ltl::spec::FormulaSet::parse(
//!     vec![ltl::spec::Source::new("ltl1", "always true")],
//!     ltl::spec::Syntax::Histcheck,
//! )
//! .unwrap();
//! let req = Request { ltl: formulas, write: false, ..Request::default() };
//! let report = runs::check(&mut s, &req, &mut ()).unwrap();
//! assert_eq!(report.checker, "ltl (1 formula)");
//! assert_eq!(report.runs.len(), 2);
//! assert!(report.runs.iter().all(|r| r.outcome.as_ref().unwrap().valid == Valid::True));
//! assert_eq!(report.summary().valid, 2);
//! # drop(s);
//! # let _ = std::fs::remove_file(&path);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod pipeline;
pub mod report;

pub use checker::lattice::Validity as Valid;
use ltl::compile::CompileOptions;
use ltl::spec::FormulaSet;
use report::{CheckDoc, CheckSummary, LtlFormulaDoc, LtlRunDoc, RunDoc, StepTime};
use serde_json::value::{to_raw_value, RawValue};
use std::fmt;
use store::{Filter, Flavor, NewAnalysis, RunId, RunRows, Scan, SkippedRow, Store, StoreError, Wants};

/// What to check, and how.
#[derive(Clone, Debug)]
pub struct Request {
    /// Which runs.
    pub filter: Filter,
    /// Check each run's Jepsen history with Elle, as this workload.
    pub elle: Option<Flavor>,
    /// Elle's consistency models, anomalies and search budget (its workload
    /// comes from [`Request::elle`], and a register is checked as
    /// linearizable, as detsys's checker does). Its models and anomalies are
    /// named in the report also without [`Request::elle`].
    pub elle_request: checker::elle::Request,
    /// Check each run's state trace against these formulas (none: no LTL).
    pub ltl: FormulaSet,
    /// Write each run's results back as Analysis events.
    pub write: bool,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// The `checker-version` written into every Analysis event.
    pub checker_version: String,
}

impl Default for Request {
    /// Every run, Elle's defaults but no workload, no formulas, written back.
    fn default() -> Self {
        Request {
            filter: Filter::default(),
            elle: None,
            elle_request: checker::elle::Request::default(),
            ltl: FormulaSet::default(),
            write: true,
            jobs: 0,
            checker_version: checker_version(),
        }
    }
}

/// The version written into every Analysis event: `histcheck X.Y.Z`.
pub fn checker_version() -> String {
    format!("histcheck {}", env!("CARGO_PKG_VERSION"))
}

/// Told what [`check`] is doing, for a progress display. Every method is
/// called on the thread that called [`check`]; each does nothing by default
/// (`()` is the progress that shows nothing).
pub trait Progress {
    /// The store is about to be read (it may take a while).
    fn reading(&mut self, _db: &str) {}
    /// The store was read, and the runs asked for are there: `skipped` are the
    /// rows no run could be given (to be reported before anything else).
    fn read(&mut self, _skipped: &[SkippedRow]) {}
    /// `runs` runs are about to be checked.
    fn start(&mut self, _runs: usize) {}
    /// One more run was checked (in the order they finish).
    fn checked(&mut self) {}
    /// Every run was checked and its results written.
    fn done(&mut self) {}
}

impl Progress for () {}

/// Why [`check`] stopped before checking any run.
#[derive(Debug)]
pub enum Error {
    /// The store could not be read: it is missing, locked, or the runs asked for are not there.
    Store(StoreError),
    /// The request cannot be carried out: an unknown consistency model or
    /// anomaly, no worker threads.
    Usage(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Store(e) => e.fmt(f),
            Error::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}

/// One run's result.
#[derive(Debug)]
pub struct RunResult {
    /// The run.
    pub id: RunId,
    /// Its history ops.
    pub ops: usize,
    /// Its verdict, or why it could not be checked.
    pub outcome: Result<RunVerdict, String>,
}

/// What the checkers found in one run.
#[derive(Debug)]
pub struct RunVerdict {
    /// Over every checker: false if one found a violation, else unknown if
    /// one was inconclusive, else true.
    pub valid: Valid,
    /// With Elle: the anomaly types reported.
    pub anomaly_types: Vec<String>,
    /// With Elle: the consistency models they rule out.
    pub not: Vec<String>,
    /// With LTL: the formulas that failed, or are pending (`name (pending)`).
    pub ltl_failing: Vec<String>,
    /// Warnings about the run (paths a formula reads that no step has, as
    /// `name: warning`), in formula order.
    pub warnings: Vec<String>,
    /// The Analysis rows written, one per checker.
    pub rows: Vec<i64>,
    /// Why the results were not written (the run then counts as an error).
    pub write_error: Option<String>,
    /// Per checker: its name, verdict and result document, until written.
    docs: Vec<(String, Valid, Box<RawValue>)>,
}

impl RunVerdict {
    fn new() -> RunVerdict {
        RunVerdict {
            valid: Valid::True,
            anomaly_types: Vec::new(),
            not: Vec::new(),
            ltl_failing: Vec::new(),
            warnings: Vec::new(),
            rows: Vec::new(),
            write_error: None,
            docs: Vec::new(),
        }
    }

    /// Adds a checker's result; the run's verdict is the worst so far.
    fn add(&mut self, checker: String, valid: Valid, doc: Box<RawValue>) {
        if rank(valid) > rank(self.valid) {
            self.valid = valid;
        }
        self.docs.push((checker, valid, doc));
    }
}

/// Verdicts from best to worst: true, unknown, false.
fn rank(v: Valid) -> u8 {
    match v {
        Valid::True => 0,
        Valid::Unknown => 1,
        Valid::False => 2,
    }
}

/// The result of [`check`].
#[derive(Debug)]
pub struct Report {
    /// The database, as given.
    pub db: String,
    /// The checkers: `elle list-append`, `ltl (2 formulas)`, or both joined by `and`.
    pub checker: String,
    /// The consistency models asked for.
    pub consistency_models: Vec<String>,
    /// The anomalies asked for besides those the models prohibit.
    pub anomalies: Vec<String>,
    /// Whether Elle checked the runs.
    pub elle: bool,
    /// Whether LTL formulas checked the runs.
    pub ltl: bool,
    /// Whether results were written back.
    pub write: bool,
    /// One result per run, ordered by test and run.
    pub runs: Vec<RunResult>,
    /// Rows no run could be given.
    pub skipped: Vec<SkippedRow>,
    /// Analysis events written.
    pub written: usize,
}

impl Report {
    /// The counts: a run whose results could not be written is an error.
    pub fn summary(&self) -> CheckSummary {
        let mut s = CheckSummary { runs: self.runs.len(), written: self.written, ..CheckSummary::default() };
        for r in &self.runs {
            match &r.outcome {
                Ok(RunVerdict { write_error: Some(_), .. }) | Err(_) => s.errors += 1,
                Ok(v) => match v.valid {
                    Valid::True => s.valid += 1,
                    Valid::False => s.invalid += 1,
                    Valid::Unknown => s.unknown += 1,
                },
            }
        }
        s
    }

    /// The `runs check --json` document.
    pub fn doc(&self) -> CheckDoc<'_> {
        let runs = self
            .runs
            .iter()
            .map(|c| {
                let mut r = RunDoc {
                    test_id: c.id.test,
                    run_id: c.id.run,
                    ops: c.ops,
                    valid: None,
                    anomaly_types: None,
                    not: None,
                    ltl_failing: None,
                    analysis_row: None,
                    analysis_rows: None,
                    error: None,
                };
                match &c.outcome {
                    Ok(v) => {
                        r.valid = Some(checker::report_json::Valid(v.valid));
                        if self.elle {
                            r.anomaly_types = Some(&v.anomaly_types);
                            r.not = Some(&v.not);
                        }
                        if self.ltl {
                            r.ltl_failing = Some(&v.ltl_failing);
                        }
                        r.analysis_row = Some(v.rows.first().copied());
                        r.analysis_rows = Some(&v.rows);
                        r.error = v.write_error.as_deref();
                    }
                    Err(e) => r.error = Some(e),
                }
                r
            })
            .collect();
        CheckDoc {
            db: &self.db,
            checker: &self.checker,
            consistency_models: &self.consistency_models,
            anomalies_requested: &self.anomalies,
            write: self.write,
            runs,
            skipped_rows: &self.skipped,
            summary: self.summary(),
        }
    }
}

/// The name of a workload as `runs check` gives it: `list-append`, `rw-register`.
pub fn flavor_name(f: Flavor) -> &'static str {
    match f {
        Flavor::ListAppend => "list-append",
        Flavor::RwRegister => "rw-register",
    }
}

/// Reads the runs `req` selects from `store`, checks each with the checkers it
/// asks for (in parallel, on [`Request::jobs`] threads), writes each run's
/// results back in run order, one transaction per run (with
/// [`Request::write`]; the store must then be open for writing), and reports.
///
/// A run that cannot be checked (its history or trace cannot be rebuilt) or
/// whose results cannot be written is an error of that run, in its
/// [`RunResult`]; the others are checked as usual. After a write finds the
/// store locked for longer than the busy timeout, later runs' writes are not
/// tried (each would wait as long again).
pub fn check(store: &mut Store, req: &Request, progress: &mut dyn Progress) -> Result<Report, Error> {
    let db = store.name().to_string();
    let f = req.filter;
    progress.reading(&db);
    let wants = Wants { history: req.elle.is_some(), trace: !req.ltl.is_empty(), ..Wants::default() };
    let mut scan = store.read_runs(f, wants)?;
    progress.read(&scan.skipped);
    // A bad model name is a usage error before any run is checked.
    let opts = &req.elle_request.options();
    if let Err(e) = checker::lattice::reportable(
        &opts.models.iter().map(String::as_str).collect::<Vec<_>>(),
        &opts.anomalies.iter().map(String::as_str).collect::<Vec<_>>(),
    ) {
        let hint = if e.suggestions.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", e.suggestions.join(", "))
        };
        return Err(Error::Usage(format!("unknown {} '{}'{hint}", e.what, e.name)));
    }
    let runs: Vec<RunRows> = std::mem::take(&mut scan.runs).into_values().collect();
    // What is left of the scan: the tests' deployments, for the traces.
    let tests = &scan;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.jobs)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} worker threads: {e}", req.jobs)))?;
    progress.start(runs.len());
    let mut names = Vec::new();
    if let Some(m) = req.elle {
        names.push(format!("elle {}", flavor_name(m)));
    }
    if !req.ltl.is_empty() {
        let n = req.ltl.len();
        names.push(format!("ltl ({n} formula{})", if n == 1 { "" } else { "s" }));
    }
    // Each run's Elle request: the workload, and a register is linearizable (as detsys's checker has it).
    let elle = req.elle.map(|flavor| {
        let r = checker::elle::Request {
            workload: Some(workload_of(flavor)),
            linearizable_keys: flavor == Flavor::RwRegister,
            ..req.elle_request.clone()
        };
        (flavor, r)
    });
    let mut results: Vec<RunResult> = Vec::with_capacity(runs.len());
    let mut writer = Writer { store, db: &db, version: &req.checker_version, locked: None, written: 0 };
    pipeline::ordered(
        &pool,
        runs,
        |rr| check_run(&db, tests, rr, req, elle.as_ref()),
        || progress.checked(),
        |mut c| {
            if let Ok(v) = &mut c.outcome {
                if req.write {
                    writer.write(c.id, v);
                }
                v.docs.clear();
            }
            results.push(c);
        },
    );
    let written = writer.written;
    progress.done();
    results.sort_by_key(|c| c.id);
    Ok(Report {
        db: db.clone(),
        checker: names.join(" and "),
        consistency_models: opts.models.clone(),
        anomalies: opts.anomalies.clone(),
        elle: req.elle.is_some(),
        ltl: !req.ltl.is_empty(),
        write: req.write,
        runs: results,
        skipped: std::mem::take(&mut scan.skipped),
        written,
    })
}

/// Writes each run's results, in run order.
struct Writer<'s> {
    store: &'s mut Store,
    db: &'s str,
    version: &'s str,
    /// The first write that found the store locked for longer than the busy timeout.
    locked: Option<RunId>,
    written: usize,
}

impl Writer<'_> {
    fn write(&mut self, id: RunId, v: &mut RunVerdict) {
        let db = self.db;
        if let Some(first) = self.locked {
            v.write_error = Some(format!(
                "{db}: the result of {id} was not written: not tried after the write of {first} found the database locked by another process"
            ));
            return;
        }
        // Every checker's result for the run, in one transaction.
        let list: Vec<NewAnalysis> = std::mem::take(&mut v.docs)
            .into_iter()
            .map(|(checker, valid, result)| NewAnalysis {
                id,
                valid: valid_json(valid),
                result,
                checker,
                checker_version: self.version.to_string(),
            })
            .collect();
        match self.store.write_analyses(&list) {
            Ok(rows) => {
                self.written += rows.len();
                v.rows = rows;
            }
            Err(e) => {
                let why = e.message.strip_prefix(&format!("{db}: ")).unwrap_or(&e.message);
                v.write_error = Some(format!("{db}: the result of {id} was not written: {why}"));
                if e.locked {
                    self.locked = Some(id);
                }
            }
        }
    }
}

/// A verdict as stored: `true`, `false` or `"unknown"`.
fn valid_json(v: Valid) -> serde_json::Value {
    match v {
        Valid::True => serde_json::Value::Bool(true),
        Valid::False => serde_json::Value::Bool(false),
        Valid::Unknown => serde_json::Value::from("unknown"),
    }
}

/// Checks one run with every checker asked for.
fn check_run(
    db: &str,
    tests: &Scan,
    rr: RunRows,
    req: &Request,
    elle: Option<&(Flavor, checker::elle::Request)>,
) -> RunResult {
    let id = rr.id.unwrap_or(RunId { test: -1, run: -1 });
    let ops = rr.n_ops;
    let outcome = verdict_of(db, tests, rr, id, req, elle);
    RunResult { id, ops, outcome }
}

fn verdict_of(
    db: &str,
    tests: &Scan,
    rr: RunRows,
    id: RunId,
    req: &Request,
    elle: Option<&(Flavor, checker::elle::Request)>,
) -> Result<RunVerdict, String> {
    let mut v = RunVerdict::new();
    // The trace is read before the rows are given up for the history.
    let ltl = (!req.ltl.is_empty()).then(|| check_ltl(tests, &rr, id, &req.ltl));
    if let Some((flavor, ereq)) = elle {
        let stored = rr.history(db, *flavor).map_err(|e| e.message)?;
        drop(rr);
        let (valid, doc) = check_elle(db, id, stored.history, ereq)?;
        v.anomaly_types = doc.anomaly_types.iter().map(|t| t.to_string()).collect();
        v.not = doc.not.iter().map(|t| t.to_string()).collect();
        let doc = to_raw_value(&doc).map_err(|e| e.to_string())?;
        v.add(format!("elle {}", flavor_name(*flavor)), valid, doc);
    }
    if let Some(ltl) = ltl {
        let c = ltl?;
        v.ltl_failing = c.failing;
        v.warnings = c.warnings;
        v.add("ltl".into(), c.valid, c.doc);
    }
    Ok(v)
}

/// Checks a run's history as `histcheck elle` does: its verdict and document
/// (naming the run), or why it could not be checked.
fn check_elle(
    db: &str,
    id: RunId,
    h: history::History,
    req: &checker::elle::Request,
) -> Result<(Valid, checker::report_json::Document), String> {
    let locate = |p: history::SrcPos| format!("{db}: event_log row {}", p.line);
    let prepared = checker::elle::prepare(db, &locate, h, req).map_err(|e| e.message)?;
    let c = prepared.check().map_err(|e| e.message)?;
    let mut doc = c.document;
    doc.test_id = Some(id.test);
    doc.run_id = Some(id.run);
    Ok((c.report.valid, doc))
}

/// The checker's name for a store's workload.
fn workload_of(f: Flavor) -> checker::elle::Workload {
    match f {
        Flavor::ListAppend => checker::elle::Workload::ListAppend,
        Flavor::RwRegister => checker::elle::Workload::RwRegister,
    }
}

/// What [`check_ltl`] found in a run.
struct LtlChecked {
    valid: Valid,
    /// The formulas that failed, or are pending (`name (pending)`).
    failing: Vec<String>,
    /// Paths a formula reads that no step has.
    warnings: Vec<String>,
    /// The result document, as written.
    doc: Box<RawValue>,
}

/// Checks a run's trace against the formulas.
fn check_ltl(tests: &Scan, rr: &RunRows, id: RunId, set: &FormulaSet) -> Result<LtlChecked, String> {
    let t = rr.trace(tests).map_err(|e| e.message)?;
    let copts = CompileOptions { time_unit: ltl::syntax::Unit::Ms, nodes: t.nodes.clone(), end_time: None };
    let compiled = set.compile(&copts)?;
    let tr = ltl::trace::from_steps(&t.steps, &compiled.paths);
    let results = set.evaluate(&compiled, &tr, 3, ltl::DEFAULT_BUDGET, ltl::report::End::Pending);
    let mut failing = Vec::new();
    for r in &results {
        match r.verdict {
            ltl::Verdict::Fails => failing.push(r.name.clone()),
            ltl::Verdict::Pending => failing.push(format!("{} (pending)", r.name)),
            ltl::Verdict::Holds => {}
        }
    }
    let valid = match ltl::report::worst(&results) {
        ltl::Verdict::Fails => Valid::False,
        ltl::Verdict::Pending => Valid::Unknown,
        ltl::Verdict::Holds => Valid::True,
    };
    let docs: Vec<LtlFormulaDoc> = results
        .iter()
        .map(|r| {
            let o = &r.outcome;
            LtlFormulaDoc {
                name: &r.name,
                formula: &r.src,
                verdict: o.verdict.name(),
                definite: o.definite,
                first_failure: o.first_failure.map(|(step, time)| StepTime { step, time }),
                warnings: r.warnings.iter().map(|w| format!("{}: {w}", r.name)).collect(),
                proof: o.proof.doc(&tr.times),
            }
        })
        .collect();
    let warnings: Vec<String> = docs.iter().flat_map(|r| r.warnings.iter().cloned()).collect();
    let doc = LtlRunDoc {
        test_id: id.test,
        run_id: id.run,
        valid: checker::report_json::Valid(valid),
        steps: t.steps.len(),
        results: docs,
    };
    let doc = to_raw_value(&doc).map_err(|e| e.to_string())?;
    Ok(LtlChecked { valid, failing, warnings, doc })
}
