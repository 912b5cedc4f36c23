//! list-append inference: version orders from reads, ww/wr/rw edges, and the
//! anomalies that need no cycle (Elle's `elle.list-append`, with the
//! differences listed below).
//!
//! The analysis works on compact records: one per append and one per read of a
//! client transaction (which ops are transactions, and which micro-ops hold
//! their appends and reads, is [`crate::txn`]'s), grouped by key with a
//! counting sort. Each key is then analysed on its own (in parallel, in
//! chunks of keys of about equal work): a `KeyView` derives its version
//! order once (the longest observed read; every other read is checked to be
//! a prefix of it), and each detector, a method of the view, reads it: the
//! ww/rw and wr edges, `incompatible-order`, `appends-out-of-order`,
//! `duplicate-elements`, G1a, G1b, `garbage-read`, `dirty-update` and
//! `lost-update`. The per-transaction detectors (`internal`, `future-read`)
//! run while the records are made. The explainer keeps only the sorted
//! appends and the version orders, and recomputes an edge's reason from the
//! two transactions' micro-ops.
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
use crate::lattice::APPENDS_OUT_OF_ORDER;
use crate::rel::Rels;
use crate::txn::{
    aborted_read, first_duplicate, group, intermediate_read, key_chunks, lost_updates, txn, Duplicate, Intermediate,
    KeyIndex, Kind, TxnOp, BIG, NONE,
};
use history::{History, Id, Mop, MopKind, MopVal, OpType};
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

