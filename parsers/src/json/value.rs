//! The generic parser of one JSON value into a [`Value`], by the colon rule.

use super::lex::{control_char, describe, known_idx, utf8, Text};
use super::pool::Pool;
use super::MAX_DEPTH;
use crate::lex::{json_number, NumError, NumKind};
use history::{SrcPos, Value};

/// Why a parse stopped.
#[derive(Debug)]
pub(super) enum Fail {
    /// The buffer ended before the element did, and there is more input.
    More,
    /// A syntax error at this offset of the buffer (boxed to keep results small).
    At(Box<(usize, String)>),
}

#[cold]
pub(super) fn at(off: usize, msg: String) -> Fail {
    Fail::At(Box::new((off, msg)))
}

/// How strings in a position are read (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    /// Anywhere the colon rule applies.
    Generic,
    /// An element that is an op object if it is an object.
    Op,
    /// The value of `"type"` or `"f"`: a string is a keyword.
    Name,
}

/// Whether an element of `"value"` is a micro-op as the builder sees it: two or
/// three elements, the first naming `append`, `r` or `w`.
pub(super) fn is_mop(v: &Value) -> bool {
    match v {
        Value::Vector(parts) if (2..=3).contains(&parts.len()) => match &parts[0] {
            Value::Str(s) | Value::Keyword(s) => matches!(&**s, "append" | "r" | "w"),
            _ => false,
        },
        _ => false,
    }
}

/// elle-cli's rule 3: micro-op names become keywords.
pub(super) fn keywordize_mops(v: &mut Value) {
    let Value::Vector(items) = v else { return };
    if !items.first().is_some_and(is_mop) {
        return;
    }
    for item in items {
        if let Value::Vector(parts) = item {
            if let Some(first) = parts.first_mut() {
                if let Value::Str(s) = first {
                    let name = std::mem::take(s);
                    *first = Value::Keyword(name);
                }
            }
        }
    }
}

/// Fills a slot that holds the placeholder `nil` (without the call to drop the
/// placeholder that an assignment would make).
#[inline(always)]
pub(super) fn set(slot: &mut Value, v: Value) {
    debug_assert!(slot.is_nil());
    std::mem::forget(std::mem::replace(slot, v));
}

