//! A streaming input buffer that knows the line and column of what it holds.
//!
//! Readers parse complete elements out of [`Source::available`]; when an element
//! runs past the end of the buffer they call [`Source::fill`] and try again, so a
//! file is never held whole, yet every element is parsed from one contiguous slice.

use history::SrcPos;
use std::io::{self, Read};

/// The largest read; the first reads are smaller, so small inputs stay cheap.
const CHUNK: usize = 1 << 20;
const FIRST_CHUNK: usize = 1 << 14;

pub struct Source<'a> {
    reader: Box<dyn Read + 'a>,
    name: String,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    start: usize,
    /// End of valid bytes in `buf`.
    end: usize,
    eof: bool,
    /// Position of `buf[start]`.
    line: u32,
    col: u32,
    /// Start in `buf` of the line `buf[start]` is on, if it is still in the buffer.
    line_start: Option<usize>,
    read_total: u64,
    progress: Option<&'a mut dyn FnMut(u64)>,
}

impl<'a> Source<'a> {
    pub fn new<R: Read + 'a>(reader: R, name: &str) -> Self {
        Source {
            reader: Box::new(reader),
            name: name.to_string(),
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            col: 1,
            line_start: Some(0),
            read_total: 0,
            progress: None,
        }
    }

    /// A source over input already in memory, all of it: no reads, no copies.
    /// Positions count from line 1, column 1 at `buf[0]`.
    pub fn from_vec(buf: Vec<u8>, name: &str) -> Source<'static> {
        let end = buf.len();
        Source {
            reader: Box::new(io::empty()),
            name: name.to_string(),
            buf,
            start: 0,
            end,
            eof: true,
            line: 1,
            col: 1,
            line_start: Some(0),
            read_total: end as u64,
            progress: None,
        }
    }

    /// The buffer back (for reuse), leaving the source empty.
    pub(crate) fn take_buf(&mut self) -> Vec<u8> {
        self.start = 0;
        self.end = 0;
        self.line_start = Some(0);
        std::mem::take(&mut self.buf)
    }

    pub fn set_progress(&mut self, p: &'a mut dyn FnMut(u64)) {
        self.progress = Some(p);
    }

    /// The file name, for error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unconsumed bytes in the buffer.
    #[inline]
    pub fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether the reader is exhausted: `available()` is all that is left.
    #[inline]
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Bytes read from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.read_total
    }

    /// Reads more input. Returns `false` at end of input (nothing was added).
    pub fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Compact: keep the unconsumed bytes and, if short, the start of their line.
        let keep_from = match self.line_start {
            Some(ls) if self.start - ls <= 4096 => ls,
            _ => {
                self.line_start = None;
                self.start
            }
        };
        if keep_from > 0 {
            self.buf.copy_within(keep_from..self.end, 0);
            self.start -= keep_from;
            self.end -= keep_from;
            if let Some(ls) = self.line_start.as_mut() {
                *ls -= keep_from;
            }
        }
        let chunk = (self.buf.len() * 2).clamp(FIRST_CHUNK, CHUNK);
        let want = (self.end - self.start).max(chunk);
        if self.buf.len() < self.end + want {
            self.buf.resize(self.end + want, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    self.read_total += n as u64;
                    if let Some(p) = self.progress.as_mut() {
                        p(self.read_total);
                    }
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Fills until at least `n` bytes are available or the input ends, then returns them.
    pub fn peek_head(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.end - self.start < n && self.fill()? {}
        Ok(&self.available()[..n.min(self.end - self.start)])
    }

    /// Consumes `n` available bytes, keeping track of line and column.
    pub fn consume(&mut self, n: usize) {
        let bytes = &self.buf[self.start..self.start + n];
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.line += count_newlines(&bytes[..last + 1]);
                self.col = 1 + count_chars(&bytes[last + 1..]);
                self.line_start = Some(self.start + last + 1);
            }
            None => self.col += count_chars(bytes),
        }
        self.start += n;
    }

    /// The position of the first available byte.
    pub fn pos(&self) -> SrcPos {
        SrcPos { line: self.line, col: self.col }
    }

    /// The position of the available byte at `offset`.
    pub fn pos_at(&self, offset: usize) -> SrcPos {
        let bytes = &self.buf[self.start..(self.start + offset).min(self.end)];
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => SrcPos {
                line: self.line + count_newlines(&bytes[..last + 1]),
                col: 1 + count_chars(&bytes[last + 1..]),
            },
            None => SrcPos { line: self.line, col: self.col + count_chars(bytes) },
        }
    }

    /// The text of the line the available byte at `offset` is on (as far as it is
    /// in the buffer), for error snippets.
    pub fn line_text_at(&self, offset: usize) -> String {
        let (from, to, _) = self.line_bounds(offset);
        String::from_utf8_lossy(&self.buf[from..to]).into_owned()
    }

    /// The part of the line of available byte `offset` that is in the buffer:
    /// its start, its end, and whether the line goes on past the buffer.
    fn line_bounds(&self, offset: usize) -> (usize, usize, bool) {
        let at = (self.start + offset).min(self.end);
        let from = match self.buf[..at].iter().rposition(|&b| b == b'\n') {
            Some(nl) => nl + 1,
            None => self.line_start.unwrap_or(self.start).min(at),
        };
        match self.buf[at..self.end].iter().position(|&b| b == b'\n') {
            Some(p) => (from, at + p, false),
            None => (from, self.end, !self.eof),
        }
    }

    /// An error at the available byte `offset`, showing the part of its line
    /// around it (at most a few hundred bytes of it are looked at, however long
    /// the line), with counts of what was cut.
    pub fn error_at(&self, offset: usize, message: String) -> crate::InputError {
        let pos = self.pos_at(offset);
        let at = (self.start + offset).min(self.end);
        let (from, mut to, goes_on) = self.line_bounds(offset);
        if to > from && self.buf[to - 1] == b'\r' && !goes_on {
            to -= 1;
        }
        let line = &self.buf[from..to.max(at)];
        let (lo, hi) = crate::error::window(line, at - from);
        let shown_before = crate::error::count_chars(&line[lo..at - from]);
        // `pos.col` counts every character of the line, also those no longer in the buffer.
        let before = (pos.col as u64).saturating_sub(1 + shown_before);
        let cut = crate::error::count_chars(&line[hi..]);
        let after = if goes_on { crate::error::After::AtLeast(cut) } else { crate::error::After::Exactly(cut) };
        crate::InputError::at_window(&self.name, pos, message, &line[lo..hi], at - from - lo, before, after)
    }
}

