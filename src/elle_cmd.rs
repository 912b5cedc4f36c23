//! `histcheck elle FILE`: checks a transactional history as Jepsen's Elle does.
//!
//! Exit codes: 0 valid, 1 invalid, 3 unknown, 2 bad input or usage; with
//! several files the worst of them, ranked 2 > 1 > 3 > 0.

use crate::cli::{ElleArgs, ModelArg};
use crate::elle_render::{cycle_dot, explain, index};
use crate::error::{Error, Result};
use crate::input::{self, Loaded};
use crate::output::{self, count, Exit};
use checker::check::{Options, Report};
use checker::elle::{self, Locate, Request};
use checker::lattice::{self, Validity};
use checker::report_json::{Document, FileResult, FilesDocument};
use checker::Anomaly;
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use history::{History, SrcPos};
use indicatif::ProgressBar;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// `--txn-order FILE`: completion `:index`es in commit order, one per line
/// (blank lines and lines starting with `#` or `;` are ignored).
fn read_txn_order(path: &Path) -> std::result::Result<Vec<u64>, String> {
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

/// The exit status of a verdict.
pub fn status_of(v: Validity) -> Exit {
    match v {
        Validity::True => Exit::Pass,
        Validity::False => Exit::Violation,
        Validity::Unknown => Exit::Inconclusive,
    }
}

/// Where a checked history's report goes.
enum Sink<'a> {
    /// Stdout: the document with --json, else the human report.
    Print,
    /// Collected into one document (`--json` with several files).
    Collect(&'a mut Vec<FileResult>),
}

/// elle-cli's options that histcheck refuses, with the reason and what to use.
fn refused_options(args: &ElleArgs) -> Option<&'static str> {
    if args.cycle_search_timeout.is_some() {
        return Some(
            "--cycle-search-timeout (-s) is elle-cli's wall-clock limit on the cycle search; histcheck has none, so that the same history gives the same verdict on every machine and every run. Its search is bounded by work instead: use --budget N (path extensions per component and cycle type; when it runs out the verdict is unknown and says so)",
        );
    }
    if args.plot_timeout.is_some() {
        return Some(
            "--plot-timeout (-t) is elle-cli's wall-clock limit on plotting; histcheck does not time anything (the output would depend on the machine). -d DIR writes every cycle's plot as DOT, and as SVG when Graphviz's dot is installed",
        );
    }
    None
}

pub fn run(args: &ElleArgs) -> Result {
    if let Some(msg) = refused_options(args) {
        return Err(Error::msg(msg));
    }
    if args.list_models {
        return Ok(list_models(args.json));
    }
    if args.files.is_empty() {
        return run_stored(args);
    }
    if args.files.iter().filter(|p| input::is_stdin(p)).count() > 1 {
        return Err(Error::msg("standard input (-) can be read only once: name it once among the files"));
    }
    let several = args.files.len() > 1;
    if several && args.txn_order.is_some() {
        return Err(Error::msg("--txn-order gives the commit order of one history: check one file with it"));
    }
    let mut status = Exit::Pass;
    let mut docs = Vec::new();
    for (i, path) in args.files.iter().enumerate() {
        if several && !args.json && i > 0 {
            // A blank line between the reports of two files.
            let mut out = io::stdout().lock();
            let r = writeln!(out).and_then(|_| out.flush());
            if r.is_err() {
                return Ok(output::stdout_result(r, status));
            }
        }
        let dir = args.directory.as_ref().map(|d| {
            if several {
                let name = path.file_name().map_or("stdin".into(), |n| n.to_string_lossy().into_owned());
                d.join(format!("{}-{}", i + 1, if input::is_stdin(path) { "stdin".into() } else { name }))
            } else {
                d.clone()
            }
        });
        let sink = if several && args.json { Sink::Collect(&mut docs) } else { Sink::Print };
        // A file that cannot be checked is reported, and the next one checked.
        let checked = check_file(args, path, dir.as_deref(), sink).unwrap_or_else(|e| {
            e.report();
            if several && args.json {
                let error = match e {
                    Error::Msg(m) | Error::Raw(m) => m,
                };
                docs.push(FileResult::Failed { file: input::display_name(path), error });
            }
            Exit::BadInput
        });
        status = status.worst(checked);
    }
    if several && args.json {
        let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
        let written = serde_json::to_writer_pretty(&mut out, &FilesDocument { files: docs })
            .map_err(io::Error::from)
            .and_then(|_| writeln!(out))
            .and_then(|_| out.flush());
        return Ok(output::stdout_result(written, status));
    }
    Ok(status)
}

