//! The discrete-event core of the simulator: client processes, a
//! multi-version store, and the fault hooks. See the module docs of
//! [`crate`] for what each level and fault does.

use super::rng::Rng;
use super::{expected_by_model, Faults, Injected, Isolation, SimConfig, SimMop, SimOp, SimVal, Sink, Workload};
use history::{MopKind, OpType};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The version of an uncommitted element (read uncommitted writes in place).
const DIRTY: u64 = u64::MAX;
/// `done_at` of a transaction that has not completed `:ok`.
const NOT_DONE: u64 = u64::MAX;
/// No slot holds the key's write lock.
const FREE: u32 = u32::MAX;
/// Lock waits (one step each) before a read-committed writer gives up and aborts.
const MAX_LOCK_RETRIES: u32 = 8;

const STALE: usize = 0;
const ABORTED: usize = 1;
const LOST: usize = 2;
const INTER: usize = 3;
const DUP: usize = 4;
const CRASH: usize = 5;

const INVOKE: u8 = 0;
const STEP: u8 = 1;
const COMMIT: u8 = 2;
const COMPLETE: u8 = 3;

/// One appended element (list-append) or written value (rw-register) of a key.
#[derive(Clone, Copy)]
struct Elem {
    val: i64,
    /// Commit version; [`DIRTY`] until committed (read uncommitted only).
    version: u64,
    /// The transaction that wrote it.
    writer: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GhostKind {
    Aborted,
    Intermediate,
}

/// What the forced reader of a retired key will be shown, by a fault.
#[derive(Clone)]
struct Ghost {
    kind: GhostKind,
    /// Aborted: every append (write) of the aborted transaction to the key, in
    /// order. Intermediate: its two appends (writes).
    vals: Vec<i64>,
    writer: u32,
    writer_invoke: u64,
}

struct Key {
    elems: Vec<Elem>,
    /// The last value handed out for an append (write) to this key.
    next_val: i64,
    lock: u32,
    /// Version of the last committed write (first committer wins).
    last_version: u64,
    /// A lost write waits for its follow-up transaction: no other appends.
    lost_pending: bool,
    ghost: Option<Ghost>,
}

impl Key {
    fn new() -> Key {
        Key { elems: Vec::new(), next_val: 0, lock: FREE, last_version: 0, lost_pending: false, ghost: None }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    /// A read-only transaction that reads an older consistent snapshot, if a suitable one exists.
    Stale,
    AbortedRead,
    Intermediate(i64),
    LostWrite(i64),
    /// The transaction that follows a lost write: `[r k] [append k v] [r k]`.
    LostFollow(i64),
    Dup(i64),
    /// Reads a key with a ghost first.
    ForcedRead,
}

/// An injection waiting for the completion of the op it affects.
struct Pending {
    kind: usize,
    key: i64,
    detail: String,
    anomaly: &'static str,
    ghost: Option<Ghost>,
}

struct Slot {
    process: i64,
    txn: u32,
    invoke_index: u64,
    mops: Vec<SimMop>,
    out: Vec<SimVal>,
    reads: Vec<i64>,
    next_mop: usize,
    snapshot: u64,
    retries: u32,
    crash: bool,
    effect: bool,
    aborted: bool,
    fault: Fault,
    fired: bool,
    read_count: usize,
    pending: Vec<Pending>,
    floor: u64,
    locks: Vec<i64>,
    /// Keys a ghost was shown for, and what: later reads of the key in the same
    /// transaction read the same.
    sticky: Vec<(i64, SimVal)>,
}

impl Slot {
    /// The values this transaction writes (appends) to `k`, in micro-op order.
    fn written_to(&self, k: i64) -> Vec<i64> {
        self.mops
            .iter()
            .filter(|m| m.key == k && m.kind != MopKind::Read)
            .filter_map(|m| match m.val {
                SimVal::Int(v) => Some(v),
                _ => None,
            })
            .collect()
    }
}

enum Mode {
    /// Committed versions up to this one.
    At(u64),
    /// Everything, committed or not (read uncommitted).
    Dirty,
}

pub(super) struct Engine<'c> {
    cfg: &'c SimConfig,
    rng: Rng,
    keys: Vec<Key>,
    active: Vec<i64>,
    slots: Vec<Slot>,
    heap: BinaryHeap<Reverse<(i64, u64, u32, u8)>>,
    seq: u64,
    index: u64,
    last_time: i64,
    started: usize,
    head: u64,
    done_at: Vec<u64>,
    owed: [u32; 6],
    rates: [f64; 6],
    /// Retired keys with a ghost, each to be read by the next transaction invoked.
    force_read: VecDeque<i64>,
    /// Keys of lost writes that completed, each to be written by the next transaction invoked.
    force_follow: VecDeque<i64>,
    /// Lost writes that completed, by key, recorded once their follow-up completes.
    lost_waiting: Vec<(i64, Injected)>,
    injected: Vec<Injected>,
    emit: Vec<SimMop>,
}

fn anomaly_of(kind: usize, w: Workload) -> &'static str {
    match kind {
        STALE => "G-single-item-realtime",
        ABORTED => "G1a",
        INTER => "G1b",
        LOST => "lost-update",
        DUP if w == Workload::ListAppend => "duplicate-appends",
        DUP => "duplicate-writes",
        _ => "none",
    }
}

