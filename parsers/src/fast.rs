//! The record both fast readers (EDN and JSON) fill for an op of the common
//! shape, and the one function that hands it to the [`HistoryBuilder`].
//!
//! A fast reader scans an op without building [`Value`]s for its usual fields,
//! noting scalars as byte ranges of its buffer; [`commit`] then makes the same
//! builder calls, in the same order, as [`HistoryBuilder::push`] would.

use history::{HistoryBuilder, Id, MopKind, MopVal, OpError, OpType, Process, SrcPos, Value};

/// How one format spells the op fields and micro-ops that [`quick_field`] and
/// [`quick_mop`] read: the two skeletons are the same in EDN and JSON, only
/// the tokens differ. Every method is a fixed-shape match on the buffer;
/// `None` sends the caller to the general steps of its fast path.
pub(crate) trait Spelling {
    /// The byte between a micro-op's key and value and between the elements
    /// of a read list (one space in EDN, a comma in JSON).
    const SEP: u8;
    /// A non-negative integer at `i` as the format's fast path reads it, and
    /// the position after it.
    fn int(b: &[u8], i: usize) -> Option<(i64, usize)>;
    /// The name of an op field at `i` (with what may come before it), as a
    /// code (`i`ndex, `t`ime, t`y`pe, `p`rocess, `f`; anything else is not
    /// read here), and the position of its value.
    fn field(b: &[u8], i: usize) -> Option<(u8, usize)>;
    /// The op type at `i`, and the position after it.
    fn op_type(b: &[u8], i: usize) -> Option<(OpType, usize)>;
    /// The `:f` name at `i`: the range of its text and the position after it.
    fn f_name(b: &[u8], i: usize) -> Option<(usize, usize, usize)>;
    /// The opener and name of a micro-op at `i` (with what may come before
    /// it), with the separator after the name: its kind and the position of
    /// its key.
    fn mop_head(b: &[u8], i: usize) -> Option<(MopKind, usize)>;
    /// `nil` (`null`) at `i`: the position after it.
    fn nil(b: &[u8], i: usize) -> Option<usize>;
}

/// One field of an op at `i` in its usual spelling: `index`, `time` or
/// `process` with a non-negative integer, `type` or `f` with a plain name,
/// read without the general steps of a fast path's `fast_op` (which reads
/// these the same way, and everything else).
#[inline(always)]
pub(crate) fn quick_field<S: Spelling>(b: &[u8], i: usize) -> Option<(FField, usize)> {
    let (code, i) = S::field(b, i)?;
    match code {
        b'i' => S::int(b, i).map(|(v, j)| (FField::Index(v as u64), j)),
        b't' => S::int(b, i).map(|(v, j)| (FField::Time(Some(v)), j)),
        b'p' => S::int(b, i).map(|(v, j)| (FField::Process(Lit::Int(v)), j)),
        b'y' => S::op_type(b, i).map(|(t, j)| (FField::Type(t), j)),
        b'f' => S::f_name(b, i).map(|(s, e, j)| (FField::F(Lit::Kw(s, e)), j)),
        _ => None,
    }
}

