//! rw-register inference: version graphs per key from several sources, ww/wr/rw
//! edges, and the anomalies that need no cycle (Elle's `elle.rw-register`,
//! with the differences listed below).
//!
//! A transaction's *external read* of a key is its first micro-op on the key when
//! that is a read; its *external write* is its last write of the key. Only
//! external values order transactions.
//!
//! - **wr**: an ok transaction's external read of `v` follows the ok transaction
//!   whose external write is `v` (values are unique per key, so there is at most one).
//! - **Version graphs.** Each key's versions are `nil` (the initial state,
//!   [`Version::Init`]) and the values externally written (ok and info
//!   transactions) or externally read (ok). Sources propose edges `v1 → v2`, in
//!   this order: `initial-state` (nil before every value; always on),
//!   `transaction-order-keys` (a known commit order), `wfr-keys` (a transaction's
//!   external read precedes its external write), `sequential-keys` (process
//!   order) and `linearizable-keys` (real-time order). A source is merged only if
//!   every key's version graph stays acyclic; otherwise each cycle is reported as
//!   `cyclic-versions` (with the sources merged so far plus this one) and the
//!   source is left out, for every key, as Elle does.
//! - **ww / rw**: for each direct edge `v1 → v2` of a key's version graph, the
//!   committed writer of `v1` (ww) and every ok reader of `v1` (rw) precede the
//!   committed writer of `v2` (committed: ok, or info and read by an ok transaction).
//! - **Detectors**: G1a (a read of a value a failed transaction wrote), G1b (a
//!   read of another transaction's intermediate write), internal, lost-update,
//!   and `garbage-read` (an ok read of a value no op wrote; Elle ignores it).
//!
//! Where histcheck differs from Elle, deliberately:
//! - `garbage-read` is reported (elle#8).
//! - A value written to one key by two transactions is an input error that names
//!   both, whether or not anyone read it (Elle throws only when it is read).
//! - A write of `nil` is an input error (it would be indistinguishable from the
//!   initial state), and so is a read that returns a list.
//! - Process and real-time order → versions: `b` follows `a` for key `k` when both
//!   interact with `k` and no third transaction that interacts with `k` lies
//!   between them in that order. Elle walks its reduced real-time graph and also
//!   links some pairs with such a transaction between them; those version edges
//!   are implied by the others, so the transitive version order is the same.
//! - `internal`: a read after a read of nil must be nil too (Elle's code lets it pass).
//! - `transaction-order-keys` needs every ok transaction in the order; info
//!   transactions in it are used, the others are ignored.
//! - An info transaction whose final write of some key an ok transaction read
//!   has committed: it gets its wr, ww and rw edges like an ok one (Elle gives
//!   info transactions no edges at all). Its own reads still do not count.
//! - An invocation that never completed is an info transaction (Jepsen closes
//!   it so at the end of the history); Elle leaves it out.
//! - A read with no value, `[:r k]`, is a read of nil (Elle skips it).

use crate::anomaly::{Anomaly, CheckError, Expected, Explainer, Observed, Step, Version};
use crate::cycles::scc::{cyclic_sccs, has_cycle, SccScratch};
use crate::graph::{GraphBuilder, Txn};
use crate::rel::Rels;
use crate::txn::{
    aborted_read, first_duplicate, group, intermediate_read, key_chunks, lost_updates, txn, Duplicate, Intermediate,
    KeyIndex, Kind, BIG,
};
use history::{History, Id, Mop, MopKind, MopVal, OpType};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// Which sources of version order to use, besides the initial state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RwOptions {
    /// Writes follow reads inside a transaction (`--wfr-keys`).
    pub wfr_keys: bool,
    /// Each key is sequentially consistent: process order orders its versions.
    pub sequential_keys: bool,
    /// Each key is linearizable: real-time order orders its versions.
    pub linearizable_keys: bool,
    /// A known commit order: the `:index`es of the transactions' completions,
    /// first committed first. Every ok transaction must be in it.
    pub txn_order: Option<Vec<u64>>,
}

/// The version-order sources, in the order they are merged.
pub const SOURCES: [&str; 5] =
    ["initial-state", "transaction-order-keys", "wfr-keys", "sequential-keys", "linearizable-keys"];

/// The names of the sources in a mask, in merge order.
pub fn source_names(mask: u8) -> Vec<&'static str> {
    SOURCES.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| *s).collect()
}

/// A register value: `None` is nil (the initial state).
pub type Val = Option<Id>;

fn version(v: Val) -> Version {
    match v {
        None => Version::Init,
        Some(x) => Version::Value(x),
    }
}

/// The result of analysing an rw-register history.
pub struct Analysis<'h> {
    /// ww, wr and rw edges over ok transactions.
    pub edges: GraphBuilder,
    /// Non-cycle anomalies (G1a, G1b, garbage-read, internal, lost-update,
    /// cyclic-versions), in a deterministic order.
    pub anomalies: Vec<Anomaly>,
    pub explainer: RwExplainer<'h>,
    /// The sources merged into the version graphs (names, in merge order).
    pub sources: Vec<&'static str>,
}

/// One write micro-op of a transaction.
#[derive(Clone, Copy, Debug)]
struct WRec {
    val: Id,
    txn: u32,
    mop: u32,
    kind: Kind,
    /// The transaction's last write of the key (else an intermediate write).
    fin: bool,
}

/// One transaction's external values of one key (ok and info transactions).
#[derive(Clone, Copy, Debug)]
struct ERec {
    txn: u32,
    kind: Kind,
    /// The external read (ok only): its value, if the first micro-op on the key is a read.
    er: Option<Val>,
    /// The external write.
    ew: Option<Id>,
}

/// A non-nil read micro-op of an ok transaction.
#[derive(Clone, Copy, Debug)]
struct RRec {
    val: Id,
    txn: u32,
    mop: u32,
}

/// An ok transaction that externally read `val` and then wrote the key.
#[derive(Clone, Copy, Debug)]
struct LRec {
    val: Val,
    txn: u32,
}

