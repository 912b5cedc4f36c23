//! list-append inference: version orders from reads, ww/wr/rw edges, and the
//! anomalies that need no cycle (Elle's `elle.list-append`, with the
//! differences listed below).
//!
//! The analysis works on compact records: one per append and one per read of a
//! client transaction, grouped by key with a counting sort. Each key is then
//! analysed on its own (in parallel, in chunks of keys): its version order is
//! the longest observed read, every other read is checked to be a prefix of it,
//! and the edges and per-key anomalies follow from the key's appends, sorted by
//! value, and its reads, bucketed by the version they end at. The explainer keeps
//! only the sorted appends and the version orders, and recomputes an edge's
//! reason from the two transactions' micro-ops.
//!
//! Where histcheck differs from Elle, deliberately:
//! - `garbage-read`: an ok read of an element nobody (ok, info, fail, or an
//!   invocation that never completed) appended. Elle has no such check.
//! - Duplicate appends are checked per transaction (a completion's appends, or
//!   its invocation's when the completion has no transaction value; invocations
//!   that never completed), not on invocations only; a value appended twice in
//!   one transaction is reported too. The error names both ops.
//! - Equal-length incompatible reads are ordered by first occurrence (Elle: hash order).
//! - G1a and garbage-read report each (op, mop, element) once, even when the
//!   element repeats in the list.
//! - dirty-update walks the observed version order; an element with no
//!   committed writer extends the range without moving the anchor.
//! - Reads of `:fail` transactions are no observation: they feed no version
//!   order and no anomaly (Elle uses them for dirty-update).
//! - Reads of `:info` transactions are ignored unless asked for
//!   ([`analyze_with`]`(h, true)`, Elle's behaviour): an info transaction may
//!   never have committed, and every anomaly must hold whichever way it went.
//!   Its appends still count (as possibly committed; one that somebody read
//!   committed). With info reads on, an info read of `[]` is a read of the
//!   initial state (only `nil` info reads are unknown).
//! - An invocation that never completed is an `:info` transaction (Jepsen
//!   closes it so at the end of the history): its appends join the version
//!   order, and a read of them links to it (Elle leaves it out of the graph).
//! - A read with no value, `[:r k]`, in an ok completion is a read of nil, the
//!   empty list.
//! - `appends-out-of-order`: a read that shows two appends of one transaction
//!   to the key in the opposite of their micro-op order (`[2 1 3]` for one
//!   transaction's appends of 1, 2, 3). No anomaly of Elle's covers it.
//! - future-read names the first later append (in micro-op order) whose value the read holds.
//! - A `:w` micro-op is an input error (Elle throws `unexpected-txn-micro-op-types`).

use crate::anomaly::{Anomaly, CheckError, Expected, Explainer, Observed, Step, Version};
use crate::graph::{GraphBuilder, Txn};
use crate::group::group;
use crate::lattice::APPENDS_OUT_OF_ORDER;
use crate::rel::Rels;
use history::{History, Id, Mop, MopKind, MopVal, OpType, OpValue};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// The result of analysing a list-append history.
pub struct Analysis<'h> {
    /// ww, wr and rw edges over ok and info transactions.
    pub edges: GraphBuilder,
    /// Non-cycle anomalies found (G1a, G1b, internal, …), in a deterministic order.
    pub anomalies: Vec<Anomaly>,
    /// Explains the edges in `edges`.
    pub explainer: ListAppendExplainer<'h>,
}

// Transaction kinds, as stored in the records. An invocation that never
// completed is an info transaction (Jepsen closes it as `:info` at the end of
// the history): its appends may have taken effect.
const K_OK: u8 = 0;
const K_INFO: u8 = 1;
const K_FAIL: u8 = 2;

const NONE: u32 = u32::MAX;

#[inline]
fn possible(kind: u8) -> bool {
    kind == K_OK || kind == K_INFO
}

/// One append of a value to a key, by a transaction.
#[derive(Clone, Copy, Debug)]
struct AppEnt {
    val: Id,
    txn: u32,
    /// Index of the micro-op in the transaction's `:value`.
    mop: u32,
    /// Position of `val` in the key's version order, or [`NONE`] if never observed.
    vpos: u32,
    kind: u8,
    /// Another append of the same key follows in the same transaction.
    inter: bool,
}

/// One read of a key by a completed transaction.
#[derive(Clone, Copy, Debug)]
struct ReadRec {
    txn: u32,
    mop: u32,
    start: u32,
    len: u32,
    kind: u8,
    /// The read returned `nil` (not a list).
    nil: bool,
}

/// An ok transaction that read a key (its first micro-op on it) and then appended to it.
#[derive(Clone, Copy, Debug)]
struct LuRec {
    txn: u32,
    start: u32,
    len: u32,
}

/// The micro-ops holding a transaction's appends: its completion's, or its
/// invocation's when the completion has no transaction value.
fn append_mops(h: &History, t: usize) -> &[Mop] {
    let op = &h.ops[t];
    if !matches!(op.value, OpValue::Txn { .. }) && op.kind != OpType::Invoke {
        if let Some(inv) = h.partner_of(t) {
            return h.mops(&h.ops[inv]);
        }
    }
    h.mops(op)
}

fn kind_of(t: OpType) -> u8 {
    match t {
        OpType::Ok => K_OK,
        OpType::Info | OpType::Invoke => K_INFO,
        OpType::Fail => K_FAIL,
    }
}

/// Whether `later[..]` has an append of `key`.
#[inline]
fn appends_key(later: &[Mop], key: Id) -> bool {
    later.iter().any(|m| m.kind == MopKind::Append && m.key == key)
}