/// One micro-op at `i` in its usual spelling: append, write or read of
/// non-negative integers, the read's value `nil` or a list of integers, with
/// single separators; read without the general steps of a fast path's
/// `fast_txn` (which reads these the same way, and everything else). Read
/// list elements are pushed onto `ints`; on `None` they are not.
#[inline(always)]
pub(crate) fn quick_mop<S: Spelling>(b: &[u8], i: usize, ints: &mut Vec<i64>) -> Option<(FMop, usize)> {
    let (kind, i) = S::mop_head(b, i)?;
    let (key, j) = S::int(b, i)?;
    if b[j] != S::SEP {
        return None;
    }
    let mut i = j + 1;
    let val = match *b.get(i)? {
        b'[' if kind == MopKind::Read => {
            let from = ints.len();
            i += 1;
            // `[]`, or integers each followed by a separator and another, or the `]`.
            let ok = if b.get(i) == Some(&b']') {
                i += 1;
                true
            } else {
                loop {
                    match S::int(b, i) {
                        Some((v, j)) => {
                            ints.push(v);
                            match b[j] {
                                c if c == S::SEP => i = j + 1,
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
        b'n' => {
            i = S::nil(b, i)?;
            FVal::Nil
        }
        _ => {
            let (v, j) = S::int(b, i)?;
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

/// A scalar the fast path reads without building a [`Value`]; texts are byte
/// ranges of the reader's buffer, already checked to be UTF-8 (JSON reads
/// them by its colon rule: `Kw` without its colon, `Str` without the extra one).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lit {
    Int(i64),
    Nil,
    Kw(usize, usize),
    Str(usize, usize),
}

/// A field of an op map read by the fast path, in the order written.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FField {
    Index(u64),
    Time(Option<i64>),
    Type(OpType),
    Process(Lit),
    /// A process the generic parser read: `Fast::vals[n]`.
    ProcessV(usize),
    F(Lit),
    FV(usize),
    /// A transaction: the micro-ops in `Fast::mops`.
    Txn,
    ValueV(usize),
    /// Another keyword key (its text range) and its value, `Fast::vals[n]`.
    Extra(usize, usize, usize),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum FVal {
    Absent,
    Nil,
    Atom(Lit),
    /// `Fast::reads[start .. start + len]`.
    List(usize, usize),
    /// A read list of integers, `Fast::ints[start .. start + len]`.
    Ints(usize, usize),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct FMop {
    pub kind: MopKind,
    pub key: Lit,
    pub val: FVal,
}

#[derive(Default)]
pub(crate) struct Fast {
    pub fields: Vec<FField>,
    pub mops: Vec<FMop>,
    pub reads: Vec<Lit>,
    pub ints: Vec<i64>,
    pub vals: Vec<Value>,
}

impl Fast {
    pub fn clear(&mut self) {
        self.fields.clear();
        self.mops.clear();
        self.reads.clear();
        self.ints.clear();
        self.vals.clear();
    }
}

pub(crate) fn text(buf: &[u8], from: usize, to: usize) -> &str {
    // Checked when the literal was read.
    std::str::from_utf8(&buf[from..to]).unwrap_or_default()
}

#[inline(always)]
pub(crate) fn intern_lit(b: &mut HistoryBuilder, buf: &[u8], l: Lit) -> Id {
    match l {
        Lit::Int(i) => b.intern_int(i),
        l => intern_other(b, buf, l),
    }
}

#[inline(never)]
fn intern_other(b: &mut HistoryBuilder, buf: &[u8], l: Lit) -> Id {
    match l {
        Lit::Int(i) => b.intern_int(i),
        Lit::Nil => b.atoms_mut().intern_value(&Value::Nil),
        // Checked when the literal was read; the text is only needed on a cache miss.
        Lit::Kw(s, e) => b.intern_keyword_bytes(&buf[s..e]).unwrap_or_else(|| b.intern_keyword("")),
        Lit::Str(s, e) => b.intern_str_bytes(&buf[s..e]).unwrap_or_else(|| b.intern_str("")),
    }
}

/// Hands the op in `fast` (read from `buf`) to the builder, with the same
/// calls in the same order as [`HistoryBuilder::push`] makes them.
pub(crate) fn commit(fast: &mut Fast, buf: &[u8], b: &mut HistoryBuilder, pos: SrcPos) -> Result<(), OpError> {
    b.begin_op(pos);
    let mut txn = false;
    for &field in &fast.fields {
        let r = match field {
            FField::Index(i) => b.set_index(i),
            FField::Time(t) => b.set_time(t),
            FField::Type(t) => b.set_type(t),
            FField::Process(l) => {
                let p = match l {
                    Lit::Int(i) => Process::Client(i),
                    Lit::Nil => Process::None,
                    l => Process::Named(intern_lit(b, buf, l)),
                };
                b.set_process(p)
            }
            FField::ProcessV(n) => {
                let p = match &fast.vals[n] {
                    Value::Int(i) => Process::Client(*i),
                    Value::Nil => Process::None,
                    v => Process::Named(b.atoms_mut().intern_value(v)),
                };
                b.set_process(p)
            }
            FField::F(l) => {
                let id = intern_lit(b, buf, l);
                b.set_f(id)
            }
            FField::FV(n) => {
                let id = b.atoms_mut().intern_value(&fast.vals[n]);
                b.set_f(id)
            }
            FField::Txn => {
                txn = true;
                b.set_value_txn()
            }
            FField::ValueV(n) => b.set_value_other(std::mem::replace(&mut fast.vals[n], Value::Nil)),
            FField::Extra(s, e, n) => {
                b.add_extra(Value::Keyword(text(buf, s, e).into()), std::mem::replace(&mut fast.vals[n], Value::Nil));
                Ok(())
            }
        };
        if let Err(e) = r {
            b.abort_op();
            return Err(e);
        }
    }
    if txn {
        for m in &fast.mops {
            let key = intern_lit(b, buf, m.key);
            let val = match m.val {
                FVal::Absent => MopVal::Absent,
                FVal::Nil => MopVal::Nil,
                FVal::Atom(l) => MopVal::Atom(intern_lit(b, buf, l)),
                FVal::List(from, len) => {
                    let start = b.reads_len();
                    for &l in &fast.reads[from..from + len] {
                        let id = intern_lit(b, buf, l);
                        b.push_read(id);
                    }
                    MopVal::List { start, len: len as u32 }
                }
                FVal::Ints(from, len) => {
                    let start = b.reads_len();
                    b.push_read_ints(&fast.ints[from..from + len]);
                    MopVal::List { start, len: len as u32 }
                }
            };
            b.push_mop(m.kind, key, val);
        }
    }
    b.end_op()
}