/// One append of a value to a key, by a transaction.
#[derive(Clone, Copy, Debug)]
struct AppEnt {
    val: Id,
    txn: u32,
    /// Index of the micro-op in the transaction's `:value`.
    mop: u32,
    /// Position of `val` in the key's version order, or [`NONE`] if never observed.
    vpos: u32,
    kind: Kind,
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
    kind: Kind,
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

/// The micro-ops holding a transaction's appends (see [`txn`]).
fn append_mops(h: &History, t: usize) -> &[Mop] {
    txn(h, t).map_or(&[], |x| x.writes)
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

    /// The kind of transaction `t` if it may have committed (`None` for failed
    /// ones, ops that are no transactions, and barriers).
    fn txn_kind(&self, t: Txn) -> Option<Kind> {
        if t as usize >= self.h.ops.len() {
            return None;
        }
        txn(self.h, t as usize).map(|x| x.kind).filter(|k| k.possible())
    }

    /// Approximate heap bytes held by the explainer's indices.
    pub fn heap_bytes(&self) -> usize {
        self.ent.iter().map(|e| e.capacity()).sum::<usize>() * std::mem::size_of::<AppEnt>()
            + self.ent_keys.capacity() * 4
            + (self.ent_off.capacity() + self.ver_off.capacity()) * 4
            + self.ver.capacity() * 4
            + self.keys.heap_bytes()
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
                        if e.txn == a && e.kind.possible() {
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
                            if e.txn == a && e.kind.possible() {
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
    /// A value appended twice, and its key (an input error).
    dup: Option<(Duplicate, Id)>,
}

/// Keeps the duplicate append to report, and its key (see [`Duplicate::keep_first`]).
fn keep_first_dup(best: &mut Option<(Duplicate, Id)>, d: Duplicate, key: Id) {
    if best.is_none_or(|(b, _)| d.before(&b)) {
        *best = Some((d, key));
    }
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
    let mut intermediate = Intermediate::default();
    let mut err = None;
    let mut anoms = Vec::new();
    let mut st = State::default();
    let mut bt = BigTxn::default();
    for i in lo..hi {
        let Some(TxnOp { kind, reads: mops, writes: amops }) = txn(h, i) else { continue };
        let big_txn = kind == Kind::Ok && mops.len() > BIG;
        if big_txn {
            bt.fill(mops);
        }
        if kind == Kind::Ok && mops.len() >= 2 {
            internal(h, i as u32, mops, &mut st, &mut anoms);
            future_read(h, i as u32, mops, big_txn.then_some(&bt), &mut anoms);
        }
        let inter = intermediate.mark(amops, |m| m.kind == MopKind::Append);
        let base = ar.len();
        for (j, m) in amops.iter().enumerate().rev() {
            match (m.kind, m.val) {
                (MopKind::Append, MopVal::Atom(v)) => {
                    ak.push(ki.intern(m.key));
                    ar.push(AppEnt { val: v, txn: i as u32, mop: j as u32, vpos: NONE, kind, inter: inter[j] });
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
        if kind == Kind::Fail || (kind == Kind::Info && !info_reads) {
            continue;
        }
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
                kind == Kind::Ok && lost_update_candidate(mops, j)
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
    let bounds = key_chunks(nkeys, |k| work[k] as usize);
    let outs: Vec<ChunkOut> = bounds
        .par_windows(2)
        .map(|w| {
            let (k0, k1) = (w[0], w[1]);
            let mut out = ChunkOut { edges: GraphBuilder::new(h.ops.len()), ..Default::default() };
            let mut bufs = KeyBufs::default();
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
                analyze_key(h, keys[k], k as u32, &mut ents, &reads, &lus, &mut bufs, &mut out);
                out.ent.extend_from_slice(&ents);
                out.ent_len.push(ents.len() as u32);
            }
            out
        })
        .collect();

    // Merge in key order.
    let mut dup: Option<(Duplicate, Id)> = None;
    let mut nedges = 0;
    for o in &outs {
        nedges += o.edges.len();
        if let Some((d, key)) = o.dup {
            keep_first_dup(&mut dup, d, key);
        }
    }
    if let Some((Duplicate { first, second, value: val }, key)) = dup {
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
    mops[j + 1..].iter().any(|m| m.kind == MopKind::Append && m.key == key)
        && !mops[..j].iter().any(|p| p.key == key && p.kind != MopKind::Write)
}

fn list<'a>(h: &'a History, r: &ReadRec) -> &'a [Id] {
    &h.reads[r.start as usize..(r.start + r.len) as usize]
}

/// One key's analysis: its derived data ([`KeyView::build`]), then each detector.
#[allow(clippy::too_many_arguments)]
fn analyze_key(
    h: &History,
    key: Id,
    kidx: u32,
    ents: &mut [AppEnt],
    reads: &[ReadRec],
    lus: &[LuRec],
    bufs: &mut KeyBufs,
    out: &mut ChunkOut,
) {
    // Appends sorted by value; a repeated value is an input error.
    // Stable: equal values (an input error) stay in op order.
    ents.sort_by_key(|e| e.val);
    if let Some(d) = first_duplicate(ents, |e| (e.val, e.txn), true) {
        keep_first_dup(&mut out.dup, d, key);
    }
    if out.dup.is_some() {
        // The analysis fails: nothing else matters.
        out.ver_len.push(0);
        return;
    }
    let ChunkOut { edges, anomalies, ver, ver_len, .. } = out;
    let KeyBufs { view, det } = bufs;
    let v = KeyView::build(h, key, kidx, ents, reads, lus, view, ver);
    ver_len.push(v.vers.len() as u32);
    v.incompatible_order(anomalies);
    v.ww_rw_edges(det, edges);
    v.appends_out_of_order(det, anomalies);
    for (i, r) in reads.iter().enumerate() {
        if r.len == 0 || r.kind == Kind::Fail {
            continue;
        }
        let last = *list(h, r).last().unwrap();
        let w = find(v.ents, last);
        v.wr_edge(r, w, edges);
        v.duplicate_elements(i, r, det, anomalies);
        if r.kind == Kind::Ok {
            v.intermediate_read(r, w, last, anomalies);
            v.aborted_and_garbage_reads(i, r, det, anomalies);
        }
    }
    v.dirty_update(anomalies);
    v.lost_update(anomalies);
}

/// The buffers of the per-key pass, reused from one key to the next.
#[derive(Default)]
struct KeyBufs {
    view: ViewBufs,
    det: DetectorBufs,
}

/// What a [`KeyView`] holds beyond its records.
#[derive(Default)]
struct ViewBufs {
    prefix: Vec<bool>,
    lpos: Vec<u32>,
    garbage_pos: FxHashMap<Id, u32>,
}

/// The detectors' scratch space.
#[derive(Default)]
struct DetectorBufs {
    slot_cnt: Vec<u32>,
    slot_rd: Vec<u32>,
    slots: Vec<u32>,
    fill: Vec<u32>,
    set: FxHashSet<Id>,
    counts: Vec<(Id, u32)>,
    /// Per transaction, the last micro-op of its appends seen so far in a list.
    seen_mop: FxHashMap<u32, u32>,
}

/// Anomalies with their sort keys (transaction, micro-op or key number).
type Found = Vec<(u32, u32, Anomaly)>;

/// One key seen whole: its appends and reads, and what they say about the
/// key's version order. Built once per key; every detector reads it.
struct KeyView<'a> {
    h: &'a History,
    key: Id,
    /// The key's dense number (the sort key of its per-key anomalies).
    kidx: u32,
    /// The key's appends, sorted by value, each with its place in the version order.
    ents: &'a [AppEnt],
    /// The key's observed reads (ok ones, and info ones when they count), in op order.
    reads: &'a [ReadRec],
    /// The ok transactions that read the key and then appended to it.
    lus: &'a [LuRec],
    /// The read the version order comes from (the longest, or the last of
    /// Elle's incompatible-order rule); `None` when no read saw an element.
    longest: Option<usize>,
    /// With no such read: the one append of a possibly committed transaction,
    /// if there is exactly one (it is then the version order).
    single: Option<Id>,
    /// Two reads that are not prefixes of one another, to report (indices in `reads`).
    incompatible: Option<(usize, usize)>,
    /// Per read: whether it is a prefix of [`KeyView::l`].
    prefix: &'a [bool],
    /// Per position of [`KeyView::l`]: the position of its element in `vers`.
    lpos: &'a [u32],
    /// The positions in `vers` of elements that no transaction appended.
    garbage_pos: &'a FxHashMap<Id, u32>,
    /// The version order: [`KeyView::l`] without repeats.
    vers: &'a [Id],
    /// The first position of [`KeyView::l`] holding an element that a failed
    /// transaction or nobody appended (`usize::MAX` if none): a prefix read
    /// shorter than it has no G1a or garbage element.
    first_bad: usize,
    /// [`KeyView::l`] has an element twice.
    l_dups: bool,
}

impl<'a> KeyView<'a> {
    /// Derives the version order of the key from its reads and appends
    /// (`ents` sorted by value; each append's position in the order is set).
    /// The order is the longest read; when the reads are not all prefixes of
    /// one another, Elle's rule picks it (see [`KeyView::incompatible_order`]).
    /// With no read of an element, a single possibly committed append is the
    /// order. The order's versions are appended to `ver`.
    #[allow(clippy::too_many_arguments)]
    fn build(
        h: &'a History,
        key: Id,
        kidx: u32,
        ents: &'a mut [AppEnt],
        reads: &'a [ReadRec],
        lus: &'a [LuRec],
        bufs: &'a mut ViewBufs,
        ver: &'a mut Vec<Id>,
    ) -> KeyView<'a> {
        // The longest observed (non-empty, possible) read; every read should be a prefix of it.
        let mut longest: Option<usize> = None;
        for (i, r) in reads.iter().enumerate() {
            if r.kind.possible() && r.len > 0 && longest.is_none_or(|l| r.len > reads[l].len) {
                longest = Some(i);
            }
        }
        let prefix = &mut bufs.prefix;
        prefix.clear();
        let mut compatible = true;
        if let Some(li) = longest {
            let l = list(h, &reads[li]);
            for r in reads {
                let ok =
                    r.len as usize <= l.len() && (r.start == reads[li].start || list(h, r) == &l[..r.len as usize]);
                prefix.push(ok);
                if r.kind.possible() && !ok {
                    compatible = false;
                }
            }
        } else {
            prefix.resize(reads.len(), false);
        }
        let mut incompatible = None;
        if !compatible {
            // Elle's rule: distinct observed values sorted by length (ties: first
            // occurrence); the first pair that is not a prefix pair is reported; the
            // last is the version order.
            let mut idx: Vec<usize> =
                (0..reads.len()).filter(|&i| reads[i].kind.possible() && reads[i].len > 0).collect();
            idx.sort_by(|&x, &y| list(h, &reads[x]).cmp(list(h, &reads[y])).then(x.cmp(&y)));
            idx.dedup_by(|x, y| list(h, &reads[*x]) == list(h, &reads[*y]));
            idx.sort_by_key(|&i| (reads[i].len, i));
            incompatible = idx
                .windows(2)
                .find(|w| !list(h, &reads[w[1]]).starts_with(list(h, &reads[w[0]])))
                .map(|w| (w[0], w[1]));
            let li = *idx.last().unwrap();
            longest = Some(li);
            let l = list(h, &reads[li]);
            for (i, r) in reads.iter().enumerate() {
                prefix[i] = r.len as usize <= l.len() && list(h, r) == &l[..r.len as usize];
            }
        }
        let mut single = None;
        let single_buf;
        let l: &[Id] = match longest {
            Some(li) => list(h, &reads[li]),
            None => {
                // The single-append rule.
                let mut poss = ents.iter().filter(|e| e.kind.possible());
                if let (Some(e), None) = (poss.next(), poss.next()) {
                    single = Some(e.val);
                }
                single_buf = single;
                single_buf.as_slice()
            }
        };

        // Version order: l without repeats. lpos maps positions in l to positions in it.
        let vbase = ver.len();
        bufs.lpos.clear();
        bufs.garbage_pos.clear();
        let mut first_bad = usize::MAX;
        for (i, &e) in l.iter().enumerate() {
            let n = (ver.len() - vbase) as u32;
            match ents.binary_search_by(|x| x.val.cmp(&e)) {
                Ok(x) => {
                    let ent = &mut ents[x];
                    if ent.kind == Kind::Fail && first_bad == usize::MAX {
                        first_bad = i;
                    }
                    if ent.vpos == NONE {
                        ent.vpos = n;
                        ver.push(e);
                    }
                    bufs.lpos.push(ent.vpos);
                }
                Err(_) => {
                    if first_bad == usize::MAX {
                        first_bad = i;
                    }
                    let p = *bufs.garbage_pos.entry(e).or_insert_with(|| {
                        ver.push(e);
                        n
                    });
                    bufs.lpos.push(p);
                }
            }
        }
        let vers: &'a [Id] = &ver[vbase..];
        let l_dups = vers.len() < l.len();
        KeyView {
            h,
            key,
            kidx,
            ents,
            reads,
            lus,
            longest,
            single,
            incompatible,
            prefix: &bufs.prefix,
            lpos: &bufs.lpos,
            garbage_pos: &bufs.garbage_pos,
            vers,
            first_bad,
            l_dups,
        }
    }

    /// The list the version order comes from (with its repeats, if a read had any).
    fn l(&self) -> &[Id] {
        match self.longest {
            Some(li) => list(self.h, &self.reads[li]),
            None => self.single.as_slice(),
        }
    }

    fn list(&self, r: &ReadRec) -> &'a [Id] {
        list(self.h, r)
    }

    /// `incompatible-order`: two reads of the key, neither a prefix of the
    /// other. Appends only ever extend a list, so every read of a key is a
    /// prefix of the latest version; two reads that disagree cannot both be
    /// versions of one list. Reported as Elle does: of the distinct lists
    /// sorted by length (ties: first occurrence), the first neighbouring pair
    /// that is not a prefix pair.
    fn incompatible_order(&self, out: &mut Found) {
        if let Some((x, y)) = self.incompatible {
            let (rx, ry) = (&self.reads[x], &self.reads[y]);
            let (a, b) = (self.list(rx), self.list(ry));
            let t = rx.txn.min(ry.txn);
            out.push((t, self.kidx, Anomaly::IncompatibleOrder { key: self.key, values: [a.to_vec(), b.to_vec()] }));
        }
    }

    /// The version a read ended at, as a slot: 0 for the initial (empty)
    /// version, `i + 1` for version `i`; `None` when it says nothing (a read
    /// of a failed transaction, an info read of nil, or a read ending at a
    /// version outside the order).
    fn slot_of(&self, i: usize, r: &ReadRec) -> Option<usize> {
        if !r.kind.possible() {
            return None;
        }
        if r.nil {
            return (r.kind == Kind::Ok).then_some(0);
        }
        if r.len == 0 {
            return Some(0);
        }
        if self.prefix[i] {
            return Some(self.lpos[r.len as usize - 1] as usize + 1);
        }
        let e = *self.list(r).last().unwrap();
        match find(self.ents, e) {
            Some(x) if x.vpos != NONE => Some(x.vpos as usize + 1),
            Some(_) => None,
            None => self.garbage_pos.get(&e).map(|&p| p as usize + 1),
        }
    }

    /// ww and rw edges. Each append of a possibly committed transaction
    /// installed the version after the one it extended: the transaction that
    /// appended that one precedes it (ww: it overwrote it), and so does every
    /// transaction that read exactly that one (rw: they did not see the
    /// append). An append never observed extended the last observed version.
    fn ww_rw_edges(&self, d: &mut DetectorBufs, edges: &mut GraphBuilder) {
        if !self.ents.iter().any(|e| e.kind.possible()) {
            return;
        }
        // Readers bucketed by the version their read ended at.
        let nver = self.vers.len();
        let nslots = nver + 1;
        d.slot_cnt.clear();
        d.slot_cnt.resize(nslots + 1, 0);
        d.slots.clear();
        for (i, r) in self.reads.iter().enumerate() {
            let sl = self.slot_of(i, r).map_or(NONE, |x| x as u32);
            d.slots.push(sl);
            if sl != NONE {
                d.slot_cnt[sl as usize + 1] += 1;
            }
        }
        for i in 0..nslots {
            d.slot_cnt[i + 1] += d.slot_cnt[i];
        }
        d.slot_rd.clear();
        d.slot_rd.resize(d.slot_cnt[nslots] as usize, 0);
        d.fill.clear();
        d.fill.extend_from_slice(&d.slot_cnt[..nslots]);
        for (i, &sl) in d.slots.iter().enumerate() {
            if sl != NONE {
                d.slot_rd[d.fill[sl as usize] as usize] = self.reads[i].txn;
                d.fill[sl as usize] += 1;
            }
        }
        for e in self.ents.iter().filter(|e| e.kind.possible()) {
            let slot = if e.vpos != NONE { e.vpos as usize } else { nver };
            if slot > 0 {
                if let Some(w) = find(self.ents, self.vers[slot - 1]) {
                    if w.kind.possible() && w.txn != e.txn {
                        edges.add(w.txn, e.txn, Rels::WW);
                    }
                }
            }
            for &rt in &d.slot_rd[d.slot_cnt[slot] as usize..d.slot_cnt[slot + 1] as usize] {
                if rt != e.txn {
                    edges.add(rt, e.txn, Rels::RW);
                }
            }
        }
    }

    /// `appends-out-of-order`: a read showing two appends of one transaction
    /// in the opposite of their micro-op order. A transaction's appends to a
    /// key take effect in its order, so no version can hold them reversed.
    /// Only keys to which some transaction appended twice can have it; a read
    /// that is a prefix of the order is misordered iff it reaches the order's
    /// first misordering.
    fn appends_out_of_order(&self, d: &mut DetectorBufs, out: &mut Found) {
        if !self.ents.iter().any(|e| e.inter) {
            return;
        }
        let l_mis = first_misordered(self.l(), self.ents, &mut d.seen_mop);
        for (i, r) in self.reads.iter().enumerate() {
            if r.len < 2 {
                continue;
            }
            let vs = self.list(r);
            let mis = if self.prefix[i] {
                l_mis.filter(|(j, _)| *j < r.len as usize).map(|(j, e)| (vs[j], e.txn))
            } else {
                first_misordered(vs, self.ents, &mut d.seen_mop).map(|(j, e)| (vs[j], e.txn))
            };
            if let Some((x, w)) = mis {
                out.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: APPENDS_OUT_OF_ORDER, op: r.txn, mop: r.mop, writer: Some(w), element: x },
                ));
            }
        }
    }

