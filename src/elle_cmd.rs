//! `histcheck elle FILE`: checks a transactional history as Jepsen's Elle does.
//!
//! Exit codes: 0 valid, 1 invalid, 3 unknown, 2 bad input or usage.

use crate::cli::{ElleArgs, ModelArg};
use crate::elle_render::{anomaly_json, cycle_dot, explain, index};
use crate::input::{self, Loaded};
use crate::output::{self, count, Exit};
use checker::check::{self, Options, Report};
use checker::cycles::SearchOptions;
use checker::lattice::{self, Validity};
use checker::{Anomaly, Rels};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use history::{snippet_of, History, MopKind, SrcPos};
use serde_json::{json, Map, Value as Json};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Splits a comma-separated list; `none` (or nothing) is the empty list.
fn names(list: &str) -> Vec<String> {
    let t = list.trim();
    if t.is_empty() || t == "none" {
        return Vec::new();
    }
    t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The workload from the micro-ops: list-append unless the history writes
/// registers. A history that mixes `append` and `w` is an input error.
fn detect_model(locate: &Locate<'_>, h: &History) -> Result<ModelArg, String> {
    let mut append = None;
    let mut write = None;
    for (i, op) in h.ops.iter().enumerate() {
        for m in h.mops(op) {
            match m.kind {
                MopKind::Append if append.is_none() => append = Some(i),
                MopKind::Write if write.is_none() => write = Some(i),
                _ => {}
            }
        }
        if append.is_some() && write.is_some() {
            break;
        }
    }
    let at = |i: usize| {
        let op = &h.ops[i];
        format!("{}: {}", locate(op.pos), snippet_of(&h.op_to_value(op)))
    };
    match (append, write) {
        (Some(a), Some(w)) => Err(format!(
            "the history mixes list-append and rw-register micro-ops; check one workload at a time:\n  append: {}\n  write:  {}",
            at(a),
            at(w)
        )),
        (_, Some(w)) => Err(format!(
            "this is an rw-register history ([:w k v] micro-ops), and histcheck elle checks list-append histories so far:\n  {}",
            at(w)
        )),
        _ => Ok(ModelArg::ListAppend),
    }
}

/// Names an op's position for messages: `FILE:LINE:COL`, or a store's row.
pub type Locate<'a> = dyn Fn(SrcPos) -> String + 'a;

/// The checker options from the flags.
pub fn options(consistency_models: &str, anomalies: &str, budget: u64) -> Options {
    Options { models: names(consistency_models), anomalies: names(anomalies), search: SearchOptions { budget } }
}

/// Checks a loaded history: its report and the `--json` document, or the
/// message of an input error (exit 2). `name` is the document's `file`.
pub fn check_history<'h>(
    name: &str,
    locate: &Locate<'_>,
    h: &'h History,
    model: Option<ModelArg>,
    opts: &Options,
    read_ms: Option<u64>,
) -> Result<(Report<'h>, Json), String> {
    let detected = detect_model(locate, h)?;
    let model = model.unwrap_or(detected);
    let report = match model {
        ModelArg::ListAppend => check::check_list_append(h, opts),
    };
    let report = match report {
        Ok(r) => r,
        Err(check::Error::Unknown(u)) => {
            let hint = if u.suggestions.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", u.suggestions.join(", "))
            };
            return Err(format!("unknown {} '{}'{hint}", u.what, u.name));
        }
        Err(check::Error::History(e)) => {
            let mut msg = format!("{name}: {}", e.message);
            for &t in &e.ops {
                let op = &h.ops[t as usize];
                let _ = write!(msg, "\n  {}: {}", locate(op.pos), snippet_of(&h.op_to_value(op)));
            }
            return Err(msg);
        }
    };
    let doc = document(name, h, opts, &report, read_ms);
    Ok((report, doc))
}

/// The exit status of a verdict.
pub fn status_of(v: Validity) -> Exit {
    match v {
        Validity::True => Exit::Pass,
        Validity::False => Exit::Violation,
        Validity::Unknown => Exit::Inconclusive,
    }
}

pub fn run(args: &ElleArgs) -> Exit {
    let Some(path) = &args.file else {
        return run_stored(args);
    };
    let file = path.display().to_string();
    let t0 = Instant::now();
    let Loaded { history: h, .. } = match input::load(path, args.format.map(Into::into)) {
        Ok(l) => l,
        Err(e) => {
            output::eline(&e);
            return Exit::BadInput;
        }
    };
    let read_ms = t0.elapsed().as_millis() as u64;
    output::print_warnings(&file, &h.warnings);
    let locate = |p: SrcPos| format!("{file}:{}:{}", p.line, p.col);
    report_and_print(args, &file, &file, &locate, &h, args.timings.then_some(read_ms), |_| {})
}