/// Explains ww, wr and rw edges of a list-append history.
pub struct ListAppendExplainer<'h> {
    h: &'h History,
    keys: KeyIndex,
    /// Appends grouped by key (`ent_off`), sorted by value within a key.
    /// (Kept as the key chunks made them: `ent[c]` holds the keys from
    /// `ent_keys[c]`, and `ent_off` counts over all of them.)
    ent: Vec<Vec<AppEnt>>,
    ent_keys: Vec<u32>,
    ent_off: Vec<u32>,
    /// Version orders grouped by key (`ver_off`).
    ver: Vec<Id>,
    ver_off: Vec<u32>,
}

impl ListAppendExplainer<'_> {
    fn key_ents(&self, k: u32) -> &[AppEnt] {
        let c = self.ent_keys.partition_point(|&b| b <= k) - 1;
        let base = self.ent_off[self.ent_keys[c] as usize];
        &self.ent[c][(self.ent_off[k as usize] - base) as usize..(self.ent_off[k as usize + 1] - base) as usize]
    }

    fn versions(&self, k: u32) -> &[Id] {
        &self.ver[self.ver_off[k as usize] as usize..self.ver_off[k as usize + 1] as usize]
    }

    fn find(&self, k: u32, v: Id) -> Option<&AppEnt> {
        find(self.key_ents(k), v)
    }

    /// The version an append of `v` to key `k` extended.
    fn prev(&self, k: u32, v: Id) -> Version {
        let vs = self.versions(k);
        let slot = match self.find(k, v) {
            Some(e) if e.vpos != NONE => e.vpos as usize,
            _ => vs.len(),
        };
        if slot == 0 {
            Version::Init
        } else {
            Version::Value(vs[slot - 1])
        }
    }

    fn txn_kind(&self, t: Txn) -> Option<u8> {
        let op = self.h.ops.get(t as usize)?;
        op.process.client()?;
        match op.kind {
            OpType::Ok => Some(K_OK),
            OpType::Info => Some(K_INFO),
            // An invocation that never completed: closed as info.
            OpType::Invoke if self.h.partner_of(t as usize).is_none() => Some(K_INFO),
            _ => None,
        }
    }

    /// Approximate heap bytes held by the explainer's indices.
    pub fn heap_bytes(&self) -> usize {
        self.ent.iter().map(|e| e.capacity()).sum::<usize>() * std::mem::size_of::<AppEnt>()
            + self.ent_keys.capacity() * 4
            + (self.ent_off.capacity() + self.ver_off.capacity() + self.keys.table.capacity()) * 4
            + self.ver.capacity() * 4
            + self.keys.keys.capacity() * 4
            + self.keys.map.capacity() * 9
    }

    /// The version order of `key` (for reports and tests).
    pub fn version_order(&self, key: Id) -> Option<&[Id]> {
        self.keys.get(key).map(|k| self.versions(k))
    }
}

fn find(ents: &[AppEnt], v: Id) -> Option<&AppEnt> {
    ents.binary_search_by(|e| e.val.cmp(&v)).ok().map(|i| &ents[i])
}

impl Explainer for ListAppendExplainer<'_> {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        if a == b {
            return None;
        }
        let h = self.h;
        self.txn_kind(a)?;
        let bk = self.txn_kind(b)?;
        let step = |key: Id, value: Version, value2: Option<Version>, am: u32, bm: u32| Step {
            rel,
            from: a,
            to: b,
            key: Some(key),
            value: Some(value),
            value2,
            a_mop: Some(am),
            b_mop: Some(bm),
            process: None,
            sources: Vec::new(),
        };
        match rel {
            Rels::WR => {
                let _ = bk;
                for (j, m) in h.mops(&h.ops[b as usize]).iter().enumerate() {
                    if m.kind != MopKind::Read {
                        continue;
                    }
                    let Some(&last) = h.list(m.val).and_then(|l| l.last()) else { continue };
                    let Some(k) = self.keys.get(m.key) else { continue };
                    if let Some(e) = self.find(k, last) {
                        if e.txn == a && possible(e.kind) {
                            return Some(step(m.key, Version::Value(last), None, e.mop, j as u32));
                        }
                    }
                }
                None
            }
            Rels::WW => {
                for (j, m) in append_mops(h, b as usize).iter().enumerate() {
                    let (MopKind::Append, MopVal::Atom(v)) = (m.kind, m.val) else { continue };
                    let Some(k) = self.keys.get(m.key) else { continue };
                    if let Version::Value(p) = self.prev(k, v) {
                        if let Some(e) = self.find(k, p) {
                            if e.txn == a && possible(e.kind) {
                                return Some(step(m.key, Version::Value(p), Some(Version::Value(v)), e.mop, j as u32));
                            }
                        }
                    }
                }
                None
            }
            Rels::RW => {
                let a_op = &h.ops[a as usize];
                let a_ok = a_op.kind == OpType::Ok;
                let a_mops = h.mops(a_op);
                for (j, m) in append_mops(h, b as usize).iter().enumerate() {
                    let (MopKind::Append, MopVal::Atom(v)) = (m.kind, m.val) else { continue };
                    let Some(k) = self.keys.get(m.key) else { continue };
                    let p = self.prev(k, v);
                    let hit = a_mops.iter().position(|r| {
                        r.kind == MopKind::Read
                            && r.key == m.key
                            && match (r.val, p) {
                                (MopVal::Nil | MopVal::Absent, Version::Init) => a_ok,
                                (MopVal::List { .. }, _) => {
                                    let l = h.list(r.val).unwrap_or_default();
                                    match p {
                                        Version::Init => l.is_empty(),
                                        Version::Value(pv) => l.last() == Some(&pv),
                                    }
                                }
                                _ => false,
                            }
                    });
                    if let Some(i) = hit {
                        return Some(step(m.key, p, Some(Version::Value(v)), i as u32, j as u32));
                    }
                }
                None
            }
            _ => None,
        }
    }
}

