//! `histcheck stats FILE…`: summary counts of each history.

use crate::cli::StatsArgs;
use crate::error::Result;
use crate::input::{self, Loaded};
use crate::output::{self, count, nanos, Exit};
use comfy_table::modifiers::UTF8_ROUND_CORNERS;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use history::Stats;
use parsers::report::{FileStats, Located, StatsDoc};
use std::io::{self, Write};

/// Summarises each file; one that cannot be read is reported (and in
/// `--json`, as its entry) and the next one read, and the exit code is 2.
pub fn run(args: &StatsArgs) -> Result {
    let format = args.input.format.map(Into::into);
    let mut status = Exit::Pass;
    let mut reports = Vec::with_capacity(args.files.len());
    let mut out = io::stdout().lock();
    let mut written: io::Result<()> = Ok(());
    for (i, path) in args.files.iter().enumerate() {
        let file = input::display_name(path);
        match input::load(path, format) {
            Ok(Loaded { history, format }) => {
                let stats = history.stats();
                if !args.json && written.is_ok() {
                    // Tables go out file by file, each followed by its warnings.
                    written = write_table(&mut out, i, &file, format.name(), &stats).and_then(|()| out.flush());
                }
                output::print_warnings(&file, &history.warnings);
                reports.push(FileStats::Read {
                    file,
                    format: format.name(),
                    stats,
                    warnings: history.warnings.iter().map(Located::from).collect(),
                });
            }
            Err(e) => {
                output::eline(&e);
                status = Exit::BadInput;
                reports.push(FileStats::Failed { file, error: Located::from(&e) });
            }
        }
        if written.is_err() {
            // Stdout is gone (e.g. `| head`): the rest would be written nowhere.
            break;
        }
    }
    if args.json && written.is_ok() {
        let report = StatsDoc { files: reports };
        written = serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
    }
    Ok(output::stdout_result(written, status))
}

fn write_table(out: &mut impl Write, i: usize, file: &str, format: &str, s: &Stats) -> io::Result<()> {
    if i > 0 {
        writeln!(out)?;
    }
    writeln!(out, "{file} ({format})")?;
    writeln!(out, "{}", table(s))
}

fn table(s: &Stats) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .apply_modifier(UTF8_ROUND_CORNERS)
        // No wrapping to the terminal width: the same input gives the same bytes.
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec!["", "count", "detail"]);
    let o = &s.ops_by_type;
    let x = &s.transactions;
    let m = &s.micro_ops;
    t.add_row(vec![
        "ops".to_string(),
        count(s.ops),
        format!("invoke {}, ok {}, fail {}, info {}", count(o.invoke), count(o.ok), count(o.fail), count(o.info)),
    ]);
    t.add_row(vec!["  client ops".to_string(), count(s.client_ops), "ops of integer processes".to_string()]);
    t.add_row(vec![
        "  other ops".to_string(),
        count(s.other_ops),
        "nemesis or no process; ignored by checkers".to_string(),
    ]);
    t.add_row(vec![
        "transactions".to_string(),
        count(x.total),
        format!("ok {}, fail {}, info {}, pending {}", count(x.ok), count(x.fail), count(x.info), count(x.pending)),
    ]);
    t.add_row(vec!["processes".to_string(), count(s.processes), "client processes".to_string()]);
    t.add_row(vec!["keys".to_string(), count(s.keys), String::new()]);
    t.add_row(vec![
        "micro-ops".to_string(),
        count(m.append + m.r + m.w),
        format!("append {}, r {}, w {}", count(m.append), count(m.r), count(m.w)),
    ]);
    t.add_row(vec!["read elements".to_string(), count(s.read_elements), "in all read lists".to_string()]);
    match &s.time {
        Some(span) => t.add_row(vec![
            "time span".to_string(),
            nanos(span.span_ns),
            format!("from {} to {}", nanos(span.min_ns), nanos(span.max_ns)),
        ]),
        None => t.add_row(vec!["time span".to_string(), "-".to_string(), "no op has a :time".to_string()]),
    };
    if let Some(c) = t.column_mut(1) {
        c.set_cell_alignment(CellAlignment::Right);
    }
    t
}