/// Reads and checks one file of `elle FILE…`.
fn check_file(args: &ElleArgs, path: &Path, dir: Option<&Path>, sink: Sink<'_>) -> Result {
    let file = input::display_name(path);
    let t0 = Instant::now();
    let Loaded { history: h, .. } = input::load(path, args.format.map(Into::into))?;
    let read_ms = t0.elapsed().as_millis() as u64;
    output::print_warnings(&file, &h.warnings);
    let locate = |p: SrcPos| format!("{file}:{}:{}", p.line, p.col);
    check_and_print(args, &file, &locate, h, read_ms, false, dir, sink, |_| {})
}

/// `histcheck elle --db DB --test-id T --run-id R`: the run's history, rebuilt
/// as detsys's checker does, checked like a file (and nothing is written).
fn run_stored(args: &ElleArgs) -> Result {
    let (Some(test), Some(run)) = (args.stored.test_id, args.stored.run_id) else {
        return Err(Error::msg("give a history FILE, or --test-id and --run-id of a stored run"));
    };
    let id = store::RunId { test, run };
    let flavor = match args.model {
        Some(ModelArg::RwRegister) => store::Flavor::RwRegister,
        _ => store::Flavor::ListAppend,
    };
    let t0 = Instant::now();
    let loaded = store::db_path(args.stored.db.as_deref())
        .and_then(|p| store::Store::open(&p, false, store::DEFAULT_BUSY_MS))
        .and_then(|s| s.load_history(id, flavor).map(|h| (s.name().to_string(), h)));
    let (db, stored) = loaded.map_err(Error::msg)?;
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
    // As detsys's checker: a stored rw-register run's one key is linearizable.
    let linearizable = flavor == store::Flavor::RwRegister;
    check_and_print(args, &title, &locate, h, read_ms, linearizable, args.directory.as_deref(), Sink::Print, |doc| {
        doc.file = db.clone();
        doc.test_id = Some(test);
        doc.run_id = Some(run);
    })
}

/// Checks, then writes the directory `dir`, and the document or the human
/// report (which starts with `title`) to `sink`. An error is the caller's to
/// report (and to collect, with several files).
#[allow(clippy::too_many_arguments)]
fn check_and_print(
    args: &ElleArgs,
    title: &str,
    locate: &Locate<'_>,
    h: History,
    read_ms: u64,
    linearizable_keys: bool,
    dir: Option<&Path>,
    sink: Sink<'_>,
    amend: impl FnOnce(&mut Document),
) -> Result {
    if let Some(dir) = dir {
        // Before the check: refuse a DIR that cannot be written without spending the work.
        check_directory(dir, args.force).map_err(Error::msg)?;
    }
    // A --txn-order file that cannot be read is reported after the refusals
    // of `prepare` (they come first, as they do not depend on it).
    let (txn_order, txn_order_error) = match args.txn_order.as_deref().map(read_txn_order) {
        None => (None, None),
        Some(Ok(order)) => (Some(order), None),
        Some(Err(e)) => (Some(Vec::new()), Some(e)),
    };
    let req = Request {
        workload: args.model.map(Into::into),
        consistency_models: args.consistency_models.clone(),
        anomalies: args.anomalies.clone(),
        budget: args.budget,
        info_reads: args.info_reads,
        wfr_keys: args.wfr_keys,
        sequential_keys: args.sequential_keys,
        linearizable_keys: args.linearizable_keys || linearizable_keys,
        txn_order,
        read_ms: args.timings.then_some(read_ms),
    };
    let prepared = elle::prepare(title, locate, h, &req).map_err(|e| Error::msg(e.message))?;
    if let Some(e) = txn_order_error {
        return Err(Error::msg(e));
    }
    let c = prepared.check().map_err(|e| Error::msg(e.message))?;
    let mut doc = c.document;
    amend(&mut doc);
    let status = status_of(c.report.valid);
    if let Some(dir) = dir {
        write_directory(dir, c.history, &c.report, &doc, args).map_err(Error::msg)?;
    }
    if let Sink::Collect(docs) = sink {
        docs.push(FileResult::Checked(Box::new(doc)));
        return Ok(status);
    }
    // Buffered: stdout alone is line-buffered, a write call per line.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &doc).map_err(io::Error::from).and_then(|_| writeln!(out))
    } else {
        write_human(&mut out, title, c.workload.name(), c.history, c.options, &c.report, args.explain)
    };
    Ok(output::stdout_result(written.and_then(|_| out.flush()), status))
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

