//! Reading a history file: the format (flag, extension, content) and a progress
//! bar for big files on a terminal.

use history::{History, SrcPos};
use indicatif::ProgressBar;
use parsers::{read_history, read_history_from_file, Format, InputError, Parallel, ReadOptions};
use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;

/// Files over this size get a progress bar (when stderr is a terminal).
pub const PROGRESS_MIN_BYTES: u64 = 50 * 1000 * 1000;

/// How many bytes of the head the format is sniffed from (as `parsers` does).
const SNIFF_BYTES: usize = 256;

pub struct Loaded {
    pub history: History,
    /// The format the file was read as.
    pub format: Format,
}

/// Reads a history: the format is `format`, else by extension, else sniffed from
/// the content. Every failure is an [`InputError`] naming the file.
///
/// The file is opened once and its head is read for sniffing then handed on to
/// the reader, so a pipe (`/dev/stdin`) works as well as a regular file; a big
/// regular file is read on all cores (see [`parsers::read_history_from_file`]).
pub fn load(path: &Path, format: Option<Format>) -> Result<Loaded, InputError> {
    if is_stdin(path) {
        return load_stdin(format);
    }
    let name = path.display().to_string();
    let io_err = |e: io::Error| InputError::io(&name, &e);
    let mut file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::other("it is a directory")));
    }
    let head = read_head(&mut file).map_err(io_err)?;
    let detected = format.or_else(|| Format::from_path(path)).or_else(|| Format::sniff(&head));
    let bar = progress_bar(&name, meta.len());
    let mut tick = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let opts = ReadOptions {
        // None only when nothing matched: the reader sniffs the same head and
        // explains what it expected.
        format: detected,
        progress: if bar.is_some() { Some(&mut tick) } else { None },
        parallel: Parallel::Auto,
    };
    // A regular file is read again from its start, in parallel when it is big;
    // anything else (a pipe) goes on after the head.
    let result = if meta.is_file() {
        read_history_from_file(file, &name, None, opts)
    } else {
        read_history(io::Cursor::new(head).chain(file), &name, None, opts)
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let history = result?;
    match detected {
        Some(format) => Ok(Loaded { history, format }),
        None => Err(InputError::at(
            &name,
            SrcPos { line: 1, col: 1 },
            "cannot tell the format from the name or the content; use --format".to_string(),
            String::new(),
        )),
    }
}

/// The name messages give standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether a FILE argument is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The name of a FILE argument in messages and documents: `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads a history from standard input (`-`): the format is `format`, else
/// sniffed from the first bytes (there is no extension to go by).
fn load_stdin(format: Option<Format>) -> Result<Loaded, InputError> {
    let name = STDIN_NAME;
    let mut stdin = io::stdin().lock();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut stdin).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(|e| InputError::io(name, &e))?;
    let detected = format.or_else(|| Format::sniff(&head));
    let opts = ReadOptions { format: detected, progress: None, parallel: Parallel::Auto };
    let history = read_history(io::Cursor::new(head).chain(stdin), name, None, opts)?;
    match detected {
        Some(format) => Ok(Loaded { history, format }),
        None => Err(InputError::at(
            name,
            SrcPos { line: 1, col: 1 },
            "cannot tell the format from the content; use --format".to_string(),
            String::new(),
        )),
    }
}

/// Up to the first [`SNIFF_BYTES`] bytes.
fn read_head(file: &mut File) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A bar on stderr for a big file, only when stderr is a terminal.
fn progress_bar(name: &str, len: u64) -> Option<ProgressBar> {
    if len <= PROGRESS_MIN_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = crate::output::bar(len, "{msg} [{bar:40.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}");
    bar.set_message(format!("reading {name}"));
    Some(bar)
}
