//! The generic parser of one element into a [`Value`] on a scratch stack.

use super::error::{describe, fail, more, more0, open_name, short, utf8_char_at, utf8_width, OpenKind, PErr};
use super::lex::{is_closer, is_sym, is_ws, named_char, number_token, WS_END};
use super::pool::Pools;
use super::MAX_DEPTH;
use crate::lex::digits18;
use crate::Source;
use history::Value;

/// Pushes a value onto the parser's scratch stack, building it in place: with
/// `Vec::push` the value is first assembled on the stack and then copied, and
/// that copy stalls on store forwarding. Measured on the generic path (1M
/// list-append transactions, every op map behind a `#jepsen.history.Op` tag,
/// `histcheck stats`, best of 3): with `Vec::push` here and the `drain`s
/// below, 3.24-3.69 s of CPU; with this macro and the `drain`s, 3.09-3.19 s;
/// with this macro and the moves below, 2.40-2.93 s (the figures of the
/// binary before the parsers were split: 2.52-2.84 s).
macro_rules! push_value {
    ($p:expr, $v:expr) => {{
        let stack: &mut Vec<Value> = &mut *$p.scratch;
        stack.reserve(1);
        let len = stack.len();
        stack.spare_capacity_mut()[0].write($v);
        // SAFETY: the element at `len` (within capacity) was initialised just above.
        #[allow(unsafe_code)]
        unsafe {
            stack.set_len(len + 1)
        }
    }};
}

pub(super) struct Parser<'s, 'r> {
    pub(super) src: &'s Source<'r>,
    pub(super) buf: &'s [u8],
    pub(super) pos: usize,
    /// Whether the end of `buf` is the end of the input.
    pub(super) eof: bool,
    pub(super) depth: u32,
    /// A stack of the values parsed so far whose collections are still open;
    /// a collection's elements are moved off it when it closes.
    pub(super) scratch: &'s mut Vec<Value>,
    pub(super) pools: &'s mut Pools,
}

impl<'s, 'r> Parser<'s, 'r> {
    pub(super) fn at_text(&self, at: usize) -> String {
        let p = self.src.pos_at(at);
        format!("line {} col {}", p.line, p.col)
    }

    #[inline]
    pub(super) fn more_or(&self, at: usize, msg: impl FnOnce() -> String) -> PErr {
        if self.eof {
            fail(at, msg())
        } else {
            more0()
        }
    }