pub(super) fn count_chars(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

/// A recursive-descent JSON parser over one buffer, which keeps track of the
/// line and column as it goes (newlines can only be in whitespace).
pub(super) struct Parser<'b, 'p> {
    pub(super) b: &'b [u8],
    pub(super) pool: &'p mut Pool,
    pub(super) i: usize,
    /// Whether the buffer ends the input (else running off its end is [`Fail::More`]).
    pub(super) eof: bool,
    /// "the end of the file" or "the end of the line".
    pub(super) end_what: &'static str,
    pub(super) depth: u32,
    /// The line of `b[i]`.
    pub(super) line: u32,
    /// A known column on the current line: `b[memo_off]` is at column `memo_col`.
    pub(super) memo_off: usize,
    pub(super) memo_col: u32,
}

impl<'b, 'p> Parser<'b, 'p> {
    /// A parser of `b` from `start`, which is at `pos` in the file.
    pub(super) fn new(
        b: &'b [u8],
        pool: &'p mut Pool,
        start: usize,
        pos: SrcPos,
        eof: bool,
        end_what: &'static str,
    ) -> Self {
        Parser { b, pool, i: start, eof, end_what, depth: 0, line: pos.line, memo_off: start, memo_col: pos.col }
    }

    /// The position of `b[i]`.
    pub(super) fn pos_here(&mut self) -> SrcPos {
        let col = self.memo_col + count_chars(&self.b[self.memo_off..self.i]);
        self.memo_off = self.i;
        self.memo_col = col;
        SrcPos { line: self.line, col }
    }

    /// The input ended where `expected` was.
    #[cold]
    pub(super) fn end(&self, off: usize, expected: &str) -> Fail {
        if self.eof {
            at(off, format!("expected {expected}, found {}", self.end_what))
        } else {
            Fail::More
        }
    }

    #[cold]
    pub(super) fn unexpected(&self, off: usize, expected: &str) -> Fail {
        at(off, format!("expected {expected}, found {}", describe(self.b, off)))
    }

    #[inline(always)]
    pub(super) fn skip_ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.memo_off = self.i;
                    self.memo_col = 1;
                }
                _ => break,
            }
        }
    }

    /// The next non-space byte (not consumed).
    #[inline(always)]
    pub(super) fn peek(&mut self, expected: &str) -> Result<u8, Fail> {
        self.skip_ws();
        match self.b.get(self.i) {
            Some(&c) => Ok(c),
            None => Err(self.end(self.i, expected)),
        }
    }

    /// Parses a value into `slot` (values are built in place: moving them
    /// through return values costs more than parsing them).
    pub(super) fn value_to(&mut self, ctx: Ctx, slot: &mut Value) -> Result<(), Fail> {
        let c = self.peek("a value")?;
        match c {
            b'{' => self.object_to(ctx, slot),
            b'[' => self.array_to(slot),
            b'"' => {
                let s = self.string()?;
                set(
                    slot,
                    if ctx == Ctx::Name { Value::Keyword(self.pool.strip_name(s)) } else { self.pool.colon_string(s) },
                );
                Ok(())
            }
            b'-' | b'0'..=b'9' => self.number_to(slot),
            b't' => {
                self.literal("true")?;
                set(slot, Value::Bool(true));
                Ok(())
            }
            b'f' => {
                self.literal("false")?;
                set(slot, Value::Bool(false));
                Ok(())
            }
            b'n' => self.literal("null"),
            _ => Err(self.bad_value()),
        }
    }

    pub(super) fn value(&mut self, ctx: Ctx) -> Result<Value, Fail> {
        let mut v = Value::Nil;
        self.value_to(ctx, &mut v)?;
        Ok(v)
    }

    #[cold]
    pub(super) fn bad_value(&self) -> Fail {
        let off = self.i;
        let mut msg = format!(
            "expected a JSON value (an object, array, string, number, true, false or null), found {}",
            describe(self.b, off)
        );
        match self.b[off] {
            b':' => msg.push_str(" (this looks like EDN: use --format edn)"),
            b'\'' => msg.push_str(" (JSON strings are in double quotes)"),
            b']' | b'}' => msg.push_str(" (JSON allows no trailing comma)"),
            _ => {}
        }
        at(off, msg)
    }

    pub(super) fn literal(&mut self, word: &'static str) -> Result<(), Fail> {
        let w = word.as_bytes();
        let rest = &self.b[self.i..];
        let n = rest.len().min(w.len());
        if rest[..n] != w[..n] {
            let mut msg = format!("expected a JSON value, found {}", describe(self.b, self.i));
            if rest.starts_with(b"nil") {
                msg.push_str(" (JSON writes null)");
            }
            return Err(at(self.i, msg));
        }
        if n < w.len() {
            return Err(self.end(self.b.len(), &format!("the rest of '{word}'")));
        }
        self.i += w.len();
        Ok(())
    }

    pub(super) fn enter(&mut self) -> Result<(), Fail> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(at(self.i, format!("arrays and objects are nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    pub(super) fn array_to(&mut self, slot: &mut Value) -> Result<(), Fail> {
        self.enter()?;
        self.i += 1; // '['
        let mut items = self.pool.vec();
        if self.peek("a value or ']'")? == b']' {
            self.i += 1;
            self.depth -= 1;
            set(slot, Value::Vector(items));
            return Ok(());
        }
        loop {
            let n = items.len();
            items.push(Value::Nil);
            self.value_to(Ctx::Generic, &mut items[n])?;
            match self.peek("',' or ']' after an array element")? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.unexpected(self.i, "',' or ']' after an array element")),
            }
        }
        self.depth -= 1;
        set(slot, Value::Vector(items));
        Ok(())
    }

    pub(super) fn object_to(&mut self, ctx: Ctx, slot: &mut Value) -> Result<(), Fail> {
        self.enter()?;
        self.i += 1; // '{'
        let op = ctx == Ctx::Op;
        let mut entries = self.pool.map();
        if self.peek("a string key or '}'")? == b'}' {
            self.i += 1;
            self.depth -= 1;
            set(slot, Value::Map(entries));
            return Ok(());
        }
        loop {
            if self.peek("a string key")? != b'"' {
                let off = self.i;
                let mut e = self.unexpected(off, "a string key in double quotes");
                if let Fail::At(b) = &mut e {
                    if self.b[off] == b'}' {
                        b.1.push_str(" (JSON allows no trailing comma)");
                    }
                }
                return Err(e);
            }
            let k = self.string()?;
            if self.peek("':' after the key")? != b':' {
                return Err(self.unexpected(self.i, "':' after the key"));
            }
            self.i += 1;
            let n = entries.len();
            if op {
                let name = self.pool.strip_name(k);
                let field = match &*name {
                    "type" | "f" => 1,
                    "value" => 2,
                    _ => 0,
                };
                entries.push((Value::Keyword(name), Value::Nil));
                let slot = &mut entries[n].1;
                self.value_to(if field == 1 { Ctx::Name } else { Ctx::Generic }, slot)?;
                if field == 2 {
                    keywordize_mops(slot);
                }
            } else {
                let key = self.pool.colon_string(k);
                entries.push((key, Value::Nil));
                self.value_to(Ctx::Generic, &mut entries[n].1)?;
            }
            match self.peek("',' or '}' after an object member")? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.unexpected(self.i, "',' or '}' after an object member")),
            }
        }
        self.depth -= 1;
        set(slot, Value::Map(entries));
        Ok(())
    }

    /// A string; `self.b[self.i]` is its opening quote.
    pub(super) fn string(&mut self) -> Result<Text<'b>, Fail> {
        let start = self.i + 1;
        let b = self.b;
        let mut j = start;
        // Fast path: no escapes.
        loop {
            let Some(&c) = b.get(j) else { return Err(self.end(j, "a closing '\"'")) };
            if c == b'"' {
                let raw = &b[start..j];
                self.i = j + 1;
                if let Some(i) = known_idx(raw) {
                    return Ok(Text::Known(i));
                }
                return Ok(Text::Slice(utf8(b, start, j)?));
            }
            if c == b'\\' {
                break;
            }
            if c < 0x20 {
                return Err(control_char(j, c));
            }
            j += 1;
        }
        let mut out = String::with_capacity(j - start + 16);
        out.push_str(utf8(b, start, j)?);
        let mut seg = j;
        loop {
            let Some(&c) = b.get(j) else { return Err(self.end(j, "a closing '\"'")) };
            match c {
                b'"' => {
                    out.push_str(utf8(b, seg, j)?);
                    self.i = j + 1;
                    return Ok(Text::Owned(out));
                }
                b'\\' => {
                    out.push_str(utf8(b, seg, j)?);
                    let Some(&e) = b.get(j + 1) else { return Err(self.end(j + 1, "an escape after '\\'")) };
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let (ch, len) = self.unicode_escape(j)?;
                            out.push(ch);
                            j += len;
                            seg = j;
                            continue;
                        }
                        _ => {
                            return Err(at(
                                j,
                                format!(
                                "expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX), found '\\' then {}",
                                describe(b, j + 1)
                            ),
                            ))
                        }
                    };
                    out.push(ch);
                    j += 2;
                    seg = j;
                }
                c if c < 0x20 => return Err(control_char(j, c)),
                _ => j += 1,
            }
        }
    }

    /// `\uXXXX` (or a surrogate pair) at `j`; returns the char and the bytes used.
    pub(super) fn unicode_escape(&self, j: usize) -> Result<(char, usize), Fail> {
        let hex4 = |off: usize| -> Result<u32, Fail> {
            let Some(digits) = self.b.get(off..off + 4) else {
                // Fewer than four bytes left: more input may complete them.
                let have = &self.b[off.min(self.b.len())..];
                if have.iter().all(u8::is_ascii_hexdigit) {
                    return Err(self.end(self.b.len(), "four hex digits after '\\u'"));
                }
                return Err(at(off, "expected four hex digits after '\\u'".into()));
            };
            let mut n = 0u32;
            for (k, &d) in digits.iter().enumerate() {
                let v = (d as char).to_digit(16).ok_or_else(|| {
                    at(off + k, format!("expected four hex digits after '\\u', found {}", describe(self.b, off + k)))
                })?;
                n = n * 16 + v;
            }
            Ok(n)
        };
        let hi = hex4(j + 2)?;
        if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by \u and a low one.
            let half = || {
                at(j, format!("the escape \\u{hi:04X} is half of a surrogate pair, but the other half does not follow"))
            };
            match self.b.get(j + 6..j + 8) {
                Some(b"\\u") => {}
                Some(_) => return Err(half()),
                None => {
                    let have = &self.b[(j + 6).min(self.b.len())..];
                    if b"\\u".starts_with(have) {
                        return Err(self.end(self.b.len(), "the second half of a surrogate pair"));
                    }
                    return Err(half());
                }
            }
            let lo = hex4(j + 8)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(at(j, format!("the escapes \\u{hi:04X}\\u{lo:04X} are not a valid surrogate pair")));
            }
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return Ok((char::from_u32(c).unwrap_or('\u{FFFD}'), 12));
        }
        match char::from_u32(hi) {
            Some(c) => Ok((c, 6)),
            None => Err(at(j, format!("the escape \\u{hi:04X} is a lone low surrogate, not a character"))),
        }
    }

    pub(super) fn number_to(&mut self, slot: &mut Value) -> Result<(), Fail> {
        let b = self.b;
        let start = self.i;
        // A missing digit is "found the end" at the end of the buffer, else
        // "found" what is there.
        let missing = |at: usize, expected: &str| {
            if at == b.len() {
                self.end(at, expected)
            } else {
                self.unexpected(at, expected)
            }
        };
        let (kind, j) = match json_number(b, start) {
            Ok(n) => n,
            Err(NumError::Digit(at)) => return Err(missing(at, "a digit after '-'")),
            Err(NumError::LeadingZero(_)) => return Err(at(start, "JSON numbers cannot have leading zeros".into())),
            Err(NumError::Fraction(at)) => return Err(missing(at, "a digit after the decimal point")),
            Err(NumError::Exponent(at)) => return Err(missing(at, "a digit in the exponent")),
        };
        if j == b.len() && !self.eof {
            // The number may go on in the next chunk.
            return Err(Fail::More);
        }
        self.i = j;
        // The span is ASCII (digits, signs, '.', 'e').
        let text = || std::str::from_utf8(&b[start..j]).unwrap_or("0");
        let v = match kind {
            NumKind::Int(n) => Value::Int(n),
            NumKind::BigInt => Value::BigInt(text().into()),
            NumKind::Float => Value::Float(text().parse::<f64>().unwrap_or(f64::NAN)),
        };
        set(slot, v);
        Ok(())
    }
}
