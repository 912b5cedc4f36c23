//! elle-cli JSON (one top-level array of op objects) and JSON Lines (one op object
//! per line): streaming readers and writers.
//!
//! # The JSON ↔ EDN convention
//!
//! JSON has no keywords, so histcheck follows elle-cli's convention and extends it
//! so that everything else survives a round trip as well.
//!
//! Reading:
//!
//! - The keys of an op object are field names: `"index"` is the keyword `:index`,
//!   `"type"` is `:type`, and so on (`":index"` is accepted too).
//! - The string values of `"type"` and `"f"` are keywords: `"ok"` is `:ok`,
//!   `"txn"` is `:txn` (`":ok"` is accepted too).
//! - When `"value"` is an array whose first element is a micro-op (an array of two
//!   or three elements starting with `"append"`, `"r"` or `"w"`), the first element
//!   of every micro-op that starts with a string becomes a keyword: `"append"` is
//!   `:append`.
//! - Everywhere else (micro-op keys and values, `"process"`, other fields, keys of
//!   nested objects) a string `":name"` (a colon, then at least one character that
//!   is not a colon) is the keyword `:name`; a string starting with `"::"` is the
//!   string with one colon removed (`"::x"` is the string `":x"`); every other
//!   string is a string. So `"x"` is the string `"x"`, a different key from `:x`,
//!   as in elle-cli.
//! - Integers are integers, or big integers beyond 64 bits (kept exactly); numbers
//!   with a fraction or an exponent are doubles; `null` is nil; arrays are vectors;
//!   objects are maps.
//!
//! Writing is the inverse: op field names, `type`/`f` keywords and micro-op names
//! are written as plain strings; other keywords as `":name"`; strings that start
//! with `:` get one more colon. What JSON cannot hold is written as the closest
//! thing, and [`lossy_constructs`] lists it so the CLI can warn: lists and sets
//! become arrays, symbols and characters strings, tagged literals `#tag v` their
//! value `v`, decimals (`1.5M`) and big integers that fit 64 bits (`1N`) plain
//! numbers, NaN and infinities `null`, map keys that are neither strings nor
//! keywords strings. Everything else converts EDN → JSON → EDN to an equal history.
//!
//! # Streaming
//!
//! Neither reader holds the file or a document tree of it. The parser works
//! through the [`Source`] buffer one op object at a time, builds each into a
//! [`Value`], hands it to the sink with its position and then recycles it (its
//! vectors and common names are reused for the next op: see `Pool`). When an
//! object runs past the end of the buffer, what came before it is consumed, the
//! buffer refilled, and the object parsed again from its start. Line and column
//! are tracked by the parser itself (newlines can only be in whitespace), so the
//! buffer is consumed once per chunk, not once per op.
//!
//! [`read_array_into`] and [`read_lines_into`] (what [`crate::read_history`]
//! uses) go one step further, as the EDN reader does: an op object of the common
//! shape (`"index"`, `"time"`, `"type"`, `"process"`, `"f"` and a `"value"` of
//! `["append"|"r"|"w", k, v]` micro-ops with integer, `null` or unescaped string
//! keys and values) is decoded straight into the [`HistoryBuilder`] without a
//! [`Value`]; any other field's value is parsed as a [`Value`] and kept as an
//! extra field. Anything unusual, and any op the builder rejects, is read again
//! from its first byte by the generic path, so results and errors are the same.
//!
//! The parser is hand-written rather than serde_json's: serde_json turns integers
//! beyond 64 bits into doubles and reports errors relative to the slice it was
//! given, and its `Value` would have to be converted again; this one builds
//! histcheck's values directly, keeps big integers exactly, and says where the
//! problem is and what was expected there.

use crate::fast::{self, text, FField, FMop, FVal, Fast, Lit};
use crate::{InputError, OpSink, Source};
use history::builder::Shown;
use history::{
    Atom, AtomRef, History, HistoryBuilder, Id, MopKind, MopVal, Op, OpError, OpType, OpValue, Process, SrcPos, Value,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Deepest nesting of arrays and objects accepted (deeper input is an error, not a stack overflow).
const MAX_DEPTH: u32 = 256;

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Why a parse stopped.
#[derive(Debug)]
enum Fail {
    /// The buffer ended before the element did, and there is more input.
    More,
    /// A syntax error at this offset of the buffer (boxed to keep results small).
    At(Box<(usize, String)>),
}

#[cold]
fn at(off: usize, msg: String) -> Fail {
    Fail::At(Box::new((off, msg)))
}

/// How strings in a position are read (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Anywhere the colon rule applies.
    Generic,
    /// An element that is an op object if it is an object.
    Op,
    /// The value of `"type"` or `"f"`: a string is a keyword.
    Name,
}

/// Describes the input at an offset for "found …" in messages.
pub(crate) fn describe(b: &[u8], i: usize) -> String {
    let Some(&c) = b.get(i) else { return "nothing".into() };
    match c {
        b'\n' => "a line break".into(),
        b'\r' => "a carriage return".into(),
        b'\t' => "a tab".into(),
        b' ' => "a space".into(),
        b'"' => "'\"'".into(),
        c if c.is_ascii_alphabetic() => {
            let n = b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            format!("'{}'", crate::error::quote_bytes(&b[i..i + n], 20))
        }
        c if c.is_ascii_graphic() => format!("'{}'", c as char),
        c if c < 0x80 => format!("the control character U+{c:04X}"),
        _ => {
            let end = (i + 4).min(b.len());
            match String::from_utf8_lossy(&b[i..end]).chars().next() {
                Some(ch) if ch != '\u{FFFD}' => format!("'{ch}'"),
                _ => format!("the byte 0x{c:02X}, which is not UTF-8"),
            }
        }
    }
}

/// The names that come up in nearly every op, recognized without validating or
/// copying them, and recycled from op to op (see [`Pool`]).
const KNOWN: [&str; 15] = [
    "index", "time", "type", "process", "f", "value", "invoke", "ok", "fail", "info", "txn", "append", "r", "w",
    "error",
];

/// The index of a name in [`KNOWN`] (compared as integers, not with `memcmp`).
#[inline(always)]
fn known_idx(s: &[u8]) -> Option<usize> {
    fn is<const N: usize>(s: &[u8], name: &[u8; N]) -> bool {
        <&[u8; N]>::try_from(s).is_ok_and(|a| a == name)
    }
    let i = match s.len() {
        1 => match s[0] {
            b'f' => 4,
            b'r' => 12,
            b'w' => 13,
            _ => return None,
        },
        2 if is(s, b"ok") => 7,
        3 if is(s, b"txn") => 10,
        4 if is(s, b"time") => 1,
        4 if is(s, b"type") => 2,
        4 if is(s, b"fail") => 8,
        4 if is(s, b"info") => 9,
        5 if is(s, b"index") => 0,
        5 if is(s, b"value") => 5,
        5 if is(s, b"error") => 14,
        6 if is(s, b"invoke") => 6,
        6 if is(s, b"append") => 11,
        7 if is(s, b"process") => 3,
        _ => return None,
    };
    Some(i)
}

/// A parsed string.
enum Text<'b> {
    /// One of [`KNOWN`].
    Known(usize),
    /// Straight from the input (no escapes).
    Slice(&'b str),
    /// With escapes resolved.
    Owned(String),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Known(i) => KNOWN[*i],
            Text::Slice(s) => s,
            Text::Owned(s) => s,
        }
    }
}

/// Most of the time spent reading would go to allocating and freeing the small
/// vectors and strings of each op's [`Value`]; instead, once the sink has seen an
/// op, its vectors and common names go back to this pool for the next op.
#[derive(Default)]
struct Pool {
    vecs: Vec<Vec<Value>>,
    maps: Vec<Vec<(Value, Value)>>,
    names: [Vec<Box<str>>; KNOWN.len()],
    /// The fast path's record of the op it is reading.
    fast: Fast,
}

/// Pool limits: how many of each are kept, and the largest vector kept.
const POOL_LEN: usize = 256;
const POOL_CAP: usize = 256;

impl Pool {
    #[inline]
    fn name(&mut self, i: usize) -> Box<str> {
        self.names[i].pop().unwrap_or_else(|| KNOWN[i].into())
    }

    fn boxed(&mut self, t: Text<'_>) -> Box<str> {
        match t {
            Text::Known(i) => self.name(i),
            Text::Slice(s) => s.into(),
            Text::Owned(s) => s.into_boxed_str(),
        }
    }

    /// A string value by the colon rule.
    fn colon_string(&mut self, t: Text<'_>) -> Value {
        let b = t.as_str().as_bytes();
        if b.len() >= 2 && b[0] == b':' {
            let rest = &t.as_str()[1..];
            return if b[1] != b':' { Value::Keyword(self.short(rest)) } else { Value::Str(rest.into()) };
        }
        Value::Str(self.boxed(t))
    }

    /// A name (`"ok"` or `":ok"`) without its colon.
    fn strip_name(&mut self, t: Text<'_>) -> Box<str> {
        let b = t.as_str().as_bytes();
        if b.len() >= 2 && b[0] == b':' && b[1] != b':' {
            self.short(&t.as_str()[1..])
        } else {
            self.boxed(t)
        }
    }