    #[inline]
    pub(super) fn enter(&mut self, at: usize) -> Result<(), PErr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(fail(
                at,
                format!(
                    "nesting deeper than {MAX_DEPTH} levels (collections, tagged literals and #_ inside each other)"
                ),
            ));
        }
        Ok(())
    }

    /// Skips whitespace, commas, comments and `#_` discarded forms. Stops at the
    /// next form, a closer or the end of the buffer (the caller decides what the
    /// end means).
    #[inline]
    pub(super) fn skip_ws(&mut self) -> Result<(), PErr> {
        let buf = self.buf;
        loop {
            let mut i = self.pos;
            while i < buf.len() && is_ws(buf[i]) {
                i += 1;
            }
            self.pos = i;
            if i >= buf.len() {
                return Ok(());
            }
            match buf[i] {
                b';' => match buf[i + 1..].iter().position(|&b| b == b'\n') {
                    Some(p) => self.pos = i + 2 + p,
                    None => {
                        self.pos = buf.len();
                        return Ok(());
                    }
                },
                b'#' if buf.get(i + 1) == Some(&b'_') => self.discard()?,
                _ => return Ok(()),
            }
        }
    }

    /// [`Self::skip_ws`] where a space or `, ` (the usual separators) is
    /// expected: those cases without the general loop.
    #[inline(always)]
    pub(super) fn sep(&mut self) -> Result<(), PErr> {
        let buf = self.buf;
        let mut i = self.pos;
        if buf.get(i) == Some(&b',') {
            i += 1;
        }
        if buf.get(i) == Some(&b' ') {
            i += 1;
        }
        self.pos = i;
        match buf.get(i) {
            Some(&c) if WS_END[c as usize] => Ok(()),
            _ => self.skip_ws(),
        }
    }

    /// `#_ form`, at `#`.
    pub(super) fn discard(&mut self) -> Result<(), PErr> {
        let start = self.pos;
        self.pos += 2;
        self.enter(start)?;
        self.skip_ws().map_err(|e| e.within(OpenKind::Discard, start))?;
        match self.buf.get(self.pos) {
            None => return Err(more(OpenKind::Discard, start)),
            Some(&c) if is_closer(c) => {
                return Err(fail(self.pos, format!("expected a form after #_, found '{}'", c as char)))
            }
            _ => {}
        }
        self.value().map_err(|e| e.within(OpenKind::Discard, start))?;
        self.scratch.pop();
        self.depth -= 1;
        Ok(())
    }

    /// One form, at its first byte (not whitespace), pushed onto the scratch stack.
    #[inline]
    pub(super) fn value(&mut self) -> Result<(), PErr> {
        let buf = self.buf;
        let start = self.pos;
        let Some(&b) = buf.get(start) else {
            return Err(self.more_or(start, || "expected a form, found end of input".to_string()));
        };
        match b {
            b'{' => self.map(start),
            b'[' => self.seq(start, 1, b']', OpenKind::Vector),
            b'(' => self.seq(start, 1, b')', OpenKind::List),
            b':' => self.keyword(start),
            b'0'..=b'9' => match self.int_fast(start) {
                Some(n) => {
                    push_value!(self, Value::Int(n));
                    Ok(())
                }
                None => self.number(start),
            },
            b'"' => self.string(start),
            b'-' | b'+' => match buf.get(start + 1) {
                Some(c) if c.is_ascii_digit() => self.number(start),
                None if !self.eof => Err(more0()),
                _ => self.symbol(start),
            },
            b'\\' => self.char_lit(start),
            b'#' => self.dispatch(start),
            b'}' | b']' | b')' => Err(fail(start, format!("unmatched '{}'", b as char))),
            _ if is_sym(b) => self.symbol(start),
            _ => Err(fail(start, format!("expected a form, found {}", describe(buf, start)))),
        }
    }

    /// A non-negative decimal integer of up to 18 digits followed by a delimiter
    /// (the common case), or `None` to take the general path.
    #[inline(always)]
    pub(super) fn int_fast(&mut self, start: usize) -> Option<i64> {
        let buf = self.buf;
        let (v, _, i) = digits18(buf, start)?;
        if i >= buf.len() || is_sym(buf[i]) {
            return None;
        }
        self.pos = i;
        Some(v)
    }

    /// Parses one form and takes it off the scratch stack.
    pub(super) fn take_value(&mut self) -> Result<Value, PErr> {
        self.value()?;
        self.scratch.pop().ok_or_else(|| fail(self.pos, "internal error: no value"))
    }

    pub(super) fn closer_mismatch(&self, start: usize, what: &str, want: u8, found: u8) -> PErr {
        fail(
            self.pos,
            format!(
                "expected '{}' to close the {what} that starts at {}, found '{}'",
                want as char,
                self.at_text(start),
                found as char
            ),
        )
    }

    /// `{…}`, at `{`.
    pub(super) fn map(&mut self, start: usize) -> Result<(), PErr> {
        self.enter(start)?;
        self.pos = start + 1;
        let base = self.scratch.len();
        loop {
            self.skip_ws().map_err(|e| e.within(OpenKind::Map, start))?;
            let Some(&c) = self.buf.get(self.pos) else {
                return Err(more(OpenKind::Map, start));
            };
            if c == b'}' {
                self.pos += 1;
                break;
            }
            if is_closer(c) {
                return Err(self.closer_mismatch(start, "map", b'}', c));
            }
            self.value().map_err(|e| e.within(OpenKind::Map, start))?;
            self.skip_ws().map_err(|e| e.within(OpenKind::Map, start))?;
            let Some(&c) = self.buf.get(self.pos) else {
                return Err(more(OpenKind::Map, start));
            };
            if is_closer(c) {
                let key = self.scratch.last().map(short).unwrap_or_default();
                return Err(fail(
                    self.pos,
                    format!("expected a value after {key}, found '{}' (a map needs a value for every key)", c as char),
                ));
            }
            self.value().map_err(|e| e.within(OpenKind::Map, start))?;
        }
        self.depth -= 1;
        let mut entries = self.pools.maps.pop().unwrap_or_default();
        pair_up(self.scratch, base, &mut entries);
        push_value!(self, Value::Map(entries));
        Ok(())
    }

    /// A vector, list or set: `open_len` bytes of opener at `start`, then forms up to `closer`.
    pub(super) fn seq(&mut self, start: usize, open_len: usize, closer: u8, kind: OpenKind) -> Result<(), PErr> {
        self.enter(start)?;
        self.pos = start + open_len;
        let base = self.scratch.len();
        loop {
            self.skip_ws().map_err(|e| e.within(kind, start))?;
            let Some(&c) = self.buf.get(self.pos) else {
                return Err(more(kind, start));
            };
            if c == closer {
                self.pos += 1;
                break;
            }
            if is_closer(c) {
                return Err(self.closer_mismatch(start, open_name(kind), closer, c));
            }
            self.value().map_err(|e| e.within(kind, start))?;
        }
        self.depth -= 1;
        let mut items = self.pools.vecs.pop().unwrap_or_default();
        move_tail(self.scratch, base, &mut items);
        match kind {
            OpenKind::List => push_value!(self, Value::List(items)),
            OpenKind::Set => push_value!(self, Value::Set(items)),
            _ => push_value!(self, Value::Vector(items)),
        }
        Ok(())
    }

    /// Checks that `buf[from..to]` is UTF-8; `what` names the construct for the error.
    #[inline]
    pub(super) fn utf8(&self, from: usize, to: usize, what: &str) -> Result<&'s str, PErr> {
        let buf: &'s [u8] = self.buf;
        let bytes = &buf[from..to];
        std::str::from_utf8(bytes).map_err(|e| {
            let at = from + e.valid_up_to();
            fail(at, format!("invalid UTF-8 in {what} (byte 0x{:02x})", buf[at]))
        })
    }

    /// `"…"`, at the quote.
    #[inline(never)]
    pub(super) fn string(&mut self, start: usize) -> Result<(), PErr> {
        let buf = self.buf;
        let unclosed = || more(OpenKind::Str, start);
        let mut i = start + 1;
        while i < buf.len() && buf[i] != b'"' && buf[i] != b'\\' {
            i += 1;
        }
        if i >= buf.len() {
            return Err(unclosed());
        }
        if buf[i] == b'"' {
            let s = self.utf8(start + 1, i, "a string")?;
            self.pos = i + 1;
            push_value!(self, Value::Str(s.into()));
            return Ok(());
        }
        let mut out = String::with_capacity(i - start + 16);
        let mut seg = start + 1;
        loop {
            out.push_str(self.utf8(seg, i, "a string")?);
            if buf[i] == b'"' {
                self.pos = i + 1;
                self.scratch.push(Value::Str(out.into_boxed_str()));
                return Ok(());
            }
            // An escape at i.
            let Some(&e) = buf.get(i + 1) else {
                return Err(unclosed());
            };
            let (c, len) = match e {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'n' => ('\n', 2),
                b't' => ('\t', 2),
                b'r' => ('\r', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'u' => self.unicode_escape(i, start)?,
                _ => {
                    let shown = match utf8_char_at(buf, i + 1) {
                        Some(c) if !c.is_control() => c.to_string(),
                        _ => format!("(byte 0x{e:02x})"),
                    };
                    return Err(fail(i, format!("invalid escape \\{shown} in a string")));
                }
            };
            out.push(c);
            i += len;
            seg = i;
            while i < buf.len() && buf[i] != b'"' && buf[i] != b'\\' {
                i += 1;
            }
            if i >= buf.len() {
                return Err(unclosed());
            }
        }
    }

    /// `\uXXXX` (and a following low surrogate) at `at` in the string that starts at `start`.
    pub(super) fn unicode_escape(&self, at: usize, start: usize) -> Result<(char, usize), PErr> {
        let buf = self.buf;
        let hex4 = |from: usize| -> Result<Option<u32>, PErr> {
            let Some(h) = buf.get(from..from + 4) else {
                return Err(more(OpenKind::Str, start));
            };
            Ok(std::str::from_utf8(h)
                .ok()
                .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|s| u32::from_str_radix(s, 16).ok()))
        };
        let bad = |n: usize| {
            let text = String::from_utf8_lossy(&buf[at..(at + n).min(buf.len())]).into_owned();
            fail(at, format!("invalid escape {text} in a string (expected \\u and 4 hex digits)"))
        };
        let Some(u) = hex4(at + 2)? else {
            return Err(bad(6));
        };
        match u {
            0xd800..=0xdbff => {
                let lo = if buf.get(at + 6..at + 8) == Some(b"\\u") {
                    hex4(at + 8)?
                } else if buf.len() < at + 8 {
                    return Err(more(OpenKind::Str, start));
                } else {
                    None
                };
                match lo {
                    Some(lo @ 0xdc00..=0xdfff) => {
                        let c = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                        char::from_u32(c).map(|c| (c, 12)).ok_or_else(|| bad(12))
                    }
                    _ => Err(fail(
                        at,
                        format!("invalid escape \\u{u:04x} in a string: a high surrogate without a low one"),
                    )),
                }
            }
            0xdc00..=0xdfff => {
                Err(fail(at, format!("invalid escape \\u{u:04x} in a string: a low surrogate without a high one")))
            }
            _ => char::from_u32(u).map(|c| (c, 6)).ok_or_else(|| bad(6)),
        }
    }

    /// The end of the token of symbol bytes that starts at `from`.
    #[inline]
    pub(super) fn token_end(&self, from: usize) -> Result<usize, PErr> {
        let buf = self.buf;
        let mut i = from;
        while i < buf.len() && is_sym(buf[i]) {
            i += 1;
        }
        if i == buf.len() && !self.eof {
            return Err(more0());
        }
        Ok(i)
    }

    /// `:name`, at the colon.
    #[inline(never)]
    pub(super) fn keyword(&mut self, start: usize) -> Result<(), PErr> {
        let end = self.token_end(start + 1)?;
        if end == start + 1 {
            return Err(fail(
                start,
                format!("expected a keyword name after ':', found {}", describe(self.buf, start + 1)),
            ));
        }
        let b = match self.pools.keyword(&self.buf[start + 1..end]) {
            Some(b) => b,
            None => Box::from(self.utf8(start + 1, end, "a keyword")?),
        };
        self.pos = end;
        push_value!(self, Value::Keyword(b));
        Ok(())
    }

    /// A symbol, `nil`, `true` or `false`.
    #[inline(never)]
    pub(super) fn symbol(&mut self, start: usize) -> Result<(), PErr> {
        let end = self.token_end(start)?;
        let s = self.utf8(start, end, "a symbol")?;
        self.pos = end;
        push_value!(
            self,
            match s {
                "nil" => Value::Nil,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Symbol(s.into()),
            }
        );
        Ok(())
    }

    /// A number, at its sign or first digit. Plain decimal integers take the fast path.
    #[inline(never)]
    pub(super) fn number(&mut self, start: usize) -> Result<(), PErr> {
        let buf = self.buf;
        let mut i = start;
        let neg = buf[i] == b'-';
        if neg || buf[i] == b'+' {
            i += 1;
        }
        let mut v: u64 = 0;
        while i < buf.len() {
            let d = buf[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = match v.checked_mul(10).and_then(|x| x.checked_add(d as u64)) {
                Some(x) => x,
                None => return self.number_slow(start),
            };
            i += 1;
        }
        if i == buf.len() {
            if !self.eof {
                return Err(more0());
            }
        } else if is_sym(buf[i]) {
            return self.number_slow(start);
        }
        let n = if neg {
            if v > 1 << 63 {
                return self.number_slow(start);
            }
            (v as i64).wrapping_neg()
        } else {
            if v > i64::MAX as u64 {
                return self.number_slow(start);
            }
            v as i64
        };
        self.pos = i;
        push_value!(self, Value::Int(n));
        Ok(())
    }

    pub(super) fn number_slow(&mut self, start: usize) -> Result<(), PErr> {
        let end = self.token_end(start)?;
        let tok = &self.buf[start..end];
        match number_token(tok) {
            Some(v) => {
                self.pos = end;
                self.scratch.push(v);
                Ok(())
            }
            None => Err(fail(start, format!("invalid number {}", describe(self.buf, start)))),
        }
    }

    /// `\c`, `\newline`, `\uXXXX`…, at the backslash.
    #[inline(never)]
    pub(super) fn char_lit(&mut self, start: usize) -> Result<(), PErr> {
        let buf = self.buf;
        let p = start + 1;
        let Some(&b) = buf.get(p) else {
            return Err(self.more_or(start, || "expected a character after '\\', found end of input".to_string()));
        };
        let w = utf8_width(b);
        if w == 0 {
            return Err(fail(p, format!("invalid UTF-8 in a character literal (byte 0x{b:02x})")));
        }
        if p + w > buf.len() {
            return Err(self.more_or(p, || format!("invalid UTF-8 in a character literal (byte 0x{b:02x})")));
        }
        let Some(c) = utf8_char_at(buf, p) else {
            return Err(fail(p, format!("invalid UTF-8 in a character literal (byte 0x{b:02x})")));
        };
        if !b.is_ascii_alphanumeric() {
            self.pos = p + w;
            self.scratch.push(Value::Char(c));
            return Ok(());
        }
        let mut j = p + 1;
        while j < buf.len() && buf[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j == buf.len() && !self.eof {
            return Err(more0());
        }
        if j == p + 1 {
            self.pos = j;
            self.scratch.push(Value::Char(c));
            return Ok(());
        }
        match named_char(&buf[p..j]) {
            Some(c) => {
                self.pos = j;
                self.scratch.push(Value::Char(c));
                Ok(())
            }
            None => Err(fail(
                start,
                format!(
                    "invalid character literal \\{} (expected \\c, \\newline, \\space, \\tab, \\return, \\backspace, \\formfeed, \\uXXXX or \\oNNN)",
                    crate::error::quote_bytes(&buf[p..j], crate::error::QUOTE_CHARS)
                ),
            )),
        }
    }

    /// `#…`, at the `#`.
    #[inline(never)]
    pub(super) fn dispatch(&mut self, start: usize) -> Result<(), PErr> {
        let buf = self.buf;
        let Some(&c) = buf.get(start + 1) else {
            return Err(
                self.more_or(start, || "expected a tag, '#{', '#_' or '##' after '#', found end of input".to_string())
            );
        };
        match c {
            b'{' => self.seq(start, 2, b'}', OpenKind::Set),
            b'_' => {
                self.pos = start;
                self.discard()?;
                self.skip_ws()?;
                match buf.get(self.pos) {
                    None => Err(more(OpenKind::Discard, start)),
                    Some(&c) if is_closer(c) => Err(fail(self.pos, format!("expected a form, found '{}'", c as char))),
                    _ => self.value(),
                }
            }
            b'#' => {
                let end = self.token_end(start + 2)?;
                let v = match &buf[start + 2..end] {
                    b"Inf" => f64::INFINITY,
                    b"-Inf" => f64::NEG_INFINITY,
                    b"NaN" => f64::NAN,
                    _ => {
                        return Err(fail(
                            start,
                            format!(
                                "unknown symbolic value {} (expected ##Inf, ##-Inf or ##NaN)",
                                describe(buf, start)
                            ),
                        ))
                    }
                };
                self.pos = end;
                self.scratch.push(Value::Float(v));
                Ok(())
            }
            b':' => self.namespaced_map(start),
            c if c.is_ascii_alphabetic() || c >= 0x80 => self.tagged(start),
            _ => Err(fail(
                start + 1,
                format!("expected a tag, '#{{', '#_' or '##' after '#', found {}", describe(buf, start + 1)),
            )),
        }
    }
}

impl<'s, 'r> Parser<'s, 'r> {
    /// `#tag form`, at the `#`.
    pub(super) fn tagged(&mut self, start: usize) -> Result<(), PErr> {
        let end = self.token_end(start + 1)?;
        let tag = self.utf8(start + 1, end, "a tag")?;
        self.pos = end;
        self.enter(start)?;
        self.skip_ws().map_err(|e| e.within(OpenKind::Tag, start))?;
        match self.buf.get(self.pos) {
            None => return Err(more(OpenKind::Tag, start)),
            Some(&c) if is_closer(c) => {
                return Err(fail(
                    self.pos,
                    format!(
                        "expected a form after the tag #{}, found '{}'",
                        history::builder::shown_text(tag, crate::error::QUOTE_CHARS),
                        c as char
                    ),
                ))
            }
            _ => {}
        }
        let v = self.take_value().map_err(|e| e.within(OpenKind::Tag, start))?;
        self.depth -= 1;
        self.scratch.push(Value::Tagged(tag.into(), Box::new(v)));
        Ok(())
    }

    /// `#:ns{:a 1}`, at the `#`: a map whose unqualified keyword and symbol keys get the namespace.
    pub(super) fn namespaced_map(&mut self, start: usize) -> Result<(), PErr> {
        let end = self.token_end(start + 2)?;
        let ns = self.utf8(start + 2, end, "a namespace")?;
        if ns.is_empty() || ns.starts_with(':') {
            return Err(fail(start, "auto-resolved namespaced maps (#::{…}) cannot be read outside Clojure"));
        }
        self.pos = end;
        self.skip_ws().map_err(|e| e.within(OpenKind::Tag, start))?;
        match self.buf.get(self.pos) {
            None => return Err(more(OpenKind::Tag, start)),
            Some(b'{') => {}
            Some(_) => {
                return Err(fail(
                    self.pos,
                    format!(
                        "expected '{{' after #:{}, found {}",
                        history::builder::shown_text(ns, crate::error::QUOTE_CHARS),
                        describe(self.buf, self.pos)
                    ),
                ))
            }
        }
        self.map(self.pos)?;
        let Some(Value::Map(entries)) = self.scratch.pop() else {
            return Err(fail(start, "expected a map"));
        };
        let qualify = |s: &str| -> Box<str> {
            if let Some(rest) = s.strip_prefix("_/") {
                rest.into()
            } else if s.contains('/') {
                s.into()
            } else {
                format!("{ns}/{s}").into()
            }
        };
        self.scratch.push(Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Value::Keyword(s) => Value::Keyword(qualify(&s)),
                        Value::Symbol(s) => Value::Symbol(qualify(&s)),
                        k => k,
                    };
                    (k, v)
                })
                .collect(),
        ));
        Ok(())
    }
}

