//! Input errors: every one names the file, the line and the column, says what was
//! expected and what was found, and shows the line.

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

/// Longest snippet shown, in characters.
pub const SNIPPET_CHARS: usize = 120;

impl InputError {
    /// An error at a position, with the line of input it is on.
    pub fn at(file: &str, pos: SrcPos, message: String, line_text: String) -> Self {
        let (snippet, caret) = cut_line(&line_text, pos.col);
        InputError { file: file.to_string(), pos, message, snippet, caret: Some(caret) }
    }

    pub fn io(file: &str, e: &std::io::Error) -> Self {
        InputError {
            file: file.to_string(),
            pos: SrcPos { line: 0, col: 0 },
            message: format!("cannot read the file: {e}"),
            snippet: String::new(),
            caret: None,
        }
    }

    pub fn from_op(file: &str, e: OpError) -> Self {
        InputError { file: file.to_string(), pos: e.pos, message: e.message, snippet: e.snippet, caret: None }
    }
}

/// Cuts a long line to a window around the column; returns the text and the caret column in it.
fn cut_line(line: &str, col: u32) -> (String, u32) {
    let chars: Vec<char> = line.trim_end_matches(['\r', '\n']).chars().collect();
    let col = (col.max(1) as usize).min(chars.len() + 1);
    if chars.len() <= SNIPPET_CHARS {
        return (chars.iter().collect(), col as u32);
    }
    let start = col.saturating_sub(SNIPPET_CHARS / 2 + 1).min(chars.len().saturating_sub(SNIPPET_CHARS));
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push('…');
    }
    let caret = col - start + usize::from(start > 0);
    (s, caret as u32)
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}:{}: {}", self.file, self.pos.line, self.pos.col, self.message)?;
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
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(1000);
        let e = InputError::at("f", SrcPos { line: 1, col: 500 }, "m".into(), line);
        assert!(e.snippet.chars().count() <= SNIPPET_CHARS + 2);
        assert!(e.snippet.starts_with('…') && e.snippet.ends_with('…'));
        let c = e.caret.unwrap() as usize;
        assert!(c > 1 && c <= SNIPPET_CHARS + 1);
    }
}