    fn short(&mut self, s: &str) -> Box<str> {
        match known_idx(s.as_bytes()) {
            Some(i) => self.name(i),
            None => s.into(),
        }
    }

    #[inline]
    fn vec(&mut self) -> Vec<Value> {
        self.vecs.pop().unwrap_or_default()
    }

    #[inline]
    fn map(&mut self) -> Vec<(Value, Value)> {
        self.maps.pop().unwrap_or_else(|| Vec::with_capacity(8))
    }

    /// Takes a value apart, keeping its vectors and common names.
    fn recycle(&mut self, v: Value) {
        match v {
            Value::Vector(mut items) => {
                for x in items.drain(..) {
                    self.recycle_leaf(x);
                }
                if self.vecs.len() < POOL_LEN && items.capacity() <= POOL_CAP {
                    self.vecs.push(items);
                }
            }
            Value::Map(mut entries) => {
                for (k, x) in entries.drain(..) {
                    self.recycle_leaf(k);
                    self.recycle_leaf(x);
                }
                if self.maps.len() < POOL_LEN && entries.capacity() <= POOL_CAP {
                    self.maps.push(entries);
                }
            }
            other => self.recycle_leaf(other),
        }
    }

    /// [`Pool::recycle`] with the common leaves handled in line.
    #[inline(always)]
    fn recycle_leaf(&mut self, v: Value) {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => {}
            Value::Keyword(s) | Value::Str(s) => {
                if let Some(i) = known_idx(s.as_bytes()) {
                    if self.names[i].len() < POOL_LEN {
                        self.names[i].push(s);
                    }
                }
            }
            v @ (Value::Vector(_) | Value::Map(_)) => self.recycle(v),
            other => drop(other),
        }
    }
}

/// Whether an element of `"value"` is a micro-op as the builder sees it: two or
/// three elements, the first naming `append`, `r` or `w`.
fn is_mop(v: &Value) -> bool {
    match v {
        Value::Vector(parts) if (2..=3).contains(&parts.len()) => match &parts[0] {
            Value::Str(s) | Value::Keyword(s) => matches!(&**s, "append" | "r" | "w"),
            _ => false,
        },
        _ => false,
    }
}

/// elle-cli's rule 3: micro-op names become keywords.
fn keywordize_mops(v: &mut Value) {
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
fn set(slot: &mut Value, v: Value) {
    debug_assert!(slot.is_nil());
    std::mem::forget(std::mem::replace(slot, v));
}

// ---------------------------------------------------------------------------
// The fast path: common op objects decoded straight into the builder

/// A name (`"ok"` or `":ok"`, as [`Pool::strip_name`] reads it) as a range.
fn strip_range(buf: &[u8], s: usize, e: usize) -> (usize, usize) {
    if e - s >= 2 && buf[s] == b':' && buf[s + 1] != b':' {
        (s + 1, e)
    } else {
        (s, e)
    }
}

/// A non-negative integer at `i` as [`Parser::fast_lit`] reads it (at most
/// 18 digits, no leading zero, not followed by more of a number), and the
/// position after it.
#[inline(always)]
fn quick_int(b: &[u8], i: usize) -> Option<(i64, usize)> {
    let d = b.get(i)?.wrapping_sub(b'0');
    if d > 9 {
        return None;
    }
    let lim = b.len().min(i + 18);
    let mut v = d as i64;
    let mut j = i + 1;
    while j < lim {
        let d = b[j].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + d as i64;
        j += 1;
    }
    let c = *b.get(j)?;
    if (d == 0 && j > i + 1) || matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E') {
        return None;
    }
    Some((v, j))
}

/// A string at `i` of printable ASCII without escapes, not starting with a
/// colon: the range of its text and the position after it.
#[inline(always)]
fn quick_name(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    if *b.get(i)? != b'"' {
        return None;
    }
    let s = i + 1;
    let mut j = s;
    loop {
        let c = *b.get(j)?;
        if c == b'"' {
            break;
        }
        if !(0x20..0x7f).contains(&c) || c == b'\\' {
            return None;
        }
        j += 1;
    }
    (j > s && b[s] != b':').then_some((s, j, j + 1))
}

/// One member of an op object at `i` in its usual spelling: `"index"`,
/// `"time"` or `"process"` with a non-negative integer, `"type"` or `"f"`
/// with a plain string, without spaces. Read without the general steps of
/// [`Parser::fast_op`], which reads these the same way (and everything else).
#[inline(always)]
fn quick_field(b: &[u8], i: usize) -> Option<(FField, usize)> {
    if *b.get(i)? != b'"' {
        return None;
    }
    let (code, n) = match *b.get(i + 1)? {
        b'i' if b.get(i..i + 8)? == b"\"index\":" => (b'i', 8),
        b't' if b.get(i..i + 7)? == b"\"time\":" => (b't', 7),
        b't' if b.get(i..i + 7)? == b"\"type\":" => (b'y', 7),
        b'p' if b.get(i..i + 10)? == b"\"process\":" => (b'p', 10),
        b'f' if b.get(i..i + 4)? == b"\"f\":" => (b'f', 4),
        _ => return None,
    };
    let i = i + n;
    match code {
        b'i' => quick_int(b, i).map(|(v, j)| (FField::Index(v as u64), j)),
        b't' => quick_int(b, i).map(|(v, j)| (FField::Time(Some(v)), j)),
        b'p' => quick_int(b, i).map(|(v, j)| (FField::Process(Lit::Int(v)), j)),
        b'y' => {
            let (s, e, j) = quick_name(b, i)?;
            let t = match &b[s..e] {
                b"invoke" => OpType::Invoke,
                b"ok" => OpType::Ok,
                b"fail" => OpType::Fail,
                b"info" => OpType::Info,
                _ => return None,
            };
            Some((FField::Type(t), j))
        }
        _ => quick_name(b, i).map(|(s, e, j)| (FField::F(Lit::Kw(s, e)), j)),
    }
}

/// One micro-op at `i` in its usual spelling: `["append",k,v]`, `["w",k,v]`,
/// `["r",k,null]` or `["r",k,[v,…]]` with non-negative integers and no
/// spaces, read without the general steps of [`Parser::fast_txn`] (which
/// reads these the same way, and everything else). Read list elements are
/// pushed onto `ints`; on `None` they are not.
#[inline(always)]
fn quick_mop(b: &[u8], i: usize, ints: &mut Vec<i64>) -> Option<(FMop, usize)> {
    let (kind, n) = match b.get(i..i + 5)? {
        b"[\"r\"," => (MopKind::Read, 5),
        b"[\"w\"," => (MopKind::Write, 5),
        _ if b.get(i..i + 10)? == b"[\"append\"," => (MopKind::Append, 10),
        _ => return None,
    };
    let (key, j) = quick_int(b, i + n)?;
    if b[j] != b',' {
        return None;
    }
    let mut i = j + 1;
    let val = match *b.get(i)? {
        b'[' if kind == MopKind::Read => {
            let from = ints.len();
            i += 1;
            // `[]`, or integers each followed by a comma and another, or the `]`.
            let ok = if b.get(i) == Some(&b']') {
                i += 1;
                true
            } else {
                loop {
                    match quick_int(b, i) {
                        Some((v, j)) => {
                            ints.push(v);
                            match b[j] {
                                b',' => i = j + 1,
                                b']' => {
                                    i = j + 1;
                                    break true;
                                }
                                _ => break false,
                            }
                        }
                        None => break false,
                    }
                }
            };
            if !ok {
                ints.truncate(from);
                return None;
            }
            FVal::Ints(from, ints.len() - from)
        }
        b'n' if b.get(i..i + 4)? == b"null" => {
            i += 4;
            FVal::Nil
        }
        _ => {
            let (v, j) = quick_int(b, i)?;
            i = j;
            FVal::Atom(Lit::Int(v))
        }
    };
    if b.get(i) == Some(&b']') {
        Some((FMop { kind, key: Lit::Int(key), val }, i + 1))
    } else {
        if let FVal::Ints(from, _) = val {
            ints.truncate(from);
        }
        None
    }
}

/// Where a parser is, to go back to the start of an op.
#[derive(Clone, Copy)]
struct Mark {
    i: usize,
    line: u32,
    memo_off: usize,
    memo_col: u32,
    depth: u32,
}

