//! A simulated multi-version store that produces Jepsen histories with known
//! guarantees and, on request, known bugs.
//!
//! [`simulate`] runs `txns` transactions of a list-append or rw-register
//! workload from `processes` concurrent clients against a store at one of five
//! isolation levels, and returns the [`History`] a Jepsen client would have
//! logged: each process has at most one op in flight, an invocation has its reads
//! as `nil`, the completion carries the results, `:index` is dense from 0 and
//! `:time` (nanoseconds) increases. The same seed always gives the same history.
//!
//! Keys are integers, rotated as Jepsen does: a key retires after
//! `max_writes_per_key` appends (or writes), and a fresh key takes its place, so
//! read lists stay short. Appended (written) values are 1, 2, 3, … per key.
//!
//! # Isolation levels, correct by construction
//!
//! Without faults, a history generated at a level is valid under that level and
//! every weaker one, by Elle's definitions:
//!
//! - [`Isolation::StrictSerializable`]: each transaction runs atomically at one
//!   instant inside its invoke–completion interval.
//! - [`Isolation::Serializable`]: transactions that write run atomically at the
//!   head; read-only transactions may read an older consistent version, never
//!   older than their process's previous transaction. The serial order respects
//!   process order but not real time (this is strong session serializable).
//! - [`Isolation::SnapshotIsolation`]: a snapshot is taken after the invocation;
//!   reads come from it (and the transaction's own writes); at commit, a
//!   transaction that wrote a key some other transaction committed since its
//!   snapshot aborts (first committer wins) and completes `:fail`. Write skew
//!   (G2-item) happens; G-single, G-nonadjacent and lost updates do not.
//! - [`Isolation::ReadCommitted`]: each micro-op runs at its own instant; a read
//!   sees the latest committed state then (plus the transaction's own writes).
//!   Writes take a per-key lock held to commit (a writer that waits too long
//!   aborts, `:fail`) and become visible together at commit, so reads are always
//!   prefixes of the final list: no G0, G1a, G1b or G1c.
//! - [`Isolation::ReadUncommitted`]: as read committed, but writes are applied in
//!   place when they run, so reads see uncommitted (and later aborted) writes.
//!   The write locks still rule out G0.
//!
//! # Faults
//!
//! [`Faults`] gives a probability per transaction for each bug. A fault that
//! cannot fire where it was drawn (no suitable read, say) is carried over to a
//! later transaction, so the counts follow the rates. Each fired fault is an
//! [`Injected`] record naming the completion op it affects, the key, the anomaly
//! it stands for, and every anomaly type a checker should report because of it
//! under each model the store guarantees ([`fault_anomalies`]). Injections are
//! surgical, so that they make exactly those and nothing else:
//!
//! - `stale-read`: a read-only transaction reads one consistent older snapshot:
//!   the state just before the commit of a write to one of its keys by a
//!   transaction that completed `:ok` before the reader was invoked. Any serial
//!   order can put the reader at its snapshot, so only real time is violated:
//!   G-single-item-realtime against strict serializability, nothing under the
//!   other levels. In rw-register the missed write is the key's first, so the
//!   read is of the initial state, which a checker orders without any
//!   version-order source.
//! - `aborted-read`: a transaction that writes is made to abort (`:fail`); its
//!   first written key is retired (once no transaction in flight writes it), and
//!   the next transaction reads that key: the key's final state followed by
//!   every append of the aborted transaction (in rw-register, its last write):
//!   G1a, at a transaction boundary, never followed by another append.
//! - `intermediate-read`: a transaction appends twice to one key and commits;
//!   the key is retired and the next transaction's read of it ends at the first
//!   of the two appends: G1b (in list-append also G-single-item, the writer being
//!   both before the reader, wr, and after it, rw).
//! - `lost-write`: a transaction that only reads a key and appends to it
//!   commits `:ok`, but the append is dropped; the next transaction invoked after
//!   it completed reads the same list, appends, reads its append back and
//!   commits, and the key is retired: lost-update (in list-append also
//!   G-single-item, and G0-realtime against strict serializability). Recorded
//!   only once that follow-up completed. In rw-register the lost write's read is
//!   of a written value, never the initial state.
//! - `duplicate-append`: an append reuses a value already appended to that key
//!   (duplicate write in rw-register). Elle reports `duplicate-appends` as an
//!   input error.
//! - `crash`: the client crashes: the completion is `:info` with the invocation's
//!   value, the transaction took effect or not (drawn at random and recorded),
//!   and the process is replaced by `process + processes`, as Jepsen does. Not an
//!   anomaly.
//!
//! A fault's reads are all in `:ok` completions: a reader that fails or crashes
//! shows nothing, and the fault moves to another transaction.
//!
//! # Sinks
//!
//! [`run`] streams the ops to any [`Sink`] (the CLI writes them straight to a
//! file); [`simulate`] collects them into a [`History`]. Both are the same
//! simulation: the same config gives the same ops.
//!
//! # Example
//!
//! ```
//! use sim::{simulate, Faults, Isolation, SimConfig};
//!
//! // 200 transactions at snapshot isolation with some aborted reads injected.
//! let cfg = SimConfig {
//!     txns: 200,
//!     seed: 7,
//!     isolation: Isolation::SnapshotIsolation,
//!     faults: Faults { aborted_read: 0.05, ..Faults::default() },
//!     ..SimConfig::default()
//! };
//! let out = simulate(&cfg);
//! // Every transaction has an invocation and a completion.
//! assert_eq!(out.history.ops.len(), 2 * cfg.txns);
//! // What a checker should find, per model the store guarantees.
//! let expected = sim::expected(&cfg, &out.injected);
//! assert!(expected.contains_key("snapshot-isolation"));
//! ```

