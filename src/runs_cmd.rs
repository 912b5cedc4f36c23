//! `histcheck runs list|check|show|import`: the runs of a detsys-testkit store.
//!
//! Exit codes: `check` 0 when every run passed, 1 when one failed, 3 when one
//! was inconclusive (and none failed), 2 when a run could not be checked or
//! the store could not be read; the others 0, or 2 on bad input.

use crate::cli::{
    ModelArg, RunFilterArgs, RunsArgs, RunsCheckArgs, RunsCommand, RunsImportArgs, RunsListArgs, RunsShowArgs,
    RunsTraceArgs, StoreArgs, SyntaxArg,
};
use crate::error::{Error, Result};
use crate::output::{self, count, Exit};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ltl::spec::{FormulaSet, Source, Syntax};
use rayon::prelude::*;
use serde_json::Value as Json;
use std::io::{self, IsTerminal, Write};

use store::import;
use store::report_json::{AnalysisDoc, ImportDoc, ImportedDoc, ListDoc, ListedRun, ShowDoc};
use store::{Filter, RunId, Store};

pub fn run(args: &RunsArgs) -> Result {
    match &args.command {
        RunsCommand::List(a) => list(a),
        RunsCommand::Check(a) => check(a),
        RunsCommand::Show(a) => show(a),
        RunsCommand::Import(a) => import(a),
        RunsCommand::Trace(a) => trace(a),
    }
}