    /// wr edge: the transaction that appended the last element a read saw
    /// precedes the reader (it read that transaction's version). `w` is the
    /// append of the read's last element.
    fn wr_edge(&self, r: &ReadRec, w: Option<&AppEnt>, edges: &mut GraphBuilder) {
        if let Some(w) = w {
            if w.txn != r.txn && w.kind.possible() {
                edges.add(w.txn, r.txn, Rels::WR);
            }
        }
    }

    /// `duplicate-elements`: a read list with an element more than once.
    /// Every appended value is unique per key, so no version of the list can
    /// hold one twice. Reported with each repeated element and its count, in
    /// order of first occurrence. A prefix of a repeat-free order has none.
    fn duplicate_elements(&self, i: usize, r: &ReadRec, d: &mut DetectorBufs, out: &mut Found) {
        if self.prefix[i] && !self.l_dups {
            return;
        }
        let vs = self.list(r);
        d.counts.clear();
        d.set.clear();
        for &x in vs {
            if !d.set.insert(x) {
                match d.counts.iter_mut().find(|c| c.0 == x) {
                    Some(c) => c.1 += 1,
                    None => d.counts.push((x, 2)),
                }
            }
        }
        if !d.counts.is_empty() {
            // In order of first occurrence.
            let mut dups = d.counts.clone();
            dups.sort_by_key(|c| vs.iter().position(|x| *x == c.0));
            out.push((r.txn, r.mop, Anomaly::DuplicateElements { op: r.txn, mop: r.mop, duplicates: dups }));
        }
    }