/// Where a reader hands op objects.
enum Target<'a, 'b> {
    Sink(&'a mut OpSink<'b>),
    Builder(&'a mut HistoryBuilder),
}

impl Target<'_, '_> {
    fn push(&mut self, v: &Value, pos: SrcPos) -> Result<(), OpError> {
        match self {
            Target::Sink(sink) => sink(v, pos),
            Target::Builder(b) => b.push(v, pos),
        }
    }
}

fn count_chars(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

/// A recursive-descent JSON parser over one buffer, which keeps track of the
/// line and column as it goes (newlines can only be in whitespace).
struct Parser<'b, 'p> {
    b: &'b [u8],
    pool: &'p mut Pool,
    i: usize,
    /// Whether the buffer ends the input (else running off its end is [`Fail::More`]).
    eof: bool,
    /// "the end of the file" or "the end of the line".
    end_what: &'static str,
    depth: u32,
    /// The line of `b[i]`.
    line: u32,
    /// A known column on the current line: `b[memo_off]` is at column `memo_col`.
    memo_off: usize,
    memo_col: u32,
}

impl<'b, 'p> Parser<'b, 'p> {
    /// A parser of `b` from `start`, which is at `pos` in the file.
    fn new(b: &'b [u8], pool: &'p mut Pool, start: usize, pos: SrcPos, eof: bool, end_what: &'static str) -> Self {
        Parser { b, pool, i: start, eof, end_what, depth: 0, line: pos.line, memo_off: start, memo_col: pos.col }
    }

    /// The position of `b[i]`.
    fn pos_here(&mut self) -> SrcPos {
        let col = self.memo_col + count_chars(&self.b[self.memo_off..self.i]);
        self.memo_off = self.i;
        self.memo_col = col;
        SrcPos { line: self.line, col }
    }

    /// The input ended where `expected` was.
    #[cold]
    fn end(&self, off: usize, expected: &str) -> Fail {
        if self.eof {
            at(off, format!("expected {expected}, found {}", self.end_what))
        } else {
            Fail::More
        }
    }

    #[cold]
    fn unexpected(&self, off: usize, expected: &str) -> Fail {
        at(off, format!("expected {expected}, found {}", describe(self.b, off)))
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
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
    fn peek(&mut self, expected: &str) -> Result<u8, Fail> {
        self.skip_ws();
        match self.b.get(self.i) {
            Some(&c) => Ok(c),
            None => Err(self.end(self.i, expected)),
        }
    }

    /// Parses a value into `slot` (values are built in place: moving them
    /// through return values costs more than parsing them).
    fn value_to(&mut self, ctx: Ctx, slot: &mut Value) -> Result<(), Fail> {
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

    fn value(&mut self, ctx: Ctx) -> Result<Value, Fail> {
        let mut v = Value::Nil;
        self.value_to(ctx, &mut v)?;
        Ok(v)
    }

    #[cold]
    fn bad_value(&self) -> Fail {
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

    fn literal(&mut self, word: &'static str) -> Result<(), Fail> {
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

    fn enter(&mut self) -> Result<(), Fail> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(at(self.i, format!("arrays and objects are nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn array_to(&mut self, slot: &mut Value) -> Result<(), Fail> {
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

    fn object_to(&mut self, ctx: Ctx, slot: &mut Value) -> Result<(), Fail> {
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
    fn string(&mut self) -> Result<Text<'b>, Fail> {
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
    fn unicode_escape(&self, j: usize) -> Result<(char, usize), Fail> {
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

    fn number_to(&mut self, slot: &mut Value) -> Result<(), Fail> {
        let b = self.b;
        let start = self.i;
        let mut j = start;
        let neg = b[j] == b'-';
        if neg {
            j += 1;
        }
        let mut acc: u64 = 0;
        let mut overflow = false;
        match b.get(j) {
            None => return Err(self.end(j, "a digit after '-'")),
            Some(b'0') => {
                j += 1;
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    return Err(at(start, "JSON numbers cannot have leading zeros".into()));
                }
            }
            Some(c) if c.is_ascii_digit() => {
                let first = j;
                while let Some(&d) = b.get(j) {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    acc = acc.wrapping_mul(10).wrapping_add((d - b'0') as u64);
                    j += 1;
                }
                // 19 digits always fit in a u64; more never fit in an i64.
                overflow = j - first > 19;
            }
            Some(_) => return Err(self.unexpected(j, "a digit after '-'")),
        }
        let mut float = false;
        if b.get(j) == Some(&b'.') {
            float = true;
            j = self.digits(j + 1, "a digit after the decimal point")?;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            float = true;
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            j = self.digits(j, "a digit in the exponent")?;
        }
        if j == b.len() && !self.eof {
            // The number may go on in the next chunk.
            return Err(Fail::More);
        }
        self.i = j;
        const MIN_MAG: u64 = 1 << 63;
        let v = match (float, overflow, neg) {
            (false, false, false) if acc <= i64::MAX as u64 => Value::Int(acc as i64),
            (false, false, true) if acc < MIN_MAG => Value::Int(-(acc as i64)),
            (false, false, true) if acc == MIN_MAG => Value::Int(i64::MIN),
            _ => {
                // The span is ASCII (digits, signs, '.', 'e').
                let text = std::str::from_utf8(&b[start..j]).unwrap_or("0");
                if float {
                    Value::Float(text.parse::<f64>().unwrap_or(f64::NAN))
                } else {
                    Value::BigInt(text.into())
                }
            }
        };
        set(slot, v);
        Ok(())
    }

    fn digits(&self, mut j: usize, expected: &str) -> Result<usize, Fail> {
        match self.b.get(j) {
            None => return Err(self.end(j, expected)),
            Some(c) if c.is_ascii_digit() => {}
            Some(_) => return Err(self.unexpected(j, expected)),
        }
        while self.b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        Ok(j)
    }
}

/// The fast path (see the EDN reader's, which this mirrors).
impl Parser<'_, '_> {
    fn mark(&self) -> Mark {
        Mark { i: self.i, line: self.line, memo_off: self.memo_off, memo_col: self.memo_col, depth: self.depth }
    }

    fn reset(&mut self, m: Mark) {
        self.i = m.i;
        self.line = m.line;
        self.memo_off = m.memo_off;
        self.memo_col = m.memo_col;
        self.depth = m.depth;
    }

    /// Reads an op object at `{` into `pool.fast`; `Ok(false)` when it is not of
    /// the common shape. A syntax error (`Fail::At`) means the same: the caller
    /// goes back to the op's start and reads it generically, which reports it.
    fn fast_op(&mut self) -> Result<bool, Fail> {
        let b = self.b;
        self.pool.fast.clear();
        self.i += 1; // '{'
        self.depth += 1;
        self.skip_ws();
        match b.get(self.i) {
            None => return Err(self.end(self.i, "a string key or '}'")),
            Some(b'}') => {
                self.i += 1;
                self.depth -= 1;
                return Ok(true);
            }
            _ => {}
        }
        loop {
            self.skip_ws();
            match quick_field(b, self.i) {
                Some((field, end)) => {
                    self.pool.fast.fields.push(field);
                    self.i = end;
                }
                None => {
                    if !self.fast_field()? {
                        return Ok(false);
                    }
                }
            }
            self.skip_ws();
            match b.get(self.i) {
                None => return Err(self.end(self.i, "',' or '}' after an object member")),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(true);
                }
                Some(_) => return Ok(false),
            }
        }
    }

    /// One member of an op object for [`Self::fast_op`], into `pool.fast`;
    /// `false` when it is not of the common shape.
    fn fast_field(&mut self) -> Result<bool, Fail> {
        let b = self.b;
        let Some((ks, ke)) = self.fast_str()? else { return Ok(false) };
        if ks < ke && b[ks] == b':' {
            return Ok(false);
        }
        self.skip_ws();
        match b.get(self.i) {
            None => return Err(self.end(self.i, "':' after the key")),
            Some(b':') => self.i += 1,
            Some(_) => return Ok(false),
        }
        self.skip_ws();
        if self.i == b.len() {
            return Err(self.end(self.i, "a value"));
        }
        let field = match &b[ks..ke] {
            b"index" => match self.fast_lit()? {
                Some(Lit::Int(i)) if i >= 0 => FField::Index(i as u64),
                _ => return Ok(false),
            },
            b"time" => match self.fast_lit()? {
                Some(Lit::Int(t)) => FField::Time(Some(t)),
                Some(Lit::Nil) => FField::Time(None),
                _ => return Ok(false),
            },
            b"type" => match self.fast_str()? {
                Some((s, e)) => {
                    let (s, e) = strip_range(b, s, e);
                    match OpType::from_name(text(b, s, e)) {
                        Some(t) => FField::Type(t),
                        None => return Ok(false),
                    }
                }
                None => return Ok(false),
            },
            b"process" => match self.fast_lit()? {
                Some(l) => FField::Process(l),
                None => {
                    let v = self.value(Ctx::Generic)?;
                    FField::ProcessV(self.fast_keep(v))
                }
            },
            b"f" => match self.fast_str()? {
                Some((s, e)) => {
                    let (s, e) = strip_range(b, s, e);
                    FField::F(Lit::Kw(s, e))
                }
                None => {
                    let v = self.value(Ctx::Name)?;
                    FField::FV(self.fast_keep(v))
                }
            },
            b"value" => {
                let m = self.mark();
                let (nm, nr, ni) = (self.pool.fast.mops.len(), self.pool.fast.reads.len(), self.pool.fast.ints.len());
                if self.fast_txn()? {
                    FField::Txn
                } else {
                    self.reset(m);
                    self.pool.fast.mops.truncate(nm);
                    self.pool.fast.reads.truncate(nr);
                    self.pool.fast.ints.truncate(ni);
                    let mut v = self.value(Ctx::Generic)?;
                    keywordize_mops(&mut v);
                    FField::ValueV(self.fast_keep(v))
                }
            }
            _ => {
                let v = self.value(Ctx::Generic)?;
                FField::Extra(ks, ke, self.fast_keep(v))
            }
        };
        self.pool.fast.fields.push(field);
        Ok(true)
    }

    fn fast_keep(&mut self, v: Value) -> usize {
        self.pool.fast.vals.push(v);
        self.pool.fast.vals.len() - 1
    }

    /// A string without escapes or control characters at `self.i`: its range
    /// (without the quotes). `None`, with the position unchanged, for anything else.
    #[inline]
    fn fast_str(&mut self) -> Result<Option<(usize, usize)>, Fail> {
        let b = self.b;
        let start = self.i;
        match b.get(start) {
            None => return Err(self.end(start, "a value")),
            Some(b'"') => {}
            Some(_) => return Ok(None),
        }
        let s = start + 1;
        let mut j = s;
        while let Some(&c) = b.get(j) {
            if c == b'"' {
                if !b[s..j].is_ascii() && std::str::from_utf8(&b[s..j]).is_err() {
                    return Ok(None);
                }
                self.i = j + 1;
                return Ok(Some((s, j)));
            }
            if c == b'\\' || c < 0x20 {
                return Ok(None);
            }
            j += 1;
        }
        Err(self.end(j, "a closing '\"'"))
    }

    /// An integer of up to 18 digits, `null`, or a string without escapes (by
    /// the colon rule); `None`, with the position unchanged, for anything else.
    #[inline]
    fn fast_lit(&mut self) -> Result<Option<Lit>, Fail> {
        let b = self.b;
        let start = self.i;
        let Some(&c) = b.get(start) else { return Err(self.end(start, "a value")) };
        match c {
            b'0'..=b'9' | b'-' => {
                let neg = c == b'-';
                let from = start + neg as usize;
                let lim = b.len().min(from + 18);
                let mut j = from;
                let mut v: i64 = 0;
                while j < lim && b[j].is_ascii_digit() {
                    v = v * 10 + (b[j] - b'0') as i64;
                    j += 1;
                }
                if j == b.len() {
                    return Err(self.end(j, "more of the number"));
                }
                if j == from || (b[from] == b'0' && j > from + 1) || matches!(b[j], b'0'..=b'9' | b'.' | b'e' | b'E') {
                    return Ok(None);
                }
                self.i = j;
                Ok(Some(Lit::Int(if neg { -v } else { v })))
            }
            b'"' => {
                let Some((s, e)) = self.fast_str()? else { return Ok(None) };
                if e - s >= 2 && b[s] == b':' {
                    return Ok(Some(if b[s + 1] != b':' { Lit::Kw(s + 1, e) } else { Lit::Str(s + 1, e) }));
                }
                Ok(Some(Lit::Str(s, e)))
            }
            b'n' => {
                let rest = &b[start..];
                if rest.starts_with(b"null") {
                    self.i += 4;
                    Ok(Some(Lit::Nil))
                } else if b"null".starts_with(rest) {
                    Err(self.end(b.len(), "the rest of 'null'"))
                } else {
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    }

    /// `[["append", k, v], ["r", k, [v…]], ["w", k, v], …]` into `pool.fast.mops`;
    /// `false` for any other value (then read generically and decoded by the builder).
    fn fast_txn(&mut self) -> Result<bool, Fail> {
        let b = self.b;
        if b.get(self.i) != Some(&b'[') {
            return Ok(false);
        }
        self.i += 1;
        self.skip_ws();
        match b.get(self.i) {
            None => return Err(self.end(self.i, "a value or ']'")),
            Some(b']') => {
                self.i += 1;
                return Ok(true);
            }
            _ => {}
        }
        loop {
            self.skip_ws();
            if let Some((mop, end)) = quick_mop(b, self.i, &mut self.pool.fast.ints) {
                self.pool.fast.mops.push(mop);
                self.i = end;
            } else if !self.fast_mop()? {
                return Ok(false);
            }
            self.skip_ws();
            match b.get(self.i) {
                None => return Err(self.end(self.i, "',' or ']'")),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(true);
                }
                Some(_) => return Ok(false),
            }
        }
    }

    /// One micro-op for [`Self::fast_txn`], into `pool.fast.mops`; `false`
    /// when it is not of the common shape.
    fn fast_mop(&mut self) -> Result<bool, Fail> {
        let b = self.b;
        {
            match b.get(self.i) {
                None => return Err(self.end(self.i, "a value")),
                Some(b'[') => self.i += 1,
                Some(_) => return Ok(false),
            }
            self.skip_ws();
            let kind = match self.fast_str()? {
                Some((s, e)) => match &b[s..e] {
                    b"append" => MopKind::Append,
                    b"r" => MopKind::Read,
                    b"w" => MopKind::Write,
                    _ => return Ok(false),
                },
                None => return Ok(false),
            };
            if !self.fast_sep(b',')? {
                return Ok(false);
            }
            let Some(key) = self.fast_lit()? else { return Ok(false) };
            self.skip_ws();
            let val = match b.get(self.i) {
                None => return Err(self.end(self.i, "',' or ']'")),
                Some(b']') => FVal::Absent,
                Some(b',') => {
                    self.i += 1;
                    self.skip_ws();
                    match b.get(self.i) {
                        None => return Err(self.end(self.i, "a value")),
                        Some(b'[') if kind == MopKind::Read => {
                            self.i += 1;
                            let from = self.pool.fast.reads.len();
                            self.skip_ws();
                            match b.get(self.i) {
                                None => return Err(self.end(self.i, "a value or ']'")),
                                Some(b']') => self.i += 1,
                                _ => loop {
                                    self.skip_ws();
                                    match self.fast_lit()? {
                                        Some(l) => self.pool.fast.reads.push(l),
                                        None => return Ok(false),
                                    }
                                    self.skip_ws();
                                    match b.get(self.i) {
                                        None => return Err(self.end(self.i, "',' or ']'")),
                                        Some(b',') => self.i += 1,
                                        Some(b']') => {
                                            self.i += 1;
                                            break;
                                        }
                                        Some(_) => return Ok(false),
                                    }
                                },
                            }
                            FVal::List(from, self.pool.fast.reads.len() - from)
                        }
                        Some(_) => match self.fast_lit()? {
                            Some(Lit::Nil) => FVal::Nil,
                            Some(l) => FVal::Atom(l),
                            None => return Ok(false),
                        },
                    }
                }
                Some(_) => return Ok(false),
            };
            self.skip_ws();
            match b.get(self.i) {
                None => return Err(self.end(self.i, "']'")),
                Some(b']') => self.i += 1,
                Some(_) => return Ok(false),
            }
            self.pool.fast.mops.push(FMop { kind, key, val });
        }
        Ok(true)
    }

    /// Whitespace, `sep`, whitespace; `false` if something else comes.
    #[inline]
    fn fast_sep(&mut self, sep: u8) -> Result<bool, Fail> {
        self.skip_ws();
        match self.b.get(self.i) {
            None => Err(self.end(self.i, "a separator")),
            Some(&c) if c == sep => {
                self.i += 1;
                self.skip_ws();
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// Hands the op read by [`Self::fast_op`] to the builder.
    fn fast_commit(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<(), OpError> {
        fast::commit(&mut self.pool.fast, self.b, b, pos)
    }
}

fn utf8(b: &[u8], from: usize, to: usize) -> Result<&str, Fail> {
    std::str::from_utf8(&b[from..to])
        .map_err(|e| at(from + e.valid_up_to(), "invalid UTF-8 in a string (JSON text must be UTF-8)".to_string()))
}

#[cold]
fn control_char(off: usize, c: u8) -> Fail {
    let esc = match c {
        b'\n' => "a line break (write it as \\n)".to_string(),
        b'\t' => "a tab (write it as \\t)".to_string(),
        b'\r' => "a carriage return (write it as \\r)".to_string(),
        c => format!("the control character U+{c:04X} (write it as \\u{c:04X})"),
    };
    at(off, format!("expected a closing '\"' or more of the string, found {esc}"))
}

fn io_err(src: &Source<'_>, e: io::Error) -> InputError {
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
fn complete_line(src: &mut Source<'_>, off: usize) {
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

fn error_at(src: &mut Source<'_>, off: usize, msg: String) -> InputError {
    complete_line(src, off);
    src.error_at(off, msg)
}

/// Why a pass over the buffer stopped.
enum Stop {
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
enum At {
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
fn array_pass(p: &mut Parser<'_, '_>, state: &mut At, target: &mut Target<'_, '_>) -> Result<(), Stop> {
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

fn array_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
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
fn lines_pass(buf: &[u8], pool: &mut Pool, base: SrcPos, eof: bool, target: &mut Target<'_, '_>) -> Result<(), Stop> {
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
fn line_error(line: &[u8], start: usize, pos: SrcPos) -> (usize, String) {
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

fn lines_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
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

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Flush the output buffer beyond this many bytes.
const OUT_CHUNK: usize = 1 << 16;

pub(crate) fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub(crate) fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

/// Writes `prefix` then `s` as a JSON string body, with escapes, in quotes.
fn push_str_with(buf: &mut Vec<u8>, prefix: &str, s: &str) {
    buf.push(b'"');
    buf.extend_from_slice(prefix.as_bytes());
    let bytes = s.as_bytes();
    let mut seg = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'"' || c == b'\\' || c < 0x20 {
            buf.extend_from_slice(&bytes[seg..i]);
            match c {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                c => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    buf.extend_from_slice(b"\\u00");
                    buf.push(HEX[(c >> 4) as usize]);
                    buf.push(HEX[(c & 15) as usize]);
                }
            }
            seg = i + 1;
        }
    }
    buf.extend_from_slice(&bytes[seg..]);
    buf.push(b'"');
}

/// A plain name: `"ok"`.
fn push_name(buf: &mut Vec<u8>, s: &str) {
    push_str_with(buf, "", s);
}

/// A string by the colon rule: `"x"`, `":x"` → `"::x"`.
fn push_string(buf: &mut Vec<u8>, s: &str) {
    push_str_with(buf, if s.starts_with(':') { ":" } else { "" }, s);
}

fn push_keyword(buf: &mut Vec<u8>, k: &str) {
    push_str_with(buf, ":", k);
}

/// Whether `s` is a JSON integer: `-?(0|[1-9][0-9]*)`.
fn is_json_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s).as_bytes();
    !d.is_empty() && d.iter().all(u8::is_ascii_digit) && (d[0] != b'0' || d.len() == 1)
}

/// Whether `s` is a JSON number.
fn is_json_number(s: &str) -> bool {
    let mut pool = Pool::default();
    let mut p = Parser::new(s.as_bytes(), &mut pool, 0, SrcPos::default(), true, "");
    let mut v = Value::Nil;
    matches!(p.number_to(&mut v), Ok(())) && p.i == s.len() && !s.is_empty()
}

/// A big integer or decimal's digits as a JSON number when they are one (without
/// a leading `+`), else as a string.
fn push_digits(buf: &mut Vec<u8>, s: &str) {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.as_bytes().first().is_some_and(|c| c.is_ascii_digit() || *c == b'-') && is_json_number(t) {
        buf.extend_from_slice(t.as_bytes());
    } else {
        push_string(buf, s);
    }
}

fn push_float(buf: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        // Debug gives the shortest text that reads back exactly, always with a
        // '.' or an exponent, so it reads back as a double.
        let _ = write!(buf, "{f:?}");
    } else {
        buf.extend_from_slice(b"null");
    }
}

fn push_seq(buf: &mut Vec<u8>, items: &[Value]) {
    buf.push(b'[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_value(buf, v);
    }
    buf.push(b']');
}

/// A map key by the colon rule; keys JSON cannot hold become their EDN text.
fn push_key(buf: &mut Vec<u8>, k: &Value) {
    match k {
        Value::Str(s) => push_string(buf, s),
        Value::Keyword(s) => push_keyword(buf, s),
        Value::Tagged(_, v) => push_key(buf, v),
        other => push_string(buf, &other.to_string()),
    }
}

/// Writes a value by the generic convention (the colon rule).
fn push_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Nil => buf.extend_from_slice(b"null"),
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        Value::Int(i) => push_i64(buf, *i),
        Value::BigInt(s) | Value::Decimal(s) => push_digits(buf, s),
        Value::Float(f) => push_float(buf, *f),
        Value::Str(s) => push_string(buf, s),
        Value::Keyword(k) => push_keyword(buf, k),
        Value::Symbol(s) => push_string(buf, s),
        Value::Char(c) => push_string(buf, c.encode_utf8(&mut [0u8; 4])),
        Value::Vector(items) | Value::List(items) | Value::Set(items) => push_seq(buf, items),
        Value::Map(entries) => {
            buf.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                push_key(buf, k);
                buf.push(b':');
                push_value(buf, v);
            }
            buf.push(b'}');
        }
        Value::Tagged(_, v) => push_value(buf, v),
    }
}

fn push_atom(buf: &mut Vec<u8>, h: &History, id: Id) {
    match h.atoms.resolve(id) {
        AtomRef::Int(i) => push_i64(buf, i),
        AtomRef::Table(Atom::Int(i)) => push_i64(buf, *i),
        AtomRef::Table(Atom::Str(s)) => push_string(buf, s),
        AtomRef::Table(Atom::Keyword(k)) => push_keyword(buf, k),
        AtomRef::Table(Atom::Other(v)) => push_value(buf, v),
    }
}

/// `:f`: a keyword (or string) as a plain name, anything else by the colon rule.
fn push_f(buf: &mut Vec<u8>, h: &History, id: Id) {
    match h.atoms.resolve(id) {
        AtomRef::Table(Atom::Keyword(k) | Atom::Str(k)) => push_name(buf, k),
        _ => push_atom(buf, h, id),
    }
}

/// An op field name: keywords and strings as plain names.
fn push_field(buf: &mut Vec<u8>, k: &Value) {
    match k {
        Value::Keyword(s) | Value::Str(s) => push_name(buf, s),
        other => push_key(buf, other),
    }
}

/// Writes one op object, its fields in the order of [`History::op_to_value`].
fn push_op(buf: &mut Vec<u8>, h: &History, op: &Op) {
    buf.push(b'{');
    let mut first = true;
    let mut field = |buf: &mut Vec<u8>, name: &[u8]| {
        if !first {
            buf.push(b',');
        }
        first = false;
        buf.extend_from_slice(name);
    };
    if h.index_given {
        field(buf, b"\"index\":");
        push_u64(buf, op.index);
    }
    if let Some(t) = op.time {
        field(buf, b"\"time\":");
        push_i64(buf, t);
    }
    field(buf, b"\"type\":");
    push_name(buf, op.kind.name());
    match op.process {
        Process::Client(p) if !h.process_defaulted => {
            field(buf, b"\"process\":");
            push_i64(buf, p);
        }
        Process::Named(id) => {
            field(buf, b"\"process\":");
            push_atom(buf, h, id);
        }
        _ => {}
    }
    if let Some(f) = op.f {
        field(buf, b"\"f\":");
        push_f(buf, h, f);
    }
    match &op.value {
        OpValue::Absent => {}
        OpValue::Txn { .. } => {
            field(buf, b"\"value\":");
            buf.push(b'[');
            for (i, m) in h.mops(op).iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                buf.push(b'[');
                push_name(buf, m.kind.name());
                buf.push(b',');
                push_atom(buf, h, m.key);
                match m.val {
                    MopVal::Absent => {}
                    MopVal::Nil => buf.extend_from_slice(b",null"),
                    MopVal::Atom(id) => {
                        buf.push(b',');
                        push_atom(buf, h, id);
                    }
                    MopVal::List { .. } => {
                        buf.extend_from_slice(b",[");
                        for (j, &id) in h.list(m.val).unwrap_or_default().iter().enumerate() {
                            if j > 0 {
                                buf.push(b',');
                            }
                            push_atom(buf, h, id);
                        }
                        buf.push(b']');
                    }
                }
                buf.push(b']');
            }
            buf.push(b']');
        }
        OpValue::Other(v) => {
            field(buf, b"\"value\":");
            push_value(buf, v);
        }
    }
    if let Some(extra) = &op.extra {
        for (k, v) in extra.iter() {
            field(buf, b"");
            push_field(buf, k);
            buf.push(b':');
            push_value(buf, v);
        }
    }
    buf.push(b'}');
}

fn write_ops<W: Write>(h: &History, mut out: W, open: &[u8], sep: &[u8], close: &[u8]) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_CHUNK + 4096);
    buf.extend_from_slice(open);
    for (i, op) in h.ops.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(sep);
        }
        push_op(&mut buf, h, op);
        if buf.len() >= OUT_CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(close);
    out.write_all(&buf)?;
    out.flush()
}

/// Writes elle-cli JSON: `[`, one op object per line separated by `,`, `]`.
pub fn write_array<W: Write>(h: &History, out: W) -> io::Result<()> {
    if h.ops.is_empty() {
        return write_ops(h, out, b"[]\n", b"", b"");
    }
    write_ops(h, out, b"[", b",\n", b"]\n")
}

/// Writes JSON Lines: one op object per line.
pub fn write_lines<W: Write>(h: &History, out: W) -> io::Result<()> {
    if h.ops.is_empty() {
        return out_flush(out);
    }
    write_ops(h, out, b"", b"\n", b"\n")
}

fn out_flush<W: Write>(mut out: W) -> io::Result<()> {
    out.flush()
}

/// How messages about JSON input show a value or an op object: as the JSON it
/// was read from, by the reading convention in reverse (see the module docs),
/// not as EDN.
pub fn show_json(v: &Value, what: Shown) -> String {
    let mut buf = Vec::new();
    match (v, what) {
        (Value::Keyword(n), Shown::Name) => push_name(&mut buf, n),
        (Value::Map(entries), Shown::Op) => {
            buf.push(b'{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b", ");
                }
                push_field(&mut buf, k);
                buf.extend_from_slice(b": ");
                let field = match k {
                    Value::Keyword(s) | Value::Str(s) => &**s,
                    _ => "",
                };
                match (field, x) {
                    ("type" | "f", Value::Keyword(n)) => push_name(&mut buf, n),
                    ("value", Value::Vector(items)) if items.first().is_some_and(is_mop) => {
                        buf.push(b'[');
                        for (j, m) in items.iter().enumerate() {
                            if j > 0 {
                                buf.push(b',');
                            }
                            match m {
                                Value::Vector(parts) if matches!(parts.first(), Some(Value::Keyword(_))) => {
                                    buf.push(b'[');
                                    for (n, part) in parts.iter().enumerate() {
                                        match (n, part) {
                                            (0, Value::Keyword(name)) => push_name(&mut buf, name),
                                            _ => {
                                                buf.push(b',');
                                                push_value(&mut buf, part);
                                            }
                                        }
                                    }
                                    buf.push(b']');
                                }
                                other => push_value(&mut buf, other),
                            }
                        }
                        buf.push(b']');
                    }
                    _ => push_value(&mut buf, x),
                }
            }
            buf.push(b'}');
        }
        _ => push_value(&mut buf, v),
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A value as JSON text by the generic convention (the colon rule everywhere).
pub fn value_to_json(v: &Value) -> String {
    let mut buf = Vec::new();
    push_value(&mut buf, v);
    String::from_utf8(buf).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// What JSON loses
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Lossy {
    tags: BTreeMap<String, usize>,
    sets: usize,
    lists: usize,
    symbols: usize,
    chars: usize,
    decimals: usize,
    bigints: usize,
    odd_numbers: usize,
    non_finite: usize,
    odd_keys: usize,
    odd_keywords: usize,
    string_fields: usize,
    string_f: usize,
}

impl Lossy {
    fn keyword(&mut self, k: &str) {
        // Written as ":" + k: "" reads back as the string ":", ":x" as the string ":x".
        if k.is_empty() || k.starts_with(':') {
            self.odd_keywords += 1;
        }
    }

    /// A keyword written as a plain name (op fields, `:f`): `":x"` would read back as `:x`.
    fn name(&mut self, k: &str) {
        let b = k.as_bytes();
        if b.len() >= 2 && b[0] == b':' && b[1] != b':' {
            self.odd_keywords += 1;
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Str(_) => {}
            Value::BigInt(s) => {
                if s.parse::<i64>().is_ok() {
                    self.bigints += 1;
                } else if !is_json_int(s) {
                    self.odd_numbers += 1;
                }
            }
            Value::Decimal(_) => self.decimals += 1,
            Value::Float(f) => {
                if !f.is_finite() {
                    self.non_finite += 1;
                }
            }
            Value::Keyword(k) => self.keyword(k),
            Value::Symbol(_) => self.symbols += 1,
            Value::Char(_) => self.chars += 1,
            Value::Vector(items) => items.iter().for_each(|x| self.value(x)),
            Value::List(items) => {
                self.lists += 1;
                items.iter().for_each(|x| self.value(x));
            }
            Value::Set(items) => {
                self.sets += 1;
                items.iter().for_each(|x| self.value(x));
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    match k {
                        Value::Str(_) => {}
                        Value::Keyword(s) => self.keyword(s),
                        other => {
                            self.odd_keys += 1;
                            self.value(other);
                        }
                    }
                    self.value(v);
                }
            }
            Value::Tagged(t, v) => {
                *self.tags.entry(t.to_string()).or_default() += 1;
                self.value(v);
            }
        }
    }

    fn atom(&mut self, h: &History, id: Id) {
        match h.atoms.resolve(id) {
            AtomRef::Int(_) => {}
            AtomRef::Table(Atom::Keyword(k)) => self.keyword(k),
            AtomRef::Table(Atom::Other(v)) => self.value(v),
            AtomRef::Table(_) => {}
        }
    }

    fn report(self) -> Vec<String> {
        fn n(count: usize, one: &str, many: &str) -> String {
            format!("{count} {}", if count == 1 { one } else { many })
        }
        let mut out = Vec::new();
        let tag_total: usize = self.tags.values().sum();
        if tag_total > 0 {
            // Tags come from the input: shown escaped and cut, and only the first few.
            const SHOWN_TAGS: usize = 5;
            let mut names: Vec<String> = self
                .tags
                .keys()
                .take(SHOWN_TAGS)
                .map(|t| format!("#{}", history::builder::shown_text(t, crate::error::QUOTE_CHARS)))
                .collect();
            if self.tags.len() > SHOWN_TAGS {
                names.push(format!("and {} other tags", self.tags.len() - SHOWN_TAGS));
            }
            out.push(format!(
                "{} ({}) written as {} value",
                n(tag_total, "tagged literal", "tagged literals"),
                names.join(", "),
                if tag_total == 1 { "its" } else { "their" }
            ));
        }
        let simple = [
            (self.sets, "set written as an array", "sets written as arrays"),
            (self.lists, "list written as an array", "lists written as arrays"),
            (self.symbols, "symbol written as a string", "symbols written as strings"),
            (self.chars, "character written as a string", "characters written as strings"),
            (
                self.decimals,
                "decimal (M suffix) written as a plain number",
                "decimals (M suffix) written as plain numbers",
            ),
            (
                self.bigints,
                "big integer (N suffix) written as a plain integer",
                "big integers (N suffix) written as plain integers",
            ),
            (
                self.odd_numbers,
                "big integer in an unusual form written differently",
                "big integers in an unusual form written differently",
            ),
            (self.non_finite, "NaN or infinite number written as null", "NaN or infinite numbers written as null"),
            (
                self.odd_keys,
                "map key that is neither a keyword nor a string written as a string",
                "map keys that are neither keywords nor strings written as strings",
            ),
            (
                self.odd_keywords,
                "keyword with an empty name or a name starting with ':' that reads back differently",
                "keywords with an empty name or a name starting with ':' that read back differently",
            ),
            (
                self.string_fields,
                "op field named by a string written as a plain name (reads back as a keyword)",
                "op fields named by strings written as plain names (read back as keywords)",
            ),
            (
                self.string_f,
                ":f given as a string written as a plain name (reads back as a keyword)",
                ":f values given as strings written as plain names (read back as keywords)",
            ),
        ];
        for (count, one, many) in simple {
            if count > 0 {
                out.push(n(count, one, many));
            }
        }
        out
    }
}

/// What writing `h` as JSON (or JSON Lines) would not preserve, as short
/// descriptions such as `"2 tagged literals (#inst) written as their value"`.
/// Empty when EDN → JSON → EDN gives an equal history.
pub fn lossy_constructs(h: &History) -> Vec<String> {
    let mut l = Lossy::default();
    for op in &h.ops {
        if let Process::Named(id) = op.process {
            l.atom(h, id);
        }
        if let Some(f) = op.f {
            match h.atoms.resolve(f) {
                AtomRef::Table(Atom::Keyword(k)) => l.name(k),
                AtomRef::Table(Atom::Str(_)) => l.string_f += 1,
                _ => l.atom(h, f),
            }
        }
        match &op.value {
            OpValue::Absent => {}
            OpValue::Txn { .. } => {
                for m in h.mops(op) {
                    l.atom(h, m.key);
                    match m.val {
                        MopVal::Atom(id) => l.atom(h, id),
                        MopVal::List { .. } => {
                            for &id in h.list(m.val).unwrap_or_default() {
                                l.atom(h, id);
                            }
                        }
                        MopVal::Absent | MopVal::Nil => {}
                    }
                }
            }
            OpValue::Other(v) => l.value(v),
        }
        for (k, v) in op.extra.iter().flat_map(|e| e.iter()) {
            match k {
                Value::Keyword(s) => l.name(s),
                Value::Str(_) => l.string_fields += 1,
                other => {
                    l.odd_keys += 1;
                    l.value(other);
                }
            }
            l.value(v);
        }
    }
    l.report()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_history, Format, ReadOptions};
    use history::HistoryBuilder;

    fn kw(s: &str) -> Value {
        Value::keyword(s)
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn read(text: &str, f: Format) -> Result<History, InputError> {
        read_history(text.as_bytes(), "t.json", Some(f), ReadOptions::default())
    }

    fn ok(text: &str, f: Format) -> History {
        read(text, f).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(text: &str, f: Format) -> String {
        match read(text, f) {
            Ok(_) => panic!("expected an error reading {text:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// The op maps handed to the sink.
    fn op_maps(text: &str, f: Format) -> Vec<(Value, SrcPos)> {
        let mut src = Source::new(text.as_bytes(), "t.json");
        let mut got = Vec::new();
        let mut sink = |v: &Value, p: SrcPos| {
            got.push((v.clone(), p));
            Ok(())
        };
        match f {
            Format::Json => read_array(&mut src, &mut sink).unwrap(),
            _ => read_lines(&mut src, &mut sink).unwrap(),
        }
        got
    }

    fn values(h: &History) -> Vec<Value> {
        h.ops.iter().map(|o| h.op_to_value(o)).collect()
    }

    fn write(h: &History, f: Format) -> String {
        let mut out = Vec::new();
        match f {
            Format::Json => write_array(h, &mut out).unwrap(),
            _ => write_lines(h, &mut out).unwrap(),
        }
        String::from_utf8(out).unwrap()
    }

    fn build(ops: &[Value]) -> History {
        let mut b = HistoryBuilder::new();
        for (i, o) in ops.iter().enumerate() {
            b.push(o, SrcPos { line: i as u32 + 1, col: 1 }).unwrap();
        }
        b.finish().unwrap()
    }

    fn assert_same(a: &History, b: &History) {
        assert_eq!(values(a), values(b));
        assert_eq!(a.index_given, b.index_given);
        assert_eq!(a.process_defaulted, b.process_defaulted);
        assert_eq!(a.partner, b.partner);
    }

    #[test]
    fn elle_cli_conventions() {
        let text = r#"[{"index":0,"type":"invoke","process":0,"f":"txn","value":[["append","x",1],["r",":y",null]]},
{"index":1,"type":":ok","process":0,"f":"txn","value":[["append","x",1],["r",":y",[1,"::z",":w"]]]}]"#;
        let maps = op_maps(text, Format::Json);
        assert_eq!(maps.len(), 2);
        assert_eq!(maps[0].1, SrcPos { line: 1, col: 2 });
        assert_eq!(maps[1].1, SrcPos { line: 2, col: 1 });
        let v = &maps[1].0;
        assert_eq!(v.get("type"), Some(&kw("ok")));
        assert_eq!(v.get("f"), Some(&kw("txn")));
        assert_eq!(v.get("process"), Some(&Value::Int(0)));
        assert_eq!(
            v.get("value"),
            Some(&Value::Vector(vec![
                Value::Vector(vec![kw("append"), s("x"), Value::Int(1)]),
                Value::Vector(vec![kw("r"), kw("y"), Value::Vector(vec![Value::Int(1), s(":z"), kw("w")])]),
            ]))
        );
        let h = ok(text, Format::Json);
        let x = h.atoms.lookup(&Atom::Str("x".into())).unwrap();
        assert_eq!(h.mops(&h.ops[0])[0].key, x);
        assert!(h.atoms.lookup(&Atom::Keyword("x".into())).is_none(), "the string \"x\" is not the keyword :x");
    }

    #[test]
    fn non_mop_values_keep_their_strings() {
        let v = &op_maps(r#"[{"type":"ok","value":[["cas","x"],["r",1,2]],"process":"nemesis","error":{"why":":timeout","n":[1.5,-2e3]}}]"#, Format::Json)[0].0;
        assert_eq!(
            v.get("value"),
            Some(&Value::Vector(vec![
                Value::Vector(vec![s("cas"), s("x")]),
                Value::Vector(vec![s("r"), Value::Int(1), Value::Int(2)])
            ]))
        );
        assert_eq!(v.get("process"), Some(&s("nemesis")));
        assert_eq!(
            v.get("error"),
            Some(&Value::Map(vec![
                (s("why"), kw("timeout")),
                (s("n"), Value::Vector(vec![Value::Float(1.5), Value::Float(-2000.0)])),
            ]))
        );
    }

    #[test]
    fn numbers() {
        let v = value_from_json("[0,-0,9223372036854775807,-9223372036854775808,9223372036854775808,-99999999999999999999999,1.0,1e2,-0.5E-3,true,false,null]").unwrap();
        assert_eq!(
            v,
            Value::Vector(vec![
                Value::Int(0),
                Value::Int(0),
                Value::Int(i64::MAX),
                Value::Int(i64::MIN),
                Value::BigInt("9223372036854775808".into()),
                Value::BigInt("-99999999999999999999999".into()),
                Value::Float(1.0),
                Value::Float(100.0),
                Value::Float(-0.0005),
                Value::Bool(true),
                Value::Bool(false),
                Value::Nil,
            ])
        );
        for bad in ["01", "-", "1.", "1e", "-a", ".5", "+1"] {
            assert!(value_from_json(bad).is_err(), "{bad}");
        }
        let big = Value::Vector(vec![
            Value::BigInt("123456789012345678901234567890".into()),
            Value::Float(0.1),
            Value::Float(1e300),
        ]);
        assert_eq!(value_from_json(&value_to_json(&big)).unwrap(), big);
    }

    #[test]
    fn strings_and_escapes() {
        let v = value_from_json(r#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00", "é∂", ":", "::", ""]"#).unwrap();
        assert_eq!(v, Value::Vector(vec![s("a\"b\\c/\n\té😀"), s("é∂"), s(":"), s(":"), s("")]));
        for bad in [r#""\ud800""#, r#""\udc00""#, r#""\x""#, "\"a\nb\"", r#""\u12g4""#] {
            assert!(value_from_json(bad).is_err(), "{bad}");
        }
        let tricky = Value::Vector(vec![s(":x"), s("::y"), s(":"), kw("k"), s("\u{1}\"\\"), s("")]);
        assert_eq!(value_from_json(&value_to_json(&tricky)).unwrap(), tricky);
    }

    #[test]
    fn nested_objects_use_the_colon_rule() {
        let v = value_from_json(r#"{"a":{":b":[{"::c":1}]}}"#).unwrap();
        assert_eq!(
            v,
            Value::Map(vec![(
                s("a"),
                Value::Map(vec![(kw("b"), Value::Vector(vec![Value::Map(vec![(s(":c"), Value::Int(1))])]))])
            )])
        );
    }

    fn sample_history() -> History {
        let op = |fields: Vec<(&str, Value)>| Value::Map(fields.into_iter().map(|(k, v)| (kw(k), v)).collect());
        let mop = |f: &str, k: Value, v: Value| Value::Vector(vec![kw(f), k, v]);
        build(&[
            op(vec![
                ("index", Value::Int(3)),
                ("time", Value::Int(-1)),
                ("type", kw("invoke")),
                ("process", Value::Int(0)),
                ("f", kw("txn")),
                ("value", Value::Vector(vec![mop("append", kw("x"), Value::Int(1)), mop("r", s(":y"), Value::Nil)])),
            ]),
            op(vec![
                ("index", Value::Int(4)),
                ("type", kw("info")),
                ("process", kw("nemesis")),
                ("f", kw("start")),
                ("value", Value::Map(vec![(kw("n"), Value::Int(2)), (s("m"), Value::Vector(vec![Value::Float(2.0)]))])),
            ]),
            op(vec![
                ("index", Value::Int(9)),
                ("type", kw("ok")),
                ("process", Value::Int(0)),
                ("f", kw("txn")),
                (
                    "value",
                    Value::Vector(vec![
                        mop("append", kw("x"), Value::Int(1)),
                        mop(
                            "r",
                            s(":y"),
                            Value::Vector(vec![Value::BigInt("123456789012345678901234".into()), s("a")]),
                        ),
                        Value::Vector(vec![kw("r"), Value::Int(5)]),
                    ]),
                ),
                ("error", Value::Vector(vec![kw("timeout"), s("::odd"), Value::Nil, Value::Bool(true)])),
            ]),
            op(vec![
                ("index", Value::Int(10)),
                ("type", kw("ok")),
                ("process", s("other")),
                ("f", kw("read")),
                (
                    "value",
                    Value::Vector(vec![Value::Vector(vec![s("w"), Value::Int(1), Value::Int(2), Value::Int(3)])]),
                ),
            ]),
        ])
    }

    #[test]
    fn round_trips_exactly() {
        let h = sample_history();
        assert!(lossy_constructs(&h).is_empty(), "{:?}", lossy_constructs(&h));
        for f in [Format::Json, Format::Jsonl] {
            let text = write(&h, f);
            let back = ok(&text, f);
            assert_same(&h, &back);
            assert_eq!(write(&back, f), text);
        }
        let json = write(&h, Format::Json);
        assert!(json.starts_with("[{\"index\":3,\"time\":-1,\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\":x\",1],[\"r\",\"::y\",null]]},\n{"), "{json}");
        assert!(json.ends_with("}]\n"));
        assert_eq!(json.lines().count(), 4);
        assert_eq!(write(&sample_history(), Format::Jsonl).lines().count(), 4);
    }

    #[test]
    fn empty_histories() {
        let h = ok("[]", Format::Json);
        assert!(h.is_empty());
        assert_eq!(write(&h, Format::Json), "[]\n");
        assert_eq!(write(&h, Format::Jsonl), "");
        assert!(ok("\n\n  \n", Format::Jsonl).is_empty());
        assert!(ok(" [ \n ] \n", Format::Json).is_empty());
    }

    #[test]
    fn no_index_and_no_process_stay_absent() {
        let text = "{\"type\":\"invoke\",\"value\":[[\"w\",1,2]]}\n\n{\"type\":\"ok\",\"value\":[[\"w\",1,2]]}\n";
        let h = ok(text, Format::Jsonl);
        assert!(h.process_defaulted && !h.index_given);
        assert_eq!(h.ops[1].pos, SrcPos { line: 3, col: 1 });
        assert_eq!(write(&h, Format::Jsonl), text.replace("\n\n", "\n"));
    }

    #[test]
    fn lossy_constructs_are_listed() {
        let op = Value::Map(vec![
            (kw("type"), kw("ok")),
            (kw("process"), Value::Int(0)),
            (kw("f"), s("txn")),
            (
                kw("value"),
                Value::Vector(vec![
                    Value::Tagged("inst".into(), Box::new(s("2020"))),
                    Value::Tagged("uuid".into(), Box::new(s("u"))),
                    Value::Set(vec![Value::Int(1)]),
                    Value::List(vec![]),
                    Value::List(vec![]),
                    Value::Symbol("sym".into()),
                    Value::Char('c'),
                    Value::Decimal("1.5".into()),
                    Value::BigInt("1".into()),
                    Value::Float(f64::NAN),
                    Value::Map(vec![(Value::Int(1), Value::Nil)]),
                ]),
            ),
            (s("note"), Value::Nil),
        ]);
        let h = build(&[op]);
        let l = lossy_constructs(&h);
        let expected = [
            "2 tagged literals (#inst, #uuid) written as their value",
            "1 set written as an array",
            "2 lists written as arrays",
            "1 symbol written as a string",
            "1 character written as a string",
            "1 decimal (M suffix) written as a plain number",
            "1 big integer (N suffix) written as a plain integer",
            "1 NaN or infinite number written as null",
            "1 map key that is neither a keyword nor a string written as a string",
            "1 op field named by a string written as a plain name (reads back as a keyword)",
            "1 :f given as a string written as a plain name (reads back as a keyword)",
        ];
        assert_eq!(l, expected);
        // It still writes valid JSON that reads.
        let text = write(&h, Format::Json);
        let back = ok(&text, Format::Json);
        assert_eq!(back.len(), 1);
        assert!(text.contains("[\"2020\",\"u\",[1],[],[],\"sym\",\"c\",1.5,1,null,{\"1\":null}]"), "{text}");
    }

    #[test]
    fn error_positions() {
        let e = err("[{\"type\":\"ok\" \"process\":0}]", Format::Json);
        assert!(e.starts_with("t.json:1:15: expected ',' or '}' after an object member, found '\"'"), "{e}");
        let e = err("[{\"type\":\"ok\",\"process\":0}\n{\"type\":\"ok\"}]", Format::Json);
        assert!(e.starts_with("t.json:2:1: expected ',' or ']' after an op object, found '{'"), "{e}");
        let e = err("[{\"type\":\"ok\",\"process\":0}]\nxyz", Format::Json);
        assert!(
            e.starts_with("t.json:2:1: expected the end of the file after the array's closing ']', found 'xyz'"),
            "{e}"
        );
        let e = err("[{\"type\":\"ok\",\"process\":0},\n {\"type\":\"ok\",\"pro", Format::Json);
        assert!(e.starts_with("t.json:2:19: expected a closing '\"', found the end of the file"), "{e}");
        let e = err("[{\"type\":\"ok\",\"process\":0}", Format::Json);
        assert!(e.contains("the array is not closed"), "{e}");
        let e = err("[{\"type\":\"ok\",\"process\":0},]", Format::Json);
        assert!(e.contains("trailing comma"), "{e}");
        let e = err("", Format::Json);
        assert!(e.starts_with("t.json:1:1: expected '['"), "{e}");
        let e = err("{\"type\":\"ok\"}", Format::Json);
        assert!(e.contains("JSON Lines"), "{e}");
        let e = err("[{\"type\":\"ok\", \"v\": nil}]", Format::Json);
        assert!(e.contains("1:21") && e.contains("JSON writes null"), "{e}");
        // A non-object element reaches the builder, which names it.
        let e = err("[{\"type\":\"ok\",\"process\":0},\n  3]", Format::Json);
        assert!(e.starts_with("t.json:2:3: expected an op map"), "{e}");
        // JSON Lines.
        let e = err("{\"type\":\"ok\",\"process\":0}\n[1,2]\n", Format::Jsonl);
        assert!(e.starts_with("t.json:2:1: expected an op object"), "{e}");
        let e = err("{\"type\":\"ok\",\"process\":0}\n\n  {\"type\":\"ok\",\"process\":0\n{}", Format::Jsonl);
        assert!(
            e.starts_with("t.json:3:27: expected ',' or '}' after an object member, found the end of the line"),
            "{e}"
        );
        let e = err("{\"type\":\"ok\",\"process\":0} {\"type\":\"ok\"}\n", Format::Jsonl);
        assert!(e.starts_with("t.json:1:27: expected the end of the line"), "{e}");
        let e = err("{\"type\":\"ok\",\"process\":0}\n{\"type\":\"done\"}\n", Format::Jsonl);
        assert!(e.starts_with("t.json:2:1: expected :type"), "{e}");
        let e = err(&format!("[{}]", "[".repeat(1000)), Format::Json);
        assert!(e.contains("nested more than"), "{e}");
        let e = err("[{\"type\":\"ok\",\"s\":\"a\u{1}\"}]", Format::Json);
        assert!(e.contains("1:21") && e.contains("U+0001"), "{e}");
    }

    #[test]
    fn streaming_boundaries_do_not_matter() {
        let h = sample_history();
        for f in [Format::Json, Format::Jsonl] {
            let mut text = write(&h, f);
            text.insert(0, '\u{FEFF}');
            text = text.replace(
                "\"time\":-1",
                "\"time\":-1, \"s\":\"\\ud83d\\ude00 é \\\" \\u0041\", \"n\":[1.5e-3,12345678901234567890123]",
            );
            let whole = read_history(text.as_bytes(), "t", Some(f), ReadOptions::default()).unwrap();
            for start in 0..7 {
                let slow = read_history(
                    crate::source::Trickle::new(text.as_bytes(), start as u64),
                    "t",
                    Some(f),
                    ReadOptions::default(),
                )
                .unwrap_or_else(|e| panic!("{e}"));
                assert_same(&whole, &slow);
                let pos: Vec<SrcPos> = slow.ops.iter().map(|o| o.pos).collect();
                assert_eq!(pos, whole.ops.iter().map(|o| o.pos).collect::<Vec<_>>());
            }
            // Errors are found at the same place too.
            let bad = text.replacen("\"type\"", "\"type\" 1", 2);
            let a = read_history(bad.as_bytes(), "t", Some(f), ReadOptions::default()).unwrap_err();
            let b = read_history(crate::source::Trickle::new(bad.as_bytes(), 3), "t", Some(f), ReadOptions::default())
                .unwrap_err();
            assert_eq!(a, b);
        }
    }

    /// The position of every `{"type"` in `text`, computed independently.
    fn expected_positions(text: &str) -> Vec<SrcPos> {
        let mut out = Vec::new();
        let (mut line, mut col) = (1u32, 1u32);
        for (i, c) in text.char_indices() {
            if text[i..].starts_with("{\"type\"") {
                out.push(SrcPos { line, col });
            }
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        out
    }

    #[test]
    fn positions_across_chunks_and_odd_layouts() {
        // More than 2 MiB, so the 1 MiB chunks of the source split objects, with
        // non-ASCII text and uneven whitespace to exercise the column counting.
        let mut json = String::from("\n  [");
        let mut jsonl = String::new();
        for i in 0..30_000 {
            let obj = format!(
                "{{\"type\":\"ok\",\"process\":{},\"value\":[[\"w\",{},{}]],\"note\":\"é∂ {}\"}}",
                i % 7,
                i % 13,
                i,
                "x".repeat(i % 50)
            );
            let sep = match i % 4 {
                0 => ",\n",
                1 => ", ",
                2 => ",\n\n\t ",
                _ => ",",
            };
            if i > 0 {
                json.push_str(sep);
            }
            json.push_str(&obj);
            if i % 5 == 0 {
                jsonl.push_str("  \n");
            }
            if i % 3 == 0 {
                jsonl.push(' ');
            }
            jsonl.push_str(&obj);
            jsonl.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
        }
        json.push_str("\n]\n");
        assert!(json.len() > 2 << 20, "{}", json.len());
        for (text, f) in [(&json, Format::Json), (&jsonl, Format::Jsonl)] {
            let want = expected_positions(text);
            let h = ok(text, f);
            assert_eq!(h.len(), want.len());
            let got: Vec<SrcPos> = h.ops.iter().map(|o| o.pos).collect();
            assert!(got == want, "{f:?}: first difference at op {:?}", got.iter().zip(&want).position(|(a, b)| a != b));
        }
    }

    #[test]
    fn known_names_are_recognized() {
        for (i, k) in KNOWN.iter().enumerate() {
            assert_eq!(known_idx(k.as_bytes()), Some(i));
        }
        for other in ["", "x", "ok ", "Type", "indexx", "proces", "appended"] {
            assert_eq!(known_idx(other.as_bytes()), None);
        }
    }

    #[test]
    fn corpus_files_read() {
        let Some(dir) = testkit::corpus("json::corpus_files_read", "") else { return };
        let mut files = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    files.push(p);
                }
            }
        }
        assert!(!files.is_empty());
        for p in files {
            let h = crate::read_history_file(&p, ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!h.is_empty(), "{}", p.display());
            // And it round-trips through both JSON forms.
            for f in [Format::Json, Format::Jsonl] {
                assert_same(&h, &ok(&write(&h, f), f));
            }
        }
    }
}