/// Scratch space and outputs of one chunk of keys.
#[derive(Default)]
struct ChunkOut {
    edges: GraphBuilder,
    anomalies: Vec<(u32, u32, Anomaly)>,
    ver: Vec<Id>,
    ver_len: Vec<u32>,
    ent: Vec<AppEnt>,
    ent_len: Vec<u32>,
    /// A duplicate append: (first txn, second txn, key, value).
    dup: Option<(u32, u32, Id, Id)>,
}

#[derive(Default)]
struct Scratch {
    lpos: Vec<u32>,
    garbage_pos: FxHashMap<Id, u32>,
    prefix: Vec<bool>,
    slot_cnt: Vec<u32>,
    slot_rd: Vec<u32>,
    set: FxHashSet<Id>,
    counts: Vec<(Id, u32)>,
    slots: Vec<u32>,
    fill: Vec<u32>,
    /// Per transaction, the last micro-op of its appends seen so far in a list.
    seen_mop: FxHashMap<u32, u32>,
}

/// The first place where `vs` shows two appends of one transaction in the
/// opposite of their micro-op order: the position of the element that comes
/// too late (its transaction appended it before an element shown earlier),
/// with its append. `None` if every transaction's appends are in order.
fn first_misordered<'e>(vs: &[Id], ents: &'e [AppEnt], seen: &mut FxHashMap<u32, u32>) -> Option<(usize, &'e AppEnt)> {
    seen.clear();
    for (j, &x) in vs.iter().enumerate() {
        let Some(e) = find(ents, x) else { continue };
        match seen.get_mut(&e.txn) {
            Some(m) if e.mop < *m => return Some((j, e)),
            Some(m) => *m = e.mop,
            None => {
                seen.insert(e.txn, e.mop);
            }
        }
    }
    None
}

struct KeyCtx<'a> {
    h: &'a History,
    key: Id,
    kidx: u32,
    ents: &'a mut [AppEnt],
    reads: &'a [ReadRec],
    lus: &'a [LuRec],
}

/// Analyses a list-append history, with the reads of `:info` transactions
/// ignored (see [`analyze_with`]). An error for histories that cannot be
/// analysed: one value appended twice to one key (naming both ops).
pub fn analyze(h: &History) -> Result<Analysis<'_>, CheckError> {
    analyze_with(h, false)
}

/// Analyses a list-append history. With `info_reads`, the reads of `:info`
/// transactions count as observations, as in Elle (their version order,
/// `incompatible-order`, `duplicate-elements` and rw edges); without, only ok
/// reads do, so every anomaly holds whether or not the info transactions
/// committed. Reads of `:fail` transactions never count.
pub fn analyze_with(h: &History, info_reads: bool) -> Result<Analysis<'_>, CheckError> {
    let (edges, mut anoms, explainer) = analyze_keys(h, info_reads)?;
    anoms.sort_by(|x, y| x.2.name().cmp(y.2.name()).then((x.0, x.1).cmp(&(y.0, y.1))));
    let anomalies = anoms.into_iter().map(|x| x.2).collect();
    Ok(Analysis { edges, anomalies, explainer })
}

/// Dense indices of keys, in order of first appearance; small non-negative
/// integer keys (the common case) are looked up in a table.
#[derive(Default)]
struct KeyIndex {
    table: Vec<u32>,
    map: FxHashMap<Id, u32>,
    keys: Vec<Id>,
}

const TABLE_MAX: i64 = 1 << 20;

impl KeyIndex {
    #[inline]
    fn get(&self, k: Id) -> Option<u32> {
        match k.inline_int() {
            Some(i) if (0..TABLE_MAX).contains(&i) => self.table.get(i as usize).copied().filter(|&x| x != NONE),
            _ => self.map.get(&k).copied(),
        }
    }

    #[inline]
    fn intern(&mut self, k: Id) -> u32 {
        let n = self.keys.len() as u32;
        match k.inline_int() {
            Some(i) if (0..TABLE_MAX).contains(&i) => {
                let i = i as usize;
                if i >= self.table.len() {
                    self.table.resize((i + 1).next_power_of_two(), NONE);
                }
                if self.table[i] == NONE {
                    self.table[i] = n;
                    self.keys.push(k);
                }
                self.table[i]
            }
            _ => *self.map.entry(k).or_insert_with(|| {
                self.keys.push(k);
                n
            }),
        }
    }
}

/// The transactions the records come from: client completions, and
/// invocations that never completed (for their appends only). Gives the
/// kind, the global range of the micro-ops holding its appends, and of those
/// holding its reads (empty for an invocation).
#[inline]
fn txn_ranges(h: &History, i: usize) -> Option<(u8, usize, usize, usize, usize)> {
    let op = &h.ops[i];
    op.process.client()?;
    if op.kind == OpType::Invoke && h.partner_of(i).is_some() {
        return None;
    }
    let kind = kind_of(op.kind);
    let range = |v: &OpValue| match v {
        OpValue::Txn { start, len } => (*start as usize, *len as usize),
        _ => (0, 0),
    };
    let (rs, rl) = range(&op.value);
    let (a_s, a_l) = if matches!(op.value, OpValue::Txn { .. }) || op.kind == OpType::Invoke {
        (rs, rl)
    } else {
        match h.partner_of(i) {
            Some(inv) => range(&h.ops[inv].value),
            None => (0, 0),
        }
    };
    if op.kind == OpType::Invoke {
        // Never completed: its reads are unknown.
        return Some((kind, a_s, a_l, 0, 0));
    }
    Some((kind, a_s, a_l, rs, rl))
}

