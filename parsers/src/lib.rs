//! Everything that ingests or writes histories: Jepsen EDN, elle-cli JSON, JSON
//! Lines and Plume text. Readers stream: they hand one op map at a time to a
//! [`history::HistoryBuilder`] and never hold a document tree of the whole file.
//!
//! Every error names the file, line and column, says what was expected and what
//! was found, and shows the line (see [`InputError`]).
//!
//! # Example
//!
//! [`read_history`] reads any format (here told, else guessed from the name or
//! the content); [`write_history`] writes one.
//!
//! ```
//! use parsers::{read_history, write_history, Format, ReadOptions};
//!
//! let edn = "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append 1 2] [:r 1 nil]]}
//! {:index 1, :type :ok, :process 0, :f :txn, :value [[:append 1 2] [:r 1 [2]]]}
//! ";
//! let h = read_history(edn.as_bytes(), "example.edn", Some(Format::Edn), ReadOptions::default())?;
//! assert_eq!(h.ops.len(), 2);
//!
//! // To elle-cli JSON and back: the same history.
//! let mut json = Vec::new();
//! write_history(&h, Format::Json, &mut json)?;
//! let back = read_history(&json[..], "example.json", None, ReadOptions::default())?;
//! assert_eq!(back.ops.len(), 2);
//!
//! // Bad input is an error that points at it.
//! let e = read_history(&b"{:index 0, :type"[..], "bad.edn", None, ReadOptions::default()).unwrap_err();
//! assert!(e.to_string().starts_with("bad.edn:1:"), "{e}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// `unsafe` is denied except in four small spots of the EDN reader's generic
// path (moving parsed values without copies: `edn/value.rs` `push_value!`,
// `move_tail`, `pair_up`; `edn/pool.rs` `take_buffers`), each marked
// `#[allow(unsafe_code)]` with the measurement that keeps it: their safe
// equivalents (`Vec::push`, `Vec::drain`) cost 10-30% more CPU there.
#![deny(unsafe_code)]

pub mod edn;
pub mod error;
mod fast;
pub mod json;
pub mod lex;
mod par;
pub mod plume;
pub mod report;
pub mod source;
pub mod stream;

pub use error::InputError;
pub use source::Source;

use history::{History, HistoryBuilder, SrcPos, Value};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The formats histcheck reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Jepsen's `history.edn`: a stream of op maps, or one vector/list of them.
    Edn,
    /// elle-cli JSON: one top-level array of op objects.
    Json,
    /// JSON Lines: one op object per line.
    Jsonl,
    /// Plume / PolySI / AWDIT text, `r(k,v,session,txn)` / `w(k,v,session,txn)`.
    Plume,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Edn => "edn",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Plume => "plume",
        }
    }

    pub fn from_name(s: &str) -> Option<Format> {
        Some(match s {
            "edn" => Format::Edn,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "plume" | "txt" => Format::Plume,
            _ => return None,
        })
    }

    /// By file extension: `.edn`, `.json`, `.jsonl`/`.ndjson`, `.txt`/`.plume`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::from_name(&ext)
    }

    /// By content: `[{"` / `[` newline `{"` is JSON, `{"` JSON Lines, `{:` / `[{:` / `#` /
    /// `(` / `;` EDN, `r(` / `w(` Plume.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        // A UTF-8 byte-order mark, which every reader skips, says nothing.
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let mut it = head.iter().copied().filter(|b| !b.is_ascii_whitespace() && *b != b',');
        let a = it.next()?;
        let b = it.next();
        match (a, b) {
            (b'[', Some(b'{')) => {
                // Look at what follows the brace, skipping spaces.
                let rest: Vec<u8> = it.take(1).collect();
                match rest.first() {
                    Some(b'"') | Some(b'}') => Some(Format::Json),
                    _ => Some(Format::Edn),
                }
            }
            (b'[', Some(b']')) => Some(Format::Json),
            (b'{', Some(b'"')) => Some(Format::Jsonl),
            (b'{', _) | (b'#', _) | (b'(', _) | (b';', _) | (b'[', _) => Some(Format::Edn),
            (b'r', Some(b'(')) | (b'w', Some(b'(')) => Some(Format::Plume),
            _ => None,
        }
    }
}

/// Options for reading a history.
#[derive(Default)]
pub struct ReadOptions<'a> {
    /// Overrides detection by extension and content.
    pub format: Option<Format>,
    /// Called now and then with the number of bytes read so far (for a progress bar).
    pub progress: Option<&'a mut dyn FnMut(u64)>,
    /// Whether a big EDN stream or JSON Lines file is read on all cores.
    pub parallel: Parallel,
}

/// When [`read_history_from_file`] reads in parallel (the result is the same
/// either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parallel {
    /// Regular files of a few MiB and more, in EDN (a stream of op maps, not
    /// one vector of them) or JSON Lines.
    #[default]
    Auto,
    /// Never.
    Off,
    /// Every EDN or JSON Lines file, however small, in blocks of about this
    /// many bytes, on at least two threads: for tests.
    Blocks(usize),
}

/// Reads a history from a file: the format from `opts`, else the extension, else the content.
pub fn read_history_file(path: &Path, opts: ReadOptions<'_>) -> Result<History, InputError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| InputError::io(&name, &e))?;
    read_history_from_file(file, &name, Format::from_path(path), opts)
}