    /// G1b (intermediate read): an ok read ending with another transaction's
    /// intermediate append, a version that transaction never committed as its
    /// own (see [`intermediate_read`]). `w` is the append of `last`, the read's last element.
    fn intermediate_read(&self, r: &ReadRec, w: Option<&AppEnt>, last: Id, out: &mut Found) {
        if let Some(w) = w {
            if intermediate_read(w.txn, w.inter, r.txn) {
                out.push((
                    r.txn,
                    r.mop,
                    Anomaly::Read { kind: "G1b", op: r.txn, mop: r.mop, writer: Some(w.txn), element: last },
                ));
            }
        }
    }

    /// G1a (aborted read): an ok read holding an element appended by a failed
    /// transaction (see [`aborted_read`]); `garbage-read`: one holding an
    /// element nobody appended (ok, info, failed or never completed), so it
    /// came from nowhere. Each element once per read. A prefix of the order
    /// shorter than its first bad position has neither.
    fn aborted_and_garbage_reads(&self, i: usize, r: &ReadRec, d: &mut DetectorBufs, out: &mut Found) {
        if self.prefix[i] && (r.len as usize) <= self.first_bad {
            return;
        }
        d.set.clear();
        for &x in self.list(r) {
            if !d.set.insert(x) {
                continue;
            }
            let read = |kind, writer| Anomaly::Read { kind, op: r.txn, mop: r.mop, writer, element: x };
            match find(self.ents, x) {
                None => out.push((r.txn, r.mop, read("garbage-read", None))),
                Some(w) if aborted_read(w.kind) => out.push((r.txn, r.mop, read("G1a", Some(w.txn)))),
                _ => {}
            }
        }
    }

