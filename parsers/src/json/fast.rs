//! The fast path: op objects of the common shape decoded straight into the
//! builder, without building a [`Value`] for their usual fields.

use super::value::{keywordize_mops, Ctx, Fail, Parser};
use crate::fast::{self, text, FField, FMop, FVal, Lit, Spelling};
use crate::lex::digits18;
use history::{HistoryBuilder, MopKind, OpError, OpType, SrcPos, Value};

/// A name (`"ok"` or `":ok"`, as [`Pool::strip_name`] reads it) as a range.
pub(super) fn strip_range(buf: &[u8], s: usize, e: usize) -> (usize, usize) {
    if e - s >= 2 && buf[s] == b':' && buf[s + 1] != b':' {
        (s + 1, e)
    } else {
        (s, e)
    }
}

/// A string at `i` of printable ASCII without escapes, not starting with a
/// colon: the range of its text and the position after it.
#[inline(always)]
pub(super) fn quick_name(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
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

/// The usual spelling of elle-cli JSON op objects (no spaces; `"index":3`,
/// `"type":"ok"`, `["append",1,2]`, `["r",1,null]`, `["r",1,[2,3]]`), for
/// [`fast::quick_field`] and [`fast::quick_mop`].
pub(super) struct Json;

impl Spelling for Json {
    const SEP: u8 = b',';

    /// A non-negative integer as [`Parser::fast_lit`] reads it (at most 18
    /// digits, no leading zero, not followed by more of a number).
    #[inline(always)]
    fn int(b: &[u8], i: usize) -> Option<(i64, usize)> {
        let (v, first, j) = digits18(b, i)?;
        let c = *b.get(j)?;
        if (first == 0 && j > i + 1) || matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E') {
            return None;
        }
        Some((v, j))
    }

    /// `"index":`, `"time":`, `"type":`, `"process":` or `"f":`.
    #[inline(always)]
    fn field(b: &[u8], i: usize) -> Option<(u8, usize)> {
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
        Some((code, i + n))
    }

    #[inline(always)]
    fn op_type(b: &[u8], i: usize) -> Option<(OpType, usize)> {
        let (s, e, j) = quick_name(b, i)?;
        let t = match &b[s..e] {
            b"invoke" => OpType::Invoke,
            b"ok" => OpType::Ok,
            b"fail" => OpType::Fail,
            b"info" => OpType::Info,
            _ => return None,
        };
        Some((t, j))
    }

    #[inline(always)]
    fn f_name(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
        quick_name(b, i)
    }

    /// `["r",`, `["w",` or `["append",`.
    #[inline(always)]
    fn mop_head(b: &[u8], i: usize) -> Option<(MopKind, usize)> {
        let (kind, n) = match b.get(i..i + 5)? {
            b"[\"r\"," => (MopKind::Read, 5),
            b"[\"w\"," => (MopKind::Write, 5),
            _ if b.get(i..i + 10)? == b"[\"append\"," => (MopKind::Append, 10),
            _ => return None,
        };
        Some((kind, i + n))
    }

    #[inline(always)]
    fn nil(b: &[u8], i: usize) -> Option<usize> {
        (b.get(i..i + 4)? == b"null").then_some(i + 4)
    }
}

/// Where a parser is, to go back to the start of an op.
#[derive(Clone, Copy)]
pub(super) struct Mark {
    pub(super) i: usize,
    pub(super) line: u32,
    pub(super) memo_off: usize,
    pub(super) memo_col: u32,
    pub(super) depth: u32,
}

/// The fast path (see the EDN reader's, which this mirrors).
impl Parser<'_, '_> {
    pub(super) fn mark(&self) -> Mark {
        Mark { i: self.i, line: self.line, memo_off: self.memo_off, memo_col: self.memo_col, depth: self.depth }
    }

    pub(super) fn reset(&mut self, m: Mark) {
        self.i = m.i;
        self.line = m.line;
        self.memo_off = m.memo_off;
        self.memo_col = m.memo_col;
        self.depth = m.depth;
    }

    /// Reads an op object at `{` into `pool.fast`; `Ok(false)` when it is not of
    /// the common shape. A syntax error (`Fail::At`) means the same: the caller
    /// goes back to the op's start and reads it generically, which reports it.
    pub(super) fn fast_op(&mut self) -> Result<bool, Fail> {
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
            match fast::quick_field::<Json>(b, self.i) {
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
    pub(super) fn fast_field(&mut self) -> Result<bool, Fail> {
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

    pub(super) fn fast_keep(&mut self, v: Value) -> usize {
        self.pool.fast.vals.push(v);
        self.pool.fast.vals.len() - 1
    }

    /// A string without escapes or control characters at `self.i`: its range
    /// (without the quotes). `None`, with the position unchanged, for anything else.
    #[inline]
    pub(super) fn fast_str(&mut self) -> Result<Option<(usize, usize)>, Fail> {
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
    pub(super) fn fast_lit(&mut self) -> Result<Option<Lit>, Fail> {
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
    pub(super) fn fast_txn(&mut self) -> Result<bool, Fail> {
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
            if let Some((mop, end)) = fast::quick_mop::<Json>(b, self.i, &mut self.pool.fast.ints) {
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
    pub(super) fn fast_mop(&mut self) -> Result<bool, Fail> {
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
    pub(super) fn fast_sep(&mut self, sep: u8) -> Result<bool, Fail> {
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
    pub(super) fn fast_commit(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<(), OpError> {
        fast::commit(&mut self.pool.fast, self.b, b, pos)
    }
}