type KeysOut<'h> = (GraphBuilder, Vec<(u32, u32, Anomaly)>, ListAppendExplainer<'h>);

/// The records of one contiguous range of ops, grouped by the range's own
/// key numbering (keys in order of first appearance in the range).
#[derive(Default)]
struct OpChunk {
    keys: Vec<Id>,
    e_off: Vec<u32>,
    ents: Vec<AppEnt>,
    r_off: Vec<u32>,
    reads: Vec<ReadRec>,
    l_off: Vec<u32>,
    lus: Vec<LuRec>,
    err: Option<CheckError>,
    /// internal and future-read.
    anoms: Vec<(u32, u32, Anomaly)>,
}

fn scan_ops(h: &History, lo: usize, hi: usize, info_reads: bool) -> OpChunk {
    let mut ki = KeyIndex::default();
    // Room for this range's share of the micro-ops, so the vectors seldom grow.
    let guess = (h.mops.len() as u64 * (hi - lo) as u64 / h.ops.len().max(1) as u64) as usize / 2 + 64;
    let (mut ak, mut ar) = (Vec::with_capacity(guess), Vec::with_capacity(guess));
    let (mut rk, mut rr) = (Vec::with_capacity(guess), Vec::with_capacity(guess));
    let (mut lk, mut lr) = (Vec::new(), Vec::new());
    let mut inter_set: FxHashSet<Id> = FxHashSet::default();
    let mut err = None;
    let mut anoms = Vec::new();
    let mut st = State::default();
    let mut bt = BigTxn::default();
    for i in lo..hi {
        let Some((kind, a_s, a_l, r_s, r_l)) = txn_ranges(h, i) else { continue };
        let big_txn = kind == K_OK && r_l > BIG;
        if big_txn {
            bt.fill(&h.mops[r_s..r_s + r_l]);
        }
        if kind == K_OK && r_l >= 2 {
            let mops = &h.mops[r_s..r_s + r_l];
            internal(h, i as u32, mops, &mut st, &mut anoms);
            future_read(h, i as u32, mops, big_txn.then_some(&bt), &mut anoms);
        }
        let amops = &h.mops[a_s..a_s + a_l];
        let big = amops.len() > BIG;
        if big {
            inter_set.clear();
        }
        let base = ar.len();
        for (j, m) in amops.iter().enumerate().rev() {
            match (m.kind, m.val) {
                (MopKind::Append, MopVal::Atom(v)) => {
                    let inter = if big { !inter_set.insert(m.key) } else { appends_key(&amops[j + 1..], m.key) };
                    ak.push(ki.intern(m.key));
                    ar.push(AppEnt { val: v, txn: i as u32, mop: j as u32, vpos: NONE, kind, inter });
                }
                (MopKind::Write, _) if err.is_none() => {
                    err = Some(CheckError {
                        message: format!(
                            "the op at {} has a write micro-op {}; a list-append history may only have :append and :r micro-ops",
                            h.ops[i].pos,
                            h.mop_to_value(m)
                        ),
                        ops: vec![i as u32],
                    });
                }
                _ => {}
            }
        }
        ar[base..].reverse();
        ak[base..].reverse();
        // A failed transaction did not happen: its reads are no observation.
        // An info transaction may not have happened: its reads count only
        // when asked for (Elle counts them).
        if kind == K_FAIL || (kind == K_INFO && !info_reads) {
            continue;
        }
        let mops = &h.mops[r_s..r_s + r_l];
        for (j, m) in mops.iter().enumerate() {
            if m.kind != MopKind::Read {
                continue;
            }
            let (start, len, nil) = match m.val {
                MopVal::List { start, len } => (start, len, false),
                // `[:r k]` (no value) is a read of nil, as `[:r k nil]`.
                MopVal::Nil | MopVal::Absent => (0, 0, true),
                _ => continue,
            };
            let k = ki.intern(m.key);
            rk.push(k);
            rr.push(ReadRec { txn: i as u32, mop: j as u32, start, len, kind, nil });
            let lu = if big_txn {
                bt.keys
                    .get(&m.key)
                    .is_some_and(|&(first, last)| first as usize == j && last != NONE && last as usize > j)
            } else {
                kind == K_OK && lost_update_candidate(mops, j)
            };
            if lu {
                lk.push(k);
                lr.push(LuRec { txn: i as u32, start, len });
            }
        }
    }
    let n = ki.keys.len();
    let (e_off, ents) = group(n, &ak, &ar);
    let (r_off, reads) = group(n, &rk, &rr);
    let (l_off, lus) = group(n, &lk, &lr);
    OpChunk { keys: ki.keys, e_off, ents, r_off, reads, l_off, lus, err, anoms }
}

