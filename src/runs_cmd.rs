//! `histcheck runs list|check|show|import`: the runs of a detsys-testkit store.
//!
//! Exit codes: `check` 0 when every run passed, 1 when one failed, 3 when one
//! was inconclusive (and none failed), 2 when a run could not be checked or
//! the store could not be read; the others 0, or 2 on bad input.

use crate::cli::{
    ModelArg, RunFilterArgs, RunsArgs, RunsCheckArgs, RunsCommand, RunsImportArgs, RunsListArgs, RunsShowArgs,
    RunsTraceArgs, StoreArgs, SyntaxArg,
};
use crate::elle_cmd;
use crate::output::{self, count, Exit};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use history::SrcPos;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::value::{to_raw_value, RawValue};
use serde_json::{json, Value as Json};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use store::import::{fnv1a64, ImportItem};
use store::report_json::{
    AnalysisDoc, CheckDoc, CheckSummary, ImportDoc, ImportedDoc, ListDoc, ListedRun, LtlFormulaDoc, LtlRunDoc,
    RunVerdict, ShowDoc, StepTime,
};
use store::{Filter, NewAnalysis, RunId, RunRows, Scan, Store, Wants};

pub fn run(args: &RunsArgs) -> Exit {
    match &args.command {
        RunsCommand::List(a) => list(a),
        RunsCommand::Check(a) => check(a),
        RunsCommand::Show(a) => show(a),
        RunsCommand::Import(a) => import(a),
        RunsCommand::Trace(a) => trace(a),
    }
}

/// The version written into every Analysis event.
fn checker_version() -> String {
    format!("histcheck {}", env!("CARGO_PKG_VERSION"))
}

fn open(s: &StoreArgs, write: bool) -> Result<Store, store::StoreError> {
    let path = store::db_path(s.db.as_deref())?;
    Store::open(&path, write, s.busy_timeout)
}

/// Warns about the rows a read left out (a malformed id skips its row, not the command).
fn warn_skipped(db: &str, rows: &[store::SkippedRow]) {
    for r in rows {
        output::eline(format_args!("warning: {db}: {r}"));
    }
}

