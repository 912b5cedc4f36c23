//! `histcheck gen list-append|rw-register|trace`: histories from the simulated
//! store of [`sim`], and state traces.
//!
//! EDN, JSON and JSON Lines are streamed straight from the simulation to the
//! output ([`parsers::stream::OpWriter`]); Plume text goes through a
//! [`history::History`] and `write_history`. Files are written to a temporary
//! file and renamed into place, as `convert` does, and `-o` and `--expect` must
//! differ.

use crate::cli::{GenArgs, GenCommand, HistGenArgs, TraceGenArgs, TraceKindArg};
use crate::error::{Error, Result};
use crate::files::{commit, same_file, stage};
use crate::output::{self, Exit};
use parsers::stream::OpWriter;
use parsers::{write_history, Format};
use serde::Serialize;
use sim::trace::{self as simtrace, TraceConfig, TraceKind, Violations};
use sim::{self, SimConfig, Workload};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &GenArgs) -> Result {
    match &args.what {
        GenCommand::ListAppend(a) => history_cmd(a, Workload::ListAppend),
        GenCommand::RwRegister(a) => history_cmd(a, Workload::RwRegister),
        GenCommand::Trace(a) => trace_cmd(a),
    }
}

/// `-o` minus `-` (stdout).
fn out_path(o: &Option<PathBuf>) -> Option<&Path> {
    o.as_deref().filter(|o| o.as_os_str() != "-")
}

fn check_outputs(out: Option<&Path>, expect: Option<&Path>) -> Result<()> {
    for p in out.iter().chain(expect.iter()) {
        if p.is_dir() {
            return Err(Error::msg(format_args!("cannot write {}: it is a directory", p.display())));
        }
    }
    if let (Some(o), Some(e)) = (out, expect) {
        if o == e || same_file(o, e) {
            return Err(Error::msg(format_args!("-o and --expect are the same file ({}): choose two", o.display())));
        }
    }
    Ok(())
}

fn history_cmd(a: &HistGenArgs, workload: Workload) -> Result {
    let cfg = SimConfig {
        workload,
        txns: a.txns,
        processes: a.processes,
        keys: a.keys,
        mops: a.mops,
        seed: a.seed,
        isolation: a.isolation.into(),
        faults: a.faults,
        max_writes_per_key: a.max_writes_per_key,
        ..SimConfig::default()
    };
    cfg.validate().map_err(Error::msg)?;
    let out = out_path(&a.out.output);
    check_outputs(out, a.expect.as_deref())?;
    let format: Format = match (a.format, out.and_then(Format::from_path)) {
        (Some(f), _) => f.into(),
        (None, Some(f)) => f,
        (None, None) => Format::Edn,
    };
    if format == Format::Plume && (workload != Workload::RwRegister || cfg.faults.crash > 0.0) {
        return Err(Error::msg("Plume text holds only rw-register histories without :info ops: use --format edn, json or jsonl, or gen rw-register without crash faults"));
    }
    let generate = |w: &mut dyn Write| -> io::Result<Vec<sim::Injected>> {
        if format == Format::Plume {
            let s = sim::simulate(&cfg);
            write_history(&s.history, format, &mut *w)?;
            return Ok(s.injected);
        }
        let mut ow = OpWriter::new(format, w)?;
        let injected = sim::run(&cfg, &mut ow)?;
        ow.finish()?;
        Ok(injected)
    };
    let expected = |injected: &[sim::Injected]| Some(sim::expected(&cfg, injected));
    emit(out, a.expect.as_deref(), &cfg, generate, expected)
}

fn trace_cmd(a: &TraceGenArgs) -> Result {
    let props = simtrace::parse_rates(&a.props, "proposition").map_err(|e| Error::msg(format_args!("--props: {e}")))?;
    let violations = Violations::parse(&a.violations).map_err(|e| Error::msg(format_args!("--violations: {e}")))?;
    let kind = match a.kind {
        TraceKindArg::Props => TraceKind::Props,
        TraceKindArg::Cluster => TraceKind::Cluster,
    };
    if kind == TraceKind::Cluster && a.nodes == 0 {
        return Err(Error::msg("--nodes must be at least 1"));
    }
    if kind == TraceKind::Props && violations != Violations::default() {
        return Err(Error::msg("--violations are for --kind cluster; props traces have no violations to inject"));
    }
    let cfg =
        TraceConfig { kind, steps: a.steps, seed: a.seed, props, nodes: a.nodes, violations, ..TraceConfig::default() };
    let out = out_path(&a.out.output);
    check_outputs(out, a.expect.as_deref())?;
    let generate = |w: &mut dyn Write| -> io::Result<Vec<simtrace::InjectedViolation>> {
        let mut bw = BufWriter::with_capacity(1 << 20, w);
        let injected = simtrace::generate(&cfg, |rec| {
            serde_json::to_writer(&mut bw, rec)?;
            bw.write_all(b"\n")
        })?;
        bw.flush()?;
        Ok(injected)
    };
    emit(out, a.expect.as_deref(), &cfg, generate, |_| None)
}

/// Writes what `generate` produces to `out` (stdout when `None`), then the
/// `--expect` sidecar: the configuration, what was injected and, for
/// histories, the anomaly types a checker should report under each model the
/// store guarantees (`expected`, from [`sim::expected`]). With `-o`, both
/// files are written to temporary files first and renamed into place together:
/// both or neither.
fn emit<T: Serialize>(
    out: Option<&Path>,
    expect: Option<&Path>,
    cfg: &impl Serialize,
    generate: impl FnOnce(&mut dyn Write) -> io::Result<Vec<T>>,
    expected: impl FnOnce(&[T]) -> Option<sim::Expected>,
) -> Result {
    let cannot = |p: &Path, e: io::Error| Error::msg(format_args!("cannot write {}: {e}", p.display()));
    let mut staged = Vec::new();
    let injected = match out {
        None => match generate(&mut io::stdout().lock()) {
            Ok(i) => i,
            Err(e) => return Ok(output::stdout_result(Err(e), Exit::Pass)),
        },
        Some(path) => {
            let mut injected = Vec::new();
            match stage(path, |f| {
                injected = generate(f)?;
                Ok(())
            }) {
                Ok(s) => staged.push(s),
                Err(e) => return Err(cannot(path, e)),
            }
            injected
        }
    };
    if let Some(expect) = expect {
        let doc = sim::Sidecar { config: cfg, injected: &injected, expected: expected(&injected) };
        match stage(expect, |f| {
            let mut w = BufWriter::new(f);
            serde_json::to_writer_pretty(&mut w, &doc)?;
            w.write_all(b"\n")?;
            w.flush()
        }) {
            Ok(s) => staged.push(s),
            Err(e) => {
                let left = match out {
                    Some(o) => format!("; {} was not written either", o.display()),
                    None => String::new(),
                };
                return Err(Error::msg(format_args!("cannot write {}: {e}{left}", expect.display())));
            }
        }
    }
    if let Err(e) = commit(staged) {
        let what = match (out, expect) {
            (Some(o), Some(x)) => format!("{} and {}", o.display(), x.display()),
            (Some(o), None) => o.display().to_string(),
            (None, Some(x)) => x.display().to_string(),
            (None, None) => String::new(),
        };
        return Err(Error::msg(format_args!("cannot write {what}: {e}; nothing was replaced")));
    }
    Ok(Exit::Pass)
}
