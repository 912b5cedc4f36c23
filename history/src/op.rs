//! Operations, micro-ops and the history that holds them.

use crate::atom::{Id, Interner};
use crate::value::Value;
use serde::Serialize;
use std::fmt;

/// Where an op starts in its file (1-based line and column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SrcPos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for SrcPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// `:type` of an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl OpType {
    pub fn name(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    pub fn from_name(s: &str) -> Option<OpType> {
        Some(match s {
            "invoke" => OpType::Invoke,
            "ok" => OpType::Ok,
            "fail" => OpType::Fail,
            "info" => OpType::Info,
            _ => return None,
        })
    }

    pub fn is_completion(self) -> bool {
        self != OpType::Invoke
    }
}

/// `:process` of an op. Only integer processes are clients; everything else
/// (`:nemesis`, `"nemesis"`, …) is kept but ignored by the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Process {
    Client(i64),
    /// A non-integer process, interned (usually the keyword `:nemesis`).
    Named(Id),
    /// No `:process` field (or `nil`).
    None,
}

impl Process {
    pub fn client(self) -> Option<i64> {
        match self {
            Process::Client(p) => Some(p),
            _ => None,
        }
    }
}

/// The function of a micro-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MopKind {
    /// `[:append k v]` (list-append)
    #[serde(rename = "append")]
    Append,
    /// `[:r k v]`
    #[serde(rename = "r")]
    Read,
    /// `[:w k v]` (rw-register)
    #[serde(rename = "w")]
    Write,
}

impl MopKind {
    pub fn name(self) -> &'static str {
        match self {
            MopKind::Append => "append",
            MopKind::Read => "r",
            MopKind::Write => "w",
        }
    }

    pub fn from_name(s: &str) -> Option<MopKind> {
        Some(match s {
            "append" => MopKind::Append,
            "r" => MopKind::Read,
            "w" => MopKind::Write,
            _ => return None,
        })
    }
}

/// The third element of a micro-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MopVal {
    /// Not written at all: `[:r k]`.
    Absent,
    /// `nil`: unknown in an invocation, the empty list or the initial value in a completed read.
    Nil,
    /// A single value (an appended element, a written or read register value).
    Atom(Id),
    /// A read list, `[v1 v2 …]`, stored in [`History::reads`].
    List { start: u32, len: u32 },
}

/// One micro-op: 20 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mop {
    pub kind: MopKind,
    pub key: Id,
    pub val: MopVal,
}

/// `:value` of an op.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OpValue {
    /// No `:value` field.
    Absent,
    /// A transaction: micro-ops `mops[start .. start + len]` of the history.
    Txn { start: u32, len: u32 },
    /// Any other value (`nil`, a register value, a nemesis description…), kept as written.
    Other(Box<Value>),
}

/// One operation of a history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Op {
    /// `:index`, as given, or its position in the file when the history has none.
    pub index: u64,
    /// `:time` in nanoseconds, if given. Not necessarily in file order.
    pub time: Option<i64>,
    pub kind: OpType,
    pub process: Process,
    /// `:f`, interned, if given.
    pub f: Option<Id>,
    pub value: OpValue,
    /// Every other field, in the order written (e.g. `:error`).
    pub extra: Option<Box<[(Value, Value)]>>,
    /// Where the op starts in its file.
    pub pos: SrcPos,
}

/// A warning about the input: the history is usable, but the user should know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub pos: Option<SrcPos>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// No partner: for [`History::partner`].
pub const NO_PARTNER: u32 = u32::MAX;

/// A whole history: its ops in file order (which is real-time order), their
/// micro-ops and read lists in flat arenas, and the interned keys and values.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub ops: Vec<Op>,
    pub mops: Vec<Mop>,
    pub reads: Vec<Id>,
    pub atoms: Interner,
    /// For each op (by position), the position of its invocation or completion,
    /// or [`NO_PARTNER`].
    pub partner: Vec<u32>,
    /// Whether the input gave `:index` fields (else they were assigned 0..n-1).
    pub index_given: bool,
    /// Whether no op had a `:process` and all were put in client process 0.
    pub process_defaulted: bool,
    pub warnings: Vec<Warning>,
}

