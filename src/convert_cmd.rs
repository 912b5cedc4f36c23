//! `histcheck convert FILE --to FORMAT [-o OUT]`: rewrites a history in another format.
//!
//! Safety: OUT is never the input; OUT is written to a temporary file in its
//! directory and renamed over OUT only when the whole history was written, so a
//! failed conversion leaves OUT as it was.

use crate::cli::ConvertArgs;
use crate::error::{Error, Result};
use crate::files::{same_file, write_atomically};
use crate::input;
use crate::output::{self, Exit};
use history::History;
use parsers::{write_history, Format};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub fn run(args: &ConvertArgs) -> Result {
    let to: Format = args.to.into();
    let file = input::display_name(&args.file);
    let out = args.output.as_deref().filter(|o| o.as_os_str() != "-");
    if let Some(out) = out {
        check_output(&args.file, out).map_err(Error::msg)?;
    }
    let history = input::load(&args.file, args.input.format.map(Into::into))?.history;
    output::print_warnings(&file, &history.warnings);
    if matches!(to, Format::Json | Format::Jsonl) {
        for c in parsers::json::lossy_constructs(&history) {
            output::eline(format_args!("warning: {file}: converting to {}: {c}", to.name()));
        }
    }
    let cannot_convert = |e: io::Error| Error::msg(format_args!("cannot convert {file} to {}: {e}", to.name()));
    match out {
        None => {
            // Plume cannot hold every history: find out before writing a line of it.
            if to == Format::Plume {
                write_history(&history, to, io::sink()).map_err(cannot_convert)?;
            }
            let mut w = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            let r = write_history(&history, to, &mut w).and_then(|()| w.flush());
            match r {
                Err(e) if is_data_error(&e) => Err(cannot_convert(e)),
                r => Ok(output::stdout_result(r, Exit::Pass)),
            }
        }
        Some(out) => {
            let existed = out.exists();
            match write_file(&history, to, out) {
                Ok(()) => Ok(Exit::Pass),
                Err(e) if is_data_error(&e) => Err(cannot_convert(e)),
                Err(e) => {
                    let kept = if existed { format!("; {} is unchanged", out.display()) } else { String::new() };
                    Err(Error::msg(format_args!("cannot write {}: {e}{kept}", out.display())))
                }
            }
        }
    }
}

/// A writer refusing the history (e.g. list-append as Plume), as opposed to an I/O failure.
fn is_data_error(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput)
}

/// Refuses an OUT that is the input file (by any path: `./`, symlinks, hard links)
/// or a directory.
fn check_output(input: &Path, out: &Path) -> std::result::Result<(), String> {
    if same_file(input, out) {
        return Err(format!(
            "refusing to write {} over the input file {}: choose another output",
            out.display(),
            input.display()
        ));
    }
    if out.is_dir() {
        return Err(format!("cannot write {}: it is a directory", out.display()));
    }
    Ok(())
}

/// Writes the history to `out` with [`write_atomically`]. Plume cannot hold every
/// history: for an `out` that is not a regular file (written directly), find
/// out before writing a line of it.
fn write_file(h: &History, to: Format, out: &Path) -> io::Result<()> {
    if to == Format::Plume && fs::metadata(out).is_ok_and(|m| !m.is_file()) {
        write_history(h, to, io::sink())?;
    }
    write_atomically(out, |f| {
        let mut w = BufWriter::with_capacity(1 << 16, f);
        write_history(h, to, &mut w)?;
        w.flush()
    })
}
