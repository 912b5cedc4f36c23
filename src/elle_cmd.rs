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
use checker::register_history;
use checker::rw_register::RwOptions;
use checker::{Anomaly, Rels};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use history::{snippet_of, History, MopKind, MopVal};
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

/// The workload from the micro-ops: list-append for appends and list reads,
/// rw-register for writes and single-value reads, and for plain
/// `:read`/`:write`/`:cas` register histories. A history that mixes the two is
/// an input error naming an op of each.
fn detect_model(file: &str, h: &History) -> Result<ModelArg, String> {
    let mut list = None;
    let mut reg = None;
    for (i, op) in h.ops.iter().enumerate() {
        for m in h.mops(op) {
            match (m.kind, m.val) {
                (MopKind::Append, _) | (MopKind::Read, MopVal::List { .. }) if list.is_none() => list = Some(i),
                (MopKind::Write, _) | (MopKind::Read, MopVal::Atom(_)) if reg.is_none() => reg = Some(i),
                _ => {}
            }
        }
        if list.is_some() && reg.is_some() {
            break;
        }
    }
    let at = |i: usize| {
        let op = &h.ops[i];
        format!("{file}:{}:{}: {}", op.pos.line, op.pos.col, snippet_of(&h.op_to_value(op)))
    };
    match (list, reg) {
        (Some(a), Some(w)) => Err(format!(
            "the history mixes list-append and rw-register micro-ops; check one workload at a time:\n  list-append:  {}\n  rw-register: {}",
            at(a),
            at(w)
        )),
        (_, Some(_)) => Ok(ModelArg::RwRegister),
        (Some(_), None) => Ok(ModelArg::ListAppend),
        (None, None) if register_history::is_plain_register(h) => Ok(ModelArg::RwRegister),
        (None, None) => Ok(ModelArg::ListAppend),
    }
}

/// `--txn-order FILE`: completion `:index`es in commit order, one per line
/// (blank lines and lines starting with `#` or `;` are ignored).
fn read_txn_order(path: &Path) -> Result<Vec<u64>, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read the transaction order {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let i = t.parse::<u64>().map_err(|_| {
            format!(
                "{}:{}: expected one op :index per line (the commit order, first committed first), found '{t}'",
                path.display(),
                n + 1
            )
        })?;
        out.push(i);
    }
    Ok(out)
}