impl History {
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The micro-ops of an op (empty unless its value is a transaction).
    pub fn mops(&self, op: &Op) -> &[Mop] {
        match op.value {
            OpValue::Txn { start, len } => &self.mops[start as usize..(start + len) as usize],
            _ => &[],
        }
    }

    /// The elements of a read list.
    pub fn list(&self, val: MopVal) -> Option<&[Id]> {
        match val {
            MopVal::List { start, len } => Some(&self.reads[start as usize..(start + len) as usize]),
            _ => None,
        }
    }

    /// The invocation of a completion or the completion of an invocation.
    pub fn partner_of(&self, i: usize) -> Option<usize> {
        match self.partner.get(i) {
            Some(&p) if p != NO_PARTNER => Some(p as usize),
            _ => None,
        }
    }

    /// A micro-op's third element as a [`Value`].
    pub fn mop_val_value(&self, val: MopVal) -> Option<Value> {
        match val {
            MopVal::Absent => None,
            MopVal::Nil => Some(Value::Nil),
            MopVal::Atom(id) => Some(self.atoms.to_value(id)),
            MopVal::List { .. } => Some(Value::Vector(
                self.list(val).unwrap_or_default().iter().map(|&id| self.atoms.to_value(id)).collect(),
            )),
        }
    }

    pub fn mop_to_value(&self, m: &Mop) -> Value {
        let mut v = vec![Value::keyword(m.kind.name()), self.atoms.to_value(m.key)];
        v.extend(self.mop_val_value(m.val));
        Value::Vector(v)
    }

    /// The op as an EDN map with keyword keys, in the order `:index :time :type
    /// :process :f :value`, then the other fields as written. Fields that the input
    /// did not have (an assigned index, a defaulted process) are left out, so a
    /// history written back reads the same.
    pub fn op_to_value(&self, op: &Op) -> Value {
        self.op_to_value_with(
            op,
            |mops| Value::Vector(mops.iter().map(|m| self.mop_to_value(m)).collect()),
            Value::clone,
        )
    }

    /// [`History::op_to_value`] with the transaction written by `txn` (from its
    /// micro-ops) and every other value the op holds (a non-transaction
    /// `:value`, extra keys and their values) passed through `other`: a
    /// renderer that shortens long values builds the op's shape from here.
    pub fn op_to_value_with(&self, op: &Op, txn: impl Fn(&[Mop]) -> Value, other: impl Fn(&Value) -> Value) -> Value {
        let mut m: Vec<(Value, Value)> = Vec::with_capacity(7);
        if self.index_given {
            m.push((Value::keyword("index"), Value::Int(op.index as i64)));
        }
        if let Some(t) = op.time {
            m.push((Value::keyword("time"), Value::Int(t)));
        }
        m.push((Value::keyword("type"), Value::keyword(op.kind.name())));
        match op.process {
            Process::Client(p) if !self.process_defaulted => m.push((Value::keyword("process"), Value::Int(p))),
            Process::Named(id) => m.push((Value::keyword("process"), self.atoms.to_value(id))),
            _ => {}
        }
        if let Some(f) = op.f {
            m.push((Value::keyword("f"), self.atoms.to_value(f)));
        }
        match &op.value {
            OpValue::Absent => {}
            OpValue::Txn { .. } => m.push((Value::keyword("value"), txn(self.mops(op)))),
            OpValue::Other(v) => m.push((Value::keyword("value"), other(v))),
        }
        if let Some(extra) = &op.extra {
            m.extend(extra.iter().map(|(k, v)| (other(k), other(v))));
        }
        Value::Map(m)
    }

    /// Approximate heap bytes held by the history (for the memory target).
    pub fn heap_bytes(&self) -> usize {
        self.ops.capacity() * std::mem::size_of::<Op>()
            + self.mops.capacity() * std::mem::size_of::<Mop>()
            + self.reads.capacity() * std::mem::size_of::<Id>()
            + self.partner.capacity() * 4
            + self.atoms.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_sizes() {
        assert_eq!(std::mem::size_of::<Mop>(), 20);
        assert!(std::mem::size_of::<Op>() <= 96, "{}", std::mem::size_of::<Op>());
    }
}