/// Moves the values above `base` off the stack into `dst` (emptied first).
/// A bitwise move rather than `dst.extend(stack.drain(base..))`, and
/// [`pair_up`] likewise: with both as drains (and [`Pools::take_buffers`]
/// too), the generic path took 0.25-0.65 s more CPU on the 1M-transaction
/// measurement described at `push_value!`.
#[allow(unsafe_code)]
pub(super) fn move_tail(stack: &mut Vec<Value>, base: usize, dst: &mut Vec<Value>) {
    let n = stack.len() - base;
    dst.clear();
    dst.reserve(n);
    // SAFETY: the stack forgets the n values above `base`, which are then
    // copied bitwise (moved) into `dst`, whose capacity is at least n.
    unsafe {
        stack.set_len(base);
        std::ptr::copy_nonoverlapping(stack.as_ptr().add(base), dst.as_mut_ptr(), n);
        dst.set_len(n);
    }
}

/// Moves the keys and values above `base` off the stack into map entries.
#[allow(unsafe_code)]
pub(super) fn pair_up(stack: &mut Vec<Value>, base: usize, entries: &mut Vec<(Value, Value)>) {
    let n = (stack.len() - base) / 2;
    // Every caller pushed whole pairs; anything else would be dropped here.
    stack.truncate(base + 2 * n);
    entries.clear();
    entries.reserve(n);
    // SAFETY: the stack forgets the 2n values above `base` (set_len first, so a
    // panic cannot drop them twice), then each is read exactly once and moved
    // into `entries`, whose capacity is n.
    unsafe {
        stack.set_len(base);
        let src = stack.as_ptr().add(base);
        let dst = entries.as_mut_ptr();
        for i in 0..n {
            std::ptr::write(dst.add(i), (std::ptr::read(src.add(2 * i)), std::ptr::read(src.add(2 * i + 1))));
        }
        entries.set_len(n);
    }
}