#![forbid(unsafe_code)]

mod engine;
pub mod rng;
pub mod trace;

use history::{History, MopKind, MopVal, OpType, Process, SrcPos};
use history::{HistoryBuilder, OpError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The workload: what the transactions do.
pub use history::Workload;

/// The isolation level the simulated store provides (when no fault is injected).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    StrictSerializable,
    Serializable,
    SnapshotIsolation,
    ReadCommitted,
    ReadUncommitted,
}

impl Isolation {
    /// From strongest to weakest; each level's histories are valid under every later one.
    pub const ALL: [Isolation; 5] = [
        Isolation::StrictSerializable,
        Isolation::Serializable,
        Isolation::SnapshotIsolation,
        Isolation::ReadCommitted,
        Isolation::ReadUncommitted,
    ];

    /// Elle's name for the level.
    pub fn name(self) -> &'static str {
        match self {
            Isolation::StrictSerializable => "strict-serializable",
            Isolation::Serializable => "serializable",
            Isolation::SnapshotIsolation => "snapshot-isolation",
            Isolation::ReadCommitted => "read-committed",
            Isolation::ReadUncommitted => "read-uncommitted",
        }
    }

    pub fn from_name(s: &str) -> Option<Isolation> {
        Isolation::ALL.into_iter().find(|l| l.name() == s)
    }

    /// This level and every weaker one of the five, strongest first.
    pub fn and_weaker(self) -> &'static [Isolation] {
        let i = Isolation::ALL.iter().position(|&l| l == self).unwrap_or(0);
        &Isolation::ALL[i..]
    }
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Probabilities, per transaction, of each injected bug. All 0 by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Faults {
    pub stale_read: f64,
    pub aborted_read: f64,
    pub lost_write: f64,
    pub intermediate_read: f64,
    pub duplicate_append: f64,
    pub crash: f64,
}

