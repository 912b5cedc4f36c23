//! The streaming readers: one top-level array, and JSON Lines.

use super::lex::describe;
use super::pool::Pool;
use super::value::{at, Ctx, Fail, Parser};
use super::writer::show_json;
use crate::{InputError, OpSink, Source};
use history::{HistoryBuilder, OpError, SrcPos, Value};
use std::io;

/// Where a reader hands op objects.
pub(super) enum Target<'a, 'b> {
    Sink(&'a mut OpSink<'b>),
    Builder(&'a mut HistoryBuilder),
}

impl Target<'_, '_> {
    pub(super) fn push(&mut self, v: &Value, pos: SrcPos) -> Result<(), OpError> {
        match self {
            Target::Sink(sink) => sink(v, pos),
            Target::Builder(b) => b.push(v, pos),
        }
    }
}

pub(super) fn io_err(src: &Source<'_>, e: io::Error) -> InputError {
    InputError::io(src.name(), &e)
}

/// Skips a UTF-8 byte-order mark at the start of the input.
pub(crate) fn skip_bom(src: &mut Source<'_>) -> Result<(), InputError> {
    let bom = match src.peek_head(3) {
        Ok(head) => head == b"\xEF\xBB\xBF",
        Err(e) => return Err(io_err(src, e)),
    };
    if bom {
        src.consume(3);
    }
    Ok(())
}

/// Reads on until the line holding available byte `off` is complete (within
/// reason), so an error shows the whole line whatever the reader's chunks.
pub(super) fn complete_line(src: &mut Source<'_>, off: usize) {
    loop {
        let avail = src.available();
        if avail.len() > off + 4096 || avail.get(off..).is_some_and(|rest| rest.contains(&b'\n')) {
            return;
        }
        if !matches!(src.fill(), Ok(true)) {
            return;
        }
    }
}

pub(super) fn error_at(src: &mut Source<'_>, off: usize, msg: String) -> InputError {
    complete_line(src, off);
    src.error_at(off, msg)
}

/// Why a pass over the buffer stopped.
pub(super) enum Stop {
    /// Consume this many bytes, read more and go on.
    More(usize),
    /// A syntax error at `off`; `safe` is where the pass could go on from.
    Syntax {
        off: usize,
        msg: String,
        safe: usize,
    },
    Sink(history::OpError),
}

/// Where reading an array is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum At {
    /// Before the `[`.
    Open,
    /// After the `[`: an element or `]`.
    First,
    /// After an element: `,` or `]`.
    AfterElem,
    /// After a `,`: an element.
    AfterComma,
    /// After the `]`: only whitespace.
    Closed,
}

/// Parses as much of the array as the buffer holds. `Ok` when the input is done.
pub(super) fn array_pass(p: &mut Parser<'_, '_>, state: &mut At, target: &mut Target<'_, '_>) -> Result<(), Stop> {
    let mut safe = p.i;
    loop {
        p.skip_ws();
        let Some(&c) = p.b.get(p.i) else {
            if !p.eof {
                return Err(Stop::More(p.i));
            }
            let msg = match *state {
                At::Open => {
                    "expected '[' to start the array of op objects, found the end of the file (the file is empty)"
                }
                At::First => "expected an op object or ']', found the end of the file (the array is not closed)",
                At::AfterElem => {
                    "expected ',' or ']' after an op object, found the end of the file (the array is not closed)"
                }
                At::AfterComma => {
                    "expected an op object after ',', found the end of the file (the array is not closed)"
                }
                At::Closed => return Ok(()),
            };
            return Err(Stop::Syntax { off: p.i, msg: msg.into(), safe });
        };
        let here = p.i;
        let found = || describe(p.b, here);
        match *state {
            At::Open if c == b'[' => {
                p.i += 1;
                *state = At::First;
            }
            At::Open => {
                let mut msg = format!("expected '[' to start the array of op objects, found {}", found());
                if c == b'{' {
                    msg.push_str(
                        " (a file of one op object per line is JSON Lines: use --format jsonl or a .jsonl name)",
                    );
                }
                return Err(Stop::Syntax { off: here, msg, safe });
            }
            At::First | At::AfterComma if c == b']' => {
                if *state == At::AfterComma {
                    let msg = "expected an op object after ',', found ']' (JSON allows no trailing comma)";
                    return Err(Stop::Syntax { off: here, msg: msg.into(), safe });
                }
                p.i += 1;
                *state = At::Closed;
            }
            At::First | At::AfterComma => {
                let pos = p.pos_here();
                if let (Target::Builder(b), b'{') = (&mut *target, c) {
                    let m = p.mark();
                    match p.fast_op() {
                        Ok(true) if p.fast_commit(b, pos).is_ok() => {
                            *state = At::AfterElem;
                            safe = p.i;
                            continue;
                        }
                        Err(Fail::More) => return Err(Stop::More(safe)),
                        _ => p.reset(m),
                    }
                }
                let mut v = Value::Nil;
                match p.value_to(Ctx::Op, &mut v) {
                    Ok(()) => {
                        target.push(&v, pos).map_err(Stop::Sink)?;
                        p.pool.recycle(v);
                        *state = At::AfterElem;
                    }
                    Err(Fail::More) => return Err(Stop::More(safe)),
                    Err(Fail::At(e)) => return Err(Stop::Syntax { off: e.0, msg: e.1, safe }),
                }
            }
            At::AfterElem if c == b',' => {
                p.i += 1;
                *state = At::AfterComma;
            }
            At::AfterElem if c == b']' => {
                p.i += 1;
                *state = At::Closed;
            }
            At::AfterElem => {
                let msg = format!("expected ',' or ']' after an op object, found {}", found());
                return Err(Stop::Syntax { off: here, msg, safe });
            }
            At::Closed => {
                let msg = format!("expected the end of the file after the array's closing ']', found {}", found());
                return Err(Stop::Syntax { off: here, msg, safe });
            }
        }
        safe = p.i;
    }
}