fn analyze_keys<'h>(h: &'h History, info_reads: bool) -> Result<KeysOut<'h>, CheckError> {
    // Records of every append and read, per range of ops, in parallel.
    let n = h.ops.len();
    let nchunks = (rayon::current_num_threads() * 4).clamp(1, n.div_ceil(1 << 12).max(1));
    let step = n.div_ceil(nchunks).max(1);
    let mut ocs: Vec<OpChunk> = (0..n.div_ceil(step))
        .into_par_iter()
        .map(|c| scan_ops(h, c * step, ((c + 1) * step).min(n), info_reads))
        .collect();
    if let Some(e) = ocs.iter().find_map(|c| c.err.clone()) {
        return Err(e);
    }

    // Global key numbering (first appearance), and each key's pieces in op order.
    let mut ki = KeyIndex::default();
    let maps: Vec<Vec<u32>> = ocs.iter().map(|c| c.keys.iter().map(|&k| ki.intern(k)).collect()).collect();
    let nkeys = ki.keys.len();
    let mut occ_off = vec![0u32; nkeys + 1];
    let mut work = vec![0u32; nkeys];
    for (c, m) in maps.iter().enumerate() {
        for (l, &g) in m.iter().enumerate() {
            occ_off[g as usize + 1] += 1;
            let oc = &ocs[c];
            work[g as usize] += (oc.e_off[l + 1] - oc.e_off[l]) + (oc.r_off[l + 1] - oc.r_off[l]);
        }
    }
    for i in 0..nkeys {
        occ_off[i + 1] += occ_off[i];
    }
    let mut occ: Vec<(u32, u32)> = vec![(0, 0); occ_off[nkeys] as usize];
    {
        let mut fill: Vec<u32> = occ_off[..nkeys].to_vec();
        for (c, m) in maps.iter().enumerate() {
            for (l, &g) in m.iter().enumerate() {
                occ[fill[g as usize] as usize] = (c as u32, l as u32);
                fill[g as usize] += 1;
            }
        }
    }
    drop(maps);
    let keys = &ki.keys;

    // Chunks of keys of about equal work.
    let total: usize = work.iter().map(|&w| w as usize).sum();
    let target = (total / (rayon::current_num_threads() * 8)).max(4096);
    let mut bounds = vec![0usize];
    let mut acc = 0usize;
    for (k, &w) in work.iter().enumerate() {
        acc += w as usize;
        if acc >= target {
            bounds.push(k + 1);
            acc = 0;
        }
    }
    if *bounds.last().unwrap() != nkeys {
        bounds.push(nkeys);
    }
    let outs: Vec<ChunkOut> = bounds
        .par_windows(2)
        .map(|w| {
            let (k0, k1) = (w[0], w[1]);
            let mut out = ChunkOut { edges: GraphBuilder::new(h.ops.len()), ..Default::default() };
            let mut s = Scratch::default();
            let (mut ents, mut reads, mut lus) = (Vec::new(), Vec::new(), Vec::new());
            for k in k0..k1 {
                ents.clear();
                reads.clear();
                lus.clear();
                for &(c, l) in &occ[occ_off[k] as usize..occ_off[k + 1] as usize] {
                    let (oc, l) = (&ocs[c as usize], l as usize);
                    ents.extend_from_slice(&oc.ents[oc.e_off[l] as usize..oc.e_off[l + 1] as usize]);
                    reads.extend_from_slice(&oc.reads[oc.r_off[l] as usize..oc.r_off[l + 1] as usize]);
                    lus.extend_from_slice(&oc.lus[oc.l_off[l] as usize..oc.l_off[l + 1] as usize]);
                }
                let ctx = KeyCtx { h, key: keys[k], kidx: k as u32, ents: &mut ents, reads: &reads, lus: &lus };
                analyze_key(ctx, &mut s, &mut out);
                out.ent.extend_from_slice(&ents);
                out.ent_len.push(ents.len() as u32);
            }
            out
        })
        .collect();

    // Merge in key order.
    let mut dup: Option<(u32, u32, Id, Id)> = None;
    let mut nedges = 0;
    for o in &outs {
        nedges += o.edges.len();
        if let Some(d) = o.dup {
            if dup.is_none_or(|b| (d.1, d.0) < (b.1, b.0)) {
                dup = Some(d);
            }
        }
    }
    if let Some((first, second, key, val)) = dup {
        let p1 = h.ops[first as usize].pos;
        let p2 = h.ops[second as usize].pos;
        let (ks, vs) = (h.atoms.resolve(key).to_string(), h.atoms.resolve(val).to_string());
        let message = if first == second {
            format!("value {vs} is appended to key {ks} twice by the op at {p1}; list-append needs every appended value to be unique per key")
        } else {
            format!("value {vs} is appended to key {ks} twice: by the op at {p1} and the op at {p2}; list-append needs every appended value to be unique per key")
        };
        return Err(CheckError { message, ops: vec![first, second] });
    }
    let mut edges = GraphBuilder::new(h.ops.len());
    edges.reserve(nedges);
    let mut anoms: Vec<(u32, u32, Anomaly)> = Vec::new();
    for oc in &mut ocs {
        anoms.append(&mut oc.anoms);
    }
    drop(ocs);
    let mut ver = Vec::new();
    let mut ver_off = Vec::with_capacity(nkeys + 1);
    ver_off.push(0u32);
    let mut ent = Vec::with_capacity(outs.len());
    let ent_keys: Vec<u32> = bounds[..bounds.len() - 1].iter().map(|&b| b as u32).collect();
    let mut ent_off = Vec::with_capacity(nkeys + 1);
    ent_off.push(0u32);
    for mut o in outs {
        edges.append(&mut o.edges);
        ent.push(std::mem::take(&mut o.ent));
        for l in o.ent_len {
            let last = *ent_off.last().unwrap();
            ent_off.push(last + l);
        }
        anoms.extend(o.anomalies);
        ver.extend_from_slice(&o.ver);
        for l in o.ver_len {
            let last = *ver_off.last().unwrap();
            ver_off.push(last + l);
        }
    }
    let explainer = ListAppendExplainer { h, keys: ki, ent, ent_keys, ent_off, ver, ver_off };
    Ok((edges, anoms, explainer))
}

/// An ok txn's read `j` is its first micro-op on the key, and it appends to the key later.
#[inline]
fn lost_update_candidate(mops: &[Mop], j: usize) -> bool {
    let key = mops[j].key;
    appends_key(&mops[j + 1..], key) && !mops[..j].iter().any(|p| p.key == key && p.kind != MopKind::Write)
}

fn list<'a>(h: &'a History, r: &ReadRec) -> &'a [Id] {
    &h.reads[r.start as usize..(r.start + r.len) as usize]
}