/// The micro-ops of a transaction, and its kind; `None` for ops that are not
/// transactions (see [`txn`]). An ok transaction's are its completion's (one
/// without a value has none); a failed or info one's are those holding its
/// writes, as its reads do not count.
fn txn_of(h: &History, i: usize) -> Option<(Kind, &[Mop])> {
    let t = txn(h, i)?;
    Some((t.kind, if t.kind == Kind::Ok { t.reads } else { t.writes }))
}

/// One key of one transaction, while scanning it.
#[derive(Clone, Copy)]
struct TKey {
    key: Id,
    er: Option<(Val, u32)>,
    ew: Option<(Id, u32)>,
    /// Internal consistency: the value the next read must return.
    expect: Option<Val>,
}

/// Per-key records, keyed by the dense key number.
#[derive(Default)]
struct Records {
    wk: Vec<u32>,
    w: Vec<WRec>,
    ek: Vec<u32>,
    e: Vec<ERec>,
    rk: Vec<u32>,
    r: Vec<RRec>,
    lk: Vec<u32>,
    l: Vec<LRec>,
}

fn mop_error(h: &History, i: usize, m: &Mop, why: &str) -> CheckError {
    CheckError {
        message: format!("the op at {} has the micro-op {}: {why}", h.ops[i].pos, h.mop_to_value(m)),
        ops: vec![i as u32],
    }
}

