//! `histcheck convert FILE --to FORMAT [-o OUT]`: rewrites a history in another format.
//!
//! Safety: OUT is never the input; OUT is written to a temporary file in its
//! directory and renamed over OUT only when the whole history was written, so a
//! failed conversion leaves OUT as it was.

use crate::cli::ConvertArgs;
use crate::input::{self, Loaded};
use crate::output::{self, Exit};
use history::History;
use parsers::{write_history, Format};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &ConvertArgs) -> Exit {
    let to: Format = args.to.into();
    let file = args.file.display().to_string();
    let out = args.output.as_deref().filter(|o| o.as_os_str() != "-");
    if let Some(out) = out {
        if let Err(msg) = check_output(&args.file, out) {
            output::error(msg);
            return Exit::BadInput;
        }
    }
    let history = match input::load(&args.file, args.format.map(Into::into)) {
        Ok(Loaded { history, .. }) => history,
        Err(e) => {
            output::eline(&e);
            return Exit::BadInput;
        }
    };
    output::print_warnings(&file, &history.warnings);
    if matches!(to, Format::Json | Format::Jsonl) {
        for c in parsers::json::lossy_constructs(&history) {
            output::eline(format_args!("warning: {file}: converting to {}: {c}", to.name()));
        }
    }
    let cannot_convert = |e: io::Error| {
        output::error(format_args!("cannot convert {file} to {}: {e}", to.name()));
        Exit::BadInput
    };
    match out {
        None => {
            // Plume cannot hold every history: find out before writing a line of it.
            if to == Format::Plume {
                if let Err(e) = write_history(&history, to, io::sink()) {
                    return cannot_convert(e);
                }
            }
            let mut w = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            let r = write_history(&history, to, &mut w).and_then(|()| w.flush());
            match r {
                Err(e) if is_data_error(&e) => cannot_convert(e),
                r => output::stdout_result(r, Exit::Pass),
            }
        }
        Some(out) => {
            let existed = out.exists();
            match write_file(&history, to, out) {
                Ok(()) => Exit::Pass,
                Err(e) if is_data_error(&e) => cannot_convert(e),
                Err(e) => {
                    let kept = if existed { format!("; {} is unchanged", out.display()) } else { String::new() };
                    output::error(format_args!("cannot write {}: {e}{kept}", out.display()));
                    Exit::BadInput
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
fn check_output(input: &Path, out: &Path) -> Result<(), String> {
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

pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ca), Ok(cb)) = (fs::canonicalize(a), fs::canonicalize(b)) {
        if ca == cb {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Writes the history to `out` through a temporary file in the same directory
/// and a rename. A symlink OUT keeps its link: its target is replaced. An OUT that
/// exists and is not a regular file (a device, a FIFO) is written directly, never
/// renamed over.
fn write_file(h: &History, to: Format, out: &Path) -> io::Result<()> {
    let meta = fs::metadata(out).ok();
    if let Some(m) = &meta {
        if !m.is_file() {
            if to == Format::Plume {
                write_history(h, to, io::sink())?;
            }
            let mut w = BufWriter::new(OpenOptions::new().write(true).open(out)?);
            write_history(h, to, &mut w)?;
            return w.flush();
        }
    }
    let target: PathBuf = if meta.is_some() { fs::canonicalize(out)? } else { out.to_path_buf() };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let (tmp_path, tmp) = create_temp(&dir, &base)?;
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 16, tmp);
        write_history(h, to, &mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        if let Some(m) = &meta {
            fs::set_permissions(&tmp_path, m.permissions())?;
        }
        fs::rename(&tmp_path, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

/// A new, empty file `.BASE.histcheck-PID-N.tmp` in `dir`, never an existing one.
pub(crate) fn create_temp(dir: &Path, base: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let p = dir.join(format!(".{base}.histcheck-{pid}-{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}