fn analyze_key(c: KeyCtx<'_>, s: &mut Scratch, out: &mut ChunkOut) {
    let h = c.h;
    let key = c.key;
    // Appends sorted by value; a repeated value is an input error.
    // Stable: equal values (an input error) stay in op order.
    c.ents.sort_by_key(|e| e.val);
    // Report the repeat whose second append comes first.
    for w in c.ents.windows(2) {
        if w[0].val == w[1].val {
            let d = (w[0].txn, w[1].txn, key, w[0].val);
            if out.dup.is_none_or(|b| (d.1, d.0) < (b.1, b.0)) {
                out.dup = Some(d);
            }
        }
    }
    if out.dup.is_some() {
        out.ver_len.push(0);
        return;
    }
    let ents = c.ents;
    let reads = c.reads;

    // The longest observed (non-empty, possible) read; every read should be a prefix of it.
    let mut longest: Option<usize> = None;
    for (i, r) in reads.iter().enumerate() {
        if possible(r.kind) && r.len > 0 && longest.is_none_or(|l| r.len > reads[l].len) {
            longest = Some(i);
        }
    }
    s.prefix.clear();
    let mut compatible = true;
    if let Some(li) = longest {
        let l = list(h, &reads[li]);
        for r in reads {
            let ok = r.len as usize <= l.len() && (r.start == reads[li].start || list(h, r) == &l[..r.len as usize]);
            s.prefix.push(ok);
            if possible(r.kind) && !ok {
                compatible = false;
            }
        }
    } else {
        s.prefix.resize(reads.len(), false);
    }
    if !compatible {
        // Elle's rule: distinct observed values sorted by length (ties: first
        // occurrence); the first pair that is not a prefix pair is reported; the
        // last is the version order.
        let mut idx: Vec<usize> = (0..reads.len()).filter(|&i| possible(reads[i].kind) && reads[i].len > 0).collect();
        idx.sort_by(|&x, &y| list(h, &reads[x]).cmp(list(h, &reads[y])).then(x.cmp(&y)));
        idx.dedup_by(|x, y| list(h, &reads[*x]) == list(h, &reads[*y]));
        idx.sort_by_key(|&i| (reads[i].len, i));
        for w in idx.windows(2) {
            let (a, b) = (list(h, &reads[w[0]]), list(h, &reads[w[1]]));
            if !b.starts_with(a) {
                let t = reads[w[0]].txn.min(reads[w[1]].txn);
                out.anomalies.push((t, c.kidx, Anomaly::IncompatibleOrder { key, values: [a.to_vec(), b.to_vec()] }));
                break;
            }
        }
        let li = *idx.last().unwrap();
        longest = Some(li);
        let l = list(h, &reads[li]);
        for (i, r) in reads.iter().enumerate() {
            s.prefix[i] = r.len as usize <= l.len() && list(h, r) == &l[..r.len as usize];
        }
    }
    let single;
    let l: &[Id] = match longest {
        Some(li) => list(h, &reads[li]),
        None => {
            // The single-append rule.
            let mut poss = ents.iter().filter(|e| possible(e.kind));
            match (poss.next(), poss.next()) {
                (Some(e), None) => {
                    single = [e.val];
                    &single
                }
                _ => &[],
            }
        }
    };

    // Version order: l without repeats. lpos maps positions in l to positions in it.
    let vbase = out.ver.len();
    s.lpos.clear();
    s.garbage_pos.clear();
    let mut first_bad = usize::MAX;
    let has_fail = ents.iter().any(|e| e.kind == K_FAIL);
    for (i, &e) in l.iter().enumerate() {
        let n = (out.ver.len() - vbase) as u32;
        match ents.binary_search_by(|x| x.val.cmp(&e)) {
            Ok(x) => {
                let ent = &mut ents[x];
                if ent.kind == K_FAIL && first_bad == usize::MAX {
                    first_bad = i;
                }
                if ent.vpos == NONE {
                    ent.vpos = n;
                    out.ver.push(e);
                }
                s.lpos.push(ent.vpos);
            }
            Err(_) => {
                if first_bad == usize::MAX {
                    first_bad = i;
                }
                let p = *s.garbage_pos.entry(e).or_insert_with(|| {
                    out.ver.push(e);
                    n
                });
                s.lpos.push(p);
            }
        }
    }
    let nver = out.ver.len() - vbase;
    let l_dups = nver < l.len();
    let vers = &out.ver[vbase..];
    out.ver_len.push(nver as u32);

    // Readers bucketed by the version their read ended at: slot 0 = init, slot i + 1 = version i.
    let nslots = nver + 1;
    s.slot_cnt.clear();
    s.slot_cnt.resize(nslots + 1, 0);
    let slot_of = |i: usize, r: &ReadRec, s: &Scratch| -> Option<usize> {
        if !possible(r.kind) {
            return None;
        }
        if r.nil {
            return (r.kind == K_OK).then_some(0);
        }
        if r.len == 0 {
            return Some(0);
        }
        if s.prefix[i] {
            return Some(s.lpos[r.len as usize - 1] as usize + 1);
        }
        let e = *list(h, r).last().unwrap();
        match find(ents, e) {
            Some(x) if x.vpos != NONE => Some(x.vpos as usize + 1),
            Some(_) => None,
            None => s.garbage_pos.get(&e).map(|&p| p as usize + 1),
        }
    };
    let mut slots = std::mem::take(&mut s.slots);
    slots.clear();
    if ents.iter().any(|e| possible(e.kind)) {
        for (i, r) in reads.iter().enumerate() {
            let sl = slot_of(i, r, s).map_or(NONE, |x| x as u32);
            slots.push(sl);
            if sl != NONE {
                s.slot_cnt[sl as usize + 1] += 1;
            }
        }
        for i in 0..nslots {
            s.slot_cnt[i + 1] += s.slot_cnt[i];
        }
        s.slot_rd.clear();
        s.slot_rd.resize(s.slot_cnt[nslots] as usize, 0);
        let mut fill = std::mem::take(&mut s.fill);
        fill.clear();
        fill.extend_from_slice(&s.slot_cnt[..nslots]);
        for (i, &sl) in slots.iter().enumerate() {
            if sl != NONE {
                s.slot_rd[fill[sl as usize] as usize] = reads[i].txn;
                fill[sl as usize] += 1;
            }
        }
        s.fill = fill;
        // ww and rw, per append of a possible txn.
        for e in ents.iter() {
            if !possible(e.kind) {
                continue;
            }
            let slot = if e.vpos != NONE { e.vpos as usize } else { nver };
            if slot > 0 {
                if let Some(w) = find(ents, vers[slot - 1]) {
                    if possible(w.kind) && w.txn != e.txn {
                        out.edges.add(w.txn, e.txn, Rels::WW);
                    }
                }
            }
            for &rt in &s.slot_rd[s.slot_cnt[slot] as usize..s.slot_cnt[slot + 1] as usize] {
                if rt != e.txn {
                    out.edges.add(rt, e.txn, Rels::RW);
                }
            }
        }
    }
    s.slots = slots;

    // appends-out-of-order: only keys to which some transaction appended twice.
    // A read that is a prefix of l is misordered iff it reaches l's first misordering.
    if ents.iter().any(|e| e.inter) {
        let l_mis = first_misordered(l, ents, &mut s.seen_mop);
        for (i, r) in reads.iter().enumerate() {
            if r.len < 2 {
                continue;
            }
            let mis = if s.prefix[i] {
                l_mis.filter(|(j, _)| *j < r.len as usize).map(|(j, e)| (list(h, r)[j], e.txn))
            } else {
                first_misordered(list(h, r), ents, &mut s.seen_mop).map(|(j, e)| (list(h, r)[j], e.txn))
            };
            if let Some((x, w)) = mis {
                out.anomalies.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: APPENDS_OUT_OF_ORDER, op: r.txn, mop: r.mop, writer: Some(w), element: x },
                ));
            }
        }
    }

    // wr, and the per-read detectors.
    for (i, r) in reads.iter().enumerate() {
        if r.len == 0 || r.kind == K_FAIL {
            continue;
        }
        let vs = list(h, r);
        let last = *vs.last().unwrap();
        let w = find(ents, last);
        if let Some(w) = w {
            if w.txn != r.txn && possible(w.kind) {
                out.edges.add(w.txn, r.txn, Rels::WR);
            }
        }
        // duplicate-elements (possible reads).
        if !s.prefix[i] || l_dups {
            s.counts.clear();
            s.set.clear();
            for &x in vs {
                if !s.set.insert(x) {
                    match s.counts.iter_mut().find(|c| c.0 == x) {
                        Some(c) => c.1 += 1,
                        None => s.counts.push((x, 2)),
                    }
                }
            }
            if !s.counts.is_empty() {
                // In order of first occurrence.
                let mut d = s.counts.clone();
                d.sort_by_key(|c| vs.iter().position(|x| *x == c.0));
                out.anomalies.push((r.txn, r.mop, Anomaly::DuplicateElements { op: r.txn, mop: r.mop, duplicates: d }));
            }
        }
        if r.kind != K_OK {
            continue;
        }
        // G1b: the read ends with another txn's intermediate append.
        if let Some(w) = w {
            if w.inter && w.txn != r.txn {
                out.anomalies.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: "G1b", op: r.txn, mop: r.mop, writer: Some(w.txn), element: last },
                ));
            }
        }
        // G1a and garbage-read: elements appended by failed txns or by nobody.
        if s.prefix[i] && (r.len as usize) <= first_bad {
            continue;
        }
        s.set.clear();
        for &x in vs {
            if !s.set.insert(x) {
                continue;
            }
            match find(ents, x) {
                None => out.anomalies.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: "garbage-read", op: r.txn, mop: r.mop, writer: None, element: x },
                )),
                Some(w) if w.kind == K_FAIL => out.anomalies.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: "G1a", op: r.txn, mop: r.mop, writer: Some(w.txn), element: x },
                )),
                _ => {}
            }
        }
    }

    // dirty-update: only keys with failed appends. The version order is the
    // one observed (failed transactions' reads are no observation; Elle uses them).
    if has_fail {
        let dv: &[Id] = vers;
        // anchor: (kind, txn); the virtual initial anchor is committed.
        let mut anchor: (u8, u32) = (K_OK, NONE);
        let mut range: Vec<Id> = Vec::new();
        for &v in dv {
            range.push(v);
            let Some(w) = find(ents, v) else { continue };
            match (anchor.0, w.kind) {
                (K_FAIL, K_OK) => {
                    out.anomalies.push((
                        anchor.1,
                        c.kidx,
                        Anomaly::DirtyUpdate { key, values: std::mem::take(&mut range), txns: [anchor.1, w.txn] },
                    ));
                    anchor = (K_OK, w.txn);
                    range = vec![v];
                }
                (_, K_OK) => {
                    anchor = (K_OK, w.txn);
                    range = vec![v];
                }
                (K_FAIL, K_FAIL) | (_, K_INFO) => {}
                (_, K_FAIL) => {
                    anchor = (K_FAIL, w.txn);
                    range = vec![v];
                }
                _ => {}
            }
        }
    }

    // lost-update: ok txns that read the same value of the key and then appended to it.
    if c.lus.len() >= 2 {
        let mut lu: Vec<&LuRec> = c.lus.iter().collect();
        let sl = |x: &LuRec| &h.reads[x.start as usize..(x.start + x.len) as usize];
        lu.sort_by(|x, y| sl(x).cmp(sl(y)).then(x.txn.cmp(&y.txn)));
        let mut i = 0;
        while i < lu.len() {
            let mut j = i + 1;
            while j < lu.len() && sl(lu[j]) == sl(lu[i]) {
                j += 1;
            }
            let mut txns: Vec<Txn> = lu[i..j].iter().map(|x| x.txn).collect();
            txns.dedup();
            if txns.len() >= 2 {
                out.anomalies.push((
                    txns[0],
                    c.kidx,
                    Anomaly::LostUpdate { key, value: Observed::List(sl(lu[i]).to_vec()), txns },
                ));
            }
            i = j;
        }
    }
}