/// `--list-models`: every model and anomaly name, as a table or (`--json`)
/// the catalog document.
fn list_models(json: bool) -> Exit {
    let c = lattice::catalog();
    if json {
        return output::print_json(&c, Exit::Pass);
    }
    let mut text = String::new();
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).apply_modifier(UTF8_ROUND_CORNERS);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(vec!["model (-c)", "same as", "can be ruled out"]);
    for m in &c.models {
        let can = if m.can_rule_out { "yes" } else { "no (below)" };
        t.add_row(vec![m.name.to_string(), m.aliases.join(", "), can.to_string()]);
    }
    let _ = writeln!(text, "{t}");
    text.push_str("Asking for a model that cannot be ruled out gives `unknown` (exit 3), never `valid`:\n");
    for m in c.models.iter().filter(|m| !m.can_rule_out) {
        let _ = writeln!(text, "  {}: {}", m.name, m.note.unwrap_or(""));
    }
    text.push('\n');
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).apply_modifier(UTF8_ROUND_CORNERS);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(vec!["anomaly (-a)", "found in", "rules out"]);
    for a in &c.anomalies {
        let found = if a.detectable_in.is_empty() { "-".to_string() } else { a.detectable_in.join(", ") };
        let rules = if a.inconclusive {
            "nothing: the verdict is unknown".to_string()
        } else if a.rules_out.is_empty() {
            "-".to_string()
        } else {
            a.rules_out.join(", ")
        };
        let name = if a.histcheck_only { format!("{} (histcheck's own)", a.name) } else { a.name.to_string() };
        t.add_row(vec![name, found, rules]);
    }
    let _ = writeln!(text, "{t}");
    text.push_str("`none` asks for no model (only the anomalies given with -a); next to models it is ignored.\n");
    output::print_text(&text, Exit::Pass)
}

/// The requested models and anomalies this checker cannot decide, each with
/// what it would take.
fn write_unchecked(out: &mut impl Write, r: &Report<'_>) -> io::Result<()> {
    for u in &r.unchecked {
        writeln!(out, "  Not checked: {} {}: {}.", u.what, u.name, u.note)?;
    }
    Ok(())
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
        if r.valid == Validity::True {
            writeln!(out, "Valid: no anomaly that these models prohibit was found.")?;
        } else {
            writeln!(out, "Unknown: no anomaly that these models prohibit was found, but not everything asked for could be checked.")?;
            write_unchecked(out, r)?;
        }
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
            write_unchecked(out, r)?;
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

/// The file every `-d` directory holds: an existing DIR with it is an earlier
/// output, replaced without `--force`.
const MARKER: &str = ".histcheck-elle";

/// Whether `dir` may be (re)placed: absent, an empty directory, an earlier
/// output, or anything with `--force`; never a symlink or a non-directory.
fn check_directory(dir: &Path, force: bool) -> std::result::Result<(), String> {
    let d = dir.display();
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot write to {d}: {e}")),
    };
    if meta.file_type().is_symlink() {
        return Err(format!("cannot write to {d}: it is a symbolic link; give the directory itself (-d writes a new directory and renames it into place)"));
    }
    if !meta.is_dir() {
        return Err(format!("cannot write to {d}: it exists and is not a directory; give -d a directory to create (or an earlier output to replace)"));
    }
    let mut entries = fs::read_dir(dir).map_err(|e| format!("cannot write to {d}: {e}"))?;
    if force || entries.next().is_none() {
        return Ok(());
    }
    if fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    Err(format!("cannot write to {d}: it is not empty and is not an earlier output of elle -d; choose another directory, or add --force to replace it (what is in it is removed)"))
}

/// A new file in the fresh temporary directory (never an existing file or a link).
fn create(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)
}

/// Writes the directory whole into `.<DIR>.histcheck-PID-N.tmp` beside it, then
/// puts it in place: a rename, or (replacing an earlier DIR) an atomic exchange
/// of the two (Linux's `renameat2`; elsewhere two renames) and the old one removed.
/// Interrupted, the temporary directory is removed.
fn write_directory(
    dir: &Path,
    h: &History,
    r: &Report<'_>,
    doc: &Document,
    args: &ElleArgs,
) -> std::result::Result<(), String> {
    let d = dir.display();
    check_directory(dir, args.force)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| format!("cannot write to {d}: {}: {e}", parent.display()))?;
    let base = dir.file_name().map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let mut n = 0u32;
    let tmp = loop {
        let t = parent.join(format!(".{base}.histcheck-{}-{n}.tmp", std::process::id()));
        match fs::create_dir(&t) {
            Ok(()) => break t,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(format!("cannot write to {d}: cannot create {}: {e}", t.display())),
        }
    };
    let _reg = crate::cleanup::register(tmp.clone());
    let written = fill_directory(&tmp, dir, h, r, doc, args.max_plots).and_then(|()| install_directory(&tmp, dir));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(format!("cannot write to {d}: {e}; {d} is unchanged"));
    }
    Ok(())
}