impl Faults {
    /// The fault names, as written in `--faults` and in [`Injected::kind`].
    pub const NAMES: [&'static str; 6] =
        ["stale-read", "aborted-read", "lost-write", "intermediate-read", "duplicate-append", "crash"];

    /// Parses `stale-read=0.01,crash=0.05` (names as in [`Faults::NAMES`],
    /// `_` accepted for `-`; an empty string is no faults).
    pub fn parse(s: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, val) = part
                .split_once('=')
                .ok_or_else(|| format!("expected NAME=PROBABILITY in the fault list, found '{part}'"))?;
            let name = name.trim().replace('_', "-");
            let p: f64 = val
                .trim()
                .parse()
                .map_err(|_| format!("fault {name}: expected a probability such as 0.01, found '{}'", val.trim()))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("fault {name}: the probability must be between 0 and 1, found {p}"));
            }
            let slot = match name.as_str() {
                "stale-read" => &mut f.stale_read,
                "aborted-read" => &mut f.aborted_read,
                "lost-write" => &mut f.lost_write,
                "intermediate-read" => &mut f.intermediate_read,
                "duplicate-append" | "duplicate-write" => &mut f.duplicate_append,
                "crash" => &mut f.crash,
                _ => {
                    return Err(format!("unknown fault '{name}' (expected one of {})", Faults::NAMES.join(", ")));
                }
            };
            *slot = p;
        }
        Ok(f)
    }

    pub fn is_none(&self) -> bool {
        *self == Faults::default()
    }

    /// The rates of the bugs, in the order of [`Faults::NAMES`].
    pub(crate) fn rates(&self) -> [f64; 6] {
        [self.stale_read, self.aborted_read, self.lost_write, self.intermediate_read, self.duplicate_append, self.crash]
    }
}

impl FromStr for Faults {
    type Err = String;
    fn from_str(s: &str) -> Result<Faults, String> {
        Faults::parse(s)
    }
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimConfig {
    pub workload: Workload,
    /// Transactions to invoke (each gets a completion).
    pub txns: usize,
    /// Concurrent client processes.
    pub processes: usize,
    /// Keys in use at any one time.
    pub keys: usize,
    /// Most micro-ops per transaction (each has 1 to `mops`).
    pub mops: usize,
    pub seed: u64,
    pub isolation: Isolation,
    pub faults: Faults,
    /// A key retires after this many appends (writes); Jepsen's default is 32.
    pub max_writes_per_key: usize,
    /// The share of micro-ops that are reads.
    pub read_fraction: f64,
    /// Think time of a client between ops: uniform in `0..think_ns`.
    pub think_ns: u64,
    /// Time between the steps of a transaction (invoke, micro-ops, commit,
    /// completion): uniform in `1..=step_ns`.
    pub step_ns: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            workload: Workload::ListAppend,
            txns: 1000,
            processes: 5,
            keys: 8,
            mops: 4,
            seed: 0,
            isolation: Isolation::StrictSerializable,
            faults: Faults::default(),
            max_writes_per_key: 32,
            read_fraction: 0.5,
            think_ns: 100_000,
            step_ns: 50_000,
        }
    }
}

impl SimConfig {
    /// Checks the sizes; the message names the bad setting.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("processes", self.processes),
            ("keys", self.keys),
            ("mops", self.mops),
            ("max-writes-per-key", self.max_writes_per_key),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("--{name} must be at least 1"));
            }
        }
        if self.txns >= u32::MAX as usize / 2 {
            return Err(format!("--txns {} is too many (at most {})", self.txns, u32::MAX / 2 - 1));
        }
        if self.processes > 1 << 20 {
            return Err(format!("--processes {} is too many (at most {})", self.processes, 1 << 20));
        }
        if self.step_ns == 0 {
            return Err("the step time must be at least 1 ns".into());
        }
        if !(0.0..=1.0).contains(&self.read_fraction) {
            return Err("the read fraction must be between 0 and 1".into());
        }
        Ok(())
    }
}

/// One injected fault, where it took effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Injected {
    /// `stale-read`, `aborted-read`, `lost-write`, `intermediate-read`,
    /// `duplicate-append` or `crash`.
    pub kind: &'static str,
    /// The `:index` of the completion op affected (the reader for read faults).
    pub op_index: u64,
    pub key: Option<i64>,
    /// What happened, for people (values, the other transaction's `:index`).
    pub detail: String,
    /// What a checker should report: `G-single-item-realtime`, `G1a`, `G1b`,
    /// `lost-update`, `duplicate-appends` (or `duplicate-writes`), or `none` for a crash.
    pub anomaly: &'static str,
    /// Every anomaly type this fault makes an Elle-style checker report, with its
    /// default options, under each model the store guarantees (its level and every
    /// weaker one of [`Isolation::ALL`]), by model name; see [`fault_anomalies`].
    pub expected: BTreeMap<&'static str, Vec<&'static str>>,
}

