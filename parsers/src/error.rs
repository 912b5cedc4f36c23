//! Input errors: every one names the file, the line and the column, says what was
//! expected and what was found, and shows the line.

use history::builder::{cut_marker, push_shown_char, shown_text, shown_width};
use history::{OpError, SrcPos};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based; line 0 when there is no position (the file cannot be opened).
    pub pos: SrcPos,
    /// What was expected and what was found.
    pub message: String,
    /// One line of the input (or the op, shown as EDN), cut to a readable length.
    pub snippet: String,
    /// The column of the caret within `snippet` (1-based), when the snippet is the line itself.
    pub caret: Option<u32>,
}

/// Longest snippet shown, in characters (escapes count as what they show).
pub const SNIPPET_CHARS: usize = history::builder::SNIPPET_CHARS;

/// Longest piece of input quoted inside a message, in characters.
pub const QUOTE_CHARS: usize = history::builder::QUOTE_CHARS;

/// Longest message shown, in characters: messages quote at most a few short
/// pieces of input, so this only guards against a piece that was not cut.
pub const MESSAGE_CHARS: usize = 1000;

/// How many bytes on each side of the error the snippet is taken from, at most.
pub(crate) const WINDOW_BYTES: usize = 4 * SNIPPET_CHARS;

/// How many characters of the line are cut after a snippet's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum After {
    /// Exactly this many.
    Exactly(u64),
    /// This many that are in memory, and the line goes on past them.
    AtLeast(u64),
}

impl InputError {
    /// An error at a position, with the line of input it is on.
    pub fn at(file: &str, pos: SrcPos, message: String, line_text: String) -> Self {
        let line = line_text.trim_end_matches(['\r', '\n']).as_bytes();
        // The caret's byte offset: `pos.col` counts characters.
        let caret = line
            .iter()
            .enumerate()
            .filter(|(_, &b)| (b & 0xC0) != 0x80)
            .nth((pos.col.max(1) - 1) as usize)
            .map_or(line.len(), |(i, _)| i);
        let (lo, hi) = window(line, caret);
        let before = count_chars(&line[..lo]);
        let after = After::Exactly(count_chars(&line[hi..]));
        Self::at_window(file, pos, message, &line[lo..hi], caret - lo, before, after)
    }

    /// An error at a position, with the part of its line around the error:
    /// `text` with the error at byte `caret`, `before` characters of the line cut
    /// before it and `after` after it.
    pub(crate) fn at_window(
        file: &str,
        pos: SrcPos,
        message: String,
        text: &[u8],
        caret: usize,
        before: u64,
        after: After,
    ) -> Self {
        let (snippet, caret) = cut_line(text, caret, before, after);
        InputError { file: file.to_string(), pos, message: safe_message(&message), snippet, caret: Some(caret) }
    }

    pub fn io(file: &str, e: &std::io::Error) -> Self {
        InputError {
            file: file.to_string(),
            pos: SrcPos { line: 0, col: 0 },
            message: safe_message(&format!("cannot read the file: {e}")),
            snippet: String::new(),
            caret: None,
        }
    }

    pub fn from_op(file: &str, e: OpError) -> Self {
        InputError {
            file: file.to_string(),
            pos: e.pos,
            message: safe_message(&e.message),
            snippet: shown_text(&e.snippet, SNIPPET_CHARS + 40),
            caret: None,
        }
    }
}

/// A message made safe to print whatever it quotes: unsafe characters other
/// than line breaks escaped (the pieces of input it quotes were escaped and
/// cut already; this is a guard), and at most [`MESSAGE_CHARS`] characters.
fn safe_message(m: &str) -> String {
    let mut out = String::with_capacity(m.len().min(MESSAGE_CHARS + 32));
    for (shown, c) in m.chars().enumerate() {
        if shown == MESSAGE_CHARS {
            out.push_str(&cut_marker(m.chars().count() as u64 - shown as u64, false));
            break;
        }
        if c == '\n' {
            out.push(c);
        } else {
            push_shown_char(&mut out, c);
        }
    }
    out
}

/// Input bytes quoted in a message: shown as text, with bytes that are not
/// UTF-8 as `\xff` and unsafe characters escaped (see
/// [`history::builder::is_unsafe_char`]), and at most `max` characters, followed
/// by a count of what was cut.
pub(crate) fn quote_bytes(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut units = units(bytes);
    for (_, u) in units.by_ref() {
        let w = u.width();
        if shown + w > max {
            let rest = 1 + units.count() as u64;
            out.push_str(&cut_marker(rest, false));
            return out;
        }
        u.push_to(&mut out);
        shown += w;
    }
    out
}

/// One character of input as shown, or one byte that is not UTF-8.
#[derive(Clone, Copy)]
enum Unit {
    Char(char),
    Byte(u8),
}

impl Unit {
    fn width(self) -> usize {
        match self {
            Unit::Char(c) => shown_width(c),
            Unit::Byte(_) => 4,
        }
    }