/// Puts `tmp` in place of `dir`; what was at `dir` ends up at `tmp`, removed.
fn install_directory(tmp: &Path, dir: &Path) -> io::Result<()> {
    let hold = crate::cleanup::hold();
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(tmp, dir);
    }
    if !exchange(tmp, dir) {
        // Two renames: the old directory aside, the new one in, the old one back on failure.
        let aside = tmp.with_extension("old");
        fs::rename(dir, &aside)?;
        if let Err(e) = fs::rename(tmp, dir) {
            let _ = fs::rename(&aside, dir);
            return Err(e);
        }
        fs::rename(&aside, tmp)?;
    }
    drop(hold);
    fs::remove_dir_all(tmp)
}

/// Swaps two paths atomically where the system can (Linux).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (CString::new(a.as_os_str().as_bytes()), CString::new(b.as_os_str().as_bytes())) else {
        return false;
    };
    // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
    unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Fewer plots than this are written without a progress bar.
const PROGRESS_MIN_PLOTS: u64 = 20;

/// A bar on stderr while `n` plots are written, only when stderr is a
/// terminal and there are enough of them to wait for.
fn plot_progress(n: u64, dir: &Path) -> ProgressBar {
    if n < PROGRESS_MIN_PLOTS {
        return ProgressBar::hidden();
    }
    let bar = output::bar(n, "{msg} [{bar:40.cyan/blue}] {pos}/{len} eta {eta}");
    bar.set_message(format!("plotting cycles into {}", dir.display()));
    bar
}

/// `result.json`, `<type>.txt` for every reported type, and `<type>/<i>.dot`
/// (plus `.svg` when Graphviz is installed) for the first `max_plots` cycles.
fn fill_directory(
    tmp: &Path,
    dir: &Path,
    h: &History,
    r: &Report<'_>,
    doc: &Document,
    max_plots: u64,
) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(doc).map_err(io::Error::from)?;
    text.push('\n');
    create(&tmp.join("result.json"), text.as_bytes())?;
    create(&tmp.join(MARKER), b"written by histcheck elle -d; replaced by the next run\n")?;
    let total_cycles: u64 =
        r.anomalies.values().flat_map(|l| l.iter()).filter(|a| matches!(a, Anomaly::Cycle { .. })).count() as u64;
    let have_dot = total_cycles > 0
        && max_plots > 0
        && Command::new("dot")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if total_cycles > 0 && max_plots > 0 && !have_dot {
        output::eline(format_args!(
            "note: {}: Graphviz's dot is not on the PATH: the cycle plots are DOT files only (no .svg)",
            dir.display()
        ));
    }
    let mut plotted = 0u64;
    let mut svg_failed = 0u64;
    let bar = plot_progress(total_cycles.min(max_plots), dir);
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
        create(&tmp.join(format!("{stem}.txt")), t.as_bytes())?;
        let cycles: Vec<_> = list
            .iter()
            .filter_map(|a| match a {
                Anomaly::Cycle { cycle, .. } => Some(cycle),
                _ => None,
            })
            .collect();
        if cycles.is_empty() || plotted >= max_plots {
            continue;
        }
        let sub = tmp.join(&stem);
        fs::create_dir(&sub)?;
        for (i, c) in cycles.iter().enumerate() {
            if plotted >= max_plots {
                break;
            }
            plotted += 1;
            bar.inc(1);
            let first = c.txns().first().map(|&t| index(h, t)).unwrap_or(0);
            let dot = cycle_dot(h, c, &format!("{ty} #{} (from op {first})", i + 1));
            let path = sub.join(format!("{}.dot", i + 1));
            create(&path, dot.as_bytes())?;
            if have_dot {
                let ok = Command::new("dot")
                    .arg("-Tsvg")
                    .arg("-o")
                    .arg(sub.join(format!("{}.svg", i + 1)))
                    .arg(&path)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    svg_failed += 1;
                }
            }
        }
    }
    bar.finish_and_clear();
    if plotted < total_cycles {
        output::eline(format_args!(
            "note: {}: plotted {plotted} of {total_cycles} cycles (--max-plots {max_plots}); every anomaly is in result.json and the .txt files",
            dir.display()
        ));
    }
    if svg_failed > 0 {
        output::eline(format_args!("note: {}: dot failed on {svg_failed} plots: they have no .svg", dir.display()));
    }
    Ok(())
}