/// Scans every transaction: records per key, plus internal-consistency violations.
fn scan(
    h: &History,
    keys: &mut KeyIndex,
    rec: &mut Records,
    anoms: &mut Vec<(u32, u32, Anomaly)>,
) -> Result<(), CheckError> {
    let mut tk: Vec<TKey> = Vec::new();
    let mut big: FxHashMap<Id, usize> = FxHashMap::default();
    let mut inter = Intermediate::default();
    for i in 0..h.ops.len() {
        let Some((kind, mops)) = txn_of(h, i) else { continue };
        if mops.is_empty() {
            continue;
        }
        let t = i as u32;
        tk.clear();
        let is_big = mops.len() > BIG;
        if is_big {
            big.clear();
        }
        let mut internal_done = false;
        let intermediate = inter.mark(mops, |m| m.kind == MopKind::Write);
        for (j, m) in mops.iter().enumerate() {
            let val: Val = match (m.kind, m.val) {
                (MopKind::Append, _) => {
                    return Err(mop_error(
                        h,
                        i,
                        m,
                        "an rw-register history may only have :w and :r micro-ops (this looks like list-append: try --model list-append)",
                    ))
                }
                (MopKind::Read, MopVal::List { .. }) => {
                    return Err(mop_error(
                        h,
                        i,
                        m,
                        "an rw-register read returns one value, not a list (this looks like list-append: try --model list-append)",
                    ))
                }
                (MopKind::Write, MopVal::Nil | MopVal::Absent) => {
                    return Err(mop_error(
                        h,
                        i,
                        m,
                        "a write needs a value other than nil (nil is the initial state of every register)",
                    ))
                }
                // `[:r k]` (no value) is a read of nil, as `[:r k nil]`.
                (MopKind::Read, MopVal::Nil | MopVal::Absent) => None,
                (_, MopVal::Atom(v)) => Some(v),
                (_, MopVal::List { .. }) => unreachable!(),
            };
            // Reads of invocations are unknown; reads of info and fail ops do not count.
            let is_read = m.kind == MopKind::Read;
            if is_read && kind != Kind::Ok {
                continue;
            }
            let pos = if is_big { big.get(&m.key).copied() } else { tk.iter().position(|x| x.key == m.key) };
            let p = match pos {
                Some(p) => p,
                None => {
                    tk.push(TKey { key: m.key, er: None, ew: None, expect: None });
                    if is_big {
                        big.insert(m.key, tk.len() - 1);
                    }
                    tk.len() - 1
                }
            };
            let e = &mut tk[p];
            if is_read {
                if pos.is_none() {
                    e.er = Some((val, j as u32));
                }
                if let Some(v) = val {
                    rec.rk.push(keys.intern(m.key));
                    rec.r.push(RRec { val: v, txn: t, mop: j as u32 });
                }
                match e.expect {
                    Some(x) if x != val && !internal_done => {
                        internal_done = true;
                        anoms.push((
                            t,
                            j as u32,
                            Anomaly::Internal { op: t, mop: j as u32, expected: Expected::Register(x) },
                        ));
                    }
                    _ => e.expect = Some(val),
                }
            } else {
                let v = val.expect("writes have values");
                e.ew = Some((v, j as u32));
                e.expect = Some(val);
                rec.wk.push(keys.intern(m.key));
                rec.w.push(WRec { val: v, txn: t, mop: j as u32, kind, fin: !intermediate[j] });
            }
        }
        if kind.possible() {
            for e in &tk {
                if e.er.is_none() && e.ew.is_none() {
                    continue;
                }
                let k = keys.intern(e.key);
                rec.ek.push(k);
                rec.e.push(ERec { txn: t, kind, er: e.er.map(|x| x.0), ew: e.ew.map(|x| x.0) });
                if kind == Kind::Ok {
                    if let (Some((rv, rm)), Some((_, wm))) = (e.er, e.ew) {
                        if wm > rm {
                            rec.lk.push(k);
                            rec.l.push(LRec { val: rv, txn: t });
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn slice<'a, T>(off: &[u32], v: &'a [T], k: usize) -> &'a [T] {
    &v[off[k] as usize..off[k + 1] as usize]
}

/// No version (in [`KeyOut::ev`]).
const NO_V: u32 = u32::MAX;

/// What one key's analysis produces before the sources are merged.
#[derive(Default)]
struct KeyOut {
    /// The key's versions besides nil, sorted (version i + 1 is `vals[i]`; 0 is nil).
    vals: Vec<Id>,
    /// The edges each source proposes, as version numbers, by source.
    src: [Vec<(u32, u32)>; 5],
    /// Per external record of the key: the version numbers of its external read
    /// and write ([`NO_V`] if none).
    ev: Vec<(u32, u32)>,
    /// A value two transactions wrote (an input error).
    dup: Option<Duplicate>,
}

impl KeyOut {
    fn vidx(&self, v: Val) -> Option<u32> {
        match v {
            None => Some(0),
            Some(x) => self.vals.binary_search(&x).ok().map(|i| i as u32 + 1),
        }
    }
    fn val(&self, i: u32) -> Val {
        if i == 0 {
            None
        } else {
            Some(self.vals[i as usize - 1])
        }
    }
}

struct Ctx<'a> {
    h: &'a History,
    /// Commit order numbers by op position (`u32::MAX`: not in the order).
    order: Option<&'a [u32]>,
    opts: &'a RwOptions,
}

/// One key: duplicate writes, versions, and every source's proposed edges.
fn analyze_key(c: &Ctx<'_>, writes: &mut [WRec], exts: &[ERec]) -> KeyOut {
    let mut out = KeyOut::default();
    writes.sort_by_key(|w| (w.val, w.txn, w.mop));
    // One transaction writing a value twice is no ambiguity: its final write counts.
    out.dup = first_duplicate(writes, |w| (w.val, w.txn), false);
    if out.dup.is_some() {
        return out;
    }
    let mut vals: Vec<Id> = Vec::with_capacity(exts.len());
    for e in exts {
        if let Some(w) = e.ew {
            vals.push(w);
        }
        if let Some(Some(r)) = e.er {
            vals.push(r);
        }
    }
    vals.sort_unstable();
    vals.dedup();
    out.vals = vals;
    let vi = |v: Val| out.vidx(v).expect("every external value is a version");
    out.ev = exts.iter().map(|e| (e.er.map_or(NO_V, vi), e.ew.map_or(NO_V, |w| vi(Some(w))))).collect();
    let ev = &out.ev;
    // The first and last version each record saw or made.
    let first = |x: usize| if ev[x].0 != NO_V { ev[x].0 } else { ev[x].1 };
    let last = |x: usize| if ev[x].1 != NO_V { ev[x].1 } else { ev[x].0 };
    let mut src: [Vec<(u32, u32)>; 5] = Default::default();
    // initial-state: nil precedes every other version.
    src[0] = (1..=out.vals.len() as u32).map(|i| (0, i)).collect();
    // transaction-order-keys: external writes in commit order.
    if let Some(order) = c.order {
        let mut ws: Vec<(u32, u32)> = exts
            .iter()
            .enumerate()
            .filter_map(|(x, e)| {
                let o = order[e.txn as usize];
                (o != u32::MAX && ev[x].1 != NO_V).then_some((o, ev[x].1))
            })
            .collect();
        ws.sort_unstable();
        src[1] = ws.windows(2).filter(|p| p[0].1 != p[1].1).map(|p| (p[0].1, p[1].1)).collect();
    }
    // wfr-keys: an ok transaction's external read precedes its external write.
    if c.opts.wfr_keys {
        for (x, e) in exts.iter().enumerate() {
            let (r, w) = ev[x];
            if e.kind == Kind::Ok && r != NO_V && r != 0 && w != NO_V && r != w {
                src[2].push((r, w));
            }
        }
    }
    // sequential-keys: the next ok transaction of the same process to touch the key.
    if c.opts.sequential_keys {
        let mut by_proc: Vec<(i64, u32, usize)> = exts
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == Kind::Ok)
            .filter_map(|(x, e)| Some((c.h.ops[e.txn as usize].process.client()?, e.txn, x)))
            .collect();
        by_proc.sort_unstable();
        for p in by_proc.windows(2) {
            if p[0].0 == p[1].0 {
                let (a, b) = (last(p[0].2), first(p[1].2));
                if a != b {
                    src[3].push((a, b));
                }
            }
        }
    }
    // linearizable-keys: the ok transaction a precedes b in real time when a
    // completed before b was invoked; b follows a directly unless some ok c that
    // touches the key was invoked after a completed and completed before b was invoked.
    if c.opts.linearizable_keys {
        let mut targets: Vec<(u32, u32, usize)> = exts
            .iter()
            .enumerate()
            .filter_map(|(x, e)| Some((c.h.partner_of(e.txn as usize)? as u32, e.txn, x)))
            .collect();
        targets.sort_unstable();
        // Suffix minimum of ok targets' completions.
        let mut sufmin = vec![u32::MAX; targets.len() + 1];
        for i in (0..targets.len()).rev() {
            let (_, comp, x) = targets[i];
            sufmin[i] = if exts[x].kind == Kind::Ok { sufmin[i + 1].min(comp) } else { sufmin[i + 1] };
        }
        for (xa, a) in exts.iter().enumerate().filter(|(_, e)| e.kind == Kind::Ok) {
            let ca = a.txn;
            let start = targets.partition_point(|t| t.0 < ca);
            let m = sufmin[start];
            let va = last(xa);
            for t in &targets[start..] {
                if t.0 >= m {
                    break;
                }
                let vb = first(t.2);
                if va != vb {
                    src[4].push((va, vb));
                }
            }
        }
    }
    for s in src.iter_mut() {
        s.sort_unstable();
        s.dedup();
    }
    out.src = src;
    out
}

/// The records grouped by key.
struct Grouped<'a> {
    e_off: &'a [u32],
    e: &'a [ERec],
    r_off: &'a [u32],
    r: &'a [RRec],
    l_off: &'a [u32],
    l: &'a [LRec],
    /// Info transactions known to have committed (see [`committed_info`]).
    committed: &'a FxHashSet<u32>,
}

/// The info transactions (and invocations that never completed) that an ok
/// transaction read a final write of: they committed, so they are vertices
/// with all their edges, like ok ones.
fn committed_info(rec: &Records) -> FxHashSet<u32> {
    let mut out = FxHashSet::default();
    let info: FxHashMap<(u32, Id), u32> = rec
        .w
        .iter()
        .zip(&rec.wk)
        .filter(|(w, _)| w.kind == Kind::Info && w.fin)
        .map(|(w, &k)| ((k, w.val), w.txn))
        .collect();
    if !info.is_empty() {
        for (r, &k) in rec.r.iter().zip(&rec.rk) {
            if let Some(&t) = info.get(&(k, r.val)) {
                out.insert(t);
            }
        }
    }
    out
}

/// What one chunk of keys produces.
struct ChunkOut {
    keys: Vec<KeyOut>,
    /// Some key's union of all sources is cyclic (its edges were not made).
    cyclic: bool,
    edges: GraphBuilder,
    anoms: Vec<(u32, u32, Anomaly)>,
    /// Accepted version edges of the chunk's keys, and how many per key.
    vedges: Vec<(Val, Val, u8)>,
    vlen: Vec<u32>,
}

impl ChunkOut {
    fn new(n: usize) -> ChunkOut {
        ChunkOut {
            keys: Vec::new(),
            cyclic: false,
            edges: GraphBuilder::new(n),
            anoms: Vec::new(),
            vedges: Vec::new(),
            vlen: Vec::new(),
        }
    }
}

/// Buffers reused from one key to the next.
#[derive(Default)]
struct Scratch {
    scc: SccScratch,
    acc: Vec<(u32, u32, u8)>,
    writer: Vec<u32>,
    cnt: Vec<u32>,
    fill: Vec<u32>,
    readers: Vec<u32>,
    lu: Vec<(Val, Txn)>,
}

/// One key's edges and anomalies, from the sources in `mask`. `writes` are the
/// key's write records, sorted by value.
#[allow(clippy::too_many_arguments)]
fn finish_key(
    g: &Grouped<'_>,
    key: Id,
    k: usize,
    o: &KeyOut,
    mask: u8,
    writes: &[WRec],
    out: &mut ChunkOut,
    sc: &mut Scratch,
) {
    // Accepted direct edges, each with the sources that proposed it.
    sc.acc.clear();
    for (s, src) in o.src.iter().enumerate() {
        if mask & (1 << s) != 0 {
            sc.acc.extend(src.iter().map(|&(a, b)| (a, b, 1u8 << s)));
        }
    }
    sc.acc.sort_unstable();
    let mut m = 0usize;
    for i in 0..sc.acc.len() {
        if m > 0 && sc.acc[m - 1].0 == sc.acc[i].0 && sc.acc[m - 1].1 == sc.acc[i].1 {
            sc.acc[m - 1].2 |= sc.acc[i].2;
        } else {
            sc.acc[m] = sc.acc[i];
            m += 1;
        }
    }
    sc.acc.truncate(m);
    let exts = slice(g.e_off, g.e, k);
    let nv = o.vals.len() + 1;
    // Each version's committed writer (ok, or info that somebody read), and
    // its ok readers (bucketed).
    sc.writer.clear();
    sc.writer.resize(nv, u32::MAX);
    sc.cnt.clear();
    sc.cnt.resize(nv + 1, 0);
    for (x, e) in exts.iter().enumerate() {
        let (r, w) = o.ev[x];
        if w != NO_V && (e.kind == Kind::Ok || g.committed.contains(&e.txn)) {
            sc.writer[w as usize] = e.txn;
        }
        if r != NO_V && e.kind == Kind::Ok {
            sc.cnt[r as usize + 1] += 1;
        }
    }
    for i in 0..nv {
        sc.cnt[i + 1] += sc.cnt[i];
    }
    sc.fill.clear();
    sc.fill.extend_from_slice(&sc.cnt[..nv]);
    sc.readers.clear();
    sc.readers.resize(sc.cnt[nv] as usize, 0);
    for (x, e) in exts.iter().enumerate().filter(|(_, e)| e.kind == Kind::Ok) {
        let r = o.ev[x].0;
        if r != NO_V {
            sc.readers[sc.fill[r as usize] as usize] = e.txn;
            sc.fill[r as usize] += 1;
        }
    }
    let (writer, cnt, readers) = (&sc.writer, &sc.cnt, &sc.readers);
    let rd = |v: usize| &readers[cnt[v] as usize..cnt[v + 1] as usize];
    let ge = &mut out.edges;
    // wr
    for (v, &w) in writer.iter().enumerate().skip(1) {
        if w != u32::MAX {
            for &r in rd(v) {
                ge.add(w, r, Rels::WR);
            }
        }
    }
    // ww and rw from direct version edges.
    for &(a, b, _) in &sc.acc {
        let w2 = writer[b as usize];
        if w2 == u32::MAX {
            continue;
        }
        if writer[a as usize] != u32::MAX {
            ge.add(writer[a as usize], w2, Rels::WW);
        }
        for &r in rd(a as usize) {
            ge.add(r, w2, Rels::RW);
        }
    }
    // G1a, G1b, garbage-read: writes are sorted by value.
    for rr in slice(g.r_off, g.r, k) {
        let i = writes.partition_point(|x| x.val < rr.val);
        // Of the (one transaction's) writes of this value, prefer the final one.
        let mut found: Option<&WRec> = None;
        for x in writes[i..].iter().take_while(|x| x.val == rr.val) {
            if found.is_none_or(|f| !f.fin) {
                found = Some(x);
            }
        }
        let read = |kind, writer| Anomaly::Read { kind, op: rr.txn, mop: rr.mop, writer, element: rr.val };
        match found {
            None => out.anoms.push((rr.txn, rr.mop, read("garbage-read", None))),
            Some(x) => {
                if aborted_read(x.kind) {
                    out.anoms.push((rr.txn, rr.mop, read("G1a", Some(x.txn))));
                }
                if intermediate_read(x.txn, !x.fin, rr.txn) {
                    out.anoms.push((rr.txn, rr.mop, read("G1b", Some(x.txn))));
                }
            }
        }
    }
    // lost-update
    sc.lu.clear();
    sc.lu.extend(slice(g.l_off, g.l, k).iter().map(|x| (x.val, x.txn)));
    lost_updates(&mut sc.lu, |&v, txns| {
        out.anoms.push((txns[0], u32::MAX, Anomaly::LostUpdate { key, value: Observed::Register(v), txns }));
    });
    out.vedges.extend(sc.acc.iter().map(|&(a, b, m)| (o.val(a), o.val(b), m)));
    out.vlen.push(sc.acc.len() as u32);
}

/// Analyses an rw-register history.
pub fn analyze<'h>(h: &'h History, opts: &RwOptions) -> Result<Analysis<'h>, CheckError> {
    let mut keys = KeyIndex::default();
    let mut rec = Records::default();
    let mut anoms: Vec<(u32, u32, Anomaly)> = Vec::new();
    scan(h, &mut keys, &mut rec, &mut anoms)?;
    let nkeys = keys.keys.len();
    let committed = committed_info(&rec);

    // The commit order, by op position.
    let order: Option<Vec<u32>> = match &opts.txn_order {
        None => None,
        Some(list) => Some(commit_order(h, list)?),
    };

    let (w_off, mut w) = group(nkeys, &rec.wk, &rec.w);
    let (e_off, e) = group(nkeys, &rec.ek, &rec.e);
    let (r_off, r) = group(nkeys, &rec.rk, &rec.r);
    let (l_off, l) = group(nkeys, &rec.lk, &rec.l);
    drop(rec);

    let ctx = Ctx { h, order: order.as_deref(), opts };
    let recs = Grouped { e_off: &e_off, e: &e, r_off: &r_off, r: &r, l_off: &l_off, l: &l, committed: &committed };
    let enabled = [true, order.is_some(), opts.wfr_keys, opts.sequential_keys, opts.linearizable_keys];
    let all_mask: u8 = (0..5).filter(|&s| enabled[s]).fold(0, |m, s| m | (1 << s));
    let n = h.ops.len();

    // Chunks of keys of about equal work, each analysed on its own. Optimistically,
    // every source is accepted: a key whose union of all sources is acyclic gets its
    // edges at once. If some key's union is cyclic, the sources are merged one at a
    // time below and the edges made again.
    let bounds = key_chunks(nkeys, |k| (e_off[k + 1] - e_off[k] + w_off[k + 1] - w_off[k]) as usize);
    let mut wchunks: Vec<&mut [WRec]> = Vec::with_capacity(bounds.len());
    {
        let mut rest: &mut [WRec] = &mut w;
        for c in bounds.windows(2) {
            let (x, y) = rest.split_at_mut((w_off[c[1]] - w_off[c[0]]) as usize);
            wchunks.push(x);
            rest = y;
        }
    }
    let mut chunks: Vec<ChunkOut> = wchunks
        .into_par_iter()
        .zip(bounds.par_windows(2))
        .map(|(ws, c)| {
            let mut out = ChunkOut::new(n);
            let mut sc = Scratch::default();
            let base = w_off[c[0]] as usize;
            for k in c[0]..c[1] {
                let wk = &mut ws[w_off[k] as usize - base..w_off[k + 1] as usize - base];
                let o = analyze_key(&ctx, wk, slice(&e_off, &e, k));
                if o.dup.is_none() && !out.cyclic {
                    let mut es: Vec<(u32, u32)> = Vec::new();
                    for src in &o.src {
                        es.extend_from_slice(src);
                    }
                    if has_cycle(o.vals.len() + 1, &es, &mut sc.scc) {
                        out.cyclic = true;
                    } else {
                        finish_key(&recs, keys.keys[k], k, &o, all_mask, wk, &mut out, &mut sc);
                    }
                }
                out.keys.push(o);
            }
            out
        })
        .collect();

    // Duplicate writes: the pair whose second write comes first.
    let mut dup: Option<(Duplicate, usize)> = None;
    for (k, o) in chunks.iter().flat_map(|c| c.keys.iter()).enumerate() {
        if let Some(d) = o.dup {
            if dup.is_none_or(|(b, _)| d.before(&b)) {
                dup = Some((d, k));
            }
        }
    }
    if let Some((Duplicate { first: a, second: b, value: v }, k)) = dup {
        let (ks, vs) = (h.atoms.resolve(keys.keys[k]).to_string(), h.atoms.resolve(v).to_string());
        return Err(CheckError {
            message: format!(
                "value {vs} is written to key {ks} by two ops, the op at {} and the op at {}; rw-register inference needs every written value to be unique per key (a read of {vs} could have come from either write, so it says nothing about the order of versions)",
                h.ops[a as usize].pos, h.ops[b as usize].pos
            ),
            ops: vec![a, b],
        });
    }

    let mut accepted = all_mask;
    let mut cyclic: Vec<Anomaly> = Vec::new();
    if chunks.iter().any(|c| c.cyclic) {
        // Merge the sources one at a time: a source that makes any key's version
        // graph cyclic is reported and left out.
        accepted = 0;
        let outs: Vec<&KeyOut> = chunks.iter().flat_map(|c| c.keys.iter()).collect();
        for (s, &on) in enabled.iter().enumerate() {
            if !on {
                continue;
            }
            let bit = 1u8 << s;
            let found: Vec<(usize, Vec<Vec<u32>>)> = outs
                .par_iter()
                .enumerate()
                .filter(|(_, o)| !o.src[s].is_empty())
                .map_init(SccScratch::default, |sc, (k, o)| {
                    let mut es: Vec<(u32, u32)> = Vec::new();
                    for (t, src) in o.src.iter().enumerate() {
                        if accepted & (1 << t) != 0 || t == s {
                            es.extend_from_slice(src);
                        }
                    }
                    let sccs = cyclic_sccs(o.vals.len() + 1, &es, sc);
                    (!sccs.is_empty()).then_some((k, sccs))
                })
                .flatten()
                .collect();
            if found.is_empty() {
                accepted |= bit;
            } else {
                let sources = source_names(accepted | bit);
                for (k, sccs) in found {
                    for scc in sccs {
                        cyclic.push(Anomaly::CyclicVersions {
                            key: keys.keys[k],
                            scc: scc.iter().map(|&v| version(outs[k].val(v))).collect(),
                            sources: sources.clone(),
                        });
                    }
                }
            }
        }
        // The edges again, from the accepted sources.
        chunks.par_iter_mut().zip(bounds.par_windows(2)).for_each(|(out, c)| {
            out.edges = GraphBuilder::new(n);
            out.anoms.clear();
            out.vedges.clear();
            out.vlen.clear();
            let mut sc = Scratch::default();
            let keys_here = std::mem::take(&mut out.keys);
            for (o, k) in keys_here.iter().zip(c[0]..c[1]) {
                let wk = &w[w_off[k] as usize..w_off[k + 1] as usize];
                finish_key(&recs, keys.keys[k], k, o, accepted, wk, out, &mut sc);
            }
            out.keys = keys_here;
        });
    }

    let mut edges = GraphBuilder::new(n);
    edges.reserve(chunks.iter().map(|p| p.edges.len()).sum());
    let mut vedges = Vec::new();
    let mut voff = Vec::with_capacity(nkeys + 1);
    voff.push(0u32);
    for mut p in chunks {
        edges.append(&mut p.edges);
        anoms.append(&mut p.anoms);
        vedges.extend_from_slice(&p.vedges);
        for l in p.vlen {
            voff.push(voff.last().unwrap() + l);
        }
    }
    anoms.sort_by(|x, y| x.2.name().cmp(y.2.name()).then((x.0, x.1).cmp(&(y.0, y.1))));
    let mut anomalies: Vec<Anomaly> = anoms.into_iter().map(|x| x.2).collect();
    anomalies.extend(cyclic);
    let explainer = RwExplainer { h, keys, vedges, voff, committed };
    Ok(Analysis { edges, anomalies, explainer, sources: source_names(accepted) })
}