impl<'c> Engine<'c> {
    pub(super) fn new(cfg: &'c SimConfig) -> Engine<'c> {
        let keys = (0..cfg.keys).map(|_| Key::new()).collect();
        let slots = (0..cfg.processes)
            .map(|p| Slot {
                process: p as i64,
                txn: 0,
                invoke_index: 0,
                mops: Vec::with_capacity(cfg.mops + 2),
                out: Vec::with_capacity(cfg.mops + 2),
                reads: Vec::new(),
                next_mop: 0,
                snapshot: 0,
                retries: 0,
                crash: false,
                effect: false,
                aborted: false,
                fault: Fault::None,
                fired: false,
                read_count: 0,
                pending: Vec::new(),
                floor: 0,
                locks: Vec::new(),
                sticky: Vec::new(),
            })
            .collect();
        Engine {
            cfg,
            rng: Rng::new(cfg.seed),
            keys,
            active: (0..cfg.keys as i64).collect(),
            slots,
            heap: BinaryHeap::with_capacity(cfg.processes * 2),
            seq: 0,
            index: 0,
            last_time: -1,
            started: 0,
            head: 0,
            done_at: Vec::with_capacity(cfg.txns),
            owed: [0; 6],
            rates: cfg.faults.rates(),
            force_read: VecDeque::new(),
            force_follow: VecDeque::new(),
            lost_waiting: Vec::new(),
            injected: Vec::new(),
            emit: Vec::new(),
        }
    }

    pub(super) fn run<S: Sink>(mut self, sink: &mut S) -> Result<Vec<Injected>, S::Error> {
        for s in 0..self.slots.len() {
            let t = self.think() as i64;
            self.schedule(t, s, INVOKE);
        }
        while let Some(Reverse((t, _, s, ev))) = self.heap.pop() {
            let s = s as usize;
            match ev {
                INVOKE => self.invoke(t, s, sink)?,
                STEP => self.step(t, s),
                COMMIT => self.commit(t, s),
                _ => self.complete(t, s, sink)?,
            }
        }
        self.injected.sort_by_key(|i| i.op_index);
        Ok(self.injected)
    }

    fn schedule(&mut self, t: i64, s: usize, ev: u8) {
        self.seq += 1;
        self.heap.push(Reverse((t, self.seq, s as u32, ev)));
    }

    fn gap(&mut self) -> i64 {
        1 + self.rng.below(self.cfg.step_ns) as i64
    }

    fn think(&mut self) -> u64 {
        self.rng.below(self.cfg.think_ns.max(1))
    }

    fn write_kind(&self) -> MopKind {
        match self.cfg.workload {
            Workload::ListAppend => MopKind::Append,
            Workload::RwRegister => MopKind::Write,
        }
    }

    /// A fresh value for key `k`; retires the key when it has had its share.
    fn new_val(&mut self, k: i64) -> i64 {
        let key = &mut self.keys[k as usize];
        key.next_val += 1;
        let v = key.next_val;
        if v as usize >= self.cfg.max_writes_per_key {
            self.retire(k);
        }
        v
    }

    /// Takes key `k` out of use: a fresh key takes its place, and no transaction
    /// drawn from now on touches `k` (except a forced read).
    fn retire(&mut self, k: i64) {
        if let Some(slot) = self.active.iter().position(|&a| a == k) {
            let fresh = self.keys.len() as i64;
            self.keys.push(Key::new());
            self.active[slot] = fresh;
        }
    }

    /// Whether no transaction in flight other than slot `s`'s will write key `k`,
    /// and no other fault is using it: a fault can then retire `k` and know its
    /// final state.
    fn quiet(&self, k: i64, s: usize) -> bool {
        let key = &self.keys[k as usize];
        !key.lost_pending
            && key.ghost.is_none()
            && !self.force_read.contains(&k)
            && !self.force_follow.contains(&k)
            && !(0..self.slots.len()).any(|o| {
                o != s && self.is_busy(o) && self.slots[o].mops.iter().any(|m| m.key == k && m.kind != MopKind::Read)
            })
    }

    fn random_key(&mut self) -> i64 {
        let i = self.rng.below(self.active.len() as u64) as usize;
        self.active[i]
    }

    /// A random micro-op; never a write to `avoid` (a read instead) nor to a
    /// key waiting for a lost write's follow-up.
    fn random_mop(&mut self, avoid: Option<i64>) -> SimMop {
        let k = self.random_key();
        let read = self.rng.chance(self.cfg.read_fraction);
        if read || Some(k) == avoid || self.keys[k as usize].lost_pending {
            return SimMop { kind: MopKind::Read, key: k, val: SimVal::Nil };
        }
        let v = self.new_val(k);
        SimMop { kind: self.write_kind(), key: k, val: SimVal::Int(v) }
    }

    fn read_mop(k: i64) -> SimMop {
        SimMop { kind: MopKind::Read, key: k, val: SimVal::Nil }
    }

    fn write_mop(&mut self, k: i64) -> SimMop {
        let v = self.new_val(k);
        SimMop { kind: self.write_kind(), key: k, val: SimVal::Int(v) }
    }

    /// Draws the transaction of slot `s`: its micro-ops, fault and crash.
    fn generate(&mut self, s: usize) {
        let n = 1 + self.rng.below(self.cfg.mops as u64) as usize;
        for i in 0..6 {
            if self.rng.chance(self.rates[i]) {
                self.owed[i] += 1;
            }
        }
        let (mut crash, mut effect, mut fault) = (false, false, Fault::None);
        let mut mops: Vec<SimMop> = std::mem::take(&mut self.slots[s].mops);
        mops.clear();
        if let Some(k) = self.force_follow.pop_front() {
            fault = Fault::LostFollow(k);
        } else if let Some(k) = self.force_read.pop_front() {
            fault = Fault::ForcedRead;
            mops.push(Self::read_mop(k));
        } else if self.owed[CRASH] > 0 {
            self.owed[CRASH] -= 1;
            crash = true;
            effect = self.rng.below(2) == 0;
        } else if let Some(i) = [STALE, ABORTED, LOST, INTER, DUP].into_iter().find(|&i| self.owed[i] > 0) {
            self.owed[i] -= 1;
            fault = match i {
                STALE => Fault::Stale,
                ABORTED => Fault::AbortedRead,
                _ => {
                    let k = self.random_key();
                    if self.keys[k as usize].lost_pending {
                        self.owed[i] += 1;
                        Fault::None
                    } else {
                        match i {
                            LOST => Fault::LostWrite(k),
                            INTER => Fault::Intermediate(k),
                            _ => Fault::Dup(k),
                        }
                    }
                }
            };
        }
        let mut avoid = None;
        match fault {
            Fault::LostFollow(k) => {
                // It reads its own append back, so that append is the last one seen.
                mops.push(Self::read_mop(k));
                let w = self.write_mop(k);
                mops.push(w);
                mops.push(Self::read_mop(k));
            }
            Fault::LostWrite(k) => {
                // Nothing else: its other writes would be seen, and would order it.
                mops.push(Self::read_mop(k));
                let w = self.write_mop(k);
                mops.push(w);
            }
            Fault::Intermediate(k) => {
                let a = self.write_mop(k);
                let b = self.write_mop(k);
                mops.push(a);
                mops.push(b);
                avoid = Some(k);
            }
            Fault::Dup(k) => {
                let v = self.keys[k as usize].next_val;
                if v == 0 {
                    let w = self.write_mop(k);
                    mops.push(w);
                    mops.push(w);
                } else {
                    mops.push(SimMop { kind: self.write_kind(), key: k, val: SimVal::Int(v) });
                }
            }
            Fault::ForcedRead => avoid = mops.first().map(|m| m.key),
            _ => {}
        }
        if !matches!(fault, Fault::LostFollow(_) | Fault::LostWrite(_)) {
            while mops.len() < n {
                let m = self.random_mop(avoid);
                mops.push(m);
            }
        }
        match fault {
            Fault::Stale => {
                // Read-only: it can then sit at its snapshot in a serial order.
                for m in mops.iter_mut() {
                    *m = Self::read_mop(m.key);
                }
            }
            Fault::AbortedRead if mops.iter().all(|m| m.kind == MopKind::Read) => {
                let k = self.random_key();
                if self.keys[k as usize].lost_pending {
                    self.owed[ABORTED] += 1;
                    fault = Fault::None;
                } else {
                    let w = self.write_mop(k);
                    mops.push(w);
                }
            }
            _ => {}
        }
        let slot = &mut self.slots[s];
        slot.out.clear();
        slot.out.resize(mops.len(), SimVal::Nil);
        slot.mops = mops;
        slot.crash = crash;
        slot.effect = effect;
        slot.fault = fault;
        slot.fired = matches!(fault, Fault::Dup(_));
    }

    fn invoke<S: Sink>(&mut self, t: i64, s: usize, sink: &mut S) -> Result<(), S::Error> {
        if self.started >= self.cfg.txns {
            return Ok(());
        }
        let txn = self.started as u32;
        self.started += 1;
        self.done_at.push(NOT_DONE);
        self.generate(s);
        {
            let slot = &mut self.slots[s];
            slot.txn = txn;
            slot.reads.clear();
            slot.next_mop = 0;
            slot.retries = 0;
            slot.aborted = false;
            slot.read_count = 0;
            slot.pending.clear();
            slot.locks.clear();
            slot.sticky.clear();
        }
        let index = self.emit(t, s, OpType::Invoke, false, sink)?;
        self.slots[s].invoke_index = index;
        let g = self.gap();
        let next = match self.cfg.isolation {
            Isolation::StrictSerializable | Isolation::Serializable => COMMIT,
            _ => STEP,
        };
        self.schedule(t + g, s, next);
        Ok(())
    }

    /// Snapshot isolation: takes the snapshot and runs the reads. Read
    /// committed / uncommitted: runs the next micro-op.
    fn step(&mut self, t: i64, s: usize) {
        let g = self.gap();
        if self.slots[s].fault == Fault::Stale && self.slots[s].next_mop == 0 && self.stale_reads(s) {
            self.schedule(t + g, s, COMMIT);
            return;
        }
        if self.cfg.isolation == Isolation::SnapshotIsolation {
            self.slots[s].snapshot = self.head;
            for i in 0..self.slots[s].mops.len() {
                if self.slots[s].mops[i].kind == MopKind::Read {
                    self.read(s, i, Mode::At(self.head));
                }
            }
            self.schedule(t + g, s, COMMIT);
            return;
        }
        let i = self.slots[s].next_mop;
        let m = self.slots[s].mops[i];
        if m.kind == MopKind::Read {
            let mode = if self.cfg.isolation == Isolation::ReadUncommitted { Mode::Dirty } else { Mode::At(self.head) };
            self.read(s, i, mode);
        } else {
            let key = &mut self.keys[m.key as usize];
            if key.lock != FREE && key.lock != s as u32 {
                let slot = &mut self.slots[s];
                slot.retries += 1;
                if slot.retries > MAX_LOCK_RETRIES {
                    slot.aborted = true;
                    self.schedule(t + g, s, COMMIT);
                } else {
                    self.schedule(t + g, s, STEP);
                }
                return;
            }
            if key.lock == FREE {
                key.lock = s as u32;
                self.slots[s].locks.push(m.key);
            }
            if self.cfg.isolation == Isolation::ReadUncommitted {
                if let SimVal::Int(v) = m.val {
                    key.elems.push(Elem { val: v, version: DIRTY, writer: self.slots[s].txn });
                }
            }
        }
        let slot = &mut self.slots[s];
        slot.next_mop += 1;
        let ev = if slot.next_mop == slot.mops.len() { COMMIT } else { STEP };
        self.schedule(t + g, s, ev);
    }

    /// The snapshot a stale read-only transaction in slot `s` reads: just before
    /// the commit of a version of a key it reads whose writer completed `:ok`
    /// before it was invoked; the latest such. (It may be older than what the
    /// process saw before: a session guarantee broken too, which only models with
    /// process order, none of the five levels, would report.) In rw-register the version is the key's first, so the stale read is
    /// of the initial state, which a checker orders without any version source.
    /// Returns (snapshot, key, missed element).
    fn stale_snapshot(&self, s: usize) -> Option<(u64, i64, Elem)> {
        let slot = &self.slots[s];
        let inv = slot.invoke_index;
        let first_only = self.cfg.workload == Workload::RwRegister;
        let mut best: Option<(u64, i64, Elem)> = None;
        for m in slot.mops.iter().filter(|m| m.kind == MopKind::Read) {
            let elems = &self.keys[m.key as usize].elems;
            let n = if first_only { elems.len().min(1) } else { elems.len() };
            let found = elems[..n].iter().rev().find(|e| e.version != DIRTY && self.done_at[e.writer as usize] < inv);
            if let Some(e) = found {
                if !matches!(best, Some((at, _, _)) if at >= e.version - 1) {
                    best = Some((e.version - 1, m.key, *e));
                }
            }
        }
        best
    }

    /// A stale read-only transaction: all its reads at one older snapshot, if one
    /// fits ([`Self::stale_snapshot`]); returns whether it fired.
    fn stale_reads(&mut self, s: usize) -> bool {
        let Some((at, k, missed)) = self.stale_snapshot(s) else { return false };
        for i in 0..self.slots[s].mops.len() {
            self.read(s, i, Mode::At(at));
        }
        let inv = self.slots[s].invoke_index;
        let done = self.done_at[missed.writer as usize];
        let slot = &mut self.slots[s];
        slot.fired = true;
        slot.pending.push(Pending {
            kind: STALE,
            key: k,
            detail: format!(
                "a read-only txn read the state from before the write of {} to key {k}, by the txn that completed :ok at :index {done} before this txn was invoked at :index {inv}",
                missed.val
            ),
            anomaly: anomaly_of(STALE, self.cfg.workload),
            ghost: None,
        });
        true
    }

    /// Runs read `i` of slot `s`, ghosts first.
    fn read(&mut self, s: usize, i: usize, mode: Mode) {
        let k = self.slots[s].mops[i].key;
        let ku = k as usize;
        let list_append = self.cfg.workload == Workload::ListAppend;
        // A key a ghost was shown for reads the same again in this transaction.
        if let Some(&(_, shown)) = self.slots[s].sticky.iter().find(|(sk, _)| *sk == k) {
            let slot = &mut self.slots[s];
            slot.out[i] = match shown {
                SimVal::List { start, len } => {
                    let again = slot.reads.len() as u32;
                    slot.reads.extend_from_within(start as usize..(start + len) as usize);
                    SimVal::List { start: again, len }
                }
                v => v,
            };
            return;
        }
        let elems = &self.keys[ku].elems;
        let end = match mode {
            Mode::At(v) => elems.partition_point(|e| e.version <= v),
            Mode::Dirty => elems.len(),
        };
        let slot = &self.slots[s];
        let writes_k = slot.mops.iter().any(|m| m.key == k && m.kind != MopKind::Read);
        let start = slot.reads.len() as u32;
        let (fault, crash) = (slot.fault, slot.crash);
        if !writes_k && !crash && fault == Fault::ForcedRead {
            // A ghost: what an aborted transaction wrote, or the first of a committed
            // transaction's two writes, shown to the forced reader of a retired key.
            if let Some(g) = self.keys[ku].ghost.clone() {
                let elems = &self.keys[ku].elems;
                let shown: Option<(SimVal, String)> = match g.kind {
                    GhostKind::Aborted => {
                        // The key's final state (it is retired and quiet), then every
                        // aborted write, so the read is at a transaction boundary.
                        let slot = &mut self.slots[s];
                        let val = if list_append {
                            slot.reads.extend(elems.iter().map(|e| e.val));
                            slot.reads.extend_from_slice(&g.vals);
                            SimVal::List { start, len: (elems.len() + g.vals.len()) as u32 }
                        } else {
                            SimVal::Int(*g.vals.last().expect("an aborted write"))
                        };
                        let vals = g.vals.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                        Some((
                            val,
                            format!(
                                "read of key {k} saw {vals}, written by the txn invoked at :index {}, which aborted (:fail)",
                                g.writer_invoke
                            ),
                        ))
                    }
                    GhostKind::Intermediate => {
                        let pos = elems.iter().position(|e| e.writer == g.writer && e.val == g.vals[0]);
                        pos.map(|p| {
                            let slot = &mut self.slots[s];
                            let val = if list_append {
                                slot.reads.extend(elems[..=p].iter().map(|e| e.val));
                                SimVal::List { start, len: p as u32 + 1 }
                            } else {
                                SimVal::Int(g.vals[0])
                            };
                            (
                                val,
                                format!(
                                    "read of key {k} ended at {}, the first of the two writes ({}, then {}) of the txn invoked at :index {}",
                                    g.vals[0], g.vals[0], g.vals[1], g.writer_invoke
                                ),
                            )
                        })
                    }
                };
                if let Some((val, detail)) = shown {
                    self.keys[ku].ghost = None;
                    let kind = if g.kind == GhostKind::Aborted { ABORTED } else { INTER };
                    let slot = &mut self.slots[s];
                    slot.out[i] = val;
                    slot.sticky.push((k, val));
                    slot.pending.push(Pending {
                        kind,
                        key: k,
                        detail,
                        anomaly: anomaly_of(kind, self.cfg.workload),
                        ghost: Some(g),
                    });
                    return;
                }
            }
        }
        // The ordinary read: the store's state, then this transaction's own earlier writes.
        let own = !matches!(mode, Mode::Dirty);
        let slot = &mut self.slots[s];
        if let Fault::LostWrite(lk) = slot.fault {
            if lk == k && i == 0 {
                slot.read_count = end;
            }
        }
        let elems = &self.keys[ku].elems[..end];
        if list_append {
            slot.reads.extend(elems.iter().map(|e| e.val));
            if own {
                for m in &slot.mops[..i] {
                    if m.key == k && m.kind == MopKind::Append {
                        if let SimVal::Int(v) = m.val {
                            slot.reads.push(v);
                        }
                    }
                }
            }
            slot.out[i] = SimVal::List { start, len: slot.reads.len() as u32 - start };
        } else {
            let mut val = elems.last().map_or(SimVal::Nil, |e| SimVal::Int(e.val));
            if own {
                if let Some(m) = slot.mops[..i].iter().rev().find(|m| m.key == k && m.kind == MopKind::Write) {
                    val = m.val;
                }
            }
            slot.out[i] = val;
        }
    }

    fn commit(&mut self, t: i64, s: usize) {
        let iso = self.cfg.isolation;
        let mut abort = self.slots[s].aborted || (self.slots[s].crash && !self.slots[s].effect);
        let n = self.slots[s].mops.len();
        let has_writes = self.slots[s].mops.iter().any(|m| m.kind != MopKind::Read);
        match iso {
            Isolation::StrictSerializable | Isolation::Serializable
                if !abort && self.slots[s].fault == Fault::Stale && self.stale_reads(s) => {}
            Isolation::StrictSerializable | Isolation::Serializable if !abort => {
                let mut at = self.head;
                let forced = self.slots[s].fault == Fault::ForcedRead;
                if iso == Isolation::Serializable && !has_writes && !forced && self.rng.below(2) == 0 {
                    let floor = self.slots[s].floor;
                    let back = self.rng.below((self.head - floor).min(16) + 1);
                    at = self.head - back;
                }
                self.slots[s].floor = at;
                for i in 0..n {
                    if self.slots[s].mops[i].kind == MopKind::Read {
                        self.read(s, i, Mode::At(at));
                    }
                }
            }
            Isolation::SnapshotIsolation if !abort => {
                let snap = self.slots[s].snapshot;
                abort = self.slots[s]
                    .mops
                    .iter()
                    .any(|m| m.kind != MopKind::Read && self.keys[m.key as usize].last_version > snap);
            }
            _ => {}
        }
        let slot = &self.slots[s];
        let txn = slot.txn;
        if slot.fault == Fault::AbortedRead && !slot.crash {
            // Make it abort, retire the key it wrote first, and show all it wrote
            // there to the next transaction, once nothing else will write the key.
            if let Some(k) = slot.mops.iter().find(|m| m.kind != MopKind::Read).map(|m| m.key) {
                if self.quiet(k, s) {
                    let slot = &self.slots[s];
                    let vals = slot.written_to(k);
                    let g = Ghost { kind: GhostKind::Aborted, vals, writer: txn, writer_invoke: slot.invoke_index };
                    abort = true;
                    self.retire(k);
                    self.install_ghost(k, g);
                    self.slots[s].fired = true;
                }
            }
        }
        let mut drop_key = None;
        if !abort {
            if let Fault::LostWrite(k) = self.slots[s].fault {
                let others_write = self.slots.iter().enumerate().any(|(o, sl)| {
                    o != s
                        && sl.txn != txn
                        && self.is_busy(o)
                        && sl.mops.iter().any(|m| m.key == k && m.kind != MopKind::Read)
                });
                let key = &self.keys[k as usize];
                let visible = key.elems.iter().filter(|e| e.writer != txn).count();
                // In rw-register, a read of the initial state would be ordered (before
                // both writes) and so add a G2-item: only a non-nil read will do.
                let seen = self.slots[s].read_count > 0 || self.cfg.workload == Workload::ListAppend;
                if !others_write && seen && visible == self.slots[s].read_count && !key.lost_pending {
                    drop_key = Some(k);
                    self.keys[k as usize].lost_pending = true;
                    let slot = &mut self.slots[s];
                    slot.fired = true;
                    let v = slot.mops.iter().find_map(|m| match (m.kind, m.val) {
                        (MopKind::Append | MopKind::Write, SimVal::Int(v)) if m.key == k => Some(v),
                        _ => None,
                    });
                    slot.pending.push(Pending {
                        kind: LOST,
                        key: k,
                        detail: format!(
                            "the write of {} to key {k} was acknowledged (:ok) but dropped; the next txn to write key {k} reads what this one read",
                            v.unwrap_or(0)
                        ),
                        anomaly: anomaly_of(LOST, self.cfg.workload),
                        ghost: None,
                    });
                }
            }
        }
        let rollback = |keys: &mut Vec<Key>, k: i64| {
            let elems = &mut keys[k as usize].elems;
            while elems.last().is_some_and(|e| e.version == DIRTY && e.writer == txn) {
                elems.pop();
            }
        };
        if abort {
            if iso == Isolation::ReadUncommitted {
                for &k in &self.slots[s].locks {
                    rollback(&mut self.keys, k);
                }
            }
        } else {
            if has_writes {
                self.head += 1;
            }
            let ver = self.head;
            if iso == Isolation::ReadUncommitted {
                for &k in &self.slots[s].locks {
                    if Some(k) == drop_key {
                        rollback(&mut self.keys, k);
                        continue;
                    }
                    let key = &mut self.keys[k as usize];
                    key.last_version = ver;
                    for e in key.elems.iter_mut().rev().take_while(|e| e.version == DIRTY && e.writer == txn) {
                        e.version = ver;
                    }
                }
            } else {
                for m in &self.slots[s].mops {
                    if m.kind == MopKind::Read || Some(m.key) == drop_key {
                        continue;
                    }
                    if let SimVal::Int(v) = m.val {
                        let key = &mut self.keys[m.key as usize];
                        key.elems.push(Elem { val: v, version: ver, writer: txn });
                        key.last_version = ver;
                    }
                }
            }
            match self.slots[s].fault {
                Fault::LostFollow(k) => {
                    // Its append is the key's last: the lost one then follows it.
                    self.keys[k as usize].lost_pending = false;
                    self.retire(k);
                }
                Fault::Intermediate(k) => {
                    let vals = self.slots[s].written_to(k);
                    // Retire the key, so the second write stays its last.
                    if vals.len() >= 2 && !self.slots[s].crash && self.quiet(k, s) {
                        let g = Ghost {
                            kind: GhostKind::Intermediate,
                            vals: vals[..2].to_vec(),
                            writer: txn,
                            writer_invoke: self.slots[s].invoke_index,
                        };
                        self.retire(k);
                        self.install_ghost(k, g);
                        self.slots[s].fired = true;
                    }
                }
                _ => {}
            }
            if iso == Isolation::Serializable && has_writes {
                self.slots[s].floor = ver;
            }
        }
        for k in std::mem::take(&mut self.slots[s].locks) {
            self.keys[k as usize].lock = FREE;
        }
        self.slots[s].aborted = abort;
        let g = self.gap();
        self.schedule(t + g, s, COMPLETE);
    }

    /// Whether slot `o` has a transaction in flight (between invoke and completion).
    fn is_busy(&self, o: usize) -> bool {
        let sl = &self.slots[o];
        (sl.txn as usize) < self.done_at.len() && self.done_at[sl.txn as usize] == NOT_DONE && !sl.mops.is_empty()
    }

    fn install_ghost(&mut self, k: i64, g: Ghost) {
        let key = &mut self.keys[k as usize];
        if let Some(old) = key.ghost.replace(g) {
            // Never shown: owe it to a later transaction.
            self.owed[if old.kind == GhostKind::Aborted { ABORTED } else { INTER }] += 1;
        }
        self.force_read.push_back(k);
    }

    fn complete<S: Sink>(&mut self, t: i64, s: usize, sink: &mut S) -> Result<(), S::Error> {
        let (crash, aborted) = (self.slots[s].crash, self.slots[s].aborted);
        let kind = if crash {
            OpType::Info
        } else if aborted {
            OpType::Fail
        } else {
            OpType::Ok
        };
        let index = self.emit(t, s, kind, kind == OpType::Ok, sink)?;
        let slot = &mut self.slots[s];
        let txn = slot.txn as usize;
        if kind == OpType::Ok {
            self.done_at[txn] = index;
        } else {
            // Mark it done for `is_busy`, but never as completed before anything.
            self.done_at[txn] = NOT_DONE - 1;
        }
        let w = self.cfg.workload;
        for p in std::mem::take(&mut slot.pending) {
            if kind == OpType::Ok {
                let rec = Injected {
                    kind: Faults::NAMES[p.kind],
                    op_index: index,
                    key: Some(p.key),
                    detail: p.detail,
                    anomaly: p.anomaly,
                    expected: expected_by_model(Faults::NAMES[p.kind], w, self.cfg.isolation),
                };
                if p.kind == LOST {
                    // Nothing shows until the follow-up has written the key too:
                    // recorded then (never, if the history ends first).
                    self.lost_waiting.push((p.key, rec));
                } else {
                    self.injected.push(rec);
                }
            } else if let Some(g) = p.ghost {
                // The reader did not complete: show the value to another one.
                self.install_ghost(p.key, g);
            } else {
                self.owed[p.kind] += 1;
            }
        }
        let slot = &mut self.slots[s];
        match slot.fault {
            // The follow-up is invoked after the lost write completed, so the lost
            // write, which ends up after it in the key's order, also precedes it in
            // real time: G0-realtime against strict serializability, always.
            Fault::LostWrite(k) if slot.fired => self.force_follow.push_back(k),
            Fault::LostFollow(k) => {
                // It always commits (nothing else writes the key meanwhile).
                if let Some(i) = self.lost_waiting.iter().position(|(lk, _)| *lk == k) {
                    let (_, rec) = self.lost_waiting.swap_remove(i);
                    self.injected.push(rec);
                }
            }
            Fault::Dup(k) => {
                let v = slot.mops.iter().rev().find_map(|m| match m.val {
                    SimVal::Int(v) if m.key == k && m.kind != MopKind::Read => Some(v),
                    _ => None,
                });
                self.injected.push(Injected {
                    kind: Faults::NAMES[DUP],
                    op_index: index,
                    key: Some(k),
                    detail: format!(
                        "wrote {} to key {k}, a value already written to it (this txn completed :{})",
                        v.unwrap_or(0),
                        kind.name()
                    ),
                    anomaly: anomaly_of(DUP, w),
                    expected: expected_by_model(Faults::NAMES[DUP], w, self.cfg.isolation),
                });
            }
            Fault::Stale | Fault::AbortedRead | Fault::Intermediate(_) | Fault::LostWrite(_) if !slot.fired => {
                let i = match slot.fault {
                    Fault::Stale => STALE,
                    Fault::AbortedRead => ABORTED,
                    Fault::Intermediate(_) => INTER,
                    _ => LOST,
                };
                self.owed[i] += 1;
            }
            _ => {}
        }
        let slot = &mut self.slots[s];
        if crash {
            let took = slot.effect && !aborted;
            self.injected.push(Injected {
                kind: Faults::NAMES[CRASH],
                op_index: index,
                key: None,
                detail: format!(
                    "process {} crashed; the txn {} (the process is now {})",
                    slot.process,
                    if took {
                        "took effect"
                    } else if slot.effect {
                        "did not take effect (it aborted)"
                    } else {
                        "did not take effect"
                    },
                    slot.process + self.cfg.processes as i64
                ),
                anomaly: "none",
                expected: expected_by_model(Faults::NAMES[CRASH], self.cfg.workload, self.cfg.isolation),
            });
            slot.process += self.cfg.processes as i64;
        }
        let think = self.think() as i64;
        self.schedule(t + 1 + think, s, INVOKE);
        Ok(())
    }

    /// Hands one op of slot `s` to the sink: the invocation's micro-ops, or the
    /// results when `results`. Returns its `:index`.
    fn emit<S: Sink>(&mut self, t: i64, s: usize, kind: OpType, results: bool, sink: &mut S) -> Result<u64, S::Error> {
        let time = t.max(self.last_time + 1);
        self.last_time = time;
        let index = self.index;
        self.index += 1;
        let slot = &self.slots[s];
        let mops: &[SimMop] = if results {
            self.emit.clear();
            for (m, &v) in slot.mops.iter().zip(&slot.out) {
                self.emit.push(if m.kind == MopKind::Read { SimMop { val: v, ..*m } } else { *m });
            }
            &self.emit
        } else {
            &slot.mops
        };
        sink.op(&SimOp { index, time, kind, process: slot.process, mops, reads: &slot.reads })?;
        Ok(index)
    }
}
