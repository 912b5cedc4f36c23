//! What the checker finds: cycles explained step by step, and the anomalies
//! that need no cycle. Everything names transactions by [`Txn`] (the position of
//! the completion op), so reports can show the ops exactly as the user wrote them.

use crate::graph::Txn;
use crate::rel::Rels;
use history::{History, Id};

/// A version of a key as an explanation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// The initial state: the empty list (list-append) or `nil` (rw-register).
    Init,
    /// The version made by appending or writing this value.
    Value(Id),
}

/// One edge of an explained cycle: why `from` must precede `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The single relation this step uses (the one the search took).
    pub rel: Rels,
    pub from: Txn,
    pub to: Txn,
    /// The key, for data relations.
    pub key: Option<Id>,
    /// ww: `from`'s version; wr: the version `from` wrote and `to` read;
    /// rw: the version `from` read.
    pub value: Option<Version>,
    /// ww, rw: the version `to` installed next.
    pub value2: Option<Version>,
    /// The micro-op of `from` (index into its `:value`) and of `to` that the step is about.
    pub a_mop: Option<u32>,
    pub b_mop: Option<u32>,
    /// For process steps: the process.
    pub process: Option<i64>,
    /// rw-register ww and rw steps: the version-order sources that put
    /// `value2` right after `value` (`initial-state`, `linearizable-keys`, …).
    pub sources: Vec<&'static str>,
}

impl Step {
    /// A step with only its relation and ends filled in.
    pub fn bare(rel: Rels, from: Txn, to: Txn) -> Step {
        Step {
            rel,
            from,
            to,
            key: None,
            value: None,
            value2: None,
            a_mop: None,
            b_mop: None,
            process: None,
            sources: Vec::new(),
        }
    }
}

/// A cycle of transactions: `steps[i].to == steps[i + 1].from`, and the last
/// step returns to the first step's `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    pub steps: Vec<Step>,
}

impl Cycle {
    /// The transactions in cycle order (each once).
    pub fn txns(&self) -> Vec<Txn> {
        self.steps.iter().map(|s| s.from).collect()
    }

    /// Rotates the cycle to start at its transaction with the smallest `:index`,
    /// keeping the order of the steps (so the same cycle always prints the same).
    pub fn rotate_to_min(&mut self, h: &History) {
        if let Some(i) = (0..self.steps.len()).min_by_key(|&i| h.ops[self.steps[i].from as usize].index) {
            self.steps.rotate_left(i);
        }
    }
}

/// What an internal-consistency violation expected a read to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// list-append: a list; with `unknown_prefix` it is `[… elems]`, any prefix then these.
    List { unknown_prefix: bool, elems: Vec<Id> },
    /// rw-register: a value (`None` = nil).
    Register(Option<Id>),
}

/// A value a lost update's transactions all read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    List(Vec<Id>),
    Register(Option<Id>),
}

/// One anomaly. [`Anomaly::name`] is Elle's name for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anomaly {
    /// A dependency cycle: `kind` is one of the 24 cycle types (`G0`,
    /// `G-single-item-realtime`, …), classified from the relations of its steps.
    Cycle { kind: &'static str, cycle: Cycle },
    /// A read that saw what it should not have:
    /// - `G1a`: `element` was written by `writer`, a failed (aborted) transaction;
    /// - `G1b`: `element` was an intermediate (not final) write of `writer`;
    /// - `garbage-read`: no op ever wrote `element` (`writer` is None);
    /// - `future-read`: `op` read `element`, which it appends itself later (`writer` = `op`).
    Read { kind: &'static str, op: Txn, mop: u32, writer: Option<Txn>, element: Id },
    /// A read that disagrees with its own transaction's earlier reads and writes of the key.
    Internal { op: Txn, mop: u32, expected: Expected },
    /// A read list that has an element more than once: `(element, count)`.
    DuplicateElements { op: Txn, mop: u32, duplicates: Vec<(Id, u32)> },
    /// Two reads of `key` that are not prefixes of one another: the reading ops and their lists.
    IncompatibleOrder { key: Id, values: [Vec<Id>; 2] },
    /// In `key`'s version order, `txns[1]` (committed) built on `txns[0]` (aborted);
    /// `values` are the versions from the aborted one to the committed one.
    DirtyUpdate { key: Id, values: Vec<Id>, txns: [Txn; 2] },
    /// Several committed transactions read the same version of `key` and then all wrote it.
    LostUpdate { key: Id, value: Observed, txns: Vec<Txn> },
    /// rw-register: the version order inferred for `key` has a cycle.
    CyclicVersions { key: Id, scc: Vec<Version>, sources: Vec<&'static str> },
    /// The component projected on a model's relations has a cycle (the model is
    /// ruled out) though no specific cycle was reported for it. `kind` is
    /// `<MODEL>-cycle-exists`; `subgraph` describes the projection; `scc` is the
    /// smallest cyclic component of the projection.
    CycleExists { kind: &'static str, model: &'static str, subgraph: &'static str, scc: Vec<Txn> },
    /// The search budget ran out while searching `spec` in a component of
    /// `scc_size` transactions; `does_not_contain` were searched without success.
    CycleSearchTimeout { spec: &'static str, does_not_contain: Vec<&'static str>, scc_size: usize, budget: u64 },
    /// No dependency edges at all: nothing can be said about cycles.
    EmptyTransactionGraph,
}

impl Anomaly {
    /// Elle's name of the anomaly type.
    pub fn name(&self) -> &'static str {
        match self {
            Anomaly::Cycle { kind, .. } | Anomaly::Read { kind, .. } | Anomaly::CycleExists { kind, .. } => kind,
            Anomaly::Internal { .. } => "internal",
            Anomaly::DuplicateElements { .. } => "duplicate-elements",
            Anomaly::IncompatibleOrder { .. } => "incompatible-order",
            Anomaly::DirtyUpdate { .. } => "dirty-update",
            Anomaly::LostUpdate { .. } => "lost-update",
            Anomaly::CyclicVersions { .. } => "cyclic-versions",
            Anomaly::CycleSearchTimeout { .. } => "cycle-search-timeout",
            Anomaly::EmptyTransactionGraph => "empty-transaction-graph",
        }
    }
}

/// Says why one transaction precedes another by one relation, from the
/// analyzer's indices. Every edge an analyzer adds must be explainable.
pub trait Explainer: Sync {
    /// Why `a` precedes `b` by the single relation `rel`; `None` if this
    /// explainer does not know that relation or that pair.
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step>;
}

/// A history the checker cannot analyse (e.g. one value appended twice to one
/// key): the message, and the ops it is about, first the one to point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    pub message: String,
    pub ops: Vec<Txn>,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CheckError {}
