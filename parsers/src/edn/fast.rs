//! The fast path: op maps of the common shape decoded straight into the
//! builder, without building a [`Value`] for their usual fields.

use super::error::{more0, ErrKind, PErr};
use super::lex::{is_closer, is_sym, ASCII_SYM, WS_END};
use super::value::Parser;
use crate::fast::{self, FField, FMop, FVal, Lit, Spelling};
use crate::lex::digits18;
use history::{HistoryBuilder, MopKind, OpError, OpType, SrcPos, Value};

/// Whether `bytes` is not UTF-8, cheaply for the usual short ASCII token.
#[inline]
pub(super) fn not_utf8(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_err()
}

/// The end of the op field name (`index`, `time`, `type`, `process`, `f` or
/// `value`) at `ks` when a delimiter follows it, as [`Parser::token_end`]
/// would find it; `None` for anything else.
/// With a code for the name: its first byte, `y` for `type`.
#[inline(always)]
pub(super) fn known_key(buf: &[u8], ks: usize) -> Option<(u8, usize)> {
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
pub(super) fn quick_kw(buf: &[u8], i: usize) -> Option<(usize, usize)> {
    if *buf.get(i)? != b':' {
        return None;
    }
    let mut j = i + 1;
    while j < buf.len() && ASCII_SYM[buf[j] as usize] {
        j += 1;
    }
    (j > i + 1 && !is_sym(*buf.get(j)?)).then_some((i + 1, j))
}

/// The whitespace at `i` if it is nothing, a space, `,` or `, ` followed by a
/// byte that ends [`Parser::skip_ws`] at once: the position after it.
#[inline(always)]
pub(super) fn quick_sep(buf: &[u8], mut i: usize) -> Option<usize> {
    if *buf.get(i)? == b',' {
        i += 1;
    }
    if *buf.get(i)? == b' ' {
        i += 1;
    }
    WS_END[*buf.get(i)? as usize].then_some(i)
}

/// The usual spelling of EDN op maps (single spaces; `:index 3`, `:type :ok`,
/// `[:append 1 2]`, `[:r 1 nil]`, `[:r 1 [2 3]]`), for [`fast::quick_field`]
/// and [`fast::quick_mop`].
pub(super) struct Edn;

impl Spelling for Edn {
    const SEP: u8 = b' ';

    /// A non-negative decimal integer of at most 18 digits, followed by a
    /// delimiter: as [`Parser::lit`] reads it.
    #[inline(always)]
    fn int(b: &[u8], i: usize) -> Option<(i64, usize)> {
        let (v, _, j) = digits18(b, i)?;
        (!is_sym(*b.get(j)?)).then_some((v, j))
    }

    /// `:index`, `:time`, `:type`, `:process` or `:f` (after optional
    /// whitespace), then one space.
    #[inline(always)]
    fn field(b: &[u8], i: usize) -> Option<(u8, usize)> {
        let i = quick_sep(b, i)?;
        if *b.get(i)? != b':' {
            return None;
        }
        let (key, ke) = known_key(b, i + 1)?;
        (*b.get(ke)? == b' ').then_some((key, ke + 1))
    }

    #[inline(always)]
    fn op_type(b: &[u8], i: usize) -> Option<(OpType, usize)> {
        // Fixed-length comparisons for the four types.
        let (t, n) = match *b.get(i + 1)? {
            b'i' if b.get(i..i + 7)? == b":invoke" => (OpType::Invoke, 7),
            b'o' if b.get(i..i + 3)? == b":ok" => (OpType::Ok, 3),
            b'f' if b.get(i..i + 5)? == b":fail" => (OpType::Fail, 5),
            b'i' if b.get(i..i + 5)? == b":info" => (OpType::Info, 5),
            _ => return None,
        };
        (!is_sym(*b.get(i + n)?)).then_some((t, i + n))
    }

    #[inline(always)]
    fn f_name(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
        quick_kw(b, i).map(|(s, e)| (s, e, e))
    }

    /// `[:r `, `[:w ` or `[:append ` (after optional whitespace).
    #[inline(always)]
    fn mop_head(b: &[u8], i: usize) -> Option<(MopKind, usize)> {
        let i = quick_sep(b, i)?;
        let (kind, n) = match b.get(i..i + 4)? {
            [b'[', b':', b'r', b' '] => (MopKind::Read, 4),
            [b'[', b':', b'w', b' '] => (MopKind::Write, 4),
            _ if b.get(i..i + 9)? == b"[:append " => (MopKind::Append, 9),
            _ => return None,
        };
        Some((kind, i + n))
    }

    #[inline(always)]
    fn nil(b: &[u8], i: usize) -> Option<usize> {
        (b.get(i..i + 3)? == b"nil" && !is_sym(*b.get(i + 3)?)).then_some(i + 3)
    }
}

impl<'s, 'r> Parser<'s, 'r> {
    /// The element at the start of the buffer: an op map of the common shape
    /// is decoded straight into `b` (`None`); anything else, or an op the
    /// builder rejects, is parsed as a [`Value`] and returned for
    /// [`HistoryBuilder::push`], which gives the same result or error as always.
    pub(super) fn fast_element(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<Option<Value>, PErr> {
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
    pub(super) fn fast_op(&mut self) -> Result<bool, PErr> {
        let buf = self.buf;
        self.pools.fast.clear();
        self.pos += 1;
        self.depth += 1;
        loop {
            if let Some((field, end)) = fast::quick_field::<Edn>(buf, self.pos) {
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
    pub(super) fn fast_generic(&mut self) -> Result<usize, PErr> {
        let v = self.take_value()?;
        self.pools.fast.vals.push(v);
        Ok(self.pools.fast.vals.len() - 1)
    }

    /// An integer, `nil`, a keyword or a string without escapes; `None`, with
    /// the position unchanged, for any other form. A non-negative integer of up
    /// to 18 digits followed by a delimiter (the usual case) is read inline;
    /// everything else by [`Self::lit_slow`], which gives the same answer for it.
    #[inline(always)]
    pub(super) fn lit(&mut self) -> Result<Option<Lit>, PErr> {
        let buf = self.buf;
        let start = self.pos;
        if let Some((v, _, i)) = digits18(buf, start) {
            if let Some(&c) = buf.get(i) {
                if !is_sym(c) {
                    self.pos = i;
                    return Ok(Some(Lit::Int(v)));
                }
            }
        }
        self.lit_slow()
    }

    /// [`Self::lit`] in general.
    #[inline(never)]
    pub(super) fn lit_slow(&mut self) -> Result<Option<Lit>, PErr> {
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
    pub(super) fn fast_txn(&mut self) -> Result<bool, PErr> {
        let buf = self.buf;
        if buf.get(self.pos) != Some(&b'[') {
            return Ok(false);
        }
        self.pos += 1;
        loop {
            if let Some((mop, end)) = fast::quick_mop::<Edn>(buf, self.pos, &mut self.pools.fast.ints) {
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
    pub(super) fn fast_commit(&mut self, b: &mut HistoryBuilder, pos: SrcPos) -> Result<(), OpError> {
        fast::commit(&mut self.pools.fast, self.buf, b, pos)
    }
}
