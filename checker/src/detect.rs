//! Which workload a history is, from its micro-ops, and the micro-ops that fit
//! none: [`Model::detect`] and [`Model::validate`].
//!
//! A transaction's `:value` is read as micro-ops only when its first micro-op
//! has a function the history model knows (`:append`, `:r`, `:w`); any other
//! value is kept as written (a register value, a nemesis description, a
//! Knossos multi-register transaction). So a typo such as `[[:read :x [2 1 3]]]`
//! in a list-append history, or `[[:frobnicate :x 1]]`, would be no
//! transaction at all and be silently left out. Here such a value, a sequence
//! of micro-op-shaped vectors (`[f k]` or `[f k v]` with a keyword or string
//! `f`), in a client op of a list-append or rw-register history is an input
//! error naming the op, the micro-op and the functions the workload accepts.

use crate::check::Model;
use crate::register_history;
use crate::rw_register::RwOptions;
use history::{snippet_of, History, MopKind, MopVal, OpValue, Process, SrcPos, Value};
use std::fmt;

/// The micro-op functions of list-append.
pub const LIST_APPEND_FUNCTIONS: &[&str] = &[":append", ":r"];
/// The micro-op functions of rw-register.
pub const RW_REGISTER_FUNCTIONS: &[&str] = &[":w", ":r"];

/// Why a history's workload cannot be told or checked. Positions are op
/// positions in [`History::ops`]; [`DetectError::op`] is the one to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetectError {
    /// The history has micro-ops of both workloads: an op of each.
    Mixed { list_append: usize, rw_register: usize },
    /// Client ops, and not one transaction (a mutex, a queue, …): the first.
    NoTransactions { op: usize },
    /// A micro-op whose function the workload does not have.
    UnknownFunction {
        op: usize,
        /// Where the op starts in its file.
        pos: SrcPos,
        /// The micro-op's place in the op's `:value` (0-based).
        mop: usize,
        /// The micro-op as written, e.g. `[:read :x [2 1 3]]`.
        micro_op: String,
        /// Its function as written, e.g. `:read` or `"read"`.
        function: String,
        /// The workload of the rest of the history (`None`: no micro-op fits either).
        workload: Option<&'static str>,
        /// The functions that workload accepts (both workloads' when `None`).
        accepted: &'static [&'static str],
    },
}

impl DetectError {
    /// The op the error is about (the list-append one for [`DetectError::Mixed`]).
    pub fn op(&self) -> usize {
        match self {
            DetectError::Mixed { list_append, .. } => *list_append,
            DetectError::NoTransactions { op } | DetectError::UnknownFunction { op, .. } => *op,
        }
    }
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectError::Mixed { .. } => {
                f.write_str("the history mixes list-append and rw-register micro-ops; check one workload at a time")
            }
            DetectError::NoTransactions { .. } => {
                f.write_str("the history has no transactions to check (its ops are not :txn, :read, :write or :cas)")
            }
            DetectError::UnknownFunction { mop, micro_op, function, workload, accepted, .. } => {
                write!(f, "micro-op {} of this op, {micro_op}, has the function {function}, which ", mop + 1)?;
                match workload {
                    Some(w) => {
                        let an = if w.starts_with(['a', 'e', 'i', 'o', 'u', 'r']) { "an" } else { "a" };
                        write!(f, "{an} {w} history does not have: its micro-ops are {}", functions(accepted))
                    }
                    None => write!(
                        f,
                        "no workload has: list-append micro-ops are {}, rw-register ones {}",
                        functions(LIST_APPEND_FUNCTIONS),
                        functions(RW_REGISTER_FUNCTIONS)
                    ),
                }
            }
        }
    }
}

impl std::error::Error for DetectError {}

fn functions(fs: &[&str]) -> String {
    fs.join(" and ")
}

/// A micro-op-shaped vector: `[f k]` or `[f k v]` with a keyword or string `f`.
fn mop_function(m: &Value) -> Option<&Value> {
    let parts = m.as_seq()?;
    ((2..=3).contains(&parts.len()) && parts[0].as_name().is_some()).then(|| &parts[0])
}