/// The anomaly types a fault makes a checker report, each with the weakest of
/// the five levels of [`Isolation::ALL`] whose model reports it (it is then
/// reported under that level and every stronger one). Each fault is injected so
/// that it makes exactly these, and nothing else, whatever else is in the history:
///
/// - `stale-read`: `G-single-item-realtime`, only against strict serializability
///   (a read-only transaction reads a consistent older snapshot, which every
///   weaker level allows).
/// - `aborted-read`: `G1a`.
/// - `intermediate-read`: `G1b`; in list-append also `G-single-item`, because
///   the writer both precedes the reader (wr: the reader saw its first append)
///   and follows it (rw: the reader missed its second), and Elle-style inference
///   reports that cycle.
/// - `lost-write`: `lost-update`; in list-append also `G-single-item`: the lost
///   append was never seen, so it follows the last one seen, the next writer's
///   (ww from it), while the next writer read what the lost writer read (rw the
///   other way); and, against strict serializability, `G0-realtime`, since the
///   next writer was invoked after the lost write completed.
/// - `duplicate-append`: none; the history is bad input (`duplicate-appends` /
///   `duplicate-writes`), which a checker refuses.
/// - `crash`: none.
pub fn fault_anomalies(kind: &str, workload: Workload) -> &'static [(&'static str, Isolation)] {
    use Isolation::*;
    let la = workload == Workload::ListAppend;
    match kind {
        "stale-read" => &[("G-single-item-realtime", StrictSerializable)],
        "aborted-read" => &[("G1a", ReadCommitted)],
        "intermediate-read" if la => &[("G-single-item", SnapshotIsolation), ("G1b", ReadCommitted)],
        "intermediate-read" => &[("G1b", ReadCommitted)],
        "lost-write" if la => &[
            ("G-single-item", SnapshotIsolation),
            ("G0-realtime", StrictSerializable),
            ("lost-update", SnapshotIsolation),
        ],
        "lost-write" => &[("lost-update", SnapshotIsolation)],
        _ => &[],
    }
}

/// [`fault_anomalies`] under each level from `store` down: model name -> sorted types.
pub fn expected_by_model(
    kind: &str,
    workload: Workload,
    store: Isolation,
) -> BTreeMap<&'static str, Vec<&'static str>> {
    store
        .and_weaker()
        .iter()
        .map(|&model| {
            let mut types: Vec<&'static str> = fault_anomalies(kind, workload)
                .iter()
                .filter(|(_, weakest)| model <= *weakest)
                .map(|(a, _)| *a)
                .collect();
            types.sort_unstable();
            (model.name(), types)
        })
        .collect()
}

/// Anomaly types expected under each model ([`expected`]): model name →
/// anomaly types.
pub type Expected = BTreeMap<&'static str, Vec<&'static str>>;

/// The `--expect` sidecar of `histcheck gen`: what was generated and what a
/// checker must find. Keys in this order: `config`, `injected`, and
/// `expected` (omitted when the workload has no expectations, e.g. traces).
#[derive(Debug, Serialize)]
pub struct Sidecar<'a, C: Serialize, T: Serialize> {
    /// The generator's configuration (seed included): enough to regenerate.
    pub config: &'a C,
    /// Every injected fault, where it was injected.
    pub injected: &'a [T],
    /// Per model, the anomaly types a checker must report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
}

/// What a checker should report for a whole simulated history, under each model
/// the store guarantees: the union of [`Injected::expected`] (a store without
/// faults gives nothing under those models).
pub fn expected(cfg: &SimConfig, injected: &[Injected]) -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut out: BTreeMap<&'static str, Vec<&'static str>> =
        cfg.isolation.and_weaker().iter().map(|m| (m.name(), Vec::new())).collect();
    for i in injected {
        for (model, types) in &i.expected {
            let v = out.entry(model).or_default();
            v.extend(types.iter().copied());
            v.sort_unstable();
            v.dedup();
        }
    }
    out
}

/// A simulated history and the faults injected into it.
#[derive(Clone, Debug)]
pub struct Simulated {
    pub history: History,
    pub injected: Vec<Injected>,
}