/// Commit order numbers by op position, from the completions' `:index`es in
/// commit order. Every ok client transaction must be listed.
fn commit_order(h: &History, list: &[u64]) -> Result<Vec<u32>, CheckError> {
    let mut by_index: FxHashMap<u64, u32> = FxHashMap::default();
    for (i, op) in h.ops.iter().enumerate() {
        if op.kind.is_completion() && op.process.client().is_some() {
            by_index.insert(op.index, i as u32);
        }
    }
    let mut order = vec![u32::MAX; h.ops.len()];
    for (n, &ix) in list.iter().enumerate() {
        let Some(&p) = by_index.get(&ix) else {
            return Err(CheckError {
                message: format!(
                    "the transaction order lists :index {ix} (entry {}), which is not the completion of a client op",
                    n + 1
                ),
                ops: vec![],
            });
        };
        if order[p as usize] != u32::MAX {
            return Err(CheckError {
                message: format!(
                    "the transaction order lists :index {ix} twice (entries {} and {})",
                    order[p as usize] + 1,
                    n + 1
                ),
                ops: vec![p],
            });
        }
        order[p as usize] = n as u32;
    }
    let missing: Vec<u32> = h
        .ops
        .iter()
        .enumerate()
        .filter(|(i, op)| {
            op.kind == OpType::Ok && op.process.client().is_some() && order[*i] == u32::MAX && !h.mops(op).is_empty()
        })
        .map(|(i, _)| i as u32)
        .collect();
    if let Some(&first) = missing.first() {
        return Err(CheckError {
            message: format!(
                "the transaction order must list every ok transaction, and {} of them are missing, the first being :index {}",
                missing.len(),
                h.ops[first as usize].index
            ),
            ops: vec![first],
        });
    }
    Ok(order)
}

