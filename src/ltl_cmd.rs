//! `histcheck ltl FORMULA TRACE.jsonl`: temporal properties of a recorded run,
//! with verdicts holds / fails / pending and a proof of each.

use crate::cli::{EndArg, LtlArgs, StateModeArg, SyntaxArg, TimeUnitArg};
use crate::error::Error;
use crate::output::{self, Exit};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use ltl::compile::CompileOptions;
use ltl::report::{End, FormulaResult, ManyDoc, ResultDoc, SingleDoc};
use ltl::spec::{check_unique, quoted, read_spec, FormulaSet, Source, Syntax};
use ltl::syntax::Unit;
use ltl::trace::{StateMode, TraceOptions};
use ltl::Verdict;
use std::io::{self, Write};

fn unit_of(u: TimeUnitArg) -> Unit {
    match u {
        TimeUnitArg::Ns => Unit::Ns,
        TimeUnitArg::Us => Unit::Us,
        TimeUnitArg::Ms => Unit::Ms,
        TimeUnitArg::S => Unit::S,
        TimeUnitArg::M => Unit::M,
        TimeUnitArg::H => Unit::H,
    }
}

/// `--end-time T`: a whole number in the trace's unit, or a number with a unit
/// (`30s`, `1500us`), converted to it and rounded down (earlier is the safe side:
/// steps after the end are at this time or later).
fn parse_end_time(s: &str, unit: Unit) -> Result<i64, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, u) = s.split_at(split);
    let bad =
        || format!("`{}` is not a time (a number in --time-unit, or a duration such as 30s or 1500ms)", quoted(s));
    // A whole number in the trace's unit is read exactly (a double would round
    // 9223372036854775807 up, out of range).
    if u.is_empty() {
        if let Ok(t) = num.trim().parse::<i64>() {
            return Ok(t);
        }
    }
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    let t = match u {
        "" => v,
        u => v * Unit::from_name(u).ok_or_else(bad)?.nanos() / unit.nanos(),
    };
    // -2^63 <= t < 2^63: every double there converts to an i64 exactly.
    let t = t.floor();
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        return Err(format!("`{}` is outside the range of times (64-bit integers in --time-unit)", quoted(s)));
    }
    Ok(t as i64)
}

/// The formulas of the command line and the trace to read, or a usage error.
fn formulas(args: &LtlArgs) -> Result<(Vec<Source>, String), String> {
    let many = !args.formulas.is_empty() || args.spec.is_some();
    let mut out = Vec::new();
    let stored = args.stored.test_id.is_some();
    let trace = match (many, stored, args.args.as_slice()) {
        (false, false, [f, t]) => {
            out.push(Source::new("formula", f.clone()));
            t.clone()
        }
        (false, false, _) => return Err("give a FORMULA and a TRACE (or formulas with -f / --spec)".into()),
        (true, false, [t]) => t.clone(),
        (true, false, _) => return Err("with -f or --spec, give only the TRACE".into()),
        (false, true, [f]) => {
            out.push(Source::new("formula", f.clone()));
            String::new()
        }
        (false, true, _) => return Err("with --test-id and --run-id, give only the FORMULA".into()),
        (true, true, []) => String::new(),
        (true, true, _) => return Err("with --test-id, --run-id and -f or --spec, give no FORMULA or TRACE".into()),
    };
    for f in &args.formulas {
        out.push(Source::from_assignment(f)?);
    }
    if let Some(spec) = &args.spec {
        out.extend(read_spec(spec)?);
        if out.is_empty() {
            return Err(format!("{}: no formulas", spec.display()));
        }
    }
    check_unique(&out)?;
    Ok((out, trace))
}

/// The nodes of the trace file: the keys of `state` on its first record
/// ([`ltl::trace::nodes_of_first_record`]); none if the file cannot be read.
fn nodes_from_first_line(path: &str, mode: StateMode) -> Vec<String> {
    match std::fs::File::open(path) {
        Ok(f) => ltl::trace::nodes_of_first_record(io::BufReader::new(f), mode),
        Err(_) => vec![],
    }
}

