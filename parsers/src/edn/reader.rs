//! The streaming reader: top level, the two file shapes, refills.

use super::error::{closer_of, describe, open_name, ErrKind, Open, OpenKind, PErr};
use super::lex::{is_closer, is_sym, is_ws};
use super::pool::Pools;
use super::value::Parser;
use crate::{InputError, OpSink, Source};
use history::{HistoryBuilder, Value};

pub(super) struct Reader<'a, 'r> {
    pub(super) src: &'a mut Source<'r>,
    pub(super) scratch: Vec<Value>,
    pub(super) pools: Pools,
}

impl<'a, 'r> Reader<'a, 'r> {
    pub(super) fn new(src: &'a mut Source<'r>) -> Self {
        Reader { src, scratch: Vec::new(), pools: Pools::default() }
    }

    pub(super) fn fill(&mut self) -> Result<bool, InputError> {
        self.src.fill().map_err(|e| InputError::io(self.src.name(), &e))
    }

    /// Runs `f` on the available bytes, refilling and starting over while it runs
    /// off the end of them. Returns its result and how many bytes it used.
    pub(super) fn run<T>(
        &mut self,
        mut f: impl FnMut(&mut Parser<'_, '_>) -> Result<T, PErr>,
    ) -> Result<(T, usize), InputError> {
        loop {
            let eof = self.src.at_eof();
            self.scratch.clear();
            let res = {
                let src: &Source<'r> = self.src;
                let mut p = Parser {
                    src,
                    buf: src.available(),
                    pos: 0,
                    eof,
                    depth: 0,
                    scratch: &mut self.scratch,
                    pools: &mut self.pools,
                };
                f(&mut p).map(|v| (v, p.pos))
            };
            match res {
                Ok(x) => return Ok(x),
                Err(PErr(e)) => match *e {
                    ErrKind::More(open) => {
                        if eof {
                            return Err(self.eof_error(open));
                        }
                        // At least double what is available before parsing the
                        // element again, so a long element read from a reader
                        // that returns little at a time is parsed a few times,
                        // not once per read.
                        let before = self.src.available().len();
                        while self.fill()? && self.src.available().len() < 2 * before {}
                    }
                    ErrKind::Fail { at, msg } => {
                        // Read the rest of the line first, so the message and the
                        // snippet do not depend on where a buffer happened to end.
                        let a = self.src.available();
                        let at_ = at.min(a.len());
                        if !eof && a.len() - at_ < 4096 && !a[at_..].contains(&b'\n') {
                            self.fill()?;
                            continue;
                        }
                        return Err(self.src.error_at(at, msg));
                    }
                },
            }
        }
    }

    pub(super) fn at_text(&self, at: usize) -> String {
        let p = self.src.pos_at(at);
        format!("line {} col {}", p.line, p.col)
    }

    pub(super) fn eof_error(&self, open: Open) -> InputError {
        let end = self.src.available().len();
        let msg = match open.kind {
            OpenKind::Nothing => "unexpected end of input".to_string(),
            OpenKind::Discard => {
                format!("expected a form after the #_ at {}, found end of input", self.at_text(open.at))
            }
            OpenKind::Tag => {
                let a = self.src.available();
                let tag_end = a[open.at + 1..].iter().position(|&b| !is_sym(b)).map_or(a.len(), |p| open.at + 1 + p);
                format!(
                    "expected a form after the tag {} at {}, found end of input",
                    String::from_utf8_lossy(&a[open.at..tag_end]),
                    self.at_text(open.at)
                )
            }
            kind => format!(
                "unexpected end of input inside the {} that starts at {} (missing '{}')",
                open_name(kind),
                self.at_text(open.at),
                closer_of(kind)
            ),
        };
        self.src.error_at(end, msg)
    }