/// Reads an elle-cli JSON file: one array of op objects.
pub fn read_array(src: &mut Source<'_>, sink: &mut OpSink<'_>) -> Result<(), InputError> {
    array_target(src, &mut Target::Sink(sink))
}

/// Reads an elle-cli JSON file into a builder: as [`read_array`] with a sink
/// that calls [`HistoryBuilder::push`], with the same result and the same
/// errors, but op objects of the common shape are decoded without building a
/// [`Value`].
pub fn read_array_into(src: &mut Source<'_>, b: &mut HistoryBuilder) -> Result<(), InputError> {
    b.show_values_with(show_json);
    array_target(src, &mut Target::Builder(b))
}

pub(super) fn array_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
    skip_bom(src)?;
    let mut pool = Pool::default();
    let mut state = At::Open;
    loop {
        let eof = src.at_eof();
        let mut p = Parser::new(src.available(), &mut pool, 0, src.pos(), eof, "the end of the file");
        let len = p.b.len();
        let stop = match array_pass(&mut p, &mut state, sink) {
            Ok(()) => return Ok(()),
            Err(stop) => stop,
        };
        match stop {
            Stop::More(safe) => {
                src.consume(safe);
                src.fill().map_err(|e| io_err(src, e))?;
            }
            // An error close to the end of the buffer may read differently with
            // more input after it (a word cut short): read on and look again.
            Stop::Syntax { off, safe, .. } if !eof && len - off < 64 => {
                src.consume(safe);
                src.fill().map_err(|e| io_err(src, e))?;
            }
            Stop::Syntax { off, msg, .. } => return Err(error_at(src, off, msg)),
            Stop::Sink(e) => return Err(InputError::from_op(src.name(), e)),
        }
    }
}

/// Makes sure a whole line is available (up to a `'\n'` or the end of input).
/// Returns the line's length (without the `'\n'`) and whether a `'\n'` follows,
/// or `None` when the input is used up.
pub(crate) fn next_line(src: &mut Source<'_>) -> Result<Option<(usize, bool)>, InputError> {
    let mut scanned = 0;
    loop {
        let avail = src.available();
        if let Some(n) = avail[scanned..].iter().position(|&b| b == b'\n') {
            return Ok(Some((scanned + n, true)));
        }
        scanned = avail.len();
        if !src.fill().map_err(|e| io_err(src, e))? {
            let n = src.available().len();
            return Ok(if n == 0 { None } else { Some((n, false)) });
        }
    }
}