/// A stored run's trace as JSON Lines, its name for messages, and its nodes.
#[allow(clippy::type_complexity)]
fn stored_trace(
    args: &LtlArgs,
    id: store::RunId,
) -> Result<(Box<dyn std::io::Read>, String, Option<Vec<String>>, u64), store::StoreError> {
    let path = store::db_path(args.stored.db.as_deref())?;
    let s = store::Store::open(&path, false, store::DEFAULT_BUSY_MS)?;
    let t = s.load_trace(id)?;
    for w in &t.warnings {
        output::eline(format_args!("warning: {}: {w}", s.name()));
    }
    let mut buf = Vec::new();
    for st in &t.steps {
        let _ = serde_json::to_writer(&mut buf, &st.record);
        buf.push(b'\n');
    }
    let len = buf.len() as u64;
    Ok((Box::new(io::Cursor::new(buf)), format!("{} ({id})", s.name()), Some(t.nodes), len))
}

pub fn run(args: &LtlArgs) -> crate::error::Result {
    let (named, trace_path) = formulas(args).map_err(Error::msg)?;
    let many = named.len() > 1;
    // Parse every formula first: a typo should not cost a trace read.
    let set = FormulaSet::parse(named, syntax_of(args.syntax)).map_err(|e| {
        let which = if many { format!("formula `{}`, ", quoted(&e.name)) } else { String::new() };
        Error::msg(format_args!("{which}{}", e.rendered))
    })?;
    // A stored run's trace (`--test-id`/`--run-id`) is rebuilt from the store
    // and read as the JSON Lines that `histcheck runs trace` prints.
    let (file, trace_path, stored_nodes, size_hint): (Box<dyn std::io::Read>, String, Option<Vec<String>>, u64) =
        match (args.stored.test_id, args.stored.run_id) {
            (Some(test), Some(run)) => stored_trace(args, store::RunId { test, run }).map_err(Error::msg)?,
            _ => {
                let f = std::fs::File::open(&trace_path)
                    .map_err(|e| Error::msg(format_args!("cannot read {trace_path}: {e}")))?;
                let len = f.metadata().map_or(0, |m| m.len());
                (Box::new(f), trace_path, None, len)
            }
        };
    let state_mode = match args.state_mode {
        StateModeArg::Full => StateMode::Full,
        StateModeArg::MergePatch => StateMode::MergePatch,
    };
    let topts =
        TraceOptions { time_field: args.time_field.split('.').map(String::from).collect(), state_mode, size_hint: 0 };
    let nodes = match &args.nodes {
        Some(list) => list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        None if set.uses_nodes() => match &stored_nodes {
            Some(n) => n.clone(),
            None => nodes_from_first_line(&trace_path, state_mode),
        },
        None => vec![],
    };
    let end_time = args
        .end_time
        .as_deref()
        .map(|t| parse_end_time(t, unit_of(args.time_unit)))
        .transpose()
        .map_err(|e| Error::msg(format_args!("--end-time: {e}")))?;
    let copts = CompileOptions { time_unit: unit_of(args.time_unit), nodes, end_time };
    let compiled = set.compile(&copts).map_err(Error::msg)?;
    // One thread: on this project's 2-core VM, parsing pieces in parallel
    // did not beat the single streaming pass.
    let topts = TraceOptions { size_hint, ..topts };
    let tr = ltl::trace::load_from(file, &compiled.paths, &topts).map_err(|e| {
        if e.line > 0 {
            Error::msg(format_args!("{trace_path}:{}: {}", e.line, e.message))
        } else {
            Error::msg(format_args!("{trace_path}: {}", e.message))
        }
    })?;
    if let Some(t) = end_time {
        if t < tr.last_time() {
            return Err(Error::msg(format_args!(
                "--end-time {t} is before the last step's time {} ({trace_path}:{})",
                tr.last_time(),
                tr.n
            )));
        }
    }
    let end = match args.end {
        EndArg::Pending => End::Pending,
        EndArg::Strict => End::Strict,
        EndArg::Lenient => End::Lenient,
    };
    let results = set.evaluate(&compiled, &tr, args.samples, args.budget, end);
    // Each path once, however many formulas read it.
    let mut warned = std::collections::BTreeSet::new();
    for w in results.iter().flat_map(|r| &r.warnings) {
        if warned.insert(&w.path) {
            output::eline(format_args!("warning: {trace_path}: {w}"));
        }
    }
    for r in results.iter().filter(|r| r.outcome.work.exhausted) {
        output::eline(format_args!(
            "warning: {}: the work budget of {} units was spent before the verdict was known, so it is pending (--budget N raises it)",
            r.name,
            output::count(r.outcome.work.spent)
        ));
    }
    // Exit: the worst verdict, fails > pending > holds.
    let status = match ltl::report::worst(&results) {
        Verdict::Fails => Exit::Violation,
        Verdict::Pending => Exit::Inconclusive,
        Verdict::Holds => Exit::Pass,
    };
    let single = results.len() == 1 && args.formulas.is_empty() && args.spec.is_none();
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = if args.json {
        let docs: Vec<ResultDoc> = results.iter().map(|r| ResultDoc::new(r, &tr.times)).collect();
        let w = if single {
            let result = docs.into_iter().next().expect("one result");
            serde_json::to_writer_pretty(&mut out, &SingleDoc { file: &trace_path, end_time, result })
        } else {
            serde_json::to_writer_pretty(&mut out, &ManyDoc { file: &trace_path, end_time, results: docs })
        };
        w.map_err(io::Error::from).and_then(|()| writeln!(out))
    } else if single {
        write!(out, "{}", human(&results[0], &tr.times, end_time))
    } else {
        write_table(&mut out, &results)
    };
    Ok(output::stdout_result(written.and_then(|()| out.flush()), status))
}