/// The first micro-op of a kept-as-written value that looks like a
/// transaction (a non-empty sequence of micro-op-shaped vectors) and whose
/// function is not in `accepted` (names without the colon): its place, the
/// micro-op and its function.
fn unknown_mop<'v>(v: &'v Value, accepted: &[&str]) -> Option<(usize, &'v Value, &'v Value)> {
    let items = v.as_seq()?;
    if items.is_empty() || !items.iter().all(|m| mop_function(m).is_some()) {
        return None;
    }
    items.iter().enumerate().find_map(|(j, m)| {
        let f = mop_function(m)?;
        let name = f.as_name()?;
        (!accepted.iter().any(|a| a.trim_start_matches(':') == name)).then_some((j, m, f))
    })
}

fn is_client(op: &history::Op) -> bool {
    op.process.client().is_some()
}

fn unknown_function(
    h: &History,
    workload: Option<&'static str>,
    accepted: &'static [&'static str],
) -> Result<(), DetectError> {
    let names: &[&str] = if workload.is_some() { accepted } else { &[":append", ":r", ":w"] };
    for (i, op) in h.ops.iter().enumerate() {
        if !is_client(op) {
            continue;
        }
        let OpValue::Other(v) = &op.value else { continue };
        if let Some((j, m, f)) = unknown_mop(v, names) {
            return Err(DetectError::UnknownFunction {
                op: i,
                pos: op.pos,
                mop: j,
                micro_op: snippet_of(m),
                function: f.to_string(),
                workload,
                accepted,
            });
        }
    }
    Ok(())
}

impl Model {
    /// The workload of a history from its micro-ops: list-append for appends
    /// and list reads, rw-register for writes and single-value reads, and for
    /// plain `:read`/`:write`/`:cas` register histories (which the caller
    /// turns into transactions with [`register_history::to_transactions`]).
    /// Errors: micro-ops of both workloads; client ops and no transaction at
    /// all; a transaction-like value with a micro-op function the workload does
    /// not have (see the module docs).
    pub fn detect(h: &History) -> Result<Model, DetectError> {
        let mut list = None;
        let mut reg = None;
        for (i, op) in h.ops.iter().enumerate() {
            for m in h.mops(op) {
                match (m.kind, m.val) {
                    (MopKind::Append, _) | (MopKind::Read, MopVal::List { .. }) if list.is_none() => list = Some(i),
                    (MopKind::Write, _) | (MopKind::Read, MopVal::Atom(_)) if reg.is_none() => reg = Some(i),
                    _ => {}
                }
            }
            if list.is_some() && reg.is_some() {
                break;
            }
        }
        let model = match (list, reg) {
            (Some(a), Some(w)) => return Err(DetectError::Mixed { list_append: a, rw_register: w }),
            (_, Some(_)) => Model::RwRegister(RwOptions::default()),
            (Some(_), None) => Model::ListAppend,
            (None, None) if register_history::is_plain_register(h) => {
                return Ok(Model::RwRegister(RwOptions::default()))
            }
            (None, None) => {
                // No micro-op tells the workload (only reads of nil, or none).
                unknown_function(h, None, &[])?;
                // Client ops and not one transaction (a mutex, a queue…):
                // nothing here is Elle's to check.
                let txn = |op: &history::Op| matches!(op.value, OpValue::Txn { .. });
                let client = |op: &history::Op| !matches!(op.process, Process::Named(_));
                return match h.ops.iter().position(|op| client(op) && !txn(op)) {
                    Some(i) if !h.ops.iter().any(txn) => Err(DetectError::NoTransactions { op: i }),
                    _ => Ok(Model::ListAppend),
                };
            }
        };
        model.validate(h)?;
        Ok(model)
    }

    /// The functions this workload's micro-ops may have.
    pub fn functions(&self) -> &'static [&'static str] {
        match self {
            Model::ListAppend => LIST_APPEND_FUNCTIONS,
            Model::RwRegister(_) => RW_REGISTER_FUNCTIONS,
        }
    }

    /// Rejects a client op whose value looks like a transaction but has a
    /// micro-op function this workload does not have (see the module docs).
    pub fn validate(&self, h: &History) -> Result<(), DetectError> {
        unknown_function(h, Some(self.name()), self.functions())
    }
}