/// The expected state of each key of one transaction, with buffers reused
/// from one transaction to the next.
#[derive(Default)]
struct State {
    /// (key, unknown prefix, expected list or suffix); only `..used` are live.
    keys: Vec<(Id, bool, Vec<Id>)>,
    used: usize,
    /// For big transactions: key → its place in `keys`.
    map: FxHashMap<Id, usize>,
}

/// Transactions with more micro-ops than this get hash indices instead of scans.
const BIG: usize = 16;

/// Indices of one big transaction's micro-ops.
#[derive(Default)]
struct BigTxn {
    /// key → (first non-write micro-op on it, last append to it or NONE).
    keys: FxHashMap<Id, (u32, u32)>,
    /// (key, value) → the first append of the value to the key.
    apps: FxHashMap<(Id, Id), u32>,
}

impl BigTxn {
    fn fill(&mut self, mops: &[Mop]) {
        self.keys.clear();
        self.apps.clear();
        for (j, m) in mops.iter().enumerate() {
            if m.kind == MopKind::Write {
                continue;
            }
            let e = self.keys.entry(m.key).or_insert((j as u32, NONE));
            if let (MopKind::Append, MopVal::Atom(v)) = (m.kind, m.val) {
                e.1 = j as u32;
                self.apps.entry((m.key, v)).or_insert(j as u32);
            }
        }
    }
}