/// Parses the lines the buffer holds. `Ok` when the input is done.
///
/// Each object is parsed straight from the buffer; only when that fails, or the
/// object runs over more than one line, is its line parsed again on its own to
/// say what is wrong with it.
pub(super) fn lines_pass(
    buf: &[u8],
    pool: &mut Pool,
    base: SrcPos,
    eof: bool,
    target: &mut Target<'_, '_>,
) -> Result<(), Stop> {
    let mut p = Parser::new(buf, pool, 0, base, eof, "the end of the file");
    let mut safe = 0;
    loop {
        p.skip_ws();
        if p.i == buf.len() {
            return if eof { Ok(()) } else { Err(Stop::More(p.i)) };
        }
        let start = p.i;
        let pos = p.pos_here();
        if let (Target::Builder(b), b'{') = (&mut *target, buf[start]) {
            let m = p.mark();
            match p.fast_op() {
                Ok(true) if p.line == pos.line => {
                    let mut j = p.i;
                    while matches!(buf.get(j), Some(b' ' | b'\t' | b'\r')) {
                        j += 1;
                    }
                    match buf.get(j) {
                        None if !eof => return Err(Stop::More(safe)),
                        None | Some(b'\n') => {
                            if p.fast_commit(b, pos).is_ok() {
                                p.i = j;
                                safe = j;
                                continue;
                            }
                        }
                        Some(_) => {}
                    }
                }
                Err(Fail::More) => return Err(Stop::More(safe)),
                _ => {}
            }
            p.reset(m);
        }
        let mut v = Value::Nil;
        let parsed = if buf[start] == b'{' { p.value_to(Ctx::Op, &mut v) } else { Err(at(start, String::new())) };
        match parsed {
            Err(Fail::More) => return Err(Stop::More(safe)),
            Ok(()) if p.line == pos.line => {
                while matches!(buf.get(p.i), Some(b' ' | b'\t' | b'\r')) {
                    p.i += 1;
                }
                match buf.get(p.i) {
                    None if !eof => return Err(Stop::More(safe)),
                    None | Some(b'\n') => {
                        target.push(&v, pos).map_err(Stop::Sink)?;
                        p.pool.recycle(v);
                        safe = p.i;
                    }
                    Some(_) => {
                        // Describe what follows with the whole line at hand.
                        if !eof && !buf[p.i..].contains(&b'\n') {
                            return Err(Stop::More(safe));
                        }
                        let msg = format!(
                            "expected the end of the line after the op object (one object per line), found {}",
                            describe(buf, p.i)
                        );
                        return Err(Stop::Syntax { off: p.i, msg, safe });
                    }
                }
            }
            _ => {
                let end = match buf[start..].iter().position(|&b| b == b'\n') {
                    Some(n) => start + n,
                    None if eof => buf.len(),
                    None => return Err(Stop::More(safe)),
                };
                let (off, msg) = line_error(&buf[..end], start, pos);
                return Err(Stop::Syntax { off, msg, safe });
            }
        }
    }
}

/// What is wrong with the op object of a JSON Lines line (`line[start..]`).
#[cold]
pub(super) fn line_error(line: &[u8], start: usize, pos: SrcPos) -> (usize, String) {
    if line[start] != b'{' {
        let mut msg = format!("expected an op object {{\"type\": …}} on this line, found {}", describe(line, start));
        if line[start] == b'[' {
            msg.push_str(" (a file holding one array of op objects is JSON: use --format json or a .json name)");
        }
        return (start, msg);
    }
    let mut pool = Pool::default();
    let mut p = Parser::new(line, &mut pool, start, pos, true, "the end of the line");
    let mut v = Value::Nil;
    match p.value_to(Ctx::Op, &mut v) {
        Err(Fail::At(e)) => (e.0, e.1),
        _ => (line.len(), "expected one op object on this line".into()),
    }
}

/// Reads JSON Lines: one op object per line; blank lines are skipped.
pub fn read_lines(src: &mut Source<'_>, sink: &mut OpSink<'_>) -> Result<(), InputError> {
    lines_target(src, &mut Target::Sink(sink))
}

/// Reads JSON Lines into a builder: as [`read_lines`] with a sink that calls
/// [`HistoryBuilder::push`], with the same result and the same errors, but op
/// objects of the common shape are decoded without building a [`Value`].
pub fn read_lines_into(src: &mut Source<'_>, b: &mut HistoryBuilder) -> Result<(), InputError> {
    b.show_values_with(show_json);
    lines_target(src, &mut Target::Builder(b))
}

pub(super) fn lines_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
    skip_bom(src)?;
    let mut pool = Pool::default();
    loop {
        match lines_pass(src.available(), &mut pool, src.pos(), src.at_eof(), sink) {
            Ok(()) => return Ok(()),
            Err(Stop::More(safe)) => {
                src.consume(safe);
                src.fill().map_err(|e| io_err(src, e))?;
            }
            Err(Stop::Syntax { off, msg, .. }) => return Err(error_at(src, off, msg)),
            Err(Stop::Sink(e)) => return Err(InputError::from_op(src.name(), e)),
        }
    }
}

/// Reads one JSON value by the generic convention (the colon rule everywhere, no
/// op-level names): for tests and tools.
pub fn value_from_json(text: &str) -> Result<Value, String> {
    let mut pool = Pool::default();
    let mut p = Parser::new(text.as_bytes(), &mut pool, 0, SrcPos { line: 1, col: 1 }, true, "the end of the text");
    let fail = |off: usize, msg: String| format!("at byte {off}: {msg}");
    let v = match p.value(Ctx::Generic) {
        Ok(v) => v,
        Err(Fail::At(e)) => return Err(fail(e.0, e.1)),
        Err(Fail::More) => return Err(fail(text.len(), "unexpected end of the text".into())),
    };
    p.skip_ws();
    if p.i < text.len() {
        return Err(fail(p.i, format!("expected the end of the text, found {}", describe(text.as_bytes(), p.i))));
    }
    Ok(v)
}
