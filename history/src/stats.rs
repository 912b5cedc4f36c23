//! Summary counts of a history, for `histcheck stats`.

use crate::op::{History, MopKind, OpType, Process};
use rustc_hash::FxHashSet;
use serde::Serialize;

/// Counts by op type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeCounts {
    pub invoke: u64,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
}

impl TypeCounts {
    fn add(&mut self, t: OpType) {
        match t {
            OpType::Invoke => self.invoke += 1,
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
        }
    }
}

/// Micro-ops by function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MopCounts {
    pub append: u64,
    pub r: u64,
    pub w: u64,
}

/// Transactions (logical client ops: an invocation with its completion) by outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TxnCounts {
    pub total: u64,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    /// Invoked and never completed.
    pub pending: u64,
}

/// The time span of the ops that carry a non-negative `:time`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimeSpan {
    pub min_ns: i64,
    pub max_ns: i64,
    pub span_ns: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// All ops in the file.
    pub ops: u64,
    pub ops_by_type: TypeCounts,
    /// Ops of integer processes.
    pub client_ops: u64,
    /// Ops of other processes (nemesis) or of none: kept, ignored by checkers.
    pub other_ops: u64,
    pub transactions: TxnCounts,
    /// Distinct client processes.
    pub processes: u64,
    /// Distinct micro-op keys.
    pub keys: u64,
    /// Micro-ops of the transactions, counted once per transaction (from the
    /// completion, or from the invocation when there is none).
    pub micro_ops: MopCounts,
    /// Elements in all read lists.
    pub read_elements: u64,
    pub time: Option<TimeSpan>,
}

impl History {
    pub fn stats(&self) -> Stats {
        let mut s = Stats { ops: self.ops.len() as u64, ..Stats::default() };
        let mut processes = FxHashSet::default();
        let mut keys = FxHashSet::default();
        let (mut tmin, mut tmax) = (i64::MAX, i64::MIN);
        for (i, op) in self.ops.iter().enumerate() {
            s.ops_by_type.add(op.kind);
            if let Some(t) = op.time.filter(|&t| t >= 0) {
                tmin = tmin.min(t);
                tmax = tmax.max(t);
            }
            let Process::Client(p) = op.process else {
                s.other_ops += 1;
                continue;
            };
            s.client_ops += 1;
            processes.insert(p);
            let partner = self.partner_of(i);
            // One transaction per completion, plus one per invocation never completed.
            let counted = match op.kind {
                OpType::Invoke => partner.is_none(),
                _ => true,
            };
            if !counted {
                continue;
            }
            s.transactions.total += 1;
            match op.kind {
                OpType::Invoke => s.transactions.pending += 1,
                OpType::Ok => s.transactions.ok += 1,
                OpType::Fail => s.transactions.fail += 1,
                OpType::Info => s.transactions.info += 1,
            }
            for m in self.mops(op) {
                keys.insert(m.key);
                match m.kind {
                    MopKind::Append => s.micro_ops.append += 1,
                    MopKind::Read => s.micro_ops.r += 1,
                    MopKind::Write => s.micro_ops.w += 1,
                }
                if let Some(l) = self.list(m.val) {
                    s.read_elements += l.len() as u64;
                }
            }
        }
        s.processes = processes.len() as u64;
        s.keys = keys.len() as u64;
        if tmin <= tmax {
            s.time = Some(TimeSpan { min_ns: tmin, max_ns: tmax, span_ns: tmax - tmin });
        }
        s
    }
}