fn open(s: &StoreArgs, write: bool) -> std::result::Result<Store, store::StoreError> {
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

fn list(a: &RunsListArgs) -> Result {
    let s = open(&a.store, false).map_err(Error::msg)?;
    let (runs, skipped) = s.list(filter(&a.filter)).map_err(Error::msg)?;
    warn_skipped(s.name(), &skipped);
    if a.json {
        let doc = ListDoc { db: s.name(), runs: runs.iter().map(ListedRun::new).collect(), skipped_rows: &skipped };
        return Ok(print_doc(&doc, Exit::Pass));
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
    Ok(print_text(&text, Exit::Pass))
}

// ---------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------

/// The formulas of `--ltl` (named `ltl1`, `ltl2`, …) and `--spec`, parsed, or a usage error.
fn ltl_formulas(a: &RunsCheckArgs) -> std::result::Result<FormulaSet, String> {
    let mut src: Vec<Source> =
        a.ltl.iter().enumerate().map(|(i, f)| Source::new(format!("ltl{}", i + 1), f.clone())).collect();
    if let Some(spec) = &a.spec {
        src.extend(ltl::spec::read_spec(spec)?);
    }
    let syntax = match a.syntax {
        SyntaxArg::Histcheck => Syntax::Histcheck,
        SyntaxArg::Detsys => Syntax::Detsys,
    };
    FormulaSet::parse(src, syntax).map_err(|e| e.to_string())
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

/// What `runs check` shows while it works: a spinner while the store is read,
/// the warnings about skipped rows, then a bar of the runs checked.
struct Shown {
    db: String,
    reading: Option<ProgressBar>,
    bar: Option<ProgressBar>,
}

impl runs::Progress for Shown {
    fn reading(&mut self, db: &str) {
        self.reading = Some(spinner(&format!("reading {db}")));
    }

    fn read(&mut self, skipped: &[store::SkippedRow]) {
        if let Some(s) = self.reading.take() {
            s.finish_and_clear();
        }
        warn_skipped(&self.db, skipped);
    }

    fn start(&mut self, runs: usize) {
        self.bar = Some(output::bar(runs as u64, "checking runs [{bar:40.cyan/blue}] {pos}/{len} {per_sec} eta {eta}"));
    }

    fn checked(&mut self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn done(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Drop for Shown {
    /// A check that stopped early (the store could not be read) leaves no spinner behind.
    fn drop(&mut self) {
        for b in [self.reading.take(), self.bar.take()].into_iter().flatten() {
            b.finish_and_clear();
        }
    }
}

fn check(a: &RunsCheckArgs) -> Result {
    let formulas = ltl_formulas(a).map_err(Error::msg)?;
    if a.elle.is_none() && formulas.is_empty() {
        return Err(Error::msg("say what to check: --elle list-append, --ltl FORMULA or --spec FILE"));
    }
    let mut s = open(&a.store, !a.no_write).map_err(Error::msg)?;
    let req = runs::Request {
        filter: filter(&a.filter),
        elle: a.elle.map(|m| match m {
            ModelArg::ListAppend => store::Flavor::ListAppend,
            ModelArg::RwRegister => store::Flavor::RwRegister,
        }),
        elle_request: checker::elle::Request {
            consistency_models: a.consistency_models.clone(),
            anomalies: a.anomalies.clone(),
            budget: a.budget,
            ..checker::elle::Request::default()
        },
        ltl: formulas,
        write: !a.no_write,
        jobs: a.jobs.unwrap_or(0),
        checker_version: runs::checker_version(),
    };
    let db = s.name().to_string();
    let mut shown = Shown { db, reading: None, bar: None };
    let report = runs::check(&mut s, &req, &mut shown).map_err(Error::msg)?;
    Ok(summarise(a, &report))
}

fn summarise(a: &RunsCheckArgs, report: &runs::Report) -> Exit {
    let db = &report.db;
    let sum = report.summary();
    // A run whose result could not be written is an error of that run.
    let mut unwritten = 0usize;
    for c in &report.runs {
        if let Ok(v) = &c.outcome {
            for w in &v.warnings {
                output::eline(format_args!("warning: {db}: test {} run {}: {w}", c.id.test, c.id.run));
            }
        }
        match &c.outcome {
            Ok(runs::RunVerdict { write_error: Some(e), .. }) => {
                unwritten += 1;
                output::error(e);
            }
            Ok(_) => {}
            Err(e) => output::error(e),
        }
    }
    let status = if sum.errors > 0 {
        Exit::BadInput
    } else if sum.invalid > 0 {
        Exit::Violation
    } else if sum.unknown > 0 {
        Exit::Inconclusive
    } else {
        Exit::Pass
    };
    if a.json {
        return print_doc(&report.doc(), status);
    }
    // Every run when there are few; else the ones that did not pass.
    let all = report.runs.len() <= 20;
    let mut t = table();
    t.set_header(vec!["test", "run", "ops", "verdict", "anomalies, or what went wrong"]);
    let mut shown = 0;
    for c in &report.runs {
        let (verdict, detail) = match &c.outcome {
            Ok(v) => {
                let mut detail: Vec<String> = v.anomaly_types.clone();
                detail.extend(v.ltl_failing.iter().map(|f| format!("ltl {f}")));
                match &v.write_error {
                    Some(e) => {
                        let why = e.split_once(" was not written: ").map_or(e.as_str(), |(_, w)| w);
                        (format!("{} (not written)", validity_word(v.valid)), format!("not written: {why}"))
                    }
                    None => (
                        validity_word(v.valid).to_string(),
                        if detail.is_empty() { "-".to_string() } else { detail.join(", ") },
                    ),
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
    let models = &report.consistency_models;
    text.push_str(&format!(
        "{db}: {} runs checked with {}{}: {} valid, {} invalid, {} unknown, {} could not be checked or written.\n",
        count(sum.runs as u64),
        report.checker,
        match (report.elle, models.is_empty()) {
            (false, _) => String::new(),
            (true, true) => " (no model)".to_string(),
            (true, false) => format!(" ({})", models.join(", ")),
        },
        count(sum.valid as u64),
        count(sum.invalid as u64),
        count(sum.unknown as u64),
        count(sum.errors as u64),
    ));
    if !report.skipped.is_empty() {
        text.push_str(&format!(
            "{} event_log rows skipped: no run can be given them (see the warnings).\n",
            count(report.skipped.len() as u64)
        ));
    }
    if a.no_write {
        text.push_str("Nothing was written (--no-write).\n");
    } else {
        text.push_str(&format!("{} Analysis events written.\n", count(sum.written as u64)));
        if unwritten > 0 {
            text.push_str(&format!(
                "The results of {} runs were not written (see the errors).\n",
                count(unwritten as u64)
            ));
        }
    }
    print_text(&text, status)
}

/// `valid`, `invalid` or `unknown`.
fn validity_word(v: runs::Valid) -> &'static str {
    match v {
        runs::Valid::True => "valid",
        runs::Valid::False => "invalid",
        runs::Valid::Unknown => "unknown",
    }
}

// ---------------------------------------------------------------------------
// show
// ---------------------------------------------------------------------------

fn show(a: &RunsShowArgs) -> Result {
    let id = RunId { test: a.test_id, run: a.run_id };
    let s = open(&a.store, false).map_err(Error::msg)?;
    let (list, skipped) = s.analyses(id).map_err(Error::msg)?;
    warn_skipped(s.name(), &skipped);
    if a.json {
        let doc = ShowDoc {
            db: s.name(),
            test_id: id.test,
            run_id: id.run,
            analyses: list.iter().map(|x| AnalysisDoc::new(x, true)).collect(),
        };
        return Ok(print_doc(&doc, Exit::Pass));
    }
    if list.is_empty() {
        return Ok(print_text(&format!("{} ({id}): no analyses\n", s.name()), Exit::Pass));
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
    Ok(print_text(&format!("{} ({id}): {} analyses\n{t}\n", s.name(), list.len()), Exit::Pass))
}

// ---------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------

fn import(a: &RunsImportArgs) -> Result {
    let mut files = Vec::new();
    for p in &a.paths {
        import::find_histories(p, &mut files).map_err(|e| Error::msg(format_args!("{}: {e}", p.display())))?;
    }
    // The same file named twice (or through a directory and by name) is read once.
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    if files.is_empty() {
        return Err(Error::msg(
            "no history found: give history files, or directories holding <test>/<time>/history.edn",
        ));
    }
    let format = a.format.map(Into::into);
    // Read in parallel; warnings are printed in file order, then the first
    // file (in that order) that could not be read is the error.
    let read: Vec<_> = files.par_iter().map(|f| import::read_item(f, format)).collect();
    let mut items = Vec::with_capacity(read.len());
    let mut failed = None;
    for r in read {
        match r {
            Ok(r) => {
                output::print_warnings(&r.item.source, &r.warnings);
                for l in &r.lossy {
                    output::eline(format_args!("warning: {}: stored as JSON: {l}", r.item.source));
                }
                items.push(r.item);
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(Error::raw(e));
    }
    let path = store::db_path(a.store.db.as_deref()).map_err(Error::msg)?;
    if files.iter().any(|f| std::fs::canonicalize(f).ok() == std::fs::canonicalize(&path).ok() && path.exists()) {
        return Err(Error::msg(format_args!("{}: the store is one of the inputs", path.display())));
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
    let done = result.map_err(|e| {
        if !existed {
            // A store this command created holds nothing: leave no trace of it.
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        Error::msg(e)
    })?;
    let db = path.display().to_string();
    if a.json {
        let doc = ImportDoc { db: &db, imported: done.iter().map(ImportedDoc::from).collect() };
        return Ok(print_doc(&doc, Exit::Pass));
    }
    let mut t = table();
    t.set_header(vec!["history", "test", "run", "ops"]);
    for d in &done {
        t.add_row(vec![d.source.clone(), d.id.test.to_string(), d.id.run.to_string(), count(d.ops as u64)]);
    }
    right(&mut t, &[1, 2, 3]);
    Ok(print_text(&format!("{db}: imported {} histories\n{t}\n", done.len()), Exit::Pass))
}

// ---------------------------------------------------------------------------
// trace
// ---------------------------------------------------------------------------

fn trace(a: &RunsTraceArgs) -> Result {
    let id = RunId { test: a.test_id, run: a.run_id };
    let t = open(&a.store, false).and_then(|s| s.load_trace(id)).map_err(Error::msg)?;
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
    Ok(output::stdout_result(r.and_then(|_| out.flush()), Exit::Pass))
}