fn syntax_of(s: SyntaxArg) -> Syntax {
    match s {
        SyntaxArg::Histcheck => Syntax::Histcheck,
        SyntaxArg::Detsys => Syntax::Detsys,
    }
}

fn human(r: &FormulaResult, times: &[i64], end_time: Option<i64>) -> String {
    let o = &r.outcome;
    let mut s = String::new();
    let label = if r.verdict == o.verdict {
        r.verdict.name().to_string()
    } else {
        format!("{} (pending, counted as {} by --end)", r.verdict.name(), r.verdict.name())
    };
    s.push_str(&format!("{label}: {}\n", r.src.trim()));
    match o.verdict {
        Verdict::Holds => {
            if !o.definite {
                s.push_str("  (true on this trace; a longer run could still break it)\n");
            }
        }
        Verdict::Fails => {}
        Verdict::Pending if o.work.exhausted => {
            s.push_str(&budget_message(&o.work));
            s.push('\n');
            return s;
        }
        Verdict::Pending => {
            s.push_str(&format!(
                "  {} obligation{} still open when the trace ended (step {}, t={}{}){}\n",
                output::count(o.pending_count as u64),
                if o.pending_count == 1 { " was" } else { "s were" },
                times.len() - 1,
                times.last().copied().unwrap_or(0),
                end_time.map_or(String::new(), |t| format!("; the run went on to t={t}")),
                if o.pending_count > o.pending.len() { ", the first ones:" } else { ":" }
            ));
            for p in &o.pending {
                s.push_str(&format!("    step {} (t={}): {}\n", p.step, p.time, p.formula));
            }
        }
    }
    if let Some((st, t)) = o.first_failure {
        s.push_str(&format!("first failure: step {st} (t={t})\n"));
    }
    s.push_str(if o.proof.sat { "proof:\n" } else { "violation proof:\n" });
    let mut tree = String::new();
    o.proof.render(times, 1, &mut tree);
    s.push_str(&tree);
    s
}

/// Why a verdict was withheld: the budget, spent in full.
fn budget_message(w: &ltl::Work) -> String {
    format!(
        "  undecided: the work budget of {} units (per-binding evaluation and proofs) was spent before the verdict was known; --budget N raises it",
        output::count(w.spent)
    )
}

fn write_table(out: &mut impl Write, results: &[FormulaResult]) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).apply_modifier(UTF8_ROUND_CORNERS);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec!["property", "verdict", "first failure", "open obligations"]);
    for r in results {
        let o = &r.outcome;
        let ff = o.first_failure.map_or(String::new(), |(s, tm)| format!("step {s} (t={tm})"));
        let open = if o.work.exhausted {
            format!("budget of {} spent", output::count(o.work.spent))
        } else if o.verdict == Verdict::Pending {
            output::count(o.pending_count as u64)
        } else {
            String::new()
        };
        let v = if r.verdict == o.verdict {
            r.verdict.name().to_string()
        } else {
            format!("{} (pending)", r.verdict.name())
        };
        t.add_row(vec![r.name.clone(), v, ff, open]);
    }
    writeln!(out, "{t}")
}