    /// Consumes whitespace, commas, comments and `#_` forms between top-level
    /// elements; returns the first byte of the next element, or `None` at the end.
    pub(super) fn skip_top(&mut self) -> Result<Option<u8>, InputError> {
        let mut in_comment = false;
        loop {
            let a = self.src.available();
            let n = a.len();
            let mut i = 0;
            let mut found = None;
            while i < n {
                if in_comment {
                    match a[i..].iter().position(|&b| b == b'\n') {
                        Some(p) => {
                            i += p + 1;
                            in_comment = false;
                        }
                        None => i = n,
                    }
                    continue;
                }
                let b = a[i];
                if is_ws(b) {
                    i += 1;
                } else if b == b';' {
                    in_comment = true;
                    i += 1;
                } else {
                    found = Some(b);
                    break;
                }
            }
            self.src.consume(i);
            match found {
                Some(b'#') => {
                    let a = self.src.available();
                    if a.len() < 2 && !self.src.at_eof() {
                        self.fill()?;
                        continue;
                    }
                    if a.get(1) == Some(&b'_') {
                        let ((), used) = self.run(|p| p.discard())?;
                        self.src.consume(used);
                        continue;
                    }
                    return Ok(Some(b'#'));
                }
                Some(b) => return Ok(Some(b)),
                None => {
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// After an opener at the first available byte: the first byte of what
    /// follows it (skipping whitespace and comments), without consuming anything.
    pub(super) fn peek_after_opener(&mut self) -> Result<Option<u8>, InputError> {
        loop {
            let a = self.src.available();
            let mut i = 1;
            while i < a.len() {
                if is_ws(a[i]) {
                    i += 1;
                } else if a[i] == b';' {
                    match a[i..].iter().position(|&b| b == b'\n') {
                        Some(p) => i += p + 1,
                        None => i = a.len(),
                    }
                } else {
                    return Ok(Some(a[i]));
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Parses the element at the first available byte and hands it to the
    /// target (an op map of the common shape straight to a builder).
    #[inline]
    pub(super) fn element(&mut self, target: &mut Target<'_, '_>) -> Result<(), InputError> {
        let pos = self.src.pos();
        let (v, mut used) = match target {
            Target::Builder(b) => self.run(|p| p.fast_element(b, pos))?,
            Target::Sink(_) => {
                let (v, used) = self.run(|p| p.take_value())?;
                (Some(v), used)
            }
        };
        // Take the rest of the line too when it is blank: the source finds the
        // last line break of what is consumed by scanning backwards, which is
        // quickest when the consumed bytes end with one.
        let a = self.src.available();
        let mut end = used;
        while end < a.len() && matches!(a[end], b' ' | b'\t' | b',' | b'\r') {
            end += 1;
        }
        if a.get(end) == Some(&b'\n') {
            used = end + 1;
        }
        self.src.consume(used);
        if let Some(v) = v {
            match target {
                Target::Builder(b) => b.push(&v, pos),
                Target::Sink(sink) => sink(&v, pos),
            }
            .map_err(|e| InputError::from_op(self.src.name(), e))?;
            self.pools.recycle(v);
        }
        Ok(())
    }

    /// Reads on until the available bytes hold a line break (or 4 KB, or all
    /// the input), so that messages about them do not depend on buffer ends.
    pub(super) fn fill_line(&mut self) -> Result<(), InputError> {
        while !self.src.at_eof() {
            let a = self.src.available();
            if a.len() >= 4096 || a.contains(&b'\n') {
                break;
            }
            self.fill()?;
        }
        Ok(())
    }

    pub(super) fn skip_bom(&mut self) -> Result<(), InputError> {
        while self.src.available().len() < 3 && self.fill()? {}
        if self.src.available().starts_with(b"\xEF\xBB\xBF") {
            self.src.consume(3);
        }
        Ok(())
    }
}

/// Reads a Jepsen EDN history, handing each op map (with the position of its
/// first byte) to `sink`. Accepts a stream of op maps, or one top-level vector
/// or list of them, streamed element by element.
pub fn read_ops(src: &mut Source<'_>, sink: &mut OpSink<'_>) -> Result<(), InputError> {
    read_target(src, &mut Target::Sink(sink))
}

/// Reads a Jepsen EDN history into a builder: as [`read_ops`] with a sink that
/// calls [`HistoryBuilder::push`], with the same result and the same errors, but
/// op maps of the common shape are decoded without building a [`Value`].
pub fn read_into(src: &mut Source<'_>, b: &mut HistoryBuilder) -> Result<(), InputError> {
    read_target(src, &mut Target::Builder(b))
}

/// Where the reader hands op maps.
pub(super) enum Target<'a, 'b> {
    Sink(&'a mut OpSink<'b>),
    Builder(&'a mut HistoryBuilder),
}

pub(super) fn read_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
    let mut r = Reader::new(src);
    r.skip_bom()?;
    let Some(first) = r.skip_top()? else {
        return Ok(());
    };
    if first == b'[' || first == b'(' {
        let next = r.peek_after_opener()?;
        let (closer, what) = if first == b'[' { (b']', "vector") } else { (b')', "list") };
        if matches!(next, None | Some(b'{' | b'#' | b']' | b')' | b'}')) {
            return read_wrapped(&mut r, sink, closer, what);
        }
    }
    loop {
        r.element(sink)?;
        if r.skip_top()?.is_none() {
            return Ok(());
        }
    }
}

/// Shape 2: the opener is the first available byte.
pub(super) fn read_wrapped(
    r: &mut Reader<'_, '_>,
    sink: &mut Target<'_, '_>,
    closer: u8,
    what: &str,
) -> Result<(), InputError> {
    let open = r.src.pos();
    r.src.consume(1);
    let close = loop {
        match r.skip_top()? {
            None => {
                return Err(r.src.error_at(
                    0,
                    format!(
                        "unexpected end of input inside the {what} of ops that starts at line {} col {} (missing '{}')",
                        open.line, open.col, closer as char
                    ),
                ))
            }
            Some(c) if c == closer => {
                let close = r.src.pos();
                r.src.consume(1);
                break close;
            }
            Some(c) if is_closer(c) => {
                return Err(r.src.error_at(
                    0,
                    format!(
                        "expected '{}' to close the {what} of ops that starts at line {} col {}, found '{}'",
                        closer as char, open.line, open.col, c as char
                    ),
                ))
            }
            Some(_) => r.element(sink)?,
        }
    };
    if r.skip_top()?.is_some() {
        r.fill_line()?;
        let found = describe(r.src.available(), 0);
        return Err(r.src.error_at(
            0,
            format!(
                "expected the end of the input after the {what} of ops that ends at line {} col {}, found {found}",
                close.line, close.col
            ),
        ));
    }
    Ok(())
}

/// Parses one EDN form (surrounded by whitespace or comments, if any), e.g. for
/// tests and command-line arguments. Errors name the input `<value>`.
pub fn parse_value(text: &str) -> Result<Value, InputError> {
    let mut src = Source::new(text.as_bytes(), "<value>");
    let mut r = Reader::new(&mut src);
    if r.skip_top()?.is_none() {
        return Err(r.src.error_at(0, "expected a form, found end of input".to_string()));
    }
    let (v, used) = r.run(|p| p.take_value())?;
    r.src.consume(used);
    if r.skip_top()?.is_some() {
        let found = describe(r.src.available(), 0);
        return Err(r.src.error_at(0, format!("expected the end of the input after one form, found {found}")));
    }
    Ok(v)
}