/// A key, its external read (value, micro-op) and its external write (value, micro-op).
type External = (Id, Option<(Val, u32)>, Option<(Id, u32)>);

/// A transaction's external values per key: (key, external read and its
/// micro-op, external write and its micro-op). Reads count for ok ops only.
fn externals(h: &History, t: Txn) -> Vec<External> {
    let Some((kind, mops)) = txn_of(h, t as usize) else { return Vec::new() };
    let ok = kind == Kind::Ok;
    let mut out: Vec<External> = Vec::new();
    for (j, m) in mops.iter().enumerate() {
        let p = out.iter().position(|x| x.0 == m.key);
        match (m.kind, m.val) {
            (MopKind::Read, MopVal::Nil | MopVal::Absent | MopVal::Atom(_)) if ok && p.is_none() => {
                let v = if let MopVal::Atom(v) = m.val { Some(v) } else { None };
                out.push((m.key, Some((v, j as u32)), None));
            }
            (MopKind::Write, MopVal::Atom(v)) => match p {
                Some(p) => out[p].2 = Some((v, j as u32)),
                None => out.push((m.key, None, Some((v, j as u32)))),
            },
            _ => {}
        }
    }
    out
}

/// Explains ww, wr and rw edges of an rw-register history.
pub struct RwExplainer<'h> {
    h: &'h History,
    keys: KeyIndex,
    /// Each key's direct version edges (`voff`), sorted, with their sources.
    vedges: Vec<(Val, Val, u8)>,
    voff: Vec<u32>,
    committed: FxHashSet<u32>,
}

