//! Jepsen EDN: a streaming reader for `history.edn` and a writer.
//!
//! The reader never holds the file whole and never builds one tree of it. It
//! parses one top-level element at a time out of [`Source::available`]; when an
//! element runs past the end of the buffer it asks the source for more input and
//! parses the element again from its first byte. Both file shapes are read this
//! way: a stream of op maps, and one top-level vector or list of op maps, whose
//! opener is consumed and whose elements are then streamed one by one.
//!
//! The grammar is EDN as Clojure prints it: maps, vectors, lists, sets,
//! keywords, symbols, strings, characters, integers (with `N`, hexadecimal,
//! `NNrDDD` radix), floats (with `M`, `##Inf`, `##-Inf`, `##NaN`), `nil`,
//! `true`, `false`, comments, `#_` and tagged literals (`#jepsen.history.Op{…}`,
//! `#inst "…"`, `#object[…]`), and namespaced maps (`#:ns{:a 1}`). Ratios such
//! as `1/3`, which [`Value`] cannot hold, are kept as symbols of their text so
//! they are written back unchanged.
//!
//! The hot paths (whitespace, integers, keywords and symbols, strings without
//! escapes) are hand-written on `&[u8]` with a byte class table; nom recognises
//! the rarer number shapes and character names.

use crate::fast::{self, FField, FMop, FVal, Fast, Lit};
use crate::{InputError, OpSink, Source};
use history::{History, HistoryBuilder, MopKind, OpError, OpType, SrcPos, Value};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::{alphanumeric1, char as nchar, digit0, digit1, hex_digit1, one_of};
use nom::combinator::{all_consuming, map_opt, opt, recognize, value as nvalue};
use nom::sequence::{pair, preceded, tuple};
use nom::IResult;
use std::io::{self, BufWriter, Write};

/// How deeply collections, tagged literals and `#_` may nest.
pub const MAX_DEPTH: u32 = 256;

/// The longest integer literal in a non-decimal radix that is converted (digits).
const MAX_RADIX_DIGITS: usize = 4096;

const C_WS: u8 = 1;
const C_SYM: u8 = 2;

/// Byte classes: whitespace (including the comma) and the bytes that make up
/// symbols, keywords, numbers and tags (all non-ASCII bytes included).
static CLASS: [u8; 256] = build_class();

const fn build_class() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f | b',') {
            C_WS
        } else if b.is_ascii_alphanumeric()
            || b >= 0x80
            || matches!(
                b,
                b'.' | b'*'
                    | b'+'
                    | b'!'
                    | b'-'
                    | b'_'
                    | b'?'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'='
                    | b'<'
                    | b'>'
                    | b'/'
                    | b':'
                    | b'#'
                    | b'\''
            )
        {
            C_SYM
        } else {
            0
        };
        i += 1;
    }
    t
}

/// Bytes that end a run of whitespace for [`Parser::skip_ws`] at once: not
/// whitespace, not a comment's `;`, not the `#` of a possible `#_`.
static WS_END: [bool; 256] = build_ws_end();

const fn build_ws_end() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = CLASS[i] != C_WS && i as u8 != b';' && i as u8 != b'#';
        i += 1;
    }
    t
}

/// The ASCII bytes of symbols and keywords.
static ASCII_SYM: [bool; 256] = build_ascii_sym();

const fn build_ascii_sym() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = CLASS[i] == C_SYM;
        i += 1;
    }
    t
}

#[inline(always)]
fn is_ws(b: u8) -> bool {
    CLASS[b as usize] == C_WS
}

#[inline(always)]
fn is_sym(b: u8) -> bool {
    CLASS[b as usize] == C_SYM
}

#[inline(always)]
fn is_closer(b: u8) -> bool {
    matches!(b, b'}' | b']' | b')')
}

// ---------------------------------------------------------------------------
// Parse errors inside one element

/// What was open when the input ran out, for the end-of-input message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpenKind {
    /// Nothing in particular (a token at the end of the buffer).
    Nothing,
    Map,
    Vector,
    List,
    Set,
    Str,
    Discard,
    Tag,
}

#[derive(Clone, Copy, Debug)]
struct Open {
    kind: OpenKind,
    /// Offset of the construct's first byte in the parser's buffer.
    at: usize,
}

#[derive(Debug)]
enum ErrKind {
    /// Ran off the end of the buffer: more input may complete the element; at
    /// the end of input this is an error about what was open.
    More(Open),
    /// A definite error at an offset.
    Fail { at: usize, msg: String },
}

/// A parse error, boxed so that results stay one word wide on the hot path.
#[derive(Debug)]
struct PErr(Box<ErrKind>);

impl PErr {
    /// Attributes an end-of-buffer error to the enclosing construct when the
    /// inner one did not say what was open.
    #[cold]
    fn within(mut self, kind: OpenKind, at: usize) -> PErr {
        if let ErrKind::More(open) = &mut *self.0 {
            if open.kind == OpenKind::Nothing {
                *open = Open { kind, at };
            }
        }
        self
    }
}

#[cold]
fn more(kind: OpenKind, at: usize) -> PErr {
    PErr(Box::new(ErrKind::More(Open { kind, at })))
}

#[cold]
fn more0() -> PErr {
    more(OpenKind::Nothing, 0)
}

#[cold]
fn fail(at: usize, msg: impl Into<String>) -> PErr {
    PErr(Box::new(ErrKind::Fail { at, msg: msg.into() }))
}

/// A value shown in a message, cut to a readable length.
fn short(v: &Value) -> String {
    history::builder::shown_value(v, crate::error::QUOTE_CHARS)
}

/// What is at `at`, as a short quoted token for "found …" messages.
fn describe(buf: &[u8], at: usize) -> String {
    let Some(&b) = buf.get(at) else {
        return "end of input".to_string();
    };
    let quote = |bytes: &[u8]| -> String {
        let line = bytes.iter().position(|&c| c == b'\n').map_or(bytes, |n| &bytes[..n]);
        format!("'{}'", crate::error::quote_bytes(line, crate::error::QUOTE_CHARS))
    };
    match b {
        b'"' => {
            let end = buf[at + 1..].iter().position(|&c| c == b'"').map_or(buf.len(), |p| at + p + 2);
            quote(&buf[at..end])
        }
        b'\n' => "a line break".to_string(),
        0..=0x1f | 0x7f => format!("the control character 0x{b:02x}"),
        0x80..=0xff if utf8_char_at(buf, at).is_none() => {
            format!("the byte 0x{b:02x}, which is not UTF-8")
        }
        b'\\' | b'#' | b':' => {
            let mut end = at + 1;
            if b == b'\\' && end < buf.len() {
                end += utf8_width(buf[end]).max(1);
            }
            while end < buf.len() && is_sym(buf[end]) {
                end += 1;
            }
            quote(&buf[at..end.min(buf.len())])
        }
        _ if is_sym(b) => {
            let end = buf[at..].iter().position(|&c| !is_sym(c)).map_or(buf.len(), |p| at + p);
            quote(&buf[at..end])
        }
        _ => format!("'{}'", b as char),
    }
}

/// The byte length of a UTF-8 sequence from its first byte (0 if it cannot start one).
fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

fn utf8_char_at(buf: &[u8], at: usize) -> Option<char> {
    let w = utf8_width(*buf.get(at)?);
    let bytes = buf.get(at..at + w)?;
    std::str::from_utf8(bytes).ok()?.chars().next()
}

// ---------------------------------------------------------------------------
// The parser of one element

/// Buffers of values already handed to the sink, reused for the next ones:
/// most ops have the same keywords and collections of the same sizes, and
/// taking them from here is cheaper than allocating and freeing each time.
#[derive(Default)]
struct Pools {
    vecs: Vec<Vec<Value>>,
    maps: Vec<Vec<(Value, Value)>>,
    /// Keyword texts by a hash of their bytes; each slot holds copies of one text.
    keywords: Vec<Vec<Box<str>>>,
    /// The fast path's record of the op it is reading.
    fast: Fast,
}

// ---------------------------------------------------------------------------
// The fast path: common op maps decoded straight into the builder

/// Whether `bytes` is not UTF-8, cheaply for the usual short ASCII token.
#[inline]
fn not_utf8(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_err()
}