/// `histcheck elle --db DB --test-id T --run-id R`: the run's history, rebuilt
/// as detsys's checker does, checked like a file (and nothing is written).
fn run_stored(args: &ElleArgs) -> Exit {
    let (Some(test), Some(run)) = (args.test_id, args.run_id) else {
        output::error("give a history FILE, or --test-id and --run-id of a stored run");
        return Exit::BadInput;
    };
    let id = store::RunId { test, run };
    let t0 = Instant::now();
    let loaded = store::db_path(args.db.as_deref())
        .and_then(|p| store::Store::open(&p, false, store::DEFAULT_BUSY_MS))
        .and_then(|s| s.load_history(id, store::Flavor::ListAppend).map(|h| (s.name().to_string(), h)));
    let (db, stored) = match loaded {
        Ok(x) => x,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    let read_ms = t0.elapsed().as_millis() as u64;
    let h = stored.history;
    let locate = |p: SrcPos| format!("{db}: event_log row {}", p.line);
    for w in &h.warnings {
        match w.pos {
            Some(p) => output::eline(format_args!("warning: {}: {}", locate(p), w.message)),
            None => output::eline(format_args!("warning: {db} ({id}): {}", w.message)),
        }
    }
    let title = format!("{db} ({id})");
    report_and_print(args, &db, &title, &locate, &h, args.timings.then_some(read_ms), |doc| {
        if let Json::Object(m) = doc {
            m.insert("test_id".into(), Json::from(test));
            m.insert("run_id".into(), Json::from(run));
        }
    })
}

/// Checks, then writes the directory, the document or the human report.
/// `file` is the document's `file`, `title` what the report starts with.
fn report_and_print(
    args: &ElleArgs,
    file: &str,
    title: &str,
    locate: &Locate<'_>,
    h: &History,
    read_ms: Option<u64>,
    amend: impl FnOnce(&mut Json),
) -> Exit {
    let opts = options(&args.consistency_models, &args.anomalies, args.budget);
    let (report, mut doc) = match check_history(file, locate, h, args.model, &opts, read_ms) {
        Ok(x) => x,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    amend(&mut doc);
    let status = status_of(report.valid);
    if let Some(dir) = &args.directory {
        if let Err(e) = write_directory(dir, h, &report, &doc) {
            output::error(format_args!("cannot write to {}: {e}", dir.display()));
            return Exit::BadInput;
        }
    }
    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from).and_then(|_| writeln!(out))
    } else {
        write_human(&mut out, title, h, &opts, &report, args.explain)
    };
    output::stdout_result(written.and_then(|_| out.flush()), status)
}

pub fn validity_json(v: Validity) -> Json {
    match v {
        Validity::True => Json::Bool(true),
        Validity::False => Json::Bool(false),
        Validity::Unknown => Json::from("unknown"),
    }
}

/// The `--json` document (also `result.json` in `--directory`).
fn document(file: &str, h: &History, opts: &Options, r: &Report<'_>, read_ms: Option<u64>) -> Json {
    let mut anomalies = Map::new();
    for (ty, list) in &r.anomalies {
        anomalies.insert((*ty).to_string(), Json::Array(list.iter().map(|a| anomaly_json(h, a)).collect()));
    }
    let mut edges = Map::new();
    for (i, rel) in Rels::SINGLES.iter().enumerate() {
        if r.stats.edges[i] > 0 {
            edges.insert(rel.single_name().to_string(), Json::from(r.stats.edges[i]));
        }
    }
    let s = &r.stats;
    let mut stats = json!({
        "ops": s.ops,
        "transactions": s.transactions,
        "edges": edges,
        "additional_graph": s.additional_graph,
        "sccs": s.search.sccs,
        "largest_scc": s.search.largest_scc,
        "search_work": s.search.work,
    });
    if let Some(read) = read_ms {
        stats["time_ms"] = json!({
            "read": read, "infer": s.infer_ms, "graph": s.graph_ms, "search": s.search_ms,
        });
    }
    // Field order as documented: serde_json keeps insertion order only with its
    // preserve_order feature, so build the top level as a struct-like list.
    let mut top = Map::new();
    top.insert("file".into(), Json::from(file));
    top.insert("model".into(), Json::from("list-append"));
    top.insert("consistency_models".into(), json!(opts.models));
    top.insert("anomalies_requested".into(), json!(opts.anomalies));
    top.insert("valid".into(), validity_json(r.valid));
    top.insert("anomaly_types".into(), json!(r.anomaly_types));
    top.insert("not".into(), json!(r.boundary.not));
    top.insert("also_not".into(), json!(r.boundary.also_not));
    top.insert("anomalies".into(), Json::Object(anomalies));
    top.insert("stats".into(), stats);
    Json::Object(top)
}