/// As [`read_history`], from an open file: a regular file from its start,
/// anything else (a pipe) from where it is. A big regular
/// file in EDN (a stream of op maps) or JSON Lines is read in blocks on all
/// cores (see [`Parallel`]); when that meets anything unusual, such as an
/// error or a map over several lines where a block was cut, the file is read
/// again sequentially, so the result and every error are exactly those of
/// [`read_history`].
pub fn read_history_from_file(
    mut file: File,
    name: &str,
    by_name: Option<Format>,
    mut opts: ReadOptions<'_>,
) -> Result<History, InputError> {
    let io_err = |e: io::Error| InputError::io(name, &e);
    let len = match file.metadata() {
        Ok(m) if m.is_file() => Some(m.len()),
        _ => None,
    };
    if len.is_none() {
        // A pipe or a device: read on from where it is, as always.
        return read_history(file, name, by_name, opts);
    }
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let threads = par::threads();
    let block = match (opts.parallel, len) {
        (Parallel::Off, _) | (_, None) => None,
        (Parallel::Auto, Some(len)) if len >= par::MIN_BYTES && threads > 1 => Some(par::block_size(len, threads)),
        (Parallel::Auto, _) => None,
        (Parallel::Blocks(n), _) => Some(n),
    };
    if let Some(block) = block {
        let mut head = Vec::with_capacity(256);
        (&mut file).take(256).read_to_end(&mut head).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let format = opts.format.or(by_name).or_else(|| Format::sniff(&head));
        // One vector or list of ops is read sequentially.
        let first = head.iter().find(|b| !b.is_ascii_whitespace() && **b != b',');
        if matches!(format, Some(Format::Edn | Format::Jsonl)) && !matches!(first, Some(b'[' | b'(')) {
            let format = format.unwrap_or(Format::Edn);
            let threads = if matches!(opts.parallel, Parallel::Blocks(_)) { threads.max(2) } else { threads };
            let progress = opts.progress.as_mut().map(|p| &mut **p as &mut dyn FnMut(u64));
            if let Some(mut b) = par::read(&mut file, name, format, block, threads, progress) {
                if format == Format::Jsonl {
                    b.show_values_with(json::show_json);
                }
                return b.finish().map_err(|e| InputError::from_op(name, e));
            }
            file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        }
    }
    read_history(file, name, by_name, opts)
}

/// Reads a history from any reader. `name` is used in error messages; `by_name`
/// is the format the file name suggests, if any.
pub fn read_history<R: Read>(
    reader: R,
    name: &str,
    by_name: Option<Format>,
    mut opts: ReadOptions<'_>,
) -> Result<History, InputError> {
    let mut src = Source::new(reader, name);
    if let Some(p) = opts.progress.take() {
        src.set_progress(p);
    }
    let format = match opts.format.or(by_name) {
        Some(f) => f,
        None => {
            let head = src.peek_head(256).map_err(|e| InputError::io(name, &e))?;
            Format::sniff(head).ok_or_else(|| {
                InputError::at(
                    name,
                    SrcPos { line: 1, col: 1 },
                    "cannot tell the format from the name or the content: expected EDN ({:…}), JSON ([{\"…}), JSON Lines ({\"…}) or Plume text (r(…)/w(…)); use --format".to_string(),
                    String::from_utf8_lossy(head).lines().next().unwrap_or("").to_string(),
                )
            })?
        }
    };
    let mut builder = HistoryBuilder::new();
    {
        let mut sink = |v: &Value, pos: SrcPos| builder.push(v, pos);
        match format {
            // EDN op maps of the common shape go straight into the builder.
            Format::Edn => edn::read_into(&mut src, &mut builder)?,
            Format::Json => json::read_array_into(&mut src, &mut builder)?,
            Format::Jsonl => json::read_lines_into(&mut src, &mut builder)?,
            Format::Plume => plume::read_ops(&mut src, &mut sink)?,
        }
    }
    builder.finish().map_err(|e| InputError::from_op(name, e))
}

/// Writes a history in one of the formats (not Plume, which cannot hold list-append).
pub fn write_history<W: Write>(h: &History, format: Format, out: W) -> io::Result<()> {
    match format {
        Format::Edn => edn::write_history(h, out),
        Format::Json => json::write_array(h, out),
        Format::Jsonl => json::write_lines(h, out),
        Format::Plume => plume::write_history(h, out),
    }
}

/// What a format reader hands each op map to, with the op's position.
pub type OpSink<'a> = dyn FnMut(&Value, SrcPos) -> Result<(), history::OpError> + 'a;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats() {
        assert_eq!(Format::sniff(b"[{\"index\":0}]"), Some(Format::Json));
        assert_eq!(Format::sniff(b"[\n  {\"index\":0}]"), Some(Format::Json));
        assert_eq!(Format::sniff(b"{\"index\":0}\n"), Some(Format::Jsonl));
        assert_eq!(Format::sniff(b"{:index 0}"), Some(Format::Edn));
        assert_eq!(Format::sniff(b"[{:index 0}]"), Some(Format::Edn));
        assert_eq!(Format::sniff(b"; comment\n{:type :ok}"), Some(Format::Edn));
        assert_eq!(Format::sniff(b"#jepsen.history.Op{:index 0}"), Some(Format::Edn));
        assert_eq!(Format::sniff(b"w(0,1,1,1)\n"), Some(Format::Plume));
        assert_eq!(Format::sniff(b"hello"), None);
    }
}
