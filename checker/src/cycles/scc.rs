//! The one strongly-connected-components routine of the checker (an
//! iterative Tarjan), and what is built on it: the nontrivial components of a
//! small graph given as an edge list, and the acyclicity test. The cycle
//! search ([`crate::cycles`]) runs it over the dependency graph and its
//! projections; the rw-register analysis over each key's version graph.

/// Not yet visited.
pub(crate) const UNSEEN: u32 = u32::MAX;

/// A graph Tarjan can walk: vertex `v`'s out-neighbours are
/// `neighbor(v, 0..degree(v))`, `None` for a filtered-out edge.
pub(crate) trait Adj {
    fn vertices(&self) -> usize;
    fn degree(&self, v: u32) -> u32;
    fn neighbor(&self, v: u32, i: u32) -> Option<u32>;
}

/// Tarjan's buffers, reusable from one graph to the next (the rw-register
/// analysis runs it once per key).
#[derive(Default)]
pub(crate) struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    call: Vec<(u32, u32)>,
}

impl Tarjan {
    /// Iterative (recursion-free) Tarjan. Calls `emit` with each component
    /// (vertices in pop order) of at least `min_size` vertices. Components come
    /// in reverse topological order: sinks first.
    pub(crate) fn run<G: Adj>(&mut self, g: &G, min_size: usize, mut emit: impl FnMut(&[u32])) {
        let n = g.vertices();
        let Tarjan { index, low, on_stack, stack, call } = self;
        index.clear();
        index.resize(n, UNSEEN);
        low.clear();
        low.resize(n, 0);
        on_stack.clear();
        on_stack.resize(n, false);
        stack.clear();
        call.clear();
        let mut next = 0u32;
        for root in 0..n as u32 {
            if index[root as usize] != UNSEEN {
                continue;
            }
            if g.degree(root) == 0 {
                index[root as usize] = next;
                next += 1;
                if min_size <= 1 {
                    emit(&[root]);
                }
                continue;
            }
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            call.push((root, 0));
            while let Some(&mut (v, ref mut i)) = call.last_mut() {
                if *i < g.degree(v) {
                    let e = *i;
                    *i += 1;
                    if let Some(w) = g.neighbor(v, e) {
                        let wu = w as usize;
                        if index[wu] == UNSEEN {
                            index[wu] = next;
                            low[wu] = next;
                            next += 1;
                            stack.push(w);
                            on_stack[wu] = true;
                            call.push((w, 0));
                        } else if on_stack[wu] && index[wu] < low[v as usize] {
                            low[v as usize] = index[wu];
                        }
                    }
                } else {
                    call.pop();
                    let vu = v as usize;
                    if low[vu] == index[vu] {
                        let pos = stack.iter().rposition(|&x| x == v).expect("v is on the stack");
                        for &x in &stack[pos..] {
                            on_stack[x as usize] = false;
                        }
                        if stack.len() - pos >= min_size {
                            emit(&stack[pos..]);
                        }
                        stack.truncate(pos);
                    }
                    if let Some(&(p, _)) = call.last() {
                        if low[vu] < low[p as usize] {
                            low[p as usize] = low[vu];
                        }
                    }
                }
            }
        }
    }
}

/// [`Tarjan::run`] with fresh buffers.
pub(crate) fn tarjan<G: Adj>(g: &G, min_size: usize, emit: impl FnMut(&[u32])) {
    Tarjan::default().run(g, min_size, emit)
}

/// A small graph over vertices `0..n` in compressed form, built from an edge
/// list; its buffers are reused from one graph to the next.
#[derive(Default)]
pub(crate) struct Csr {
    off: Vec<u32>,
    adj: Vec<u32>,
    fill: Vec<u32>,
}

impl Csr {
    /// Rebuilds the graph: `n` vertices and these edges (each vertex's targets
    /// in edge-list order).
    pub(crate) fn set(&mut self, n: usize, edges: &[(u32, u32)]) {
        self.off.clear();
        self.off.resize(n + 1, 0);
        for &(a, _) in edges {
            self.off[a as usize + 1] += 1;
        }
        for i in 0..n {
            self.off[i + 1] += self.off[i];
        }
        self.fill.clear();
        self.fill.extend_from_slice(&self.off[..n]);
        self.adj.clear();
        self.adj.resize(edges.len(), 0);
        for &(a, b) in edges {
            self.adj[self.fill[a as usize] as usize] = b;
            self.fill[a as usize] += 1;
        }
    }
}

impl Adj for Csr {
    fn vertices(&self) -> usize {
        self.off.len().saturating_sub(1)
    }
    #[inline]
    fn degree(&self, v: u32) -> u32 {
        self.off[v as usize + 1] - self.off[v as usize]
    }
    #[inline]
    fn neighbor(&self, v: u32, i: u32) -> Option<u32> {
        Some(self.adj[(self.off[v as usize] + i) as usize])
    }
}

/// Buffers for [`cyclic_sccs`] and [`has_cycle`], reusable from one graph to the next.
#[derive(Default)]
pub(crate) struct SccScratch {
    csr: Csr,
    tarjan: Tarjan,
}

/// The strongly connected components with more than one vertex of the graph
/// over `n` vertices with these edges: each sorted, in order of their smallest vertex.
pub(crate) fn cyclic_sccs(n: usize, edges: &[(u32, u32)], sc: &mut SccScratch) -> Vec<Vec<u32>> {
    sc.csr.set(n, edges);
    let mut out = Vec::new();
    sc.tarjan.run(&sc.csr, 2, |c| {
        let mut c = c.to_vec();
        c.sort_unstable();
        out.push(c);
    });
    out.sort();
    out
}

/// Whether the graph over `n` vertices with these edges has a cycle (a
/// self-edge is one).
pub(crate) fn has_cycle(n: usize, edges: &[(u32, u32)], sc: &mut SccScratch) -> bool {
    if edges.is_empty() {
        return false;
    }
    if edges.iter().any(|&(a, b)| a == b) {
        return true;
    }
    sc.csr.set(n, edges);
    let mut cyclic = false;
    sc.tarjan.run(&sc.csr, 2, |_| cyclic = true);
    cyclic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sccs_and_cycles_of_edge_lists() {
        let mut sc = SccScratch::default();
        // 0 → 1 → 2 → 0, 3 → 4 → 3, 5 alone, 2 → 3.
        let es = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 3), (2, 3)];
        assert_eq!(cyclic_sccs(6, &es, &mut sc), vec![vec![0, 1, 2], vec![3, 4]]);
        assert!(has_cycle(6, &es, &mut sc));
        // The scratch is reused: a DAG next.
        let dag = [(0, 1), (1, 2), (0, 2), (3, 2)];
        assert!(cyclic_sccs(4, &dag, &mut sc).is_empty());
        assert!(!has_cycle(4, &dag, &mut sc));
        assert!(!has_cycle(3, &[], &mut sc));
        assert!(has_cycle(3, &[(0, 1), (2, 2)], &mut sc));
    }
}