/// The end of the op field name (`index`, `time`, `type`, `process`, `f` or
/// `value`) at `ks` when a delimiter follows it, as [`Parser::token_end`]
/// would find it; `None` for anything else.
/// With a code for the name: its first byte, `y` for `type`.
#[inline(always)]
fn known_key(buf: &[u8], ks: usize) -> Option<(u8, usize)> {
    // Fixed-length comparisons, which compile to a load and a compare each.
    let (code, len) = match *buf.get(ks)? {
        b'i' if buf.get(ks..ks + 5)? == b"index" => (b'i', 5),
        b't' if buf.get(ks..ks + 4)? == b"time" => (b't', 4),
        b't' if buf.get(ks..ks + 4)? == b"type" => (b'y', 4),
        b'p' if buf.get(ks..ks + 7)? == b"process" => (b'p', 7),
        b'f' => (b'f', 1),
        b'v' if buf.get(ks..ks + 5)? == b"value" => (b'v', 5),
        _ => return None,
    };
    let ke = ks + len;
    (!is_sym(*buf.get(ke)?)).then_some((code, ke))
}

/// A keyword at `i` whose name is ASCII and followed by a delimiter: the
/// range of its name, as [`Parser::lit`] reads it.
#[inline(always)]
fn quick_kw(buf: &[u8], i: usize) -> Option<(usize, usize)> {
    if *buf.get(i)? != b':' {
        return None;
    }
    let mut j = i + 1;
    while j < buf.len() && ASCII_SYM[buf[j] as usize] {
        j += 1;
    }
    (j > i + 1 && !is_sym(*buf.get(j)?)).then_some((i + 1, j))
}

/// One field of an op map at `i` (after optional whitespace) in its usual
/// spelling: `:index`, `:time` or `:process` with an integer, `:type` or `:f`
/// with a keyword, after one space. Read without the general steps of
/// [`Parser::fast_op`], which reads these the same way (and everything else).
#[inline(always)]
fn quick_field(buf: &[u8], i: usize) -> Option<(FField, usize)> {
    let i = quick_sep(buf, i)?;
    if *buf.get(i)? != b':' {
        return None;
    }
    let (key, ke) = known_key(buf, i + 1)?;
    if *buf.get(ke)? != b' ' {
        return None;
    }
    let i = ke + 1;
    match key {
        b'i' => quick_int(buf, i).map(|(v, j)| (FField::Index(v as u64), j)),
        b't' => quick_int(buf, i).map(|(v, j)| (FField::Time(Some(v)), j)),
        b'p' => quick_int(buf, i).map(|(v, j)| (FField::Process(Lit::Int(v)), j)),
        b'y' => {
            // Fixed-length comparisons for the four types.
            let (t, n) = match *buf.get(i + 1)? {
                b'i' if buf.get(i..i + 7)? == b":invoke" => (OpType::Invoke, 7),
                b'o' if buf.get(i..i + 3)? == b":ok" => (OpType::Ok, 3),
                b'f' if buf.get(i..i + 5)? == b":fail" => (OpType::Fail, 5),
                b'i' if buf.get(i..i + 5)? == b":info" => (OpType::Info, 5),
                _ => return None,
            };
            (!is_sym(*buf.get(i + n)?)).then_some((FField::Type(t), i + n))
        }
        b'f' => quick_kw(buf, i).map(|(s, e)| (FField::F(Lit::Kw(s, e)), e)),
        _ => None,
    }
}

/// The whitespace at `i` if it is nothing, a space, `,` or `, ` followed by a
/// byte that ends [`Parser::skip_ws`] at once: the position after it.
#[inline(always)]
fn quick_sep(buf: &[u8], mut i: usize) -> Option<usize> {
    if *buf.get(i)? == b',' {
        i += 1;
    }
    if *buf.get(i)? == b' ' {
        i += 1;
    }
    WS_END[*buf.get(i)? as usize].then_some(i)
}

/// A non-negative decimal integer of at most 18 digits at `i`, followed by a
/// delimiter: as [`Parser::lit`] reads it, and the position after it.
#[inline(always)]
fn quick_int(buf: &[u8], i: usize) -> Option<(i64, usize)> {
    let d = buf.get(i)?.wrapping_sub(b'0');
    if d > 9 {
        return None;
    }
    let end = buf.len().min(i + 18);
    let mut v = d as i64;
    let mut j = i + 1;
    while j < end {
        let d = buf[j].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + d as i64;
        j += 1;
    }
    (!is_sym(*buf.get(j)?)).then_some((v, j))
}

/// One micro-op at `i` (after optional whitespace) in its usual spelling:
/// `[:append k v]`, `[:w k v]`, `[:r k nil]` or `[:r k [v…]]` with integer
/// keys and values and single spaces, read without the general steps of
/// [`Parser::fast_txn`] (which reads these the same way, and everything
/// else). Read list elements are pushed onto `ints`; on `None` they are not.
#[inline(always)]
fn quick_mop(buf: &[u8], i: usize, ints: &mut Vec<i64>) -> Option<(FMop, usize)> {
    let mut i = quick_sep(buf, i)?;
    let (kind, n) = match buf.get(i..i + 4)? {
        [b'[', b':', b'r', b' '] => (MopKind::Read, 4),
        [b'[', b':', b'w', b' '] => (MopKind::Write, 4),
        _ if buf.get(i..i + 9)? == b"[:append " => (MopKind::Append, 9),
        _ => return None,
    };
    let (key, j) = quick_int(buf, i + n)?;
    if *buf.get(j)? != b' ' {
        return None;
    }
    i = j + 1;
    let val = match *buf.get(i)? {
        b'[' if kind == MopKind::Read => {
            let from = ints.len();
            i += 1;
            // `[]`, or integers each followed by one space or the `]`.
            let ok = loop {
                match buf.get(i) {
                    Some(b']') => {
                        i += 1;
                        break true;
                    }
                    Some(_) => match quick_int(buf, i) {
                        Some((v, j)) => {
                            ints.push(v);
                            match buf[j] {
                                b' ' if buf.get(j + 1).is_some_and(u8::is_ascii_digit) => i = j + 1,
                                b']' => i = j,
                                _ => break false,
                            }
                        }
                        None => break false,
                    },
                    None => break false,
                }
            };
            if !ok {
                ints.truncate(from);
                return None;
            }
            FVal::Ints(from, ints.len() - from)
        }
        b'n' if buf.get(i..i + 3)? == b"nil" && !is_sym(*buf.get(i + 3)?) => {
            i += 3;
            FVal::Nil
        }
        _ => {
            let (v, j) = quick_int(buf, i)?;
            i = j;
            FVal::Atom(Lit::Int(v))
        }
    };
    if buf.get(i) == Some(&b']') {
        Some((FMop { kind, key: Lit::Int(key), val }, i + 1))
    } else {
        if let FVal::Ints(from, _) = val {
            ints.truncate(from);
        }
        None
    }
}

/// Keyword slots, and copies kept per slot.
const KW_SLOTS: usize = 64;
const KW_COPIES: usize = 32;
/// Collections kept of each kind, and the largest capacity kept (together at
/// most a few MB).
const POOLED: usize = 128;
const POOLED_CAPACITY: usize = 256;

#[inline]
fn kw_slot(text: &[u8]) -> usize {
    let first = text.first().copied().unwrap_or(0) as u32;
    let second = text.get(1).copied().unwrap_or(0) as u32;
    let last = text.last().copied().unwrap_or(0) as u32;
    let h = first | second << 8 | last << 16 | (text.len() as u32) << 24;
    (h.wrapping_mul(0x9E37_79B9) >> 26) as usize % KW_SLOTS
}

