//! The record both fast readers (EDN and JSON) fill for an op of the common
//! shape, and the one function that hands it to the [`HistoryBuilder`].
//!
//! A fast reader scans an op without building [`Value`]s for its usual fields,
//! noting scalars as byte ranges of its buffer; [`commit`] then makes the same
//! builder calls, in the same order, as [`HistoryBuilder::push`] would.

use history::{HistoryBuilder, Id, MopKind, MopVal, OpError, OpType, Process, SrcPos, Value};

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
