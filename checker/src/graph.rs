//! The transaction dependency graph: vertices are transactions (the positions
//! of their completion ops in [`history::History::ops`]), edges carry a set of
//! [`Rels`].
//!
//! Analyzers add edges to a [`GraphBuilder`] in any order and with repeats; the
//! built [`Graph`] is a compressed adjacency (CSR) with each vertex's targets
//! sorted and one edge per ordered pair, its relations ORed together.

use crate::rel::Rels;

/// A transaction: the position of its completion op in `History::ops`.
pub type Txn = u32;

/// Collects edges. Self-edges are dropped.
///
/// Besides the transactions `0..n`, a builder may hold **barrier** vertices
/// ([`GraphBuilder::add_barrier`], ids `n..`): virtual vertices that are no
/// transaction. The realtime order of a history with many operations in
/// flight at once uses them to stay linear in size (see
/// [`crate::order::add_realtime_edges`]); a path `a → barrier → … → b` stands
/// for "a completed before b was invoked".
#[derive(Clone, Debug, Default)]
pub struct GraphBuilder {
    n: usize,
    /// Transactions: vertices `0..real`; barriers: `real..n`.
    real: usize,
    from: Vec<u32>,
    to: Vec<u32>,
    rels: Vec<Rels>,
    /// The realtime pairs the barriers stand for, when barriers are used.
    implied_realtime: Option<usize>,
}

impl GraphBuilder {
    /// A builder for a graph over vertices `0..n` (n = the number of ops of the history).
    pub fn new(n: usize) -> GraphBuilder {
        GraphBuilder { n, real: n, ..Default::default() }
    }

    /// Vertices so far, barriers included.
    pub fn vertex_count(&self) -> usize {
        self.n
    }

    /// Adds a barrier vertex (no transaction) and returns its id.
    pub fn add_barrier(&mut self) -> Txn {
        self.n += 1;
        (self.n - 1) as Txn
    }

    /// Records how many realtime pairs ("a completed before b was invoked", in
    /// the transitive reduction, see [`crate::order`]) the barrier edges stand
    /// for: [`Graph::counts_by_rel`] reports this number for realtime.
    pub fn set_implied_realtime(&mut self, pairs: usize) {
        self.implied_realtime = Some(pairs);
    }

    /// Edges added so far, repeats included.
    pub fn len(&self) -> usize {
        self.from.len()
    }

    pub fn is_empty(&self) -> bool {
        self.from.is_empty()
    }

    pub fn reserve(&mut self, edges: usize) {
        self.from.reserve(edges);
        self.to.reserve(edges);
        self.rels.reserve(edges);
    }

    /// Adds `a → b` with relations `r` (nothing when `a == b` or `r` is empty).
    #[inline]
    pub fn add(&mut self, a: Txn, b: Txn, r: Rels) {
        debug_assert!((a as usize) < self.n && (b as usize) < self.n);
        if a != b && !r.is_empty() {
            self.from.push(a);
            self.to.push(b);
            self.rels.push(r);
        }
    }

    /// Adds every edge of another builder (e.g. one filled by a parallel task).
    pub fn append(&mut self, other: &mut GraphBuilder) {
        self.from.append(&mut other.from);
        self.to.append(&mut other.to);
        self.rels.append(&mut other.rels);
    }

    /// Builds the CSR graph in O(V + E): a counting sort by source, then each
    /// vertex's targets sorted and merged.
    pub fn build(self) -> Graph {
        let n = self.n;
        let mut offsets = vec![0u32; n + 1];
        for &a in &self.from {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let m = self.from.len();
        let mut fill = offsets.clone();
        let mut pairs: Vec<(u32, Rels)> = vec![(0, Rels::NONE); m];
        for i in 0..m {
            let a = self.from[i] as usize;
            pairs[fill[a] as usize] = (self.to[i], self.rels[i]);
            fill[a] += 1;
        }
        drop(fill);
        // The builder's 9 bytes per edge are no longer needed: free them
        // before the adjacency is allocated, so the peak is the pairs plus
        // the adjacency, not both plus the builder.
        let (real, implied_realtime) = (self.real, self.implied_realtime);
        drop(self);
        // Sort each adjacency list and merge repeats, compacting in place.
        let mut targets = Vec::with_capacity(m);
        let mut rels = Vec::with_capacity(m);
        let mut new_offsets = vec![0u32; n + 1];
        for v in 0..n {
            let adj = &mut pairs[offsets[v] as usize..offsets[v + 1] as usize];
            adj.sort_unstable_by_key(|p| p.0);
            let start = targets.len();
            for &(t, r) in adj.iter() {
                if targets.len() > start && *targets.last().unwrap() == t {
                    *rels.last_mut().unwrap() |= r;
                } else {
                    targets.push(t);
                    rels.push(r);
                }
            }
            new_offsets[v + 1] = targets.len() as u32;
        }
        targets.shrink_to_fit();
        rels.shrink_to_fit();
        Graph { offsets: new_offsets, targets, rels, real, implied_realtime }
    }
}

/// A built dependency graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    rels: Vec<Rels>,
    /// Vertices `0..real` are transactions (op positions), `real..` barriers.
    real: usize,
    implied_realtime: Option<usize>,
}