/// Byte equality without a call to `memcmp`, for short keywords.
#[inline]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl Pools {
    #[inline]
    fn keyword(&mut self, text: &[u8]) -> Option<Box<str>> {
        let slot = self.keywords.get_mut(kw_slot(text))?;
        match slot.last() {
            Some(b) if short_eq(b.as_bytes(), text) => slot.pop(),
            _ => None,
        }
    }

    /// Takes a value apart, keeping its buffers.
    fn recycle(&mut self, mut v: Value) {
        self.take_buffers(&mut v);
    }

    /// Moves the reusable buffers out of a value (recursion bounded by the
    /// nesting limit); returns whether the value still owns heap memory.
    #[allow(unsafe_code)]
    fn take_buffers(&mut self, v: &mut Value) -> bool {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => false,
            Value::Keyword(b) => {
                if self.keywords.is_empty() {
                    self.keywords.resize_with(KW_SLOTS, Vec::new);
                }
                let b = std::mem::take(b);
                let slot = &mut self.keywords[kw_slot(b.as_bytes())];
                match slot.last() {
                    Some(x) if !short_eq(x.as_bytes(), b.as_bytes()) => {
                        slot.clear();
                        slot.push(b);
                    }
                    _ if slot.len() < KW_COPIES => slot.push(b),
                    _ => {}
                }
                false
            }
            Value::Vector(items) | Value::List(items) | Value::Set(items) => {
                let mut owns = false;
                for x in items.iter_mut() {
                    if !matches!(x, Value::Int(_) | Value::Nil) {
                        owns |= self.take_buffers(x);
                    }
                }
                if self.vecs.len() >= POOLED || !(1..=POOLED_CAPACITY).contains(&items.capacity()) {
                    return true;
                }
                let mut items = std::mem::take(items);
                if owns {
                    items.clear();
                } else {
                    // SAFETY: shrinking the length is sound; the elements own
                    // no heap memory, so forgetting them leaks nothing.
                    unsafe { items.set_len(0) }
                }
                self.vecs.push(items);
                false
            }
            Value::Map(entries) => {
                let mut owns = false;
                for (k, x) in entries.iter_mut() {
                    owns |= self.take_buffers(k);
                    if !matches!(x, Value::Int(_) | Value::Nil) {
                        owns |= self.take_buffers(x);
                    }
                }
                if self.maps.len() >= POOLED || !(1..=POOLED_CAPACITY).contains(&entries.capacity()) {
                    return true;
                }
                let mut entries = std::mem::take(entries);
                if owns {
                    entries.clear();
                } else {
                    // SAFETY: as above.
                    unsafe { entries.set_len(0) }
                }
                self.maps.push(entries);
                false
            }
            Value::Tagged(_, inner) => {
                self.take_buffers(inner);
                true
            }
            _ => true,
        }
    }
}

/// Pushes a value onto the parser's scratch stack, building it in place: with
/// `Vec::push` the value is first assembled on the stack and then copied, and
/// that copy stalls on store forwarding, which costs a noticeable share of the
/// reading time.
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

struct Parser<'s, 'r> {
    src: &'s Source<'r>,
    buf: &'s [u8],
    pos: usize,
    /// Whether the end of `buf` is the end of the input.
    eof: bool,
    depth: u32,
    /// A stack of the values parsed so far whose collections are still open;
    /// a collection's elements are moved off it when it closes.
    scratch: &'s mut Vec<Value>,
    pools: &'s mut Pools,
}

impl<'s, 'r> Parser<'s, 'r> {
    fn at_text(&self, at: usize) -> String {
        let p = self.src.pos_at(at);
        format!("line {} col {}", p.line, p.col)
    }

    #[inline]
    fn more_or(&self, at: usize, msg: impl FnOnce() -> String) -> PErr {
        if self.eof {
            fail(at, msg())
        } else {
            more0()
        }
    }