/// The value of a micro-op in a [`SimOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimVal {
    /// `nil`: a read in an invocation, or a register read of the initial state.
    Nil,
    /// An appended, written or register-read value.
    Int(i64),
    /// A list read: `SimOp::reads[start .. start + len]`.
    List { start: u32, len: u32 },
}

/// One micro-op of a [`SimOp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimMop {
    pub kind: MopKind,
    pub key: i64,
    pub val: SimVal,
}

/// One op as the simulator emits it: `:f` is always `:txn` and the process a client.
#[derive(Clone, Copy, Debug)]
pub struct SimOp<'a> {
    pub index: u64,
    pub time: i64,
    pub kind: OpType,
    pub process: i64,
    pub mops: &'a [SimMop],
    /// The elements of the list reads.
    pub reads: &'a [i64],
}

impl SimOp<'_> {
    /// The elements of a list read.
    pub fn list(&self, v: SimVal) -> &[i64] {
        match v {
            SimVal::List { start, len } => &self.reads[start as usize..(start + len) as usize],
            _ => &[],
        }
    }
}

/// Where [`run`] sends the ops, in order.
pub trait Sink {
    type Error;
    fn op(&mut self, op: &SimOp<'_>) -> Result<(), Self::Error>;
}

/// Runs the simulation, handing each op to `sink` as it happens; returns the
/// injected faults. `cfg` must pass [`SimConfig::validate`] (else this panics).
pub fn run<S: Sink>(cfg: &SimConfig, sink: &mut S) -> Result<Vec<Injected>, S::Error> {
    if let Err(e) = cfg.validate() {
        panic!("invalid simulator config: {e}");
    }
    engine::Engine::new(cfg).run(sink)
}

/// Runs the simulation and collects the history.
pub fn simulate(cfg: &SimConfig) -> Simulated {
    let mut sink = HistorySink::new();
    sink.reserve(cfg.txns * 2);
    let injected = match run(cfg, &mut sink) {
        Ok(i) => i,
        Err(e) => panic!("the simulator built an op the history builder refused: {e}"),
    };
    let history = match sink.finish() {
        Ok(h) => h,
        Err(e) => panic!("the simulator built a history the builder refused: {e}"),
    };
    Simulated { history, injected }
}

/// A [`Sink`] that builds a [`History`], as if the ops had been read from an
/// EDN file with one op per line.
pub struct HistorySink {
    b: HistoryBuilder,
    txn: Option<history::Id>,
}

impl Default for HistorySink {
    fn default() -> Self {
        Self::new()
    }
}

impl HistorySink {
    pub fn new() -> Self {
        HistorySink { b: HistoryBuilder::new(), txn: None }
    }

    pub fn reserve(&mut self, ops: usize) {
        self.b.reserve(ops);
    }

    /// Pairs the ops and returns the history.
    pub fn finish(self) -> Result<History, OpError> {
        self.b.finish()
    }
}

impl Sink for HistorySink {
    type Error = OpError;

    fn op(&mut self, op: &SimOp<'_>) -> Result<(), OpError> {
        let b = &mut self.b;
        let txn = *self.txn.get_or_insert_with(|| b.intern_keyword("txn"));
        b.begin_op(SrcPos { line: (op.index + 1).min(u32::MAX as u64) as u32, col: 1 });
        b.set_index(op.index)?;
        b.set_time(Some(op.time))?;
        b.set_type(op.kind)?;
        b.set_process(Process::Client(op.process))?;
        b.set_f(txn)?;
        b.set_value_txn()?;
        for m in op.mops {
            let key = b.intern_int(m.key);
            let val = match m.val {
                SimVal::Nil => MopVal::Nil,
                SimVal::Int(v) => MopVal::Atom(b.intern_int(v)),
                SimVal::List { .. } => {
                    let start = b.reads_len();
                    let list = op.list(m.val);
                    for &x in list {
                        let id = b.intern_int(x);
                        b.push_read(id);
                    }
                    MopVal::List { start, len: list.len() as u32 }
                }
            };
            b.push_mop(m.kind, key, val);
        }
        b.end_op()
    }
}

#[cfg(test)]
mod tests;