fn filter(f: &RunFilterArgs) -> Filter {
    Filter { test: f.test_id, run: f.run_id }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).apply_modifier(UTF8_ROUND_CORNERS);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn right(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

use output::{print_json as print_doc, print_text};

fn valid_word(v: &Json) -> String {
    match v {
        Json::Bool(true) => "valid".into(),
        Json::Bool(false) => "invalid".into(),
        Json::String(s) => s.clone(),
        Json::Null => "-".into(),
        other => other.to_string(),
    }
}

/// `1 omission, 1 crash`, or `-`.
fn faults_summary(f: &Json) -> String {
    let Some(list) = f.as_array() else { return f.to_string() };
    if list.is_empty() {
        return "-".into();
    }
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for x in list {
        let k = x.get("kind").and_then(Json::as_str).unwrap_or("?").to_string();
        match kinds.iter_mut().find(|(n, _)| *n == k) {
            Some((_, c)) => *c += 1,
            None => kinds.push((k, 1)),
        }
    }
    kinds.iter().map(|(k, c)| format!("{c} {k}")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

fn list(a: &RunsListArgs) -> Exit {
    let s = match open(&a.store, false) {
        Ok(s) => s,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    let (runs, skipped) = match s.list(filter(&a.filter)) {
        Ok((r, skipped)) => {
            warn_skipped(s.name(), &skipped);
            (r, skipped)
        }
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    if a.json {
        let doc = ListDoc { db: s.name(), runs: runs.iter().map(ListedRun::new).collect(), skipped_rows: &skipped };
        return print_doc(&doc, Exit::Pass);
    }
    let mut t = table();
    t.set_header(vec!["test", "run", "seed", "faults", "ops", "steps", "last analysis"]);
    for r in &runs {
        let seed = match &r.seed {
            Json::Null => r.imported_from.as_ref().map_or("-".to_string(), |_| "imported".to_string()),
            Json::String(s) => s.clone(),
            v => v.to_string(),
        };
        let last = match &r.last_analysis {
            None => "-".to_string(),
            Some(x) => {
                let who = x.checker.clone().unwrap_or_else(|| x.component.clone());
                format!("{} ({who}, {})", valid_word(&x.valid), x.at)
            }
        };
        t.add_row(vec![
            r.id.test.to_string(),
            r.id.run.to_string(),
            seed,
            faults_summary(&r.faults),
            count(r.ops as u64),
            count(r.steps as u64),
            last,
        ]);
    }
    right(&mut t, &[0, 1, 4, 5]);
    let mut text = if runs.is_empty() {
        format!("{}: no runs\n", s.name())
    } else {
        format!("{}: {} runs\n{t}\n", s.name(), count(runs.len() as u64))
    };
    if !skipped.is_empty() {
        text.push_str(&format!(
            "{} event_log rows skipped: no run can be given them (see the warnings).\n",
            count(skipped.len() as u64)
        ));
    }
    print_text(&text, Exit::Pass)
}

// ---------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------

/// What checking one run found.
struct Checked {
    id: RunId,
    ops: usize,
    outcome: Result<Verdict, String>,
}

struct Verdict {
    /// Combined over the checkers: false if any found a violation, else
    /// "unknown" if any was inconclusive, else true.
    valid: Json,
    status: Exit,
    anomaly_types: Json,
    not: Json,
    /// The LTL formulas that failed (or are pending).
    ltl_failing: Vec<String>,
    /// Per checker: its name, verdict and full result (as JSON text), until written.
    docs: Vec<(String, Json, Box<RawValue>)>,
    /// The Analysis rows written.
    rows: Vec<i64>,
    /// Why the Analysis events were not written (the run then counts as an error).
    write_error: Option<String>,
    /// Warnings about the run (LTL paths no step has), printed in run order.
    warnings: Vec<String>,
}

impl Verdict {
    fn add(&mut self, name: String, valid: Json, status: Exit, doc: Box<RawValue>) {
        if self.status.worst(status) != self.status {
            self.status = status;
            self.valid = valid.clone();
        }
        self.docs.push((name, valid, doc));
    }
}

/// An LTL formula of `--ltl` or `--spec`, parsed.
struct LtlFormula {
    name: String,
    src: String,
    formula: ltl::syntax::Formula,
}

/// The formulas of `--ltl` (named `ltl1`, `ltl2`, …) and `--spec`, or a usage error.
fn ltl_formulas(a: &RunsCheckArgs) -> Result<Vec<LtlFormula>, String> {
    let mut src: Vec<(String, String)> =
        a.ltl.iter().enumerate().map(|(i, f)| (format!("ltl{}", i + 1), f.clone())).collect();
    if let Some(spec) = &a.spec {
        src.extend(crate::ltl_cmd::read_spec(spec)?);
    }
    let mut out = Vec::new();
    for (name, f) in src {
        let parsed = match a.syntax {
            SyntaxArg::Histcheck => ltl::parse::parse(&f),
            SyntaxArg::Detsys => ltl::detsys::parse(&f),
        };
        let formula = parsed.map_err(|e| format!("formula `{name}`: {}", e.render(&f)))?;
        out.push(LtlFormula { name, src: f, formula });
    }
    Ok(out)
}

/// What [`check_ltl`] found for a run.
struct LtlChecked {
    valid: Json,
    status: Exit,
    /// The formulas that failed, or are pending (`name (pending)`).
    failing: Vec<String>,
    /// Paths a formula reads that no step has.
    warnings: Vec<String>,
    /// The result document, as written.
    doc: Box<RawValue>,
}

/// Checks a run's trace against the formulas.
fn check_ltl(tests: &Scan, rr: &RunRows, formulas: &[LtlFormula]) -> Result<LtlChecked, String> {
    let t = rr.trace(tests).map_err(|e| e.message)?;
    let copts =
        ltl::compile::CompileOptions { time_unit: ltl::syntax::Unit::Ms, nodes: t.nodes.clone(), end_time: None };
    let mut plans = Vec::new();
    let mut paths = Vec::new();
    for f in formulas {
        let p = ltl::compile::compile_with_paths(&f.formula, &copts, paths.clone())
            .map_err(|e| format!("formula `{}`: {}", f.name, e.0))?;
        paths = p.paths.clone();
        plans.push(p);
    }
    let tr = ltl::trace::from_steps(&t.steps, &paths);
    let mut results = Vec::new();
    let mut failing = Vec::new();
    let (mut fails, mut pending) = (false, false);
    for (plan, f) in plans.iter().zip(formulas) {
        let o = ltl::evaluate(plan, &tr, 3);
        match o.verdict {
            ltl::Verdict::Fails => {
                fails = true;
                failing.push(f.name.clone());
            }
            ltl::Verdict::Pending => {
                pending = true;
                failing.push(format!("{} (pending)", f.name));
            }
            ltl::Verdict::Holds => {}
        }
        results.push(LtlFormulaDoc {
            name: f.name.clone(),
            formula: f.src.clone(),
            verdict: o.verdict.name(),
            definite: o.definite,
            first_failure: o.first_failure.map(|(step, time)| StepTime { step, time }),
            warnings: ltl::absent_paths(plan, &tr).iter().map(|w| format!("{}: {w}", f.name)).collect(),
            proof: to_raw_value(&o.proof.doc(&tr.times)).map_err(|e| e.to_string())?,
        });
    }
    let (valid, status) = if fails {
        (json!(false), Exit::Violation)
    } else if pending {
        (json!("unknown"), Exit::Inconclusive)
    } else {
        (json!(true), Exit::Pass)
    };
    let id = rr.id.unwrap_or(RunId { test: -1, run: -1 });
    let warnings: Vec<String> = results.iter().flat_map(|r| r.warnings.iter().cloned()).collect();
    let doc = LtlRunDoc { test_id: id.test, run_id: id.run, valid: valid.clone(), steps: t.steps.len(), results };
    let doc = to_raw_value(&doc).map_err(|e| e.to_string())?;
    Ok(LtlChecked { valid, status, failing, warnings, doc })
}

fn check_run(db: &str, tests: &Scan, rr: RunRows, a: &RunsCheckArgs, formulas: &[LtlFormula]) -> Checked {
    let id = rr.id.unwrap_or(RunId { test: -1, run: -1 });
    let ops = rr.n_ops;
    let mut v = Verdict {
        valid: json!(true),
        status: Exit::Pass,
        anomaly_types: json!([]),
        not: json!([]),
        ltl_failing: Vec::new(),
        docs: Vec::new(),
        rows: Vec::new(),
        write_error: None,
        warnings: Vec::new(),
    };
    let ltl_result = if formulas.is_empty() { None } else { Some(check_ltl(tests, &rr, formulas)) };
    if let Some(model) = a.elle {
        let flavor = match model {
            ModelArg::ListAppend => store::Flavor::ListAppend,
            ModelArg::RwRegister => store::Flavor::RwRegister,
        };
        let stored = match rr.history(db, flavor) {
            Ok(h) => h,
            Err(e) => return Checked { id, ops, outcome: Err(e.message) },
        };
        drop(rr);
        let locate = |p: SrcPos| format!("{db}: event_log row {}", p.line);
        let req = checker::elle::Request {
            workload: Some(model.into()),
            consistency_models: checker::elle::split_list(&a.consistency_models),
            anomalies: checker::elle::split_list(&a.anomalies),
            budget: a.budget,
            // As detsys's checker: the one register is linearizable.
            linearizable_keys: model == ModelArg::RwRegister,
            ..checker::elle::Request::default()
        };
        let elle = checker::elle::prepare(db, &locate, stored.history, &req).and_then(|p| {
            let c = p.check()?;
            let mut doc = c.document;
            doc.test_id = Some(id.test);
            doc.run_id = Some(id.run);
            Ok((elle_cmd::status_of(c.report.valid), doc))
        });
        match elle {
            Ok((status, doc)) => {
                v.anomaly_types = json!(doc.anomaly_types);
                v.not = json!(doc.not);
                let valid = json!(doc.valid);
                match to_raw_value(&doc) {
                    Ok(doc) => v.add(format!("elle {}", model_name(model)), valid, status, doc),
                    Err(e) => return Checked { id, ops, outcome: Err(e.to_string()) },
                }
            }
            Err(e) => return Checked { id, ops, outcome: Err(e.message) },
        }
    }
    match ltl_result {
        None => {}
        Some(Ok(c)) => {
            v.ltl_failing = c.failing;
            v.warnings = c.warnings;
            v.add("ltl".into(), c.valid, c.status, c.doc);
        }
        Some(Err(e)) => return Checked { id, ops, outcome: Err(e) },
    }
    Checked { id, ops, outcome: Ok(v) }
}

fn progress(n: usize) -> ProgressBar {
    output::bar(n as u64, "checking runs [{bar:40.cyan/blue}] {pos}/{len} {per_sec} eta {eta}")
}

/// A spinner on stderr while the store is read, only when stderr is a terminal.
fn spinner(msg: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn check(a: &RunsCheckArgs) -> Exit {
    let formulas = match ltl_formulas(a) {
        Ok(f) => f,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    if a.elle.is_none() && formulas.is_empty() {
        output::error("say what to check: --elle list-append, --ltl FORMULA or --spec FILE");
        return Exit::BadInput;
    }
    let write = !a.no_write;
    let mut s = match open(&a.store, write) {
        Ok(s) => s,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    let db = s.name().to_string();
    let f = filter(&a.filter);
    let reading = spinner(&format!("reading {db}"));
    let scanned = s.scan(f, Wants { history: a.elle.is_some(), trace: !formulas.is_empty(), ..Wants::default() });
    reading.finish_and_clear();
    let mut scan = match scanned.and_then(|sc| sc.check_filter(f).map(|_| sc)) {
        Ok(sc) => sc,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    warn_skipped(&db, &scan.skipped);
    let opts = checker::elle::options(
        &checker::elle::split_list(&a.consistency_models),
        &checker::elle::split_list(&a.anomalies),
        a.budget,
        false,
    );
    // A bad model name is a usage error before any run is checked.
    if let Err(e) = checker::lattice::reportable(
        &opts.models.iter().map(String::as_str).collect::<Vec<_>>(),
        &opts.anomalies.iter().map(String::as_str).collect::<Vec<_>>(),
    ) {
        let hint = if e.suggestions.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", e.suggestions.join(", "))
        };
        output::error(format_args!("unknown {} '{}'{hint}", e.what, e.name));
        return Exit::BadInput;
    }
    let runs: Vec<RunRows> = std::mem::take(&mut scan.runs).into_values().collect();
    // What is left of the scan: the tests' deployments, for the traces.
    let tests = &scan;
    let n = runs.len();
    let jobs = a.jobs.unwrap_or(0);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(p) => p,
        Err(e) => {
            output::error(format_args!("cannot start {jobs} worker threads: {e}"));
            return Exit::BadInput;
        }
    };
    let bar = progress(n);
    let mut names = Vec::new();
    if let Some(m) = a.elle {
        names.push(format!("elle {}", model_name(m)));
    }
    if !formulas.is_empty() {
        names.push(format!("ltl ({} formula{})", formulas.len(), if formulas.len() == 1 { "" } else { "s" }));
    }
    let checker_name = names.join(" and ");
    let version = checker_version();
    let mut results: Vec<Checked> = Vec::with_capacity(n);
    // The first write that found the store locked for longer than the busy
    // timeout: later runs are not tried (each would wait as long again).
    let mut locked: Option<RunId> = None;
    let mut written = 0usize;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Checked)>();
        let db_ref = &db;
        let pool_ref = &pool;
        scope.spawn(move || {
            pool_ref.install(|| {
                runs.into_par_iter().enumerate().for_each_with(tx, |tx, (i, rr)| {
                    let _ = tx.send((i, check_run(db_ref, tests, rr, a, &formulas)));
                });
            });
        });
        // Results arrive as runs finish; they are written in run order (so the
        // store's rows do not depend on the thread count), each in its own transaction.
        let mut waiting: std::collections::BTreeMap<usize, Checked> = std::collections::BTreeMap::new();
        let mut next = 0usize;
        for (i, c) in rx {
            bar.inc(1);
            waiting.insert(i, c);
            while let Some(mut c) = waiting.remove(&next) {
                next += 1;
                if let (true, Some(first), Ok(v)) = (write, locked, &mut c.outcome) {
                    v.docs.clear();
                    v.write_error = Some(format!(
                        "{db}: the result of {} was not written: not tried after the write of {first} found the database locked by another process",
                        c.id
                    ));
                } else if let (true, Ok(v)) = (write, &mut c.outcome) {
                    // Every checker's result for the run, in one transaction.
                    let list: Vec<NewAnalysis> = std::mem::take(&mut v.docs)
                        .into_iter()
                        .map(|(checker, valid, result)| NewAnalysis {
                            id: c.id,
                            valid,
                            result,
                            checker,
                            checker_version: version.clone(),
                        })
                        .collect();
                    match s.write_analyses(&list) {
                        Ok(rows) => {
                            written += rows.len();
                            v.rows = rows;
                        }
                        Err(e) => {
                            let why = e.message.strip_prefix(&format!("{db}: ")).unwrap_or(&e.message);
                            v.write_error = Some(format!("{db}: the result of {} was not written: {why}", c.id));
                            if e.locked {
                                locked = Some(c.id);
                            }
                        }
                    }
                } else if let Ok(v) = &mut c.outcome {
                    v.docs.clear();
                }
                results.push(c);
            }
        }
    });
    bar.finish_and_clear();
    results.sort_by_key(|c| c.id);
    summarise(a, &db, &checker_name, &opts, &results, written, &scan.skipped)
}

fn model_name(m: ModelArg) -> &'static str {
    match m {
        ModelArg::ListAppend => "list-append",
        ModelArg::RwRegister => "rw-register",
    }
}

fn summarise(
    a: &RunsCheckArgs,
    db: &str,
    checker_name: &str,
    opts: &checker::check::Options,
    results: &[Checked],
    written: usize,
    skipped: &[store::SkippedRow],
) -> Exit {
    // A run whose result could not be written is an error of that run.
    let (mut valid, mut invalid, mut unknown, mut errors, mut unwritten) = (0usize, 0usize, 0usize, 0usize, 0usize);
    for c in results {
        if let Ok(v) = &c.outcome {
            for w in &v.warnings {
                output::eline(format_args!("warning: {db}: test {} run {}: {w}", c.id.test, c.id.run));
            }
        }
        match &c.outcome {
            Ok(Verdict { write_error: Some(e), .. }) => {
                errors += 1;
                unwritten += 1;
                output::error(e);
            }
            Ok(v) => match v.status {
                Exit::Pass => valid += 1,
                Exit::Violation => invalid += 1,
                _ => unknown += 1,
            },
            Err(e) => {
                errors += 1;
                output::error(e);
            }
        }
    }
    let status = if errors > 0 {
        Exit::BadInput
    } else if invalid > 0 {
        Exit::Violation
    } else if unknown > 0 {
        Exit::Inconclusive
    } else {
        Exit::Pass
    };
    if a.json {
        let ltl = !a.ltl.is_empty() || a.spec.is_some();
        let runs: Vec<RunVerdict> = results
            .iter()
            .map(|c| {
                let mut r = RunVerdict {
                    test_id: c.id.test,
                    run_id: c.id.run,
                    ops: c.ops,
                    valid: Json::Null,
                    anomaly_types: None,
                    not: None,
                    ltl_failing: None,
                    analysis_row: None,
                    analysis_rows: None,
                    error: None,
                };
                match &c.outcome {
                    Ok(v) => {
                        r.valid = v.valid.clone();
                        if a.elle.is_some() {
                            r.anomaly_types = Some(v.anomaly_types.clone());
                            r.not = Some(v.not.clone());
                        }
                        if ltl {
                            r.ltl_failing = Some(v.ltl_failing.clone());
                        }
                        r.analysis_row = Some(v.rows.first().copied());
                        r.analysis_rows = Some(v.rows.clone());
                        r.error = v.write_error.clone();
                    }
                    Err(e) => r.error = Some(e.clone()),
                }
                r
            })
            .collect();
        let doc = CheckDoc {
            db,
            checker: checker_name,
            consistency_models: &opts.models,
            anomalies_requested: &opts.anomalies,
            write: !a.no_write,
            runs,
            skipped_rows: skipped,
            summary: CheckSummary { runs: results.len(), valid, invalid, unknown, errors, written },
        };
        return print_doc(&doc, status);
    }
    // Every run when there are few; else the ones that did not pass.
    let all = results.len() <= 20;
    let mut t = table();
    t.set_header(vec!["test", "run", "ops", "verdict", "anomalies, or what went wrong"]);
    let mut shown = 0;
    for c in results {
        let (verdict, detail) = match &c.outcome {
            Ok(v) => {
                let types: Vec<&str> =
                    v.anomaly_types.as_array().map(|a| a.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
                let mut detail: Vec<String> = types.iter().map(|t| t.to_string()).collect();
                detail.extend(v.ltl_failing.iter().map(|f| format!("ltl {f}")));
                match &v.write_error {
                    Some(e) => {
                        let why = e.split_once(" was not written: ").map_or(e.as_str(), |(_, w)| w);
                        (format!("{} (not written)", valid_word(&v.valid)), format!("not written: {why}"))
                    }
                    None => (valid_word(&v.valid), if detail.is_empty() { "-".to_string() } else { detail.join(", ") }),
                }
            }
            Err(e) => ("error".to_string(), e.lines().next().unwrap_or("").to_string()),
        };
        if !all && verdict == "valid" {
            continue;
        }
        shown += 1;
        t.add_row(vec![c.id.test.to_string(), c.id.run.to_string(), count(c.ops as u64), verdict, detail]);
    }
    right(&mut t, &[0, 1, 2]);
    let mut text = String::new();
    if shown > 0 {
        text.push_str(&format!("{t}\n"));
    }
    text.push_str(&format!(
        "{db}: {} runs checked with {checker_name}{}: {} valid, {} invalid, {} unknown, {} could not be checked or written.\n",
        count(results.len() as u64),
        match (a.elle, opts.models.is_empty()) {
            (None, _) => String::new(),
            (Some(_), true) => " (no model)".to_string(),
            (Some(_), false) => format!(" ({})", opts.models.join(", ")),
        },
        count(valid as u64),
        count(invalid as u64),
        count(unknown as u64),
        count(errors as u64),
    ));
    if !skipped.is_empty() {
        text.push_str(&format!(
            "{} event_log rows skipped: no run can be given them (see the warnings).\n",
            count(skipped.len() as u64)
        ));
    }
    if a.no_write {
        text.push_str("Nothing was written (--no-write).\n");
    } else {
        text.push_str(&format!("{} Analysis events written.\n", count(written as u64)));
        if unwritten > 0 {
            text.push_str(&format!(
                "The results of {} runs were not written (see the errors).\n",
                count(unwritten as u64)
            ));
        }
    }
    print_text(&text, status)
}

// ---------------------------------------------------------------------------
// show
// ---------------------------------------------------------------------------

fn show(a: &RunsShowArgs) -> Exit {
    let id = RunId { test: a.test_id, run: a.run_id };
    let s = match open(&a.store, false) {
        Ok(s) => s,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    let list = match s.analyses(id) {
        Ok((l, skipped)) => {
            warn_skipped(s.name(), &skipped);
            l
        }
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    if a.json {
        let doc = ShowDoc {
            db: s.name(),
            test_id: id.test,
            run_id: id.run,
            analyses: list.iter().map(|x| AnalysisDoc::new(x, true)).collect(),
        };
        return print_doc(&doc, Exit::Pass);
    }
    if list.is_empty() {
        return print_text(&format!("{} ({id}): no analyses\n", s.name()), Exit::Pass);
    }
    let mut t = table();
    t.set_header(vec!["row", "at", "by", "checker", "verdict", "anomalies"]);
    for x in &list {
        let r = &x.result;
        let types = r.get("anomaly_types").or_else(|| r.get("anomaly-types"));
        let mut types: Vec<&str> =
            types.and_then(Json::as_array).map(|a| a.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
        // An LTL result: the formulas that did not hold.
        if let Some(list) = r.get("results").and_then(Json::as_array) {
            types.extend(
                list.iter()
                    .filter(|f| f.get("verdict").and_then(Json::as_str) != Some("holds"))
                    .filter_map(|f| f.get("name").and_then(Json::as_str)),
            );
        }
        let by = match &x.checker_version {
            Some(v) => format!("{} ({v})", x.component),
            None => x.component.clone(),
        };
        t.add_row(vec![
            x.row.to_string(),
            x.at.clone(),
            by,
            x.checker.clone().unwrap_or_else(|| "-".into()),
            valid_word(&x.valid),
            if types.is_empty() { "-".to_string() } else { types.join(", ") },
        ]);
    }
    right(&mut t, &[0]);
    print_text(&format!("{} ({id}): {} analyses\n{t}\n", s.name(), list.len()), Exit::Pass)
}

// ---------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------

/// The history files under a path: the path itself, or every `history.edn`
/// below a directory (symbolic links, such as Jepsen's `latest`, are not followed).
fn find_histories(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut stack = vec![path.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let ft = e.file_type()?;
            if ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                stack.push(e.path());
            } else if e.file_name() == "history.edn" {
                found.push(e.path());
            }
        }
    }
    found.sort();
    out.extend(found);
    Ok(())
}

/// The Jepsen test and run a file belongs to: `<test>/<time>/history.edn`, or
/// the file's own name.
fn jepsen_names(path: &Path) -> (String, Option<String>) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name == "history.edn" {
        let run = path.parent();
        let test = run.and_then(Path::parent);
        if let (Some(r), Some(t)) = (run.and_then(Path::file_name), test.and_then(Path::file_name)) {
            return (t.to_string_lossy().into_owned(), Some(r.to_string_lossy().into_owned()));
        }
    }
    (name, None)
}

fn read_item(path: &Path, format: Option<parsers::Format>) -> Result<ImportItem, String> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{source}: cannot read the file: {e}"))?;
    let by_name = parsers::Format::from_path(path);
    let opts = parsers::ReadOptions { format, ..Default::default() };
    let h = parsers::read_history(&bytes[..], &source, by_name, opts).map_err(|e| e.to_string())?;
    output::print_warnings(&source, &h.warnings);
    for l in parsers::json::lossy_constructs(&h) {
        output::eline(format_args!("warning: {source}: stored as JSON: {l}"));
    }
    let mut buf = Vec::new();
    parsers::json::write_lines(&h, &mut buf).map_err(|e| format!("{source}: {e}"))?;
    let text = String::from_utf8(buf).map_err(|e| format!("{source}: {e}"))?;
    let ops: Vec<String> = text.lines().map(str::to_string).collect();
    let (test_name, run_label) = jepsen_names(path);
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(ImportItem {
        source,
        path: canonical.display().to_string(),
        test_name,
        run_label,
        size: bytes.len() as u64,
        hash: format!("{:016x}", fnv1a64(&bytes)),
        ops,
    })
}

fn import(a: &RunsImportArgs) -> Exit {
    let mut files = Vec::new();
    for p in &a.paths {
        if let Err(e) = find_histories(p, &mut files) {
            output::error(format_args!("{}: {e}", p.display()));
            return Exit::BadInput;
        }
    }
    // The same file named twice (or through a directory and by name) is read once.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    if files.is_empty() {
        output::error("no history found: give history files, or directories holding <test>/<time>/history.edn");
        return Exit::BadInput;
    }
    let format = a.format.map(Into::into);
    let items: Result<Vec<ImportItem>, String> = files.par_iter().map(|f| read_item(f, format)).collect();
    let items = match items {
        Ok(i) => i,
        Err(e) => {
            output::eline(e);
            return Exit::BadInput;
        }
    };
    let path = match store::db_path(a.store.db.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    if files.iter().any(|f| std::fs::canonicalize(f).ok() == std::fs::canonicalize(&path).ok() && path.exists()) {
        output::error(format_args!("{}: the store is one of the inputs", path.display()));
        return Exit::BadInput;
    }
    let existed = path.exists();
    // A store this command creates is removed if the import is interrupted, too.
    let new_store: Vec<_> = if existed {
        Vec::new()
    } else {
        ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| crate::cleanup::register(format!("{}{suffix}", path.display()).into()))
            .collect()
    };
    let result = Store::create(&path, a.store.busy_timeout).and_then(|mut s| s.import(&items, a.force));
    drop(new_store);
    let done = match result {
        Ok(d) => d,
        Err(e) => {
            if !existed {
                // A store this command created holds nothing: leave no trace of it.
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            output::error(e);
            return Exit::BadInput;
        }
    };
    let db = path.display().to_string();
    if a.json {
        let doc = ImportDoc { db: &db, imported: done.iter().map(ImportedDoc::from).collect() };
        return print_doc(&doc, Exit::Pass);
    }
    let mut t = table();
    t.set_header(vec!["history", "test", "run", "ops"]);
    for d in &done {
        t.add_row(vec![d.source.clone(), d.id.test.to_string(), d.id.run.to_string(), count(d.ops as u64)]);
    }
    right(&mut t, &[1, 2, 3]);
    print_text(&format!("{db}: imported {} histories\n{t}\n", done.len()), Exit::Pass)
}

// ---------------------------------------------------------------------------
// trace
// ---------------------------------------------------------------------------

fn trace(a: &RunsTraceArgs) -> Exit {
    let id = RunId { test: a.test_id, run: a.run_id };
    let t = match open(&a.store, false).and_then(|s| s.load_trace(id)) {
        Ok(t) => t,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    for w in &t.warnings {
        output::eline(format_args!("warning: {w}"));
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut r = Ok(());
    for st in &t.steps {
        r = serde_json::to_writer(&mut out, &st.record).map_err(io::Error::from).and_then(|_| writeln!(out));
        if r.is_err() {
            break;
        }
    }
    output::stdout_result(r.and_then(|_| out.flush()), Exit::Pass)
}