    #[inline]
    fn enter(&mut self, at: usize) -> Result<(), PErr> {
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
    fn skip_ws(&mut self) -> Result<(), PErr> {
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
    fn sep(&mut self) -> Result<(), PErr> {
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
    fn discard(&mut self) -> Result<(), PErr> {
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
    fn value(&mut self) -> Result<(), PErr> {
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
    fn int_fast(&mut self, start: usize) -> Option<i64> {
        let buf = self.buf;
        let end = buf.len().min(start + 18);
        let mut i = start;
        let mut v: u64 = 0;
        while i < end {
            let d = buf[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v * 10 + d as u64;
            i += 1;
        }
        if i >= buf.len() || is_sym(buf[i]) {
            return None;
        }
        self.pos = i;
        Some(v as i64)
    }

    /// Parses one form and takes it off the scratch stack.
    fn take_value(&mut self) -> Result<Value, PErr> {
        self.value()?;
        self.scratch.pop().ok_or_else(|| fail(self.pos, "internal error: no value"))
    }

    fn closer_mismatch(&self, start: usize, what: &str, want: u8, found: u8) -> PErr {
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
    fn map(&mut self, start: usize) -> Result<(), PErr> {
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
    fn seq(&mut self, start: usize, open_len: usize, closer: u8, kind: OpenKind) -> Result<(), PErr> {
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
    fn utf8(&self, from: usize, to: usize, what: &str) -> Result<&'s str, PErr> {
        let buf: &'s [u8] = self.buf;
        let bytes = &buf[from..to];
        std::str::from_utf8(bytes).map_err(|e| {
            let at = from + e.valid_up_to();
            fail(at, format!("invalid UTF-8 in {what} (byte 0x{:02x})", buf[at]))
        })
    }

    /// `"…"`, at the quote.
    #[inline(never)]
    fn string(&mut self, start: usize) -> Result<(), PErr> {
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
    fn unicode_escape(&self, at: usize, start: usize) -> Result<(char, usize), PErr> {
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
    fn token_end(&self, from: usize) -> Result<usize, PErr> {
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
    fn keyword(&mut self, start: usize) -> Result<(), PErr> {
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
    fn symbol(&mut self, start: usize) -> Result<(), PErr> {
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
    fn number(&mut self, start: usize) -> Result<(), PErr> {
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

    fn number_slow(&mut self, start: usize) -> Result<(), PErr> {
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
    fn char_lit(&mut self, start: usize) -> Result<(), PErr> {
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
    fn dispatch(&mut self, start: usize) -> Result<(), PErr> {
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

    /// The element at the start of the buffer: an op map of the common shape
    /// is decoded straight into `b` (`None`); anything else, or an op the
    /// builder rejects, is parsed as a [`Value`] and returned for
    /// [`HistoryBuilder::push`], which gives the same result or error as always.
    fn fast_element(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<Option<Value>, PErr> {
        let start = self.pos;
        if self.buf.get(start) == Some(&b'{') {
            match self.fast_op() {
                Ok(true) => {
                    if self.fast_commit(b, pos).is_ok() {
                        return Ok(None);
                    }
                }
                Ok(false) => {}
                Err(e) if !self.eof && matches!(*e.0, ErrKind::More(_)) => return Err(e),
                Err(_) => {}
            }
            self.pos = start;
            self.depth = 0;
            self.scratch.clear();
        }
        self.take_value().map(Some)
    }

    /// Reads an op map at `{` into `pools.fast`; `false` when it is not of the
    /// common shape. Changes nothing but the parser's position and scratch.
    fn fast_op(&mut self) -> Result<bool, PErr> {
        let buf = self.buf;
        self.pools.fast.clear();
        self.pos += 1;
        self.depth += 1;
        loop {
            if let Some((field, end)) = quick_field(buf, self.pos) {
                self.pools.fast.fields.push(field);
                self.pos = end;
                continue;
            }
            self.sep()?;
            let Some(&c) = buf.get(self.pos) else {
                return Err(more0());
            };
            if c == b'}' {
                self.pos += 1;
                break;
            }
            if c != b':' {
                return Ok(false);
            }
            let ks = self.pos + 1;
            let ke = match known_key(buf, ks) {
                Some((_, ke)) => ke,
                None => self.token_end(ks)?,
            };
            if ke == ks {
                return Ok(false);
            }
            self.pos = ke;
            self.sep()?;
            match buf.get(self.pos) {
                None => return Err(more0()),
                Some(&c) if is_closer(c) => return Ok(false),
                _ => {}
            }
            let field = match &buf[ks..ke] {
                b"index" => match self.lit()? {
                    Some(Lit::Int(i)) if i >= 0 => FField::Index(i as u64),
                    _ => return Ok(false),
                },
                b"time" => match self.lit()? {
                    Some(Lit::Int(t)) => FField::Time(Some(t)),
                    Some(Lit::Nil) => FField::Time(None),
                    _ => return Ok(false),
                },
                b"type" => match self.lit()? {
                    // As `OpType::from_name`, on the bytes.
                    Some(Lit::Kw(s, e)) => match &buf[s..e] {
                        b"invoke" => FField::Type(OpType::Invoke),
                        b"ok" => FField::Type(OpType::Ok),
                        b"fail" => FField::Type(OpType::Fail),
                        b"info" => FField::Type(OpType::Info),
                        _ => return Ok(false),
                    },
                    _ => return Ok(false),
                },
                b"process" => match self.lit()? {
                    Some(l) => FField::Process(l),
                    None => FField::ProcessV(self.fast_generic()?),
                },
                b"f" => match self.lit()? {
                    Some(l) => FField::F(l),
                    None => FField::FV(self.fast_generic()?),
                },
                b"value" => {
                    let vstart = self.pos;
                    let (m, r, n) =
                        (self.pools.fast.mops.len(), self.pools.fast.reads.len(), self.pools.fast.ints.len());
                    if self.fast_txn()? {
                        FField::Txn
                    } else {
                        self.pos = vstart;
                        self.pools.fast.mops.truncate(m);
                        self.pools.fast.reads.truncate(r);
                        self.pools.fast.ints.truncate(n);
                        FField::ValueV(self.fast_generic()?)
                    }
                }
                key => {
                    if not_utf8(key) {
                        return Ok(false);
                    }
                    FField::Extra(ks, ke, self.fast_generic()?)
                }
            };
            self.pools.fast.fields.push(field);
        }
        self.depth -= 1;
        Ok(true)
    }

    /// A form read by the generic parser into `pools.fast.vals`; its index.
    fn fast_generic(&mut self) -> Result<usize, PErr> {
        let v = self.take_value()?;
        self.pools.fast.vals.push(v);
        Ok(self.pools.fast.vals.len() - 1)
    }

    /// An integer, `nil`, a keyword or a string without escapes; `None`, with
    /// the position unchanged, for any other form. A non-negative integer of up
    /// to 18 digits followed by a delimiter (the usual case) is read inline;
    /// everything else by [`Self::lit_slow`], which gives the same answer for it.
    #[inline(always)]
    fn lit(&mut self) -> Result<Option<Lit>, PErr> {
        let buf = self.buf;
        let start = self.pos;
        if let Some(&b) = buf.get(start) {
            let d = b.wrapping_sub(b'0');
            if d <= 9 {
                let end = buf.len().min(start + 18);
                let mut v = d as i64;
                let mut i = start + 1;
                while i < end {
                    let d = buf[i].wrapping_sub(b'0');
                    if d > 9 {
                        break;
                    }
                    v = v * 10 + d as i64;
                    i += 1;
                }
                if let Some(&c) = buf.get(i) {
                    if !is_sym(c) {
                        self.pos = i;
                        return Ok(Some(Lit::Int(v)));
                    }
                }
            }
        }
        self.lit_slow()
    }

    /// [`Self::lit`] in general.
    #[inline(never)]
    fn lit_slow(&mut self) -> Result<Option<Lit>, PErr> {
        let buf = self.buf;
        let start = self.pos;
        let Some(&b) = buf.get(start) else {
            return Err(more0());
        };
        match b {
            b'0'..=b'9' | b'-' => {
                let neg = b == b'-';
                let from = start + neg as usize;
                let end = buf.len().min(from + 18);
                let mut i = from;
                let mut v: i64 = 0;
                while i < end && buf[i].is_ascii_digit() {
                    v = v * 10 + (buf[i] - b'0') as i64;
                    i += 1;
                }
                if i == buf.len() {
                    return if self.eof { Ok(None) } else { Err(more0()) };
                }
                if i == from || is_sym(buf[i]) {
                    return Ok(None);
                }
                self.pos = i;
                Ok(Some(Lit::Int(if neg { -v } else { v })))
            }
            b':' => {
                let end = self.token_end(start + 1)?;
                if end == start + 1 || not_utf8(&buf[start + 1..end]) {
                    return Ok(None);
                }
                self.pos = end;
                Ok(Some(Lit::Kw(start + 1, end)))
            }
            b'"' => {
                let mut i = start + 1;
                while i < buf.len() && buf[i] != b'"' && buf[i] != b'\\' {
                    i += 1;
                }
                if i == buf.len() {
                    return Err(more0());
                }
                if buf[i] == b'\\' || not_utf8(&buf[start + 1..i]) {
                    return Ok(None);
                }
                self.pos = i + 1;
                Ok(Some(Lit::Str(start + 1, i)))
            }
            b'n' => {
                let end = self.token_end(start)?;
                if &buf[start..end] != b"nil" {
                    return Ok(None);
                }
                self.pos = end;
                Ok(Some(Lit::Nil))
            }
            _ => Ok(None),
        }
    }

    /// `[[:append k v] [:r k [v…]] [:w k v] …]` into `pools.fast.mops`; `false`
    /// for any other value (then read generically and decoded by the builder).
    fn fast_txn(&mut self) -> Result<bool, PErr> {
        let buf = self.buf;
        if buf.get(self.pos) != Some(&b'[') {
            return Ok(false);
        }
        self.pos += 1;
        loop {
            if let Some((mop, end)) = quick_mop(buf, self.pos, &mut self.pools.fast.ints) {
                self.pools.fast.mops.push(mop);
                self.pos = end;
                continue;
            }
            self.sep()?;
            match buf.get(self.pos) {
                None => return Err(more0()),
                Some(b']') => {
                    self.pos += 1;
                    return Ok(true);
                }
                Some(b'[') => self.pos += 1,
                Some(_) => return Ok(false),
            }
            self.sep()?;
            // The three kinds spelled out, so the usual case skips the
            // keyword scan; `lit` reads them the same way.
            let kind = match buf.get(self.pos..self.pos + 3) {
                Some(&[b':', b'r', c]) if !is_sym(c) => {
                    self.pos += 2;
                    MopKind::Read
                }
                Some(&[b':', b'w', c]) if !is_sym(c) => {
                    self.pos += 2;
                    MopKind::Write
                }
                _ => match buf.get(self.pos..self.pos + 8) {
                    Some(&[b':', b'a', b'p', b'p', b'e', b'n', b'd', c]) if !is_sym(c) => {
                        self.pos += 7;
                        MopKind::Append
                    }
                    _ => match self.lit()? {
                        Some(Lit::Kw(s, e)) => match &buf[s..e] {
                            b"append" => MopKind::Append,
                            b"r" => MopKind::Read,
                            b"w" => MopKind::Write,
                            _ => return Ok(false),
                        },
                        _ => return Ok(false),
                    },
                },
            };
            self.sep()?;
            let Some(key) = self.lit()? else {
                return Ok(false);
            };
            self.sep()?;
            let val = match buf.get(self.pos) {
                None => return Err(more0()),
                Some(b']') => FVal::Absent,
                Some(b'[') if kind == MopKind::Read => {
                    self.pos += 1;
                    let from = self.pools.fast.reads.len();
                    loop {
                        self.sep()?;
                        match buf.get(self.pos) {
                            None => return Err(more0()),
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => match self.lit()? {
                                Some(l) => self.pools.fast.reads.push(l),
                                None => return Ok(false),
                            },
                        }
                    }
                    FVal::List(from, self.pools.fast.reads.len() - from)
                }
                Some(b'n') if matches!(buf.get(self.pos..self.pos + 4), Some(&[b'n', b'i', b'l', c]) if !is_sym(c)) => {
                    self.pos += 3;
                    FVal::Nil
                }
                Some(_) => match self.lit()? {
                    Some(Lit::Nil) => FVal::Nil,
                    Some(l) => FVal::Atom(l),
                    None => return Ok(false),
                },
            };
            if !matches!(val, FVal::Absent) {
                self.sep()?;
            }
            match buf.get(self.pos) {
                None => return Err(more0()),
                Some(b']') => self.pos += 1,
                Some(_) => return Ok(false),
            }
            self.pools.fast.mops.push(FMop { kind, key, val });
        }
    }

    /// Hands the op read by [`Self::fast_op`] to the builder.
    fn fast_commit(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<(), OpError> {
        fast::commit(&mut self.pools.fast, self.buf, b, pos)
    }

    /// `#tag form`, at the `#`.
    fn tagged(&mut self, start: usize) -> Result<(), PErr> {
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
    fn namespaced_map(&mut self, start: usize) -> Result<(), PErr> {
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
#[allow(unsafe_code)]
fn move_tail(stack: &mut Vec<Value>, base: usize, dst: &mut Vec<Value>) {
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
fn pair_up(stack: &mut Vec<Value>, base: usize, entries: &mut Vec<(Value, Value)>) {
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

fn open_name(kind: OpenKind) -> &'static str {
    match kind {
        OpenKind::Map => "map",
        OpenKind::Vector => "vector",
        OpenKind::List => "list",
        OpenKind::Set => "set",
        OpenKind::Str => "string",
        OpenKind::Discard => "#_",
        OpenKind::Tag => "tagged literal",
        OpenKind::Nothing => "form",
    }
}

fn closer_of(kind: OpenKind) -> &'static str {
    match kind {
        OpenKind::Map | OpenKind::Set => "}",
        OpenKind::Vector => "]",
        OpenKind::List => ")",
        OpenKind::Str => "\"",
        _ => "",
    }
}

// ---------------------------------------------------------------------------
// Leaf grammars (nom)

type NomRes<'a, T> = IResult<&'a [u8], T, ()>;
/// Sign, `0x`, digits, `N`.
type HexParts<'a> = (Option<char>, &'a [u8], &'a [u8], Option<char>);
/// Sign, radix, `r`, digits.
type RadixParts<'a> = (Option<char>, &'a [u8], char, &'a [u8]);

fn sign(i: &[u8]) -> NomRes<'_, Option<char>> {
    opt(one_of("+-"))(i)
}

/// The text of a number token without a leading `+`.
fn unsigned_plus(tok: &[u8]) -> &[u8] {
    tok.strip_prefix(b"+").unwrap_or(tok)
}

fn text_of(tok: &[u8]) -> Option<Box<str>> {
    std::str::from_utf8(tok).ok().map(Box::from)
}

/// Any number token the fast path does not take: big or suffixed integers,
/// floats, hexadecimal, radix and ratio literals.
fn number_token(tok: &[u8]) -> Option<Value> {
    // Decimal: [+-]digits[.digits][e[+-]digits][N|M]
    let decimal: NomRes<'_, (&[u8], Option<char>)> = all_consuming(tuple((
        recognize(tuple((
            sign,
            digit1,
            opt(pair(nchar('.'), digit0)),
            opt(tuple((one_of("eE"), opt(one_of("+-")), digit1))),
        ))),
        opt(one_of("NM")),
    )))(tok);
    if let Ok((_, (text, suffix))) = decimal {
        let is_int = text.iter().all(|b| b.is_ascii_digit() || *b == b'-' || *b == b'+');
        return match suffix {
            Some('N') if is_int => text_of(unsigned_plus(text)).map(Value::BigInt),
            Some('N') => None,
            Some(_) => text_of(unsigned_plus(text)).map(Value::Decimal),
            None if is_int => {
                let s = std::str::from_utf8(text).ok()?;
                Some(match s.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(unsigned_plus(text).iter().map(|&b| b as char).collect::<String>().into()),
                })
            }
            None => std::str::from_utf8(text).ok()?.parse::<f64>().ok().map(Value::Float),
        };
    }
    // Hexadecimal: [+-]0x…[N]
    let hex: NomRes<'_, HexParts<'_>> =
        all_consuming(tuple((sign, alt((tag("0x"), tag("0X"))), hex_digit1, opt(nchar('N')))))(tok);
    if let Ok((_, (s, _, digits, big))) = hex {
        return radix_value(s == Some('-'), digits, 16, big.is_some());
    }
    // Radix: [+-]NNrDDD
    let radix: NomRes<'_, RadixParts<'_>> = all_consuming(tuple((sign, digit1, one_of("rR"), alphanumeric1)))(tok);
    if let Ok((_, (s, r, _, digits))) = radix {
        let r: u32 = std::str::from_utf8(r).ok()?.parse().ok()?;
        if !(2..=36).contains(&r) {
            return None;
        }
        return radix_value(s == Some('-'), digits, r, false);
    }
    // Ratio: [+-]digits/digits, kept as a symbol of its text.
    let ratio: NomRes<'_, &[u8]> = all_consuming(recognize(tuple((sign, digit1, nchar('/'), digit1))))(tok);
    if let Ok((_, text)) = ratio {
        return text_of(text).map(Value::Symbol);
    }
    None
}

/// An integer written in `radix`: `Int` if it fits, else `BigInt` in decimal.
fn radix_value(neg: bool, digits: &[u8], radix: u32, force_big: bool) -> Option<Value> {
    if digits.len() > MAX_RADIX_DIGITS {
        return None;
    }
    const BASE: u64 = 1_000_000_000;
    // Little-endian limbs in base 10^9.
    let mut limbs: Vec<u32> = vec![0];
    for &d in digits {
        let mut carry = (d as char).to_digit(radix)? as u64;
        for l in limbs.iter_mut() {
            let x = *l as u64 * radix as u64 + carry;
            *l = (x % BASE) as u32;
            carry = x / BASE;
        }
        while carry > 0 {
            limbs.push((carry % BASE) as u32);
            carry /= BASE;
        }
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let mut it = limbs.iter().rev();
    s.push_str(&it.next().copied().unwrap_or(0).to_string());
    for l in it {
        s.push_str(&format!("{l:09}"));
    }
    if !force_big {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::Int(i));
        }
    }
    Some(Value::BigInt(s.into()))
}

/// The character named after a backslash: `newline`, `u00e9`, `o101`…
fn named_char(name: &[u8]) -> Option<char> {
    let hex4 = |i| take_while_m_n(4, 4, |b: u8| b.is_ascii_hexdigit())(i);
    let oct = |i| take_while_m_n(1, 3, |b: u8| (b'0'..=b'7').contains(&b))(i);
    let r: NomRes<'_, char> = all_consuming(alt((
        nvalue('\n', tag("newline")),
        nvalue(' ', tag("space")),
        nvalue('\t', tag("tab")),
        nvalue('\r', tag("return")),
        nvalue('\u{8}', tag("backspace")),
        nvalue('\u{c}', tag("formfeed")),
        map_opt(preceded(tag("u"), hex4), |h: &[u8]| {
            let s = std::str::from_utf8(h).ok()?;
            char::from_u32(u32::from_str_radix(s, 16).ok()?)
        }),
        map_opt(preceded(tag("o"), oct), |o: &[u8]| {
            let s = std::str::from_utf8(o).ok()?;
            let n = u32::from_str_radix(s, 8).ok()?;
            if n <= 0o377 {
                char::from_u32(n)
            } else {
                None
            }
        }),
    )))(name);
    r.ok().map(|(_, c)| c)
}

// ---------------------------------------------------------------------------
// The driver: top level, file shapes, refills

struct Reader<'a, 'r> {
    src: &'a mut Source<'r>,
    scratch: Vec<Value>,
    pools: Pools,
}

impl<'a, 'r> Reader<'a, 'r> {
    fn new(src: &'a mut Source<'r>) -> Self {
        Reader { src, scratch: Vec::new(), pools: Pools::default() }
    }

    fn fill(&mut self) -> Result<bool, InputError> {
        self.src.fill().map_err(|e| InputError::io(self.src.name(), &e))
    }

    /// Runs `f` on the available bytes, refilling and starting over while it runs
    /// off the end of them. Returns its result and how many bytes it used.
    fn run<T>(&mut self, mut f: impl FnMut(&mut Parser<'_, '_>) -> Result<T, PErr>) -> Result<(T, usize), InputError> {
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

    fn at_text(&self, at: usize) -> String {
        let p = self.src.pos_at(at);
        format!("line {} col {}", p.line, p.col)
    }

    fn eof_error(&self, open: Open) -> InputError {
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
    fn skip_top(&mut self) -> Result<Option<u8>, InputError> {
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
    fn peek_after_opener(&mut self) -> Result<Option<u8>, InputError> {
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
    fn element(&mut self, target: &mut Target<'_, '_>) -> Result<(), InputError> {
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
    fn fill_line(&mut self) -> Result<(), InputError> {
        while !self.src.at_eof() {
            let a = self.src.available();
            if a.len() >= 4096 || a.contains(&b'\n') {
                break;
            }
            self.fill()?;
        }
        Ok(())
    }

    fn skip_bom(&mut self) -> Result<(), InputError> {
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
enum Target<'a, 'b> {
    Sink(&'a mut OpSink<'b>),
    Builder(&'a mut HistoryBuilder),
}

fn read_target(src: &mut Source<'_>, sink: &mut Target<'_, '_>) -> Result<(), InputError> {
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
fn read_wrapped(r: &mut Reader<'_, '_>, sink: &mut Target<'_, '_>, closer: u8, what: &str) -> Result<(), InputError> {
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

/// Writes a history as Jepsen EDN: one op map per line, in file order.
pub fn write_history<W: Write>(h: &History, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    for op in &h.ops {
        writeln!(w, "{}", h.op_to_value(op))?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Trickle;
    use crate::{read_history, read_history_file, Format, ReadOptions};
    use history::SrcPos;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    fn v(s: &str) -> Value {
        parse_value(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn kw(s: &str) -> Value {
        Value::keyword(s)
    }

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    fn vec_(items: Vec<Value>) -> Value {
        Value::Vector(items)
    }

    /// Every top-level element with its position, without the history builder.
    fn elements_from<R: Read>(r: R) -> Result<Vec<(Value, SrcPos)>, InputError> {
        let mut src = Source::new(r, "t.edn");
        let mut out = Vec::new();
        read_ops(&mut src, &mut |v: &Value, p: SrcPos| {
            out.push((v.clone(), p));
            Ok(())
        })?;
        Ok(out)
    }

    fn elements(text: &str) -> Result<Vec<(Value, SrcPos)>, InputError> {
        let whole = elements_from(text.as_bytes());
        for seed in 0..4 {
            let slow = elements_from(Trickle::new(text.as_bytes(), seed));
            match (&whole, &slow) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "slow reader differs on {text:?}"),
                (Err(a), Err(b)) => {
                    assert_eq!((a.pos, &a.message), (b.pos, &b.message), "slow reader differs on {text:?}")
                }
                _ => panic!("slow reader differs on {text:?}: {whole:?} vs {slow:?}"),
            }
        }
        whole
    }

    fn values(text: &str) -> Vec<Value> {
        elements(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).into_iter().map(|(v, _)| v).collect()
    }

    fn error(text: &str) -> String {
        match elements(text) {
            Ok(v) => panic!("{text:?} should not read, but gave {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn read_str(text: &str) -> Result<History, InputError> {
        read_history(text.as_bytes(), "t.edn", Some(Format::Edn), ReadOptions::default())
    }

    fn write_str(h: &History) -> String {
        let mut out = Vec::new();
        write_history(h, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn scalars() {
        assert_eq!(v("nil"), Value::Nil);
        assert_eq!(v("true"), Value::Bool(true));
        assert_eq!(v("false"), Value::Bool(false));
        assert_eq!(v("0"), int(0));
        assert_eq!(v("42"), int(42));
        assert_eq!(v("-42"), int(-42));
        assert_eq!(v("+42"), int(42));
        assert_eq!(v("9223372036854775807"), int(i64::MAX));
        assert_eq!(v("-9223372036854775808"), int(i64::MIN));
        assert_eq!(v("9223372036854775808"), Value::BigInt("9223372036854775808".into()));
        assert_eq!(v("-99999999999999999999999"), Value::BigInt("-99999999999999999999999".into()));
        assert_eq!(v("12N"), Value::BigInt("12".into()));
        assert_eq!(v("+12N"), Value::BigInt("12".into()));
        assert_eq!(v("-12N"), Value::BigInt("-12".into()));
        assert_eq!(v("1.5"), Value::Float(1.5));
        assert_eq!(v("-2.0"), Value::Float(-2.0));
        assert_eq!(v("1e3"), Value::Float(1000.0));
        assert_eq!(v("1.5E-3"), Value::Float(0.0015));
        assert_eq!(v("2.5e+2"), Value::Float(250.0));
        assert_eq!(v("1.5M"), Value::Decimal("1.5".into()));
        assert_eq!(v("7M"), Value::Decimal("7".into()));
        assert_eq!(v("##Inf"), Value::Float(f64::INFINITY));
        assert_eq!(v("##-Inf"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(v("##NaN"), Value::Float(f) if f.is_nan()));
        assert_eq!(v("0x1a2b"), int(0x1a2b));
        assert_eq!(v("-0XFF"), int(-255));
        assert_eq!(v("0x10000000000000000"), Value::BigInt("18446744073709551616".into()));
        assert_eq!(v("2r1010"), int(10));
        assert_eq!(v("36rZ"), int(35));
        assert_eq!(v("1/3"), Value::Symbol("1/3".into()));
        assert_eq!(v(":ok"), kw("ok"));
        assert_eq!(v(":elle.list-append/init"), kw("elle.list-append/init"));
        assert_eq!(v(":a-b?*!"), kw("a-b?*!"));
        assert_eq!(v("..."), Value::Symbol("...".into()));
        assert_eq!(v("foo/bar"), Value::Symbol("foo/bar".into()));
        assert_eq!(v("-"), Value::Symbol("-".into()));
        assert_eq!(v("+a"), Value::Symbol("+a".into()));
        assert_eq!(v("nilly"), Value::Symbol("nilly".into()));
        assert_eq!(v("ключ"), Value::Symbol("ключ".into()));
        assert_eq!(v(":ключ"), kw("ключ"));
    }

    #[test]
    fn strings_and_characters() {
        assert_eq!(v(r#""""#), Value::string(""));
        assert_eq!(v(r#""plain text""#), Value::string("plain text"));
        assert_eq!(v(r#""a\"b\\c\nd\te\rf\bg\fh""#), Value::string("a\"b\\c\nd\te\rf\u{8}g\u{c}h"));
        assert_eq!(v(r#""\u00e9\u0041""#), Value::string("éA"));
        assert_eq!(v(r#""\ud83d\ude00""#), Value::string("😀"));
        assert_eq!(v("\"multi\nline é\""), Value::string("multi\nline é"));
        assert_eq!(v(r"\a"), Value::Char('a'));
        assert_eq!(v(r"\newline"), Value::Char('\n'));
        assert_eq!(v(r"\space"), Value::Char(' '));
        assert_eq!(v(r"\tab"), Value::Char('\t'));
        assert_eq!(v(r"\return"), Value::Char('\r'));
        assert_eq!(v(r"\backspace"), Value::Char('\u{8}'));
        assert_eq!(v(r"\formfeed"), Value::Char('\u{c}'));
        assert_eq!(v(r"\u00e9"), Value::Char('é'));
        assert_eq!(v(r"\o101"), Value::Char('A'));
        assert_eq!(v(r"\u"), Value::Char('u'));
        assert_eq!(v(r"\é"), Value::Char('é'));
        assert_eq!(v(r"\("), Value::Char('('));
        assert_eq!(v(r"\\"), Value::Char('\\'));
        assert_eq!(v(r#"\""#), Value::Char('"'));
        assert_eq!(v(r"[\a \b]"), vec_(vec![Value::Char('a'), Value::Char('b')]));
        assert_eq!(v(r"[\a\b]"), vec_(vec![Value::Char('a'), Value::Char('b')]));
    }

    #[test]
    fn collections_comments_discards_and_tags() {
        assert_eq!(v("[]"), vec_(vec![]));
        assert_eq!(v("[1, 2 ,3]"), vec_(vec![int(1), int(2), int(3)]));
        assert_eq!(v("(1 :a)"), Value::List(vec![int(1), kw("a")]));
        assert_eq!(v("#{1 2}"), Value::Set(vec![int(1), int(2)]));
        assert_eq!(
            v("{:a 1, :b [2 {:c ()}]}"),
            Value::Map(vec![
                (kw("a"), int(1)),
                (kw("b"), vec_(vec![int(2), Value::Map(vec![(kw("c"), Value::List(vec![]))])])),
            ])
        );
        assert_eq!(
            v("{[1 2] \"x\", nil nil}"),
            Value::Map(vec![(vec_(vec![int(1), int(2)]), Value::string("x")), (Value::Nil, Value::Nil)])
        );
        assert_eq!(v("[1 ; comment ]\n 2]"), vec_(vec![int(1), int(2)]));
        assert_eq!(v("[1 #_2 3]"), vec_(vec![int(1), int(3)]));
        assert_eq!(v("[1 #_ [2 3]]"), vec_(vec![int(1)]));
        assert_eq!(v("[#_#_ 1 2 3]"), vec_(vec![int(3)]));
        assert_eq!(v("{:a #_ :b 1}"), Value::Map(vec![(kw("a"), int(1))]));
        assert_eq!(v("#_ 1 2"), int(2));
        assert_eq!(
            v("#inst \"2020-05-13T10:00:00.000-00:00\""),
            Value::Tagged("inst".into(), Box::new(Value::string("2020-05-13T10:00:00.000-00:00")))
        );
        assert_eq!(
            v("#uuid\"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\""),
            Value::Tagged("uuid".into(), Box::new(Value::string("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")))
        );
        assert_eq!(
            v("#jepsen.history.Op{:index 3, :type :ok}"),
            Value::Tagged(
                "jepsen.history.Op".into(),
                Box::new(Value::Map(vec![(kw("index"), int(3)), (kw("type"), kw("ok"))]))
            )
        );
        assert_eq!(
            v("#object[java.lang.Exception 0x1a2b \"msg\"]"),
            Value::Tagged(
                "object".into(),
                Box::new(vec_(vec![Value::Symbol("java.lang.Exception".into()), int(0x1a2b), Value::string("msg")]))
            )
        );
        assert_eq!(v("#a #b 1"), Value::Tagged("a".into(), Box::new(Value::Tagged("b".into(), Box::new(int(1))))));
        assert_eq!(
            v("#:elle{:a 1, :x/b 2, :_/c 3, d 4}"),
            Value::Map(vec![
                (kw("elle/a"), int(1)),
                (kw("x/b"), int(2)),
                (kw("c"), int(3)),
                (Value::Symbol("elle/d".into()), int(4)),
            ])
        );
        assert_eq!(v("  ; leading comment\n :x ; trailing"), kw("x"));
    }

    #[test]
    fn display_reads_back() {
        let samples = vec![
            Value::Nil,
            Value::Bool(true),
            int(-7),
            int(i64::MIN),
            Value::BigInt("123456789012345678901234567890".into()),
            Value::BigInt("-5".into()),
            Value::BigInt("5".into()),
            Value::Float(2.0),
            Value::Float(-0.0),
            Value::Float(0.1),
            Value::Float(1e16),
            Value::Float(1.5e-7),
            Value::Float(f64::MAX),
            Value::Float(f64::MIN_POSITIVE),
            Value::Float(5e-324),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NEG_INFINITY),
            Value::Decimal("1.50".into()),
            Value::Decimal("-3".into()),
            Value::string("quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} é 😀"),
            kw("elle.list-append/init"),
            Value::Symbol("...".into()),
            Value::Char('a'),
            Value::Char('u'),
            Value::Char('n'),
            Value::Char('\n'),
            Value::Char(' '),
            Value::Char('\t'),
            Value::Char('\r'),
            Value::Char('\u{0}'),
            Value::Char('\u{8}'),
            Value::Char('\\'),
            Value::Char('"'),
            Value::Char(';'),
            Value::Char(','),
            Value::Char('é'),
            Value::Set(vec![int(2), int(1)]),
            Value::List(vec![]),
            Value::Tagged("inst".into(), Box::new(Value::string("2020"))),
            Value::Tagged("jepsen.history.Op".into(), Box::new(Value::Map(vec![(kw("index"), int(1))]))),
        ];
        let all = vec_(samples.clone());
        for s in samples.iter().chain([&all]) {
            let text = s.to_string();
            let back = parse_value(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(&back, s, "{text}");
        }
    }

    const STREAM: &str =
        "{:type :invoke, :f :txn, :value [[:append 11 1] [:r 11 nil]], :process 10, :time 14532933, :index 0}\n\
        {:type :ok, :f :txn, :value [[:append 11 1] [:r 11 [1]]], :process 10, :time 31076248, :index 2}\n";

    #[test]
    fn stream_shape() {
        let h = read_str(STREAM).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.ops[1].index, 2);
        assert_eq!(h.ops[1].pos, SrcPos { line: 2, col: 1 });
        assert_eq!(h.partner_of(0), Some(1));
        // No final newline, extra blank lines, comments, commas between ops.
        let text = ";; header\n\n{:type :ok :process 0}, {:type :ok :process 1} ; c\n\n{:type :ok :process 2}";
        let els = elements(text).unwrap();
        assert_eq!(
            els.iter().map(|e| e.1).collect::<Vec<_>>(),
            vec![SrcPos { line: 3, col: 1 }, SrcPos { line: 3, col: 25 }, SrcPos { line: 5, col: 1 }]
        );
        assert_eq!(read_str(text).unwrap().len(), 3);
    }

    #[test]
    fn vector_and_list_shapes() {
        let text = "; a comment\n[{:type :invoke, :value [[:w :x 1]], :process 0}\n {:type :ok,     :value [[:w :x 1]], :process 0}]\n";
        let els = elements(text).unwrap();
        assert_eq!(els.len(), 2);
        assert_eq!(els[0].1, SrcPos { line: 2, col: 2 });
        assert_eq!(els[1].1, SrcPos { line: 3, col: 2 });
        let h = read_str(text).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.partner_of(1), Some(0));

        let list =
            "({:type :ok, :process 1}\n ; between\n #jepsen.history.Op{:type :ok, :process 2}\n #_{:type :bogus}\n)";
        let h = read_str(list).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.ops[1].pos, SrcPos { line: 3, col: 2 });

        for empty in ["", "  \n", "; only a comment", "[]", "[ ]\n", "()", "[\n; nothing\n]", "#_{:a 1}"] {
            assert!(elements(empty).unwrap().is_empty(), "{empty:?}");
            assert!(read_str(empty).unwrap().is_empty(), "{empty:?}");
        }
        // A top-level vector of something other than op maps is one element.
        assert_eq!(values("[1 2]"), vec![vec_(vec![int(1), int(2)])]);
        let e = read_str("[1 2]").unwrap_err();
        assert!(e.to_string().contains("expected an op map"), "{e}");
        let e = read_str(":ok").unwrap_err();
        assert!(e.to_string().contains("expected an op map"), "{e}");
        assert!(e.to_string().contains("found a keyword"), "{e}");
    }

    #[test]
    fn maps_spread_across_lines() {
        let text = "{:type :invoke,\n :f :txn,\n :value [[:read :x nil]\n         [:read :y nil]],\n :process 3,\n :time 7686455705}\n{:type :ok,\n :f :txn, :value [], :process 3}\n";
        let h = read_str(text).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.ops[0].pos, SrcPos { line: 1, col: 1 });
        assert_eq!(h.ops[1].pos, SrcPos { line: 7, col: 1 });
        assert_eq!(h.ops[0].time, Some(7686455705));
    }

    #[test]
    fn positions() {
        let text = "; one\n; two\n{:type :ok, :process 0}\n   {:type :ok, :process 1}";
        let h = read_str(text).unwrap();
        assert_eq!(h.ops[0].pos, SrcPos { line: 3, col: 1 });
        assert_eq!(h.ops[1].pos, SrcPos { line: 4, col: 4 });
        // Columns count characters, not bytes.
        let els = elements("\"é\" {:a 1}").unwrap();
        assert_eq!(els[1].1, SrcPos { line: 1, col: 5 });
    }

    #[test]
    fn slow_reader_gives_the_same_result() {
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!(
                "{{:type :ok, :f :txn, :value [[:append {i} {}] [:r {i} [1 2 3]]], :process {}, :time {}, :index {i}, :error \"é\\n\\u00e9 {}\" :c \\newline}}\n; comment {i}\n",
                i * 7,
                i % 5,
                i as i64 * 1_000_000_007,
                "x".repeat(i % 13)
            ));
        }
        let whole = elements(&text).unwrap();
        assert_eq!(whole.len(), 200);
        assert_eq!(whole[199].1, SrcPos { line: 399, col: 1 });
        let wrapped = format!("[{text}]");
        assert_eq!(elements(&wrapped).unwrap().len(), 200);
        // Through the public API too.
        let a =
            read_history(Trickle::new(text.as_bytes(), 9), "t.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
        let b = read_str(&text).unwrap();
        assert_eq!(write_str(&a), write_str(&b));
        assert_eq!(a.ops.iter().map(|o| o.pos).collect::<Vec<_>>(), b.ops.iter().map(|o| o.pos).collect::<Vec<_>>());
    }

    #[test]
    fn malformed_input_points_at_the_problem() {
        assert_eq!(
            error("{:type :ok}\n{:type :ok, :value [1 2]\n"),
            "t.edn:3:1: unexpected end of input inside the map that starts at line 2 col 1 (missing '}')"
        );
        assert_eq!(
            error("{:type :ok}\n{:type :ok, :value [1 2}\n"),
            "t.edn:2:24: expected ']' to close the vector that starts at line 2 col 20, found '}'\n  {:type :ok, :value [1 2}\n                         ^"
        );
        assert_eq!(error("{:a 1}\n]"), "t.edn:2:1: unmatched ']'\n  ]\n  ^");
        assert_eq!(
            error("[{:a 1}]\n{:b 2}"),
            "t.edn:2:1: expected the end of the input after the vector of ops that ends at line 1 col 8, found '{'\n  {:b 2}\n  ^"
        );
        assert_eq!(
            error("[{:a 1})"),
            "t.edn:1:8: expected ']' to close the vector of ops that starts at line 1 col 1, found ')'\n  [{:a 1})\n         ^"
        );
        assert_eq!(
            error("[{:a 1}\n"),
            "t.edn:2:1: unexpected end of input inside the vector of ops that starts at line 1 col 1 (missing ']')"
        );
        assert_eq!(
            error("{:type :ok, :error \"bad \\q escape\"}"),
            "t.edn:1:25: invalid escape \\q in a string\n  {:type :ok, :error \"bad \\q escape\"}\n                          ^"
        );
        assert_eq!(
            error("{:type :ok :process}"),
            "t.edn:1:20: expected a value after :process, found '}' (a map needs a value for every key)\n  {:type :ok :process}\n                     ^"
        );
        assert_eq!(
            error("{:type :ok}\n{:type :ok, :error \"unterminated}\n"),
            "t.edn:3:1: unexpected end of input inside the string that starts at line 2 col 20 (missing '\"')"
        );
        let e = elements_from(&b"{:type :ok, :error \"a\xffb\"}"[..]).unwrap_err();
        assert_eq!((e.pos, e.message.as_str()), (SrcPos { line: 1, col: 22 }, "invalid UTF-8 in a string (byte 0xff)"));
        assert_eq!(
            error("{:type :ok}\n#_"),
            "t.edn:2:3: expected a form after the #_ at line 2 col 1, found end of input\n  #_\n    ^"
        );
        assert_eq!(
            error("{:type :ok}\n#_ ; c\n"),
            "t.edn:3:1: expected a form after the #_ at line 2 col 1, found end of input"
        );
        assert_eq!(
            error("{:a #inst}"),
            "t.edn:1:10: expected a form after the tag #inst, found '}'\n  {:a #inst}\n           ^"
        );
        assert_eq!(
            error("{:a #inst"),
            "t.edn:1:10: expected a form after the tag #inst at line 1 col 5, found end of input\n  {:a #inst\n           ^"
        );
        assert_eq!(error("{:a 12ab}"), "t.edn:1:5: invalid number '12ab'\n  {:a 12ab}\n      ^");
        assert_eq!(error("{:a : }"), "t.edn:1:5: expected a keyword name after ':', found ' '\n  {:a : }\n      ^");
        assert_eq!(error("{:a @x}"), "t.edn:1:5: expected a form, found '@'\n  {:a @x}\n      ^");
        assert_eq!(
            error("{:a ##Foo}"),
            "t.edn:1:5: unknown symbolic value '##Foo' (expected ##Inf, ##-Inf or ##NaN)\n  {:a ##Foo}\n      ^"
        );
        assert!(error(r"[\bogus]").starts_with("t.edn:1:2: invalid character literal \\bogus"));
        assert!(error("[\"\\u12G4\"]").starts_with("t.edn:1:3: invalid escape \\u12G4 in a string"));
        assert!(error("[\"\\ud83d x\"]").starts_with("t.edn:1:3: invalid escape \\ud83d in a string: a high surrogate"));
        assert!(error("{:a #%x}").starts_with("t.edn:1:6: expected a tag"));
        assert!(error("{:a 1}\n\u{1}").starts_with("t.edn:2:1: expected a form, found the control character 0x01"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH as usize), "]".repeat(MAX_DEPTH as usize));
        assert!(parse_value(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH as usize + 1), "]".repeat(MAX_DEPTH as usize + 1));
        let e = parse_value(&deep).unwrap_err();
        assert!(e.message.starts_with("nesting deeper than 256 levels"), "{e}");
        assert_eq!(e.pos, SrcPos { line: 1, col: 257 });
        // Unclosed, huge, through the stream reader.
        let e = elements_from("{:a ".repeat(100_000).as_bytes()).unwrap_err();
        assert!(e.message.starts_with("nesting deeper"), "{e}");
        let e = elements_from("#_".repeat(100_000).as_bytes()).unwrap_err();
        assert!(e.message.starts_with("nesting deeper"), "{e}");
        let e = elements_from("#a ".repeat(100_000).as_bytes()).unwrap_err();
        assert!(e.message.starts_with("nesting deeper"), "{e}");
    }

    #[test]
    fn huge_numbers_and_tokens() {
        let digits = "9".repeat(10_000);
        assert_eq!(v(&digits), Value::BigInt(digits.clone().into()));
        assert!(matches!(v(&format!("{digits}.5")), Value::Float(f) if f.is_infinite()));
        assert!(parse_value(&format!("0x{}", "f".repeat(10_000))).is_err());
        let long_kw = format!(":{}", "k".repeat(3 << 20));
        assert_eq!(elements_from(long_kw.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn writer_round_trips() {
        let text = "{:index 0, :time 5, :type :invoke, :process 0, :f :txn, :value [[:append 1 2] [:r 1 nil]]}\n\
            {:index 1, :type :info, :process :nemesis, :f :start, :value \"fully connected\"}\n\
            {:index 2, :time 7, :type :ok, :process 0, :f :txn, :value [[:append 1 2] [:r 1 [2]]], :error [:x 1.5 \"é\"]}\n\
            {:index 3, :type :invoke, :process 1, :f :cas, :value [1 2]}\n";
        let h = read_str(text).unwrap();
        let out = write_str(&h);
        assert_eq!(
            out.lines().next().unwrap(),
            "{:index 0, :time 5, :type :invoke, :process 0, :f :txn, :value [[:append 1 2] [:r 1 nil]]}"
        );
        let h2 = read_str(&out).unwrap();
        assert_eq!(write_str(&h2), out);
        assert_eq!(h2.len(), h.len());
        for (a, b) in h.ops.iter().zip(&h2.ops) {
            assert_eq!(h.op_to_value(a), h2.op_to_value(b));
        }
        // A history without :index or :process stays without them.
        let h = read_str("{:type :invoke, :value [[:r :x nil]]}\n{:type :ok, :value [[:r :x 1]]}").unwrap();
        assert_eq!(write_str(&h), "{:type :invoke, :value [[:r :x nil]]}\n{:type :ok, :value [[:r :x 1]]}\n");
    }

    fn corpus_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
    }

    fn edn_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                edn_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "edn") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_corpus_file_reads() {
        let Some(dir) = testkit::corpus("edn::every_corpus_file_reads", "") else { return };
        let mut files = Vec::new();
        edn_files(&dir, &mut files);
        assert!(!files.is_empty());
        for f in &files {
            match read_history_file(f, ReadOptions::default()) {
                Ok(h) => {
                    // Written back and read again, it is the same history.
                    let out = write_str(&h);
                    let h2 = read_str(&out).unwrap_or_else(|e| panic!("{}: written back: {e}", f.display()));
                    assert_eq!(write_str(&h2), out, "{}", f.display());
                }
                // The builder rejected the op pairing: errors without a caret come from it.
                Err(e) if e.caret.is_none() && e.pos.line > 0 => {
                    eprintln!("note: {} is rejected by the history builder: {e}", f.display())
                }
                Err(e) => panic!("{e}"),
            }
            // The elements also read the same through a slow reader.
            let bytes = std::fs::read(f).unwrap();
            if bytes.len() < 100_000 {
                let a = elements_from(&bytes[..]).unwrap();
                let b = elements_from(Trickle::new(&bytes, 3)).unwrap();
                assert_eq!(a, b, "{}", f.display());
            }
        }
    }

    /// ~100 MB of ops: `lines` repeated, their `:index` renumbered.
    fn repeat_ops(lines: &[String]) -> Vec<u8> {
        let mut data = String::with_capacity(110 << 20);
        let mut index = 0u64;
        while data.len() < 100 << 20 {
            for l in lines {
                match l.find(":index ") {
                    Some(at) => {
                        let digits = l[at + 7..].bytes().take_while(u8::is_ascii_digit).count();
                        data.push_str(&l[..at + 7]);
                        data.push_str(&index.to_string());
                        data.push_str(&l[at + 7 + digits..]);
                    }
                    None => data.push_str(l),
                }
                data.push('\n');
                index += 1;
            }
        }
        data.into_bytes()
    }

    /// `cargo test --release -p parsers edn::tests::speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn speed() {
        let mut sets: Vec<(String, Vec<String>)> = Vec::new();
        let synthetic: Vec<String> = (0..20_000u64)
            .map(|i| {
                let p = (i / 2) % 10;
                if i % 2 == 0 {
                    format!("{{:type :invoke, :f :txn, :value [[:append {} {i}] [:r {} nil]], :process {p}, :time {}, :index {i}}}", i % 100, i % 97, i * 1000)
                } else {
                    format!("{{:type :ok, :f :txn, :value [[:append {} {i}] [:r {} [1 2 3]]], :process {p}, :time {}, :index {i}}}", i % 100, i % 97, i * 1000)
                }
            })
            .collect();
        sets.push(("synthetic".into(), synthetic));
        for name in ["list-append/history.edn", "list-append/huge-scc.edn"] {
            if let Ok(text) = std::fs::read_to_string(corpus_dir().join(name)) {
                sets.push((name.into(), text.lines().filter(|l| l.starts_with('{')).map(String::from).collect()));
            }
        }
        for (name, lines) in &sets {
            let bytes = repeat_ops(lines);
            let mb = bytes.len() as f64 / 1e6;
            let (mut best, mut best_parse) = (f64::MAX, f64::MAX);
            let mut n = 0;
            for _ in 0..3 {
                let t = std::time::Instant::now();
                let h = read_history(&bytes[..], "speed.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
                n = h.len();
                drop(h);
                // Parsing alone, without the history builder.
                let t = std::time::Instant::now();
                let mut src = Source::new(&bytes[..], "speed.edn");
                read_ops(&mut src, &mut |_v: &Value, _p: SrcPos| Ok(())).unwrap();
                best_parse = best_parse.min(t.elapsed().as_secs_f64());
            }
            println!(
                "{name}: {n} ops, {mb:.1} MB: read_history {:.0} MB/s, parse only {:.0} MB/s",
                mb / best,
                mb / best_parse
            );
        }
    }
}