    /// `dirty-update`: in the observed version order, a committed append
    /// built on a failed transaction's version (the versions from the failed
    /// one to the committed one are reported). The committed transaction's
    /// state contains what an aborted one wrote. Only keys with failed
    /// appends; an element nobody committed extends the range without moving
    /// the anchor, and info appends neither break nor start one.
    fn dirty_update(&self, out: &mut Found) {
        if !self.ents.iter().any(|e| e.kind == Kind::Fail) {
            return;
        }
        // anchor: (kind, txn); the virtual initial anchor is committed.
        let mut anchor: (Kind, u32) = (Kind::Ok, NONE);
        let mut range: Vec<Id> = Vec::new();
        for &v in self.vers {
            range.push(v);
            let Some(w) = find(self.ents, v) else { continue };
            match (anchor.0, w.kind) {
                (Kind::Fail, Kind::Ok) => {
                    out.push((
                        anchor.1,
                        self.kidx,
                        Anomaly::DirtyUpdate {
                            key: self.key,
                            values: std::mem::take(&mut range),
                            txns: [anchor.1, w.txn],
                        },
                    ));
                    anchor = (Kind::Ok, w.txn);
                    range = vec![v];
                }
                (_, Kind::Ok) => {
                    anchor = (Kind::Ok, w.txn);
                    range = vec![v];
                }
                (Kind::Fail, Kind::Fail) | (_, Kind::Info) => {}
                (_, Kind::Fail) => {
                    anchor = (Kind::Fail, w.txn);
                    range = vec![v];
                }
            }
        }
    }

    /// `lost-update`: ok transactions that read the same version of the key
    /// and then appended to it (see [`lost_updates`]).
    fn lost_update(&self, out: &mut Found) {
        if self.lus.len() < 2 {
            return;
        }
        let h = self.h;
        let mut cands: Vec<(&[Id], Txn)> =
            self.lus.iter().map(|x| (&h.reads[x.start as usize..(x.start + x.len) as usize], x.txn)).collect();
        lost_updates(&mut cands, |v, txns| {
            out.push((
                txns[0],
                self.kidx,
                Anomaly::LostUpdate { key: self.key, value: Observed::List(v.to_vec()), txns },
            ));
        });
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