pub fn run(args: &ElleArgs) -> Exit {
    let file = args.file.display().to_string();
    let t0 = Instant::now();
    let Loaded { history: h, .. } = match input::load(&args.file, args.format.map(Into::into)) {
        Ok(l) => l,
        Err(e) => {
            output::eline(&e);
            return Exit::BadInput;
        }
    };
    let read_ms = t0.elapsed().as_millis() as u64;
    output::print_warnings(&file, &h.warnings);
    let detected = match detect_model(&file, &h) {
        Ok(m) => m,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    let model = args.model.unwrap_or(detected);
    let rw_flags = args.wfr_keys || args.sequential_keys || args.linearizable_keys || args.txn_order.is_some();
    if model == ModelArg::ListAppend && rw_flags {
        output::error(
            "--wfr-keys, --sequential-keys, --linearizable-keys and --txn-order order the versions of registers: they need --model rw-register (list-append reads carry their version order)",
        );
        return Exit::BadInput;
    }
    if model == ModelArg::ListAppend && register_history::is_plain_register(&h) {
        output::error(format_args!(
            "{file} is a plain register history (:read, :write and :cas ops, no transactions): check it with --model rw-register, or without --model"
        ));
        return Exit::BadInput;
    }
    // Plain register histories are checked as one-micro-op transactions (two
    // for a cas), with --linearizable-keys and --wfr-keys implied.
    let plain = model == ModelArg::RwRegister && register_history::is_plain_register(&h);
    let h = if plain {
        match register_history::to_transactions(&h) {
            Ok(t) => t,
            Err(e) => {
                let mut msg = format!("{file}: {}", e.message);
                for &t in &e.ops {
                    let op = &h.ops[t as usize];
                    let _ =
                        write!(msg, "\n  {file}:{}:{}: {}", op.pos.line, op.pos.col, snippet_of(&h.op_to_value(op)));
                }
                output::error(msg);
                return Exit::BadInput;
            }
        }
    } else {
        h
    };
    let txn_order = match &args.txn_order {
        Some(p) => match read_txn_order(p) {
            Ok(o) => Some(o),
            Err(e) => {
                output::error(e);
                return Exit::BadInput;
            }
        },
        None => None,
    };
    let rw = RwOptions {
        // A cas reads and then writes, atomically: its write follows its read.
        wfr_keys: args.wfr_keys || plain,
        sequential_keys: args.sequential_keys,
        linearizable_keys: args.linearizable_keys || plain,
        txn_order,
    };
    let opts = Options {
        models: names(&args.consistency_models),
        anomalies: names(&args.anomalies),
        search: SearchOptions { budget: args.budget },
    };
    let report = match model {
        ModelArg::ListAppend => check::check_list_append(&h, &opts),
        ModelArg::RwRegister => check::check_rw_register(&h, &opts, &rw),
    };
    let model_name = match model {
        ModelArg::ListAppend => "list-append",
        ModelArg::RwRegister => "rw-register",
    };
    let report = match report {
        Ok(r) => r,
        Err(check::Error::Unknown(u)) => {
            let hint = if u.suggestions.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", u.suggestions.join(", "))
            };
            output::error(format_args!("unknown {} '{}'{hint}", u.what, u.name));
            return Exit::BadInput;
        }
        Err(check::Error::History(e)) => {
            let mut msg = format!("{file}: {}", e.message);
            for &t in &e.ops {
                let op = &h.ops[t as usize];
                let _ = write!(msg, "\n  {file}:{}:{}: {}", op.pos.line, op.pos.col, snippet_of(&h.op_to_value(op)));
            }
            if plain && e.ops.len() == 2 {
                msg.push_str("\n  (Jepsen register tests often write the same small values again and again; such a history needs a linearizability checker such as Knossos or Porcupine, which histcheck elle is not)");
            }
            output::error(msg);
            return Exit::BadInput;
        }
    };
    let doc = document(&file, model_name, &h, &opts, &report, args.timings.then_some(read_ms));
    let status = match report.valid {
        Validity::True => Exit::Pass,
        Validity::False => Exit::Violation,
        Validity::Unknown => Exit::Inconclusive,
    };
    if let Some(dir) = &args.directory {
        if let Err(e) = write_directory(dir, &h, &report, &doc) {
            output::error(format_args!("cannot write to {}: {e}", dir.display()));
            return Exit::BadInput;
        }
    }
    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from).and_then(|_| writeln!(out))
    } else {
        write_human(&mut out, &file, model_name, &h, &opts, &report, args.explain)
    };
    output::stdout_result(written.and_then(|_| out.flush()), status)
}

fn validity_json(v: Validity) -> Json {
    match v {
        Validity::True => Json::Bool(true),
        Validity::False => Json::Bool(false),
        Validity::Unknown => Json::from("unknown"),
    }
}

/// The `--json` document (also `result.json` in `--directory`).
fn document(file: &str, model: &str, h: &History, opts: &Options, r: &Report<'_>, read_ms: Option<u64>) -> Json {
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
    if model == "rw-register" {
        stats["version_sources"] = json!(s.version_sources);
    }
    if let Some(read) = read_ms {
        stats["time_ms"] = json!({
            "read": read, "infer": s.infer_ms, "graph": s.graph_ms, "search": s.search_ms,
        });
    }
    // Field order as documented: serde_json keeps insertion order only with its
    // preserve_order feature, so build the top level as a struct-like list.
    let mut top = Map::new();
    top.insert("file".into(), Json::from(file));
    top.insert("model".into(), Json::from(model));
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
    model: &str,
    h: &History,
    opts: &Options,
    r: &Report<'_>,
    explain_n: usize,
) -> io::Result<()> {
    let s = &r.stats;
    let edges: usize = s.edges.iter().sum();
    writeln!(
        out,
        "{file}: {model}, {} ops, {} transactions, {} dependency edges; checked for {}",
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