/// Elle's internal-consistency check: the expected state per key is a known
/// list or `[… suffix]`; only the first violation is reported.
fn internal(h: &History, t: u32, mops: &[Mop], st: &mut State, out: &mut Vec<(u32, u32, Anomaly)>) {
    // Only a key with two micro-ops can disagree with itself.
    let big = mops.len() > BIG;
    if !big && !mops.iter().enumerate().any(|(j, m)| mops[j + 1..].iter().any(|x| x.key == m.key)) {
        return;
    }
    st.used = 0;
    st.map.clear();
    for (j, m) in mops.iter().enumerate() {
        if !matches!(
            (m.kind, m.val),
            (MopKind::Append, MopVal::Atom(_)) | (MopKind::Read, MopVal::Nil | MopVal::Absent | MopVal::List { .. })
        ) {
            continue;
        }
        let pos = if big { st.map.get(&m.key).copied() } else { st.keys[..st.used].iter().position(|s| s.0 == m.key) };
        let slot = |st: &mut State| -> usize {
            if st.used == st.keys.len() {
                st.keys.push((m.key, false, Vec::new()));
            }
            let e = &mut st.keys[st.used];
            e.0 = m.key;
            e.2.clear();
            st.used += 1;
            if big {
                st.map.insert(m.key, st.used - 1);
            }
            st.used - 1
        };
        match (m.kind, m.val) {
            (MopKind::Append, MopVal::Atom(v)) => match pos {
                Some(p) => st.keys[p].2.push(v),
                None => {
                    let p = slot(st);
                    st.keys[p].1 = true;
                    st.keys[p].2.push(v);
                }
            },
            (MopKind::Read, MopVal::Nil | MopVal::Absent | MopVal::List { .. }) => {
                let vs = h.list(m.val).unwrap_or_default();
                let p = match pos {
                    Some(p) => {
                        let (_, unknown, exp) = &st.keys[p];
                        let ok = if *unknown { vs.ends_with(exp) } else { vs == exp.as_slice() };
                        if !ok {
                            let expected = Expected::List { unknown_prefix: *unknown, elems: exp.clone() };
                            out.push((t, j as u32, Anomaly::Internal { op: t, mop: j as u32, expected }));
                            return;
                        }
                        st.keys[p].2.clear();
                        p
                    }
                    None => slot(st),
                };
                st.keys[p].1 = false;
                st.keys[p].2.extend_from_slice(vs);
            }
            _ => {}
        }
    }
}

/// A read of a list containing a value the txn appends to the key later.
fn future_read(h: &History, t: u32, mops: &[Mop], big: Option<&BigTxn>, out: &mut Vec<(u32, u32, Anomaly)>) {
    for (j, m) in mops.iter().enumerate() {
        let Some(vs) = (if m.kind == MopKind::Read { h.list(m.val) } else { None }) else { continue };
        if vs.is_empty() {
            continue;
        }
        // The first later append of the key whose value the read holds.
        let hit = match big {
            Some(b) => vs
                .iter()
                .filter_map(|&x| b.apps.get(&(m.key, x)).copied())
                .filter(|&i| i as usize > j)
                .min()
                .map(|i| i as usize),
            None => (j + 1..mops.len()).find(|&i| {
                let l = &mops[i];
                matches!((l.kind, l.val), (MopKind::Append, MopVal::Atom(v)) if l.key == m.key && vs.contains(&v))
            }),
        };
        if let Some(i) = hit {
            let MopVal::Atom(v) = mops[i].val else { unreachable!() };
            out.push((
                t,
                j as u32,
                Anomaly::Read { kind: "future-read", op: t, mop: j as u32, writer: Some(t), element: v },
            ));
            return;
        }
    }
}