impl Graph {
    /// Vertices `0..vertex_count()`, barriers included (most transactions have
    /// no edges: invocations, nemesis ops…).
    pub fn vertex_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Vertices that are transactions (op positions): `0..real_vertex_count()`.
    pub fn real_vertex_count(&self) -> usize {
        self.real
    }

    /// Whether `v` is a barrier (a virtual vertex of the realtime order).
    #[inline]
    pub fn is_barrier(&self, v: Txn) -> bool {
        v as usize >= self.real
    }

    /// Whether the realtime order is stored through barriers (then realtime
    /// pairs are paths through barriers, not edges between transactions).
    pub fn has_barriers(&self) -> bool {
        self.vertex_count() > self.real
    }

    /// Stored edges: distinct ordered pairs of vertices with an edge, edges to
    /// and from barriers included. This is what the graph holds in memory
    /// (see [`Graph::counts_by_rel`] for the pairs of transactions).
    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// The targets of `v`'s out-edges, sorted, with their relations.
    #[inline]
    pub fn out(&self, v: Txn) -> (&[u32], &[Rels]) {
        let (s, e) = (self.offsets[v as usize] as usize, self.offsets[v as usize + 1] as usize);
        (&self.targets[s..e], &self.rels[s..e])
    }

    /// Out-edges of `v` as `(target, rels)` pairs.
    pub fn edges_from(&self, v: Txn) -> impl Iterator<Item = (Txn, Rels)> + '_ {
        let (t, r) = self.out(v);
        t.iter().copied().zip(r.iter().copied())
    }

    pub fn out_degree(&self, v: Txn) -> usize {
        (self.offsets[v as usize + 1] - self.offsets[v as usize]) as usize
    }

    /// The relations on `a → b` (empty when there is no edge).
    pub fn rels(&self, a: Txn, b: Txn) -> Rels {
        let (t, r) = self.out(a);
        match t.binary_search(&b) {
            Ok(i) => r[i],
            Err(_) => Rels::NONE,
        }
    }

    /// How many pairs of transactions each single relation orders, in
    /// [`Rels::SINGLES`] order. For realtime this is the number of pairs of the
    /// transitive reduction (see [`crate::order`]) whether those pairs are stored
    /// as edges or stand behind barriers, so the count does not depend on the
    /// representation.
    pub fn counts_by_rel(&self) -> [usize; 8] {
        let mut c = [0usize; 8];
        for r in &self.rels {
            for (i, s) in Rels::SINGLES.iter().enumerate() {
                if r.contains(*s) {
                    c[i] += 1;
                }
            }
        }
        if let Some(rt) = self.implied_realtime {
            c[7] = rt;
        }
        c
    }

    /// Transactions with at least one edge in or out (barriers count as a
    /// neighbour, not as a vertex), ascending.
    pub fn active_vertices(&self) -> Vec<Txn> {
        let n = self.vertex_count();
        let mut seen = vec![false; n];
        for (v, s) in seen.iter_mut().enumerate() {
            *s = self.out_degree(v as Txn) > 0;
        }
        for &t in &self.targets {
            seen[t as usize] = true;
        }
        (0..self.real as u32).filter(|&v| seen[v as usize]).collect()
    }

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.targets.capacity() * 4 + self.rels.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_sorted_merged_adjacency() {
        let mut b = GraphBuilder::new(5);
        b.add(3, 1, Rels::WW);
        b.add(0, 4, Rels::RW);
        b.add(0, 2, Rels::WR);
        b.add(0, 4, Rels::REALTIME);
        b.add(2, 2, Rels::WW); // self-edge: dropped
        b.add(1, 3, Rels::NONE); // no relation: dropped
        let g = b.build();
        assert_eq!(g.vertex_count(), 5);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.out(0).0, &[2, 4]);
        assert_eq!(g.rels(0, 4), Rels::RW | Rels::REALTIME);
        assert_eq!(g.rels(4, 0), Rels::NONE);
        assert_eq!(g.edges_from(3).collect::<Vec<_>>(), vec![(1, Rels::WW)]);
        assert_eq!(g.active_vertices(), vec![0, 1, 2, 3, 4]);
        let c = g.counts_by_rel();
        assert_eq!((c[0], c[1], c[2], c[7]), (1, 1, 1, 1));
    }

    #[test]
    fn barriers_are_vertices_but_not_transactions() {
        let mut b = GraphBuilder::new(4);
        let x = b.add_barrier();
        assert_eq!((x, b.vertex_count()), (4, 5));
        b.add(0, x, Rels::REALTIME);
        b.add(1, x, Rels::REALTIME);
        b.add(x, 2, Rels::REALTIME);
        b.add(x, 3, Rels::REALTIME);
        b.add(3, 0, Rels::WW);
        b.set_implied_realtime(4);
        let g = b.build();
        assert!(g.has_barriers() && g.is_barrier(4) && !g.is_barrier(3));
        assert_eq!((g.vertex_count(), g.real_vertex_count()), (5, 4));
        // Stored: 5 edges; the realtime count is the 4 pairs they stand for.
        assert_eq!(g.edge_count(), 5);
        assert_eq!(g.counts_by_rel()[7], 4);
        assert_eq!(g.counts_by_rel()[0], 1);
        assert_eq!(g.active_vertices(), vec![0, 1, 2, 3]);
    }
}
