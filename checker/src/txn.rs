//! Transaction machinery shared by the list-append ([`crate::list_append`])
//! and rw-register ([`crate::rw_register`]) analyses, as Elle's `elle.txn` is
//! shared by its workloads:
//!
//! - which ops are transactions, of what [`Kind`], and which micro-ops hold
//!   their reads and their writes ([`txn`]);
//! - dense key numbers ([`KeyIndex`]) and per-key grouping of per-micro-op
//!   records ([`group`]);
//! - key chunks of about equal work for the parallel per-key passes
//!   ([`key_chunks`]);
//! - the rules about writes: which writes are intermediate
//!   ([`Intermediate`]), which reads are G1a or G1b ([`aborted_read`],
//!   [`intermediate_read`]), a value written twice ([`first_duplicate`]), and
//!   the grouping of lost updates ([`lost_updates`]).

use crate::graph::Txn;
use history::{History, Id, Mop, OpType, OpValue};
use rustc_hash::{FxHashMap, FxHashSet};

/// What became of a transaction.
///
/// An invocation that never completed is an info transaction: Jepsen closes
/// it as `:info` at the end of the history, and its writes may have taken effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// Committed.
    Ok,
    /// May or may not have committed.
    Info,
    /// Did not commit: its writes never took effect and its reads observed nothing.
    Fail,
}

impl Kind {
    #[inline]
    pub fn of(t: OpType) -> Kind {
        match t {
            OpType::Ok => Kind::Ok,
            OpType::Info | OpType::Invoke => Kind::Info,
            OpType::Fail => Kind::Fail,
        }
    }

    /// The transaction may have committed (ok or info): its writes may be seen.
    #[inline]
    pub fn possible(self) -> bool {
        self != Kind::Fail
    }
}

/// One transaction of a history, as the analyses see it.
#[derive(Clone, Copy, Debug)]
pub struct TxnOp<'h> {
    pub kind: Kind,
    /// The micro-ops holding what it read: its completion's `:value` (empty for
    /// an invocation that never completed, whose reads are unknown).
    pub reads: &'h [Mop],
    /// The micro-ops holding what it wrote: its completion's `:value`, or its
    /// invocation's when the completion has none (a crashed or failed op often
    /// completes without one); an invocation's own for one that never completed.
    pub writes: &'h [Mop],
}

/// The transaction at op position `i`: a client completion, or a client
/// invocation that never completed. `None` for every other op (nemesis ops,
/// invocations that completed: their completion stands for them).
#[inline]
pub fn txn(h: &History, i: usize) -> Option<TxnOp<'_>> {
    let op = &h.ops[i];
    op.process.client()?;
    if op.kind == OpType::Invoke {
        if h.partner_of(i).is_some() {
            return None;
        }
        let own = h.mops(op);
        return Some(TxnOp { kind: Kind::Info, reads: &[], writes: own });
    }
    let reads = h.mops(op);
    let writes = if matches!(op.value, OpValue::Txn { .. }) {
        reads
    } else {
        match h.partner_of(i) {
            Some(inv) => h.mops(&h.ops[inv]),
            None => &[],
        }
    };
    Some(TxnOp { kind: Kind::of(op.kind), reads, writes })
}

/// No key, no position (an unset slot in the tables below and in the analyses).
pub const NONE: u32 = u32::MAX;

/// Dense indices of keys, in order of first appearance; small non-negative
/// integer keys (the common case) are looked up in a table.
#[derive(Default)]
pub struct KeyIndex {
    table: Vec<u32>,
    map: FxHashMap<Id, u32>,
    /// The keys by index.
    pub keys: Vec<Id>,
}

const TABLE_MAX: i64 = 1 << 20;

impl KeyIndex {
    #[inline]
    pub fn get(&self, k: Id) -> Option<u32> {
        match k.inline_int() {
            Some(i) if (0..TABLE_MAX).contains(&i) => self.table.get(i as usize).copied().filter(|&x| x != NONE),
            _ => self.map.get(&k).copied(),
        }
    }

    #[inline]
    pub fn intern(&mut self, k: Id) -> u32 {
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

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * 4 + self.keys.capacity() * 4 + self.map.capacity() * 9
    }
}

