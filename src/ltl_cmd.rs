//! `histcheck ltl FORMULA TRACE.jsonl`: temporal properties of a recorded run,
//! with verdicts holds / fails / pending and a proof of each.

use crate::cli::{EndArg, LtlArgs, StateModeArg, SyntaxArg, TimeUnitArg};
use crate::output::{self, Exit};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use ltl::compile::{compile_with_paths, CompileOptions, Plan};
use ltl::proof::{AtDoc, ProofDoc};
use ltl::syntax::{Formula, Unit};
use ltl::trace::{StateMode, TraceOptions};
use ltl::PathWarning;
use ltl::{Outcome, Verdict};
use serde::Serialize;
use serde_json::Value as Json;
use std::io::{self, Write};

struct Named {
    name: String,
    src: String,
}

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

/// A piece of the command line quoted in a message: escaped and cut short.
fn quoted(s: &str) -> String {
    history::builder::shown_text(s, history::builder::QUOTE_CHARS)
}

/// The formulas of the command line, or a usage error.
fn formulas(args: &LtlArgs) -> Result<(Vec<Named>, String), String> {
    let many = !args.formulas.is_empty() || args.spec.is_some();
    let mut out = Vec::new();
    let stored = args.stored.test_id.is_some();
    let trace = match (many, stored, args.args.as_slice()) {
        (false, false, [f, t]) => {
            out.push(Named { name: "formula".into(), src: f.clone() });
            t.clone()
        }
        (false, false, _) => return Err("give a FORMULA and a TRACE (or formulas with -f / --spec)".into()),
        (true, false, [t]) => t.clone(),
        (true, false, _) => return Err("with -f or --spec, give only the TRACE".into()),
        (false, true, [f]) => {
            out.push(Named { name: "formula".into(), src: f.clone() });
            String::new()
        }
        (false, true, _) => return Err("with --test-id and --run-id, give only the FORMULA".into()),
        (true, true, []) => String::new(),
        (true, true, _) => return Err("with --test-id, --run-id and -f or --spec, give no FORMULA or TRACE".into()),
    };
    for f in &args.formulas {
        match f.split_once('=') {
            Some((name, src)) if !name.trim().is_empty() && !name.contains(['(', ' ', '!', '<', '>']) => {
                out.push(Named { name: name.trim().into(), src: src.into() })
            }
            _ => return Err(format!("-f wants NAME=FORMULA, got `{}`", quoted(f))),
        }
    }
    if let Some(spec) = &args.spec {
        out.extend(read_spec(spec)?.into_iter().map(|(name, src)| Named { name, src }));
        if out.is_empty() {
            return Err(format!("{}: no formulas", spec.display()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for f in &out {
        if !seen.insert(f.name.clone()) {
            return Err(format!("two formulas are named `{}`", quoted(&f.name)));
        }
    }
    Ok((out, trace))
}

/// The keys of `state` on the first line.
fn nodes_from_first_line(path: &str, mode: StateMode) -> Vec<String> {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else { return vec![] };
    let first = io::BufReader::new(f).lines().map_while(Result::ok).find(|l| !l.trim().is_empty());
    let Some(Ok(rec)) = first.map(|l| serde_json::from_str::<Json>(&l)) else { return vec![] };
    match rec.get("state") {
        Some(Json::Object(m)) => {
            m.iter().filter(|(_, v)| mode == StateMode::Full || !v.is_null()).map(|(k, _)| k.clone()).collect()
        }
        _ => vec![],
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

struct Result1 {
    name: String,
    src: String,
    outcome: Outcome,
    /// The verdict after `--end`.
    verdict: Verdict,
    /// Paths the formula reads that no record has.
    warnings: Vec<PathWarning>,
}

pub fn run(args: &LtlArgs) -> Exit {
    let (named, trace_path) = match formulas(args) {
        Ok(x) => x,
        Err(e) => {
            output::error(e);
            return Exit::BadInput;
        }
    };
    // Parse every formula first: a typo should not cost a trace read.
    let mut parsed: Vec<Formula> = Vec::new();
    for f in &named {
        let r = match args.syntax {
            SyntaxArg::Histcheck => ltl::parse::parse(&f.src),
            SyntaxArg::Detsys => ltl::detsys::parse(&f.src),
        };
        match r {
            Ok(x) => parsed.push(x),
            Err(e) => {
                let which = if named.len() > 1 { format!("formula `{}`, ", quoted(&f.name)) } else { String::new() };
                output::error(format_args!("{which}{}", e.render(&f.src)));
                return Exit::BadInput;
            }
        }
    }
    // A stored run's trace (`--test-id`/`--run-id`) is rebuilt from the store
    // and read as the JSON Lines that `histcheck runs trace` prints.
    let (file, trace_path, stored_nodes, size_hint): (Box<dyn std::io::Read>, String, Option<Vec<String>>, u64) =
        match (args.stored.test_id, args.stored.run_id) {
            (Some(test), Some(run)) => match stored_trace(args, store::RunId { test, run }) {
                Ok(x) => x,
                Err(e) => {
                    output::error(e);
                    return Exit::BadInput;
                }
            },
            _ => match std::fs::File::open(&trace_path) {
                Ok(f) => {
                    let len = f.metadata().map_or(0, |m| m.len());
                    (Box::new(f), trace_path, None, len)
                }
                Err(e) => {
                    output::error(format_args!("cannot read {trace_path}: {e}"));
                    return Exit::BadInput;
                }
            },
        };
    let state_mode = match args.state_mode {
        StateModeArg::Full => StateMode::Full,
        StateModeArg::MergePatch => StateMode::MergePatch,
    };
    let topts =
        TraceOptions { time_field: args.time_field.split('.').map(String::from).collect(), state_mode, size_hint: 0 };
    let nodes = match &args.nodes {
        Some(list) => list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        None if parsed.iter().any(ltl::compile::uses_nodes) => match &stored_nodes {
            Some(n) => n.clone(),
            None => nodes_from_first_line(&trace_path, state_mode),
        },
        None => vec![],
    };
    let end_time = match args.end_time.as_deref().map(|t| parse_end_time(t, unit_of(args.time_unit))) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            output::error(format_args!("--end-time: {e}"));
            return Exit::BadInput;
        }
    };
    let copts = CompileOptions { time_unit: unit_of(args.time_unit), nodes, end_time };
    let mut plans: Vec<Plan> = Vec::new();
    let mut paths = Vec::new();
    for (f, n) in parsed.iter().zip(&named) {
        match compile_with_paths(f, &copts, paths.clone()) {
            Ok(p) => {
                paths = p.paths.clone();
                plans.push(p);
            }
            Err(e) => {
                output::error(format_args!("formula `{}`: {}", n.name, e.0));
                return Exit::BadInput;
            }
        }
    }
    // One thread: on this project's 2-core VM, parsing pieces in parallel
    // (ltl::trace::load_parallel) did not beat the single streaming pass.
    let topts = TraceOptions { size_hint, ..topts };
    let tr = match ltl::trace::load_from(file, &paths, &topts) {
        Ok(t) => t,
        Err(e) if e.line > 0 => {
            output::error(format_args!("{trace_path}:{}: {}", e.line, e.message));
            return Exit::BadInput;
        }
        Err(e) => {
            output::error(format_args!("{trace_path}: {}", e.message));
            return Exit::BadInput;
        }
    };
    if let Some(t) = end_time {
        if t < tr.last_time() {
            output::error(format_args!(
                "--end-time {t} is before the last step's time {} ({trace_path}:{})",
                tr.last_time(),
                tr.n
            ));
            return Exit::BadInput;
        }
    }
    let mut results = Vec::new();
    for (plan, n) in plans.iter().zip(named) {
        let outcome = ltl::evaluate_with(plan, &tr, args.samples, args.budget);
        let verdict = match (outcome.verdict, args.end) {
            // An undecided verdict stays pending whatever --end says.
            (Verdict::Pending, _) if outcome.work.exhausted => Verdict::Pending,
            (Verdict::Pending, EndArg::Strict) => Verdict::Fails,
            (Verdict::Pending, EndArg::Lenient) => Verdict::Holds,
            (v, _) => v,
        };
        let warnings = ltl::absent_paths(plan, &tr);
        results.push(Result1 { name: n.name, src: n.src, outcome, verdict, warnings });
    }
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
    let status = if results.iter().any(|r| r.verdict == Verdict::Fails) {
        Exit::Violation
    } else if results.iter().any(|r| r.verdict == Verdict::Pending) {
        Exit::Inconclusive
    } else {
        Exit::Pass
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = if args.json {
        let docs: Vec<ResultDoc> = results.iter().map(|r| result_doc(r, &tr.times)).collect();
        let w = if results.len() == 1 && args.formulas.is_empty() && args.spec.is_none() {
            let result = docs.into_iter().next().expect("one result");
            serde_json::to_writer_pretty(&mut out, &SingleDoc { file: &trace_path, end_time, result })
        } else {
            serde_json::to_writer_pretty(&mut out, &ManyDoc { file: &trace_path, end_time, results: docs })
        };
        w.map_err(io::Error::from).and_then(|()| writeln!(out))
    } else if results.len() == 1 && args.formulas.is_empty() && args.spec.is_none() {
        write!(out, "{}", human(&results[0], &tr.times, end_time))
    } else {
        write_table(&mut out, &results)
    };
    output::stdout_result(written.and_then(|()| out.flush()), status)
}

/// `ltl --json` with one formula: `file`, `end_time` (only with `--end-time`),
/// then the keys of [`ResultDoc`], in this order.
#[derive(Serialize)]
struct SingleDoc<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<i64>,
    #[serde(flatten)]
    result: ResultDoc<'a>,
}

/// `ltl --json` with `-f` or `--spec`: `file`, `end_time` (only with
/// `--end-time`), `results` (one [`ResultDoc`] per formula, in order).
#[derive(Serialize)]
struct ManyDoc<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<i64>,
    results: Vec<ResultDoc<'a>>,
}

/// One formula's result: `name`, `formula`, `verdict` (after `--end`),
/// `raw_verdict`, `definite`, `first_failure` ({step, time} or null), `pending`
/// ({count, obligations} or null), `warnings` (paths no record has), `proof`,
/// `work` ({spent, budget, exhausted}: the work units of per-binding evaluation
/// and proofs, and whether `--budget` ran out, which leaves the verdict pending).
#[derive(Serialize)]
struct ResultDoc<'a> {
    name: &'a str,
    formula: &'a str,
    verdict: &'static str,
    raw_verdict: &'static str,
    definite: bool,
    first_failure: Option<AtDoc>,
    pending: Option<PendingDoc<'a>>,
    warnings: Vec<WarningDoc<'a>>,
    proof: ProofDoc<'a>,
    work: WorkDoc,
}

#[derive(Serialize)]
struct WorkDoc {
    spent: u64,
    budget: u64,
    exhausted: bool,
}

#[derive(Serialize)]
struct PendingDoc<'a> {
    count: usize,
    obligations: Vec<ObligationDoc<'a>>,
}

#[derive(Serialize)]
struct ObligationDoc<'a> {
    step: usize,
    time: i64,
    formula: &'a str,
}

/// A path the formula reads that no record has: `path`, `missing` (its first
/// prefix no record has), `closest` (an existing path at that level, or null),
/// `message`.
#[derive(Serialize)]
struct WarningDoc<'a> {
    path: &'a str,
    missing: &'a str,
    closest: Option<&'a str>,
    message: String,
}

fn result_doc<'a>(r: &'a Result1, times: &[i64]) -> ResultDoc<'a> {
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
        work: WorkDoc { spent: o.work.spent, budget: o.work.budget, exhausted: o.work.exhausted },
    }
}

fn human(r: &Result1, times: &[i64], end_time: Option<i64>) -> String {
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

fn write_table(out: &mut impl Write, results: &[Result1]) -> io::Result<()> {
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

/// A `--spec` file: `(name, formula)` for each `name: formula` line; blank lines
/// and `#` comments are skipped; anything else is an error naming the line.
pub fn read_spec(spec: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        match l.split_once(':') {
            Some((name, src)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
                out.push((name.trim().to_string(), src.trim().to_string()))
            }
            _ => return Err(format!("{}:{}: expected `name: formula`", spec.display(), k + 1)),
        }
    }
    Ok(out)
}