impl RwExplainer<'_> {
    /// The direct edges of `key`'s version graph, with the sources that gave each (a mask, see [`source_names`]).
    pub fn version_edges(&self, key: Id) -> &[(Val, Val, u8)] {
        match self.keys.get(key) {
            Some(k) => &self.vedges[self.voff[k as usize] as usize..self.voff[k as usize + 1] as usize],
            None => &[],
        }
    }

    fn edge(&self, key: Id, a: Val, b: Val) -> Option<u8> {
        let es = self.version_edges(key);
        es.binary_search_by(|x| (x.0, x.1).cmp(&(a, b))).ok().map(|i| es[i].2)
    }

    /// Whether `t` is a committed transaction: ok, or info and read by an ok one.
    fn ok(&self, t: Txn) -> bool {
        self.h.ops.get(t as usize).is_some_and(|o| o.kind == OpType::Ok && o.process.client().is_some())
            || self.committed.contains(&t)
    }
}

impl Explainer for RwExplainer<'_> {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        if a == b || !self.ok(a) || !self.ok(b) {
            return None;
        }
        let (ea, eb) = (externals(self.h, a), externals(self.h, b));
        let mk = |key, v1: Version, v2: Option<Version>, am, bm, mask: u8| {
            let mut s = Step::bare(rel, a, b);
            s.key = Some(key);
            s.value = Some(v1);
            s.value2 = v2;
            s.a_mop = Some(am);
            s.b_mop = Some(bm);
            s.sources = source_names(mask);
            s
        };
        match rel {
            Rels::WR => eb.iter().find_map(|&(k, er, _)| {
                let (Some(rv), rm) = er? else { return None };
                let (wv, wm) = ea.iter().find(|x| x.0 == k)?.2?;
                (wv == rv).then(|| mk(k, Version::Value(rv), None, wm, rm, 0))
            }),
            Rels::WW => ea.iter().find_map(|&(k, _, ew)| {
                let (v1, am) = ew?;
                let (v2, bm) = eb.iter().find(|x| x.0 == k)?.2?;
                let m = self.edge(k, Some(v1), Some(v2))?;
                Some(mk(k, Version::Value(v1), Some(Version::Value(v2)), am, bm, m))
            }),
            Rels::RW => ea.iter().find_map(|&(k, er, _)| {
                let (v1, am) = er?;
                let (v2, bm) = eb.iter().find(|x| x.0 == k)?.2?;
                let m = self.edge(k, v1, Some(v2))?;
                Some(mk(k, version(v1), Some(Version::Value(v2)), am, bm, m))
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use history::HistoryBuilder;

    /// A history from notation: `;`-separated transactions such as `rx1wx2`
    /// (`_` is nil), each optionally prefixed by `fail ` / `info ` / `pN `; each
    /// becomes an invoke/completion pair, run one after another (so real time
    /// and process order are the listing order).
    fn hist(spec: &str) -> History {
        let mut b = HistoryBuilder::new();
        let mut line = 0;
        for part in spec.split(';').map(str::trim) {
            let mut kind = "ok";
            let mut p = 0;
            let mut txn = part;
            for tok in part.split_whitespace() {
                match tok {
                    "fail" | "info" => kind = if tok == "fail" { "fail" } else { "info" },
                    t if t.starts_with('p') && t[1..].parse::<i64>().is_ok() => p = t[1..].parse().unwrap(),
                    t => txn = t,
                }
            }
            let mut mops = Vec::new();
            let cs: Vec<char> = txn.chars().collect();
            for c in cs.chunks(3) {
                let v = if c[2] == '_' { "nil".to_string() } else { c[2].to_string() };
                mops.push((c[0], c[1], v));
            }
            let render = |inv: bool| {
                let ms: Vec<String> = mops
                    .iter()
                    .map(|(f, k, v)| format!("[:{f} :{k} {}]", if inv && *f == 'r' { "nil" } else { v }))
                    .collect();
                format!("[{}]", ms.join(" "))
            };
            for (t, v) in [("invoke", render(true)), (kind, render(false))] {
                line += 1;
                let text = format!("{{:type :{t}, :process {p}, :value {v}}}");
                b.push(&parsers::edn::parse_value(&text).unwrap(), history::SrcPos { line, col: 1 }).unwrap();
            }
        }
        b.finish().unwrap()
    }

    fn kw(h: &History, k: &str) -> Id {
        h.atoms.lookup(&history::Atom::Keyword(k.into())).unwrap()
    }

    /// Key x's version edges as (from, to) integers (0 = nil), without the initial-state ones.
    fn xedges(spec: &str, opts: RwOptions) -> Vec<(i64, i64)> {
        let h = hist(spec);
        let a = analyze(&h, &opts).unwrap();
        let int = |v: Val| v.map_or(0, |id| h.atoms.to_value(id).as_int().unwrap());
        let Some(x) = h.atoms.lookup(&history::Atom::Keyword("x".into())) else { return vec![] };
        a.explainer.version_edges(x).iter().filter(|e| e.2 != 1).map(|e| (int(e.0), int(e.1))).collect()
    }

    fn seq() -> RwOptions {
        RwOptions { sequential_keys: true, ..Default::default() }
    }

    fn lin() -> RwOptions {
        RwOptions { linearizable_keys: true, ..Default::default() }
    }

    #[test]
    fn transaction_order_to_version_graphs() {
        // Elle's rw-register version-graph tests, with process order (and real time) as the txn graph.
        for o in [seq(), lin()] {
            assert_eq!(xedges("rx1; wx2", o.clone()), vec![(1, 2)]);
            assert_eq!(xedges("wx1wx2; wx3wx4rx5", o.clone()), vec![(2, 4)]);
            assert_eq!(xedges("wx1wx2; rx3rx4wx5", o.clone()), vec![(2, 3)]);
            assert_eq!(xedges("rx1rx2; wx3wx4rx5", o.clone()), vec![(1, 4)]);
            assert_eq!(xedges("rx1rx2; rx3rx4wx5", o.clone()), vec![(1, 3)]);
            assert_eq!(xedges("wx1; rx1", o.clone()), vec![]);
            // Failed and crashed ops are seen through; an info write counts in real time.
            assert_eq!(xedges("wx1; info rx_; fail wx2; wx3", o.clone()), vec![(1, 3)]);
            assert_eq!(xedges("wx1; wy1; fail wy2; ry3; rx3", o.clone()), vec![(1, 3)]);
        }
        assert_eq!(xedges("wx1; fail wx2; info rx3wx4", lin()), vec![(1, 4)]);
        // Process order skips info ops.
        assert_eq!(xedges("wx1; fail wx2; info rx3wx4", seq()), vec![]);
        // Other processes do not count for sequential keys.
        assert_eq!(xedges("p0 wx1; p1 wx2; p0 rx3", seq()), vec![(1, 3)]);
    }

    #[test]
    fn fork_join_in_real_time() {
        // rx1 → [wx2, wx3] (concurrent) → rx4.
        let text = "{:type :invoke, :process 0, :value [[:r :x nil]]}
            {:type :ok, :process 0, :value [[:r :x 1]]}
            {:type :invoke, :process 1, :value [[:w :x 2]]}
            {:type :invoke, :process 2, :value [[:w :x 3]]}
            {:type :ok, :process 1, :value [[:w :x 2]]}
            {:type :ok, :process 2, :value [[:w :x 3]]}
            {:type :invoke, :process 0, :value [[:r :x nil]]}
            {:type :ok, :process 0, :value [[:r :x 4]]}";
        let mut b = HistoryBuilder::new();
        for (n, l) in text.lines().enumerate() {
            b.push(&parsers::edn::parse_value(l.trim()).unwrap(), history::SrcPos { line: n as u32 + 1, col: 1 })
                .unwrap();
        }
        let h = b.finish().unwrap();
        let a = analyze(&h, &lin()).unwrap();
        let x = kw(&h, "x");
        let int = |v: Val| v.map_or(0, |id| h.atoms.to_value(id).as_int().unwrap());
        let es: Vec<(i64, i64)> =
            a.explainer.version_edges(x).iter().filter(|e| e.2 & 16 != 0).map(|e| (int(e.0), int(e.1))).collect();
        assert_eq!(es, vec![(1, 2), (1, 3), (2, 4), (3, 4)]);
    }

    fn anomalies(spec: &str) -> Vec<Anomaly> {
        let h = hist(spec);
        analyze(&h, &RwOptions::default()).unwrap().anomalies
    }

    fn names(a: &[Anomaly]) -> Vec<&'static str> {
        a.iter().map(Anomaly::name).collect()
    }

    #[test]
    fn detectors() {
        // Elle's rw-register detector tests (garbage reads aside: values are written first here).
        assert!(anomalies("wy2; ry2wx2rx2wx1rx1").is_empty());
        let i = anomalies("wx1; rx1wx2rx1");
        assert_eq!(names(&i), vec!["internal"]);
        match &i[0] {
            Anomaly::Internal { mop: 2, expected: Expected::Register(Some(_)), .. } => {}
            other => panic!("{other:?}"),
        }
        match &anomalies("wx2; rx_rx2")[..] {
            [Anomaly::Internal { mop: 1, expected: Expected::Register(None), .. }] => {}
            other => panic!("{other:?}"),
        }
        assert!(anomalies("wx1; rx1").is_empty());
        assert_eq!(names(&anomalies("rx2; fail wx2")), vec!["G1a"]);
        // No G1b: 2 is the final write (the nil-then-2 reads are an internal violation).
        assert_eq!(names(&anomalies("wx1wx2; rx_rx2")), vec!["internal"]);
        match &anomalies("rx2; wx2wx1")[..] {
            [Anomaly::Read { kind: "G1b", op: 1, writer: Some(3), .. }] => {}
            other => panic!("{other:?}"),
        }
        // Reading one's own intermediate write is fine (and internal is about the last one).
        assert!(anomalies("wx1rx1wx2").is_empty());
        match &anomalies("wx1; rx3")[..] {
            [Anomaly::Read { kind: "garbage-read", writer: None, .. }] => {}
            other => panic!("{other:?}"),
        }
        // A value written by an invocation that never completed is not garbage.
        let mut b = HistoryBuilder::new();
        for (n, l) in [
            "{:type :invoke, :process 0, :value [[:w :x 5]]}",
            "{:type :invoke, :process 1, :value [[:r :x nil]]}",
            "{:type :ok, :process 1, :value [[:r :x 5]]}",
        ]
        .iter()
        .enumerate()
        {
            b.push(&parsers::edn::parse_value(l).unwrap(), history::SrcPos { line: n as u32 + 1, col: 1 }).unwrap();
        }
        let h = b.finish().unwrap();
        assert!(analyze(&h, &RwOptions::default()).unwrap().anomalies.is_empty());
        assert_eq!(names(&anomalies("p0 rx_wx1; p1 rx_wx2")), vec!["lost-update"]);
    }

    #[test]
    fn edges_from_version_graphs() {
        // Elle's "version graphs → transaction edges" test, with x: 1 → 2 → 3 from real time.
        let h = hist("wx1; wx2; rx2rx3; wx3");
        let a = analyze(&h, &lin()).unwrap();
        let g = a.edges.build();
        // ww 1 → 2; wr 2 → the reader; the reader's external read is 2, so rw to the writer of 3.
        assert_eq!(g.rels(1, 3), Rels::WW);
        assert!(g.rels(3, 5).contains(Rels::WR));
        assert!(g.rels(5, 7).contains(Rels::RW));
        assert_eq!(g.rels(5, 1), Rels::NONE);
        let s = a.explainer.explain(5, 7, Rels::RW).unwrap();
        assert_eq!(s.sources, vec!["linearizable-keys"]);
        assert_eq!((s.a_mop, s.b_mop), (Some(0), Some(0)));
    }

    #[test]
    fn input_errors() {
        let e = analyze(&hist("wx1; wx1"), &RwOptions::default()).err().unwrap();
        assert_eq!(e.ops, vec![1, 3]);
        assert!(e.message.contains("unique"), "{}", e.message);
        // One transaction writing a value twice is not two ops.
        assert!(analyze(&hist("wx1wx2wx1"), &RwOptions::default()).is_ok());
        let order = RwOptions { txn_order: Some(vec![1]), ..Default::default() };
        let e = analyze(&hist("wx1; wx2"), &order).err().unwrap();
        assert!(e.message.contains("every ok transaction"), "{}", e.message);
    }
}