/// Groups per-micro-op records by key with a stable counting sort: returns
/// the offsets (`nkeys + 1`; key `k`'s records are `off[k]..off[k + 1]`) and
/// the records, in their original order within a key.
pub fn group<T: Copy>(nkeys: usize, key: &[u32], rec: &[T]) -> (Vec<u32>, Vec<T>) {
    let mut off = vec![0u32; nkeys + 1];
    for &k in key {
        off[k as usize + 1] += 1;
    }
    for i in 0..nkeys {
        off[i + 1] += off[i];
    }
    if rec.is_empty() {
        return (off, Vec::new());
    }
    let mut fill: Vec<u32> = off[..nkeys].to_vec();
    let mut out: Vec<T> = vec![rec[0]; rec.len()];
    for (r, &k) in rec.iter().zip(key) {
        let f = &mut fill[k as usize];
        out[*f as usize] = *r;
        *f += 1;
    }
    (off, out)
}

/// The least work (records) in one chunk of keys. Below it, a chunk's fixed
/// costs (its graph builder and scratch space) outweigh its share of the
/// work. The per-key passes of both analyses use it.
pub const KEY_CHUNK_MIN_WORK: usize = 4096;

/// Splits keys `0..nkeys` into consecutive ranges of about equal work (`work(k)`
/// records for key `k`), for the parallel per-key passes: about eight chunks
/// per thread, so that a slow chunk does not hold up the others, and none
/// smaller than [`KEY_CHUNK_MIN_WORK`]. Returns the bounds: chunk `c` is keys
/// `bounds[c]..bounds[c + 1]`. The result never changes the analyses' output,
/// which is merged in key order.
pub fn key_chunks(nkeys: usize, work: impl Fn(usize) -> usize) -> Vec<usize> {
    let total: usize = (0..nkeys).map(&work).sum();
    let target = (total / (rayon::current_num_threads() * 8)).max(KEY_CHUNK_MIN_WORK);
    let mut bounds = vec![0usize];
    let mut acc = 0usize;
    for k in 0..nkeys {
        acc += work(k);
        if acc >= target {
            bounds.push(k + 1);
            acc = 0;
        }
    }
    if *bounds.last().unwrap() != nkeys {
        bounds.push(nkeys);
    }
    bounds
}

/// Transactions with more micro-ops than this get hash sets instead of scans.
pub const BIG: usize = 16;

/// Which writes of a transaction are **intermediate**: followed, in the same
/// transaction, by another write of the same key. Only a key's final write in
/// a transaction is its effect once the transaction commits; reading an
/// intermediate write of another transaction is G1b ([`intermediate_read`]).
/// Holds its buffers from one transaction to the next.
#[derive(Default)]
pub struct Intermediate {
    seen: FxHashSet<Id>,
    flags: Vec<bool>,
}

impl Intermediate {
    /// Per micro-op of `mops`: whether it is a write (as `is_write` says) that
    /// a later write of the same key follows.
    pub fn mark(&mut self, mops: &[Mop], is_write: impl Fn(&Mop) -> bool) -> &[bool] {
        self.flags.clear();
        self.flags.resize(mops.len(), false);
        if mops.len() > BIG {
            self.seen.clear();
            for (j, m) in mops.iter().enumerate().rev() {
                if is_write(m) {
                    self.flags[j] = !self.seen.insert(m.key);
                }
            }
        } else {
            for (j, m) in mops.iter().enumerate() {
                if is_write(m) {
                    self.flags[j] = mops[j + 1..].iter().any(|x| x.key == m.key && is_write(x));
                }
            }
        }
        &self.flags
    }
}

/// A committed read of a value written by a failed transaction: G1a (aborted
/// read). The failed transaction never took effect, so nothing may see its writes.
#[inline]
pub fn aborted_read(writer: Kind) -> bool {
    writer == Kind::Fail
}

/// A committed read of another transaction's intermediate write: G1b. Only a
/// transaction's final write of a key is ever its committed state (reading
/// one's own intermediate write is fine).
#[inline]
pub fn intermediate_read(writer: Txn, intermediate: bool, reader: Txn) -> bool {
    intermediate && writer != reader
}