    fn push_to(self, out: &mut String) {
        match self {
            Unit::Char(c) => push_shown_char(out, c),
            Unit::Byte(b) => {
                use std::fmt::Write;
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
}

/// The units of `bytes` with their byte offsets.
fn units(bytes: &[u8]) -> impl Iterator<Item = (usize, Unit)> + '_ {
    bytes
        .utf8_chunks()
        .scan(0usize, |off, chunk| {
            let base = *off;
            *off += chunk.valid().len() + chunk.invalid().len();
            let valid = chunk.valid().char_indices().map(move |(i, c)| (base + i, Unit::Char(c)));
            let v = chunk.valid().len();
            let invalid = chunk.invalid().iter().enumerate().map(move |(i, &b)| (base + v + i, Unit::Byte(b)));
            Some(valid.chain(invalid))
        })
        .flatten()
}

/// The characters in `bytes` (bytes that start one, or are not UTF-8).
pub(crate) fn count_chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// The byte range of `line` within [`WINDOW_BYTES`] of `at`, on character boundaries.
pub(crate) fn window(line: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(line.len());
    let mut lo = at.saturating_sub(WINDOW_BYTES);
    while lo > 0 && lo < at && (line[lo] & 0xC0) == 0x80 {
        lo += 1;
    }
    let mut hi = (at + WINDOW_BYTES).min(line.len());
    while hi < line.len() && hi > at && (line[hi] & 0xC0) == 0x80 {
        hi -= 1;
    }
    (lo, hi)
}

/// Cuts a line to at most [`SNIPPET_CHARS`] shown characters around the
/// caret (at byte `caret` of `text`), escaping what is unsafe to print, and
/// marks each cut with a count of the characters cut (`before` and `after`
/// more were cut from the line already). Returns the text and the caret's
/// column in it (1-based).
fn cut_line(text: &[u8], caret: usize, before: u64, after: After) -> (String, u32) {
    let units: Vec<(usize, Unit)> = units(text).collect();
    let k = units.iter().position(|&(off, _)| off >= caret).unwrap_or(units.len());
    let width = |r: std::ops::Range<usize>| units[r].iter().map(|(_, u)| u.width()).sum::<usize>();
    // The caret's own unit (or the end of the line) is always shown.
    let mut start = k;
    let mut end = (k + 1).min(units.len());
    let mut used = width(start..end).max(1);
    // Up to half the room before the caret, then the rest after it, then
    // whatever is left before it again.
    while start > 0 && used + units[start - 1].1.width() <= SNIPPET_CHARS / 2 {
        start -= 1;
        used += units[start].1.width();
    }
    while end < units.len() && used + units[end].1.width() <= SNIPPET_CHARS {
        used += units[end].1.width();
        end += 1;
    }
    while start > 0 && used + units[start - 1].1.width() <= SNIPPET_CHARS {
        start -= 1;
        used += units[start].1.width();
    }
    let mut s = String::new();
    let cut_before = before + start as u64;
    if cut_before > 0 {
        s.push_str(&format!("[{cut_before} char{} before]…", if cut_before == 1 { "" } else { "s" }));
    }
    let mut caret_col = s.chars().count() + 1;
    for (i, &(_, u)) in units[start..end].iter().enumerate() {
        if start + i == k {
            caret_col = s.chars().count() + 1;
        }
        u.push_to(&mut s);
    }
    if k >= end {
        caret_col = s.chars().count() + 1;
    }
    let rest = (units.len() - end) as u64;
    match after {
        After::Exactly(n) if n + rest > 0 => s.push_str(&cut_marker(n + rest, false)),
        // Nothing of the rest is in memory yet: nothing to count.
        After::AtLeast(n) if n + rest > 0 => s.push_str(&cut_marker(n + rest, true)),
        _ => {}
    }
    (s, caret_col as u32)
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The file name comes from the command line or a directory listing:
        // shown escaped too.
        let file = shown_text(&self.file, usize::MAX);
        if self.pos.line == 0 {
            return write!(f, "{file}: {}", self.message);
        }
        write!(f, "{file}:{}:{}: {}", self.pos.line, self.pos.col, self.message)?;
        if !self.snippet.is_empty() {
            write!(f, "\n  {}", self.snippet)?;
            if let Some(c) = self.caret {
                write!(f, "\n  {}^", " ".repeat(c.saturating_sub(1) as usize))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_file_line_col_snippet_and_caret() {
        let e =
            InputError::at("h.edn", SrcPos { line: 3, col: 5 }, "expected a form, found `}`".into(), "{:a }}".into());
        assert_eq!(e.to_string(), "h.edn:3:5: expected a form, found `}`\n  {:a }}\n      ^");
    }

    #[test]
    fn long_lines_are_cut_around_the_column_with_counts() {
        let line: String = (0..1000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let e = InputError::at("f", SrcPos { line: 1, col: 500 }, "m".into(), line.clone());
        let (before, rest) = e.snippet.split_once(']').unwrap();
        assert_eq!(before, "[440 chars before");
        let shown = rest.strip_prefix('…').unwrap();
        let (shown, after) = shown.split_once('…').unwrap();
        assert_eq!(shown, &line[440..560]);
        assert_eq!(after, "[440 more chars]");
        // The caret is under column 500 of the line.
        let c = e.caret.unwrap() as usize;
        assert_eq!(e.snippet.chars().nth(c - 1), line.chars().nth(499));
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_follows() {
        let line = "{:a \u{1b}]0;title\u{7} \u{9b}x\u{202e}y\tz}".to_string();
        let col = line.chars().position(|c| c == 'z').unwrap() as u32 + 1;
        let e = InputError::at("f\u{1b}", SrcPos { line: 1, col }, "bad \u{1b}[2J".into(), line);
        assert_eq!(e.snippet, r"{:a \u{1b}]0;title\u{7} \u{9b}x\u{202e}y\tz}");
        assert_eq!(e.message, r"bad \u{1b}[2J");
        assert_eq!(e.snippet.chars().nth(e.caret.unwrap() as usize - 1), Some('z'));
        let shown = e.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        assert!(shown.starts_with(r"f\u{1b}:1:"), "{shown}");
    }

    #[test]
    fn quoted_bytes_are_escaped_and_cut_with_a_count() {
        assert_eq!(quote_bytes(b"ab\x1b\xff\xc3\xa9", 40), r"ab\u{1b}\xffé");
        assert_eq!(quote_bytes(&[b'9'; 1000], 10), "9999999999…[990 more chars]");
    }
}