/// A reader that hands out its data 1 to 7 bytes per `read` call, in a
/// pseudo-random pattern fixed by `seed`. Tests use it to check that readers
/// give the same result however the input is split, since [`Source`] otherwise
/// reads whole chunks.
pub struct Trickle<'a> {
    data: &'a [u8],
    seed: u64,
}

impl<'a> Trickle<'a> {
    pub fn new(data: &'a [u8], seed: u64) -> Self {
        Trickle { data, seed }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let n = (1 + (self.seed >> 33) % 7) as usize;
        let n = n.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Counts the bytes of `bytes` for which `f` holds, in blocks small enough for
/// byte-wide counters (which vectorise far better than a `usize` per byte).
#[inline(always)]
fn count_bytes(bytes: &[u8], f: impl Fn(u8) -> bool + Copy) -> u32 {
    let mut total = 0u32;
    let mut blocks = bytes.chunks_exact(128);
    for block in &mut blocks {
        total += block.iter().fold(0u8, |a, &b| a + f(b) as u8) as u32;
    }
    // The rest (under 128 bytes, so a byte-wide counter cannot overflow) too.
    total + blocks.remainder().iter().fold(0u8, |a, &b| a + f(b) as u8) as u32
}

pub(crate) fn count_newlines(bytes: &[u8]) -> u32 {
    count_bytes(bytes, |b| b == b'\n')
}

fn count_chars(bytes: &[u8]) -> u32 {
    count_bytes(bytes, |b| (b & 0xC0) != 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_lines_and_columns_across_fills() {
        let text = "ab\ncdé\nfg";
        let mut s = Source::new(text.as_bytes(), "t");
        assert!(s.fill().unwrap());
        assert_eq!(s.pos(), SrcPos { line: 1, col: 1 });
        s.consume(4); // "ab\nc"
        assert_eq!(s.pos(), SrcPos { line: 2, col: 2 });
        assert_eq!(s.line_text_at(0), "cdé");
        assert_eq!(s.pos_at(4), SrcPos { line: 3, col: 1 });
        s.consume(3); // "dé": é is two bytes, one column
        assert_eq!(s.pos(), SrcPos { line: 2, col: 4 });
        assert!(!s.fill().unwrap());
        assert!(s.at_eof());
    }

    #[test]
    fn errors_point_at_the_offending_byte() {
        let mut s = Source::new("{:a 1}\n{:b }}\n".as_bytes(), "h.edn");
        s.fill().unwrap();
        s.consume(7);
        let e = s.error_at(4, "expected a form, found `}`".into());
        assert_eq!(e.to_string(), "h.edn:2:5: expected a form, found `}`\n  {:b }}\n      ^");
    }
}