fn models_phrase(opts: &Options) -> String {
    let mut parts = Vec::new();
    if !opts.models.is_empty() {
        parts.push(opts.models.join(", "));
    }
    if !opts.anomalies.is_empty() {
        parts.push(format!("anomalies {}", opts.anomalies.join(", ")));
    }
    if parts.is_empty() {
        "nothing but the anomalies every model prohibits".into()
    } else {
        parts.join(" and ")
    }
}

fn write_human(
    out: &mut impl Write,
    file: &str,
    h: &History,
    opts: &Options,
    r: &Report<'_>,
    explain_n: usize,
) -> io::Result<()> {
    let s = &r.stats;
    let edges: usize = s.edges.iter().sum();
    writeln!(
        out,
        "{file}: list-append, {} ops, {} transactions, {} dependency edges; checked for {}",
        count(s.ops as u64),
        count(s.transactions as u64),
        count(edges as u64),
        models_phrase(opts)
    )?;
    if r.anomaly_types.is_empty() {
        writeln!(out, "Valid: no anomaly that these models prohibit was found.")?;
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).apply_modifier(UTF8_ROUND_CORNERS);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(vec!["anomaly", "found", "rules out"]);
    for ty in &r.anomaly_types {
        let n = r.anomalies.get(ty).map_or(0, Vec::len);
        let rules_out = lattice::boundary(&[ty]).not.join(", ");
        let rules_out = if rules_out.is_empty() { "(nothing by itself)".to_string() } else { rules_out };
        table.add_row(vec![ty.to_string(), count(n as u64), rules_out]);
    }
    if let Some(col) = table.column_mut(1) {
        col.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(out, "{table}")?;
    match r.valid {
        Validity::False => {
            writeln!(out, "Invalid: not {}.", or_none(&r.boundary.not))?;
            if !r.boundary.also_not.is_empty() {
                writeln!(out, "Also not: {}.", r.boundary.also_not.join(", "))?;
            }
        }
        _ => {
            writeln!(out, "Unknown: nothing prohibited was found, but the check could not be completed.")?;
            if !r.boundary.not.is_empty() {
                writeln!(out, "Still, the anomalies found rule out {}.", r.boundary.not.join(", "))?;
            }
        }
    }
    for ty in &r.anomaly_types {
        let list = &r.anomalies[ty];
        for (i, a) in list.iter().take(explain_n).enumerate() {
            writeln!(out)?;
            writeln!(out, "{ty} #{}", i + 1)?;
            for line in explain(h, a) {
                writeln!(out, "  {line}")?;
            }
        }
        if list.len() > explain_n {
            writeln!(out)?;
            writeln!(out, "… and {} more {ty} (all of them are in --json and --directory).", list.len() - explain_n)?;
        }
    }
    Ok(())
}

fn or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "(no model)".into()
    } else {
        v.join(", ")
    }
}

/// A file name for an anomaly type (they are all safe already; keep it so).
fn file_stem(ty: &str) -> String {
    ty.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') { c } else { '_' }).collect()
}

/// `result.json`, `<type>.txt` for every reported type, and `<type>/<i>.dot`
/// (plus `.svg` when Graphviz is installed) for every reported cycle.
fn write_directory(dir: &Path, h: &History, r: &Report<'_>, doc: &Json) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut text = serde_json::to_string_pretty(doc).map_err(io::Error::from)?;
    text.push('\n');
    fs::write(dir.join("result.json"), text)?;
    let have_dot = Command::new("dot")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    for (ty, list) in &r.anomalies {
        let stem = file_stem(ty);
        let mut t = String::new();
        for (i, a) in list.iter().enumerate() {
            if i > 0 {
                t.push_str("\n\n");
            }
            t.push_str(&format!("{ty} #{}\n", i + 1));
            for line in explain(h, a) {
                t.push_str(&line);
                t.push('\n');
            }
        }
        fs::write(dir.join(format!("{stem}.txt")), t)?;
        let cycles: Vec<_> = list
            .iter()
            .filter_map(|a| match a {
                Anomaly::Cycle { cycle, .. } => Some(cycle),
                _ => None,
            })
            .collect();
        if cycles.is_empty() {
            continue;
        }
        let sub = dir.join(&stem);
        fs::create_dir_all(&sub)?;
        for (i, c) in cycles.iter().enumerate() {
            let first = c.txns().first().map(|&t| index(h, t)).unwrap_or(0);
            let dot = cycle_dot(h, c, &format!("{ty} #{} (from op {first})", i + 1));
            let path = sub.join(format!("{}.dot", i + 1));
            fs::write(&path, &dot)?;
            if have_dot {
                let _ = Command::new("dot")
                    .arg("-Tsvg")
                    .arg("-o")
                    .arg(sub.join(format!("{}.svg", i + 1)))
                    .arg(&path)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
    Ok(())
}