/// One value written (appended) twice to one key, which the inference cannot
/// work with: a read of it could come from either write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The transaction of the first write and of the second (the same one for
    /// a transaction that writes the value twice).
    pub first: Txn,
    pub second: Txn,
    pub value: Id,
}

impl Duplicate {
    /// Whether to report this one rather than `other`: its second write comes
    /// first (then its first does). The report names the first place where
    /// the history went wrong.
    #[inline]
    pub fn before(&self, other: &Duplicate) -> bool {
        (self.second, self.first) < (other.second, other.first)
    }

    /// Keeps the duplicate to report (see [`Duplicate::before`]); on a tie,
    /// the one seen first.
    #[inline]
    pub fn keep_first(best: &mut Option<Duplicate>, d: Duplicate) {
        if best.is_none_or(|b| d.before(&b)) {
            *best = Some(d);
        }
    }
}

/// The duplicate to report among one key's writes, sorted by value (equal
/// values in op order). `rec` gives a record's value and transaction; with
/// `same_txn`, one transaction writing a value twice counts too.
pub fn first_duplicate<T>(sorted: &[T], rec: impl Fn(&T) -> (Id, Txn), same_txn: bool) -> Option<Duplicate> {
    let mut best = None;
    for w in sorted.windows(2) {
        let ((v0, t0), (v1, t1)) = (rec(&w[0]), rec(&w[1]));
        if v0 == v1 && (same_txn || t0 != t1) {
            Duplicate::keep_first(&mut best, Duplicate { first: t0, second: t1, value: v0 });
        }
    }
    best
}

/// Lost updates of one key: committed transactions that read the same version
/// of the key (their first micro-op on it) and then wrote it. Each built on
/// that version without seeing the others' writes, so all but one of the
/// updates were lost, which snapshot isolation forbids. `cands` holds
/// (version read, transaction), in any order; `emit` gets each version read by
/// two or more transactions, with them ascending, by ascending version.
pub fn lost_updates<V: Ord>(cands: &mut [(V, Txn)], mut emit: impl FnMut(&V, Vec<Txn>)) {
    if cands.len() < 2 {
        return;
    }
    cands.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    for grp in cands.chunk_by(|x, y| x.0 == y.0) {
        let mut txns: Vec<Txn> = grp.iter().map(|x| x.1).collect();
        txns.dedup();
        if txns.len() >= 2 {
            emit(&grp[0].0, txns);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_key_stably() {
        let (off, recs) = group(3, &[2, 0, 2, 0], &['a', 'b', 'c', 'd']);
        assert_eq!(off, vec![0, 2, 2, 4]);
        assert_eq!(recs, vec!['b', 'd', 'a', 'c']);
    }

    #[test]
    fn chunks_cover_every_key_once() {
        let work = |k: usize| if k.is_multiple_of(7) { 5000 } else { 10 };
        let b = key_chunks(100, work);
        assert_eq!((b[0], *b.last().unwrap()), (0, 100));
        assert!(b.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(key_chunks(0, work), vec![0]);
    }

    #[test]
    fn lost_update_groups() {
        let mut c = vec![(3, 9), (1, 4), (3, 2), (1, 4), (5, 1)];
        let mut got = Vec::new();
        lost_updates(&mut c, |v, t| got.push((*v, t)));
        // Version 1's only reader appears twice: no lost update.
        assert_eq!(got, vec![(3, vec![2, 9])]);
    }

    #[test]
    fn duplicate_whose_second_write_comes_first() {
        let mut atoms = history::Interner::new();
        let mut id = |i| atoms.intern_int(i);
        let recs = [(id(1), 5), (id(1), 9), (id(2), 3), (id(2), 7), (id(4), 2), (id(4), 2)];
        let d = first_duplicate(&recs, |r| *r, false).unwrap();
        assert_eq!((d.first, d.second), (3, 7));
        let d = first_duplicate(&recs, |r| *r, true).unwrap();
        assert_eq!((d.first, d.second, d.value), (2, 2, id(4)));
    }
}
