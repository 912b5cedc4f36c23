//! Cycle search: strongly connected components, a "cycle exists" pass per model,
//! and a targeted, budgeted search for the shortest cycle of each type
//! (Elle's `elle.txn/cycles` and `cycle-explainer`, with the changes listed
//! under "Deviations from Elle" below).
//!
//! # Pipeline
//!
//! 1. **SCCs** of the whole graph with an iterative (recursion-free) Tarjan
//!    over the CSR; components of one vertex are dropped (there are no
//!    self-edges). Components are independent and are searched in parallel
//!    with rayon; the output is concatenated in the order of each component's
//!    smallest transaction, so it does not depend on the thread count.
//! 2. **Pass 1, cycle exists**: for each of the 13 model specs, in
//!    Elle's order, unless the model is already ruled out in this component,
//!    the component is projected onto the spec's relations and its nontrivial
//!    SCCs are computed. A cycle rules the model and every stronger model out
//!    and gives a `<MODEL>-cycle-exists` anomaly naming the smallest cyclic
//!    component of the projection. The **sequential extension**
//!    `ext(A, B) = A ∪ A;B` is never materialised: it is the SCC computation on
//!    a doubled graph with a "main" copy `v` and a "middle" copy `v'` of each
//!    vertex, edges `x → y` and `x → y'` for each A-edge and `y' → z` for each
//!    B-edge. Its SCCs restricted to main vertices are exactly the SCCs of
//!    `ext(A, B)` (a component of one main vertex with middle vertices is a
//!    composed self-loop), so it costs O(V + E) and reports components without
//!    the "linchpin" vertices that composed edges skip.
//! 3. **Pruning**: the cycle types prohibited by a model whose
//!    projection is acyclic cannot occur and are not searched.
//! 4. **Pass 2, targeted search** for the 24 cycle types in Elle's
//!    order. Each search is an exact breadth-first search over the product of
//!    the component (restricted to a cyclic component of the type's
//!    projection) with a small automaton tracking the type's constraint: how
//!    many rw edges, whether the last step was rw, whether an adjacent rw pair
//!    was seen, whether a wr / process / realtime / predicate edge was taken.
//!    Start vertices are tried in ascending order; the first step is the
//!    type's distinctive relation (rw for the rw types, else the process or
//!    realtime edge, else wr), which every satisfying cycle has in some
//!    rotation. The first accepting return to the start is the shortest
//!    satisfying closed walk through that start with that first step. Each
//!    step records the single relation it took; cycles are classified from
//!    those, so steps and type always agree (Elle classifies from the
//!    explainer's choice of relation, which can disagree with the search). A find
//!    marks every anomaly it implies as redundant (lattice implication DAG).
//!    For the single-rw types, a vertex is only expanded if it is not after
//!    the start in the topological order of the free (non-rw) graph's
//!    components: every later step is free, so it could not lead back. This
//!    skips rw edges that run "forward" along ww/wr chains.
//!
//! # Barriers
//!
//! When a history has too many operations in flight at once for its realtime
//! order to be stored pair by pair, the graph holds it through **barrier**
//! vertices ([`crate::order::add_realtime_edges`]), which are no transactions.
//! They take part in the SCC computations like any vertex (a path through
//! barriers is a true realtime precedence, and the transitive closure is that
//! of the explicit pairs, so the components and the cycle-exists results are
//! the same), but are left out of every reported component and size; the
//! targeted search starts only at transactions, and a found walk is collapsed
//! (`a → barriers → b` is one realtime step from `a` to `b`, explained as
//! "a completed before b was invoked") before it is checked and classified.
//! Shortest then counts barrier hops too, so with barriers the reported cycle
//! can differ from the explicit form's (it is still a true cycle of its type).
//!
//! # Budget
//!
//! Work is counted in edge examinations of the BFS (one unit per out-edge
//! scanned from a dequeued state), never in wall-clock time. Each (component,
//! type) search gets `opts.budget` units. When a search runs out, the component
//! reports `cycle-search-timeout` (the type, the types already searched without
//! success, the component size, the budget) and, as Elle does, one fallback
//! cycle found by a greedy walk from the component's smallest vertex,
//! classified and reported under its type; the component is not searched
//! further. Everything is deterministic: adjacency lists are sorted and start
//! vertices ascend.
//!
//! # Deviations from Elle
//!
//! - Budgets instead of a wall-clock timeout, so the same history always
//!   gives the same result, on any machine.
//! - Classification from the relations the search took, not from the
//!   explainer's priority (so a cycle's type always matches its steps).
//! - The search is exact per start vertex and complete within the budget for
//!   simple cycles, except in one rare case: when the shortest satisfying
//!   closed walk through a start repeats a vertex and none of its simple
//!   sub-cycles satisfies the type, that start is abandoned (the cycle-exists
//!   pass still proves the model violated).
//! - The `-item` types never take predicate edges (wwp, wrp, rwp), and the
//!   predicate types (`G-single`, `G-nonadjacent`, `G2` and variants) require
//!   one, so a search finds only cycles of its own type. `G2-item` requires
//!   an adjacent rw pair (else the cycle would classify as G-nonadjacent-item).
//!   A "predicate" cycle is one with any wwp, wrp or rwp step.

use crate::anomaly::{Anomaly, Cycle, Explainer, Step};
use crate::graph::{Graph, Txn};
use crate::lattice;
use crate::rel::Rels;
use history::History;
use rayon::prelude::*;
use scc::{tarjan, Adj, UNSEEN};
use std::collections::BTreeSet;

/// How much work the search may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchOptions {
    /// Work units (path extensions) allowed per component and cycle type.
    pub budget: u64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { budget: 1_000_000 }
    }
}

/// What the search did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Components of two or more transactions.
    pub sccs: usize,
    pub largest_scc: usize,
    /// Work units spent in all.
    pub work: u64,
}

// ---------------------------------------------------------------------------
// Strongly connected components.

impl Adj for Graph {
    fn vertices(&self) -> usize {
        self.vertex_count()
    }
    #[inline]
    fn degree(&self, v: u32) -> u32 {
        self.out_degree(v) as u32
    }
    #[inline]
    fn neighbor(&self, v: u32, i: u32) -> Option<u32> {
        Some(self.out(v).0[i as usize])
    }
}

/// The SCCs of the whole graph with two or more vertices, each sorted, in
/// ascending order of their smallest vertex.
fn whole_sccs(g: &Graph) -> Vec<Vec<Txn>> {
    let mut out: Vec<Vec<Txn>> = Vec::new();
    tarjan(g, 2, |c| {
        let mut c = c.to_vec();
        c.sort_unstable();
        out.push(c);
    });
    out.sort_unstable_by_key(|c| c[0]);
    out
}

/// One component as a local CSR: local ids follow ascending transaction order,
/// so the barriers (ids above every transaction) come last: local ids
/// `0..real` are transactions.
struct Local {
    txns: Vec<Txn>,
    real: usize,
    off: Vec<u32>,
    tgt: Vec<u32>,
    rel: Vec<Rels>,
}

impl Local {
    fn new(g: &Graph, txns: Vec<Txn>, local_of: &dyn Fn(Txn) -> Option<u32>) -> Local {
        let real = txns.iter().filter(|&&t| !g.is_barrier(t)).count();
        let mut off = Vec::with_capacity(txns.len() + 1);
        let mut tgt = Vec::new();
        let mut rel = Vec::new();
        off.push(0);
        for &v in &txns {
            for (w, r) in g.edges_from(v) {
                if let Some(l) = local_of(w) {
                    tgt.push(l);
                    rel.push(r);
                }
            }
            off.push(tgt.len() as u32);
        }
        Local { txns, real, off, tgt, rel }
    }

    fn len(&self) -> usize {
        self.txns.len()
    }

    /// A walk without its barriers: a path `a → barriers → b` is one realtime
    /// step from `a` (edges into and between barriers are realtime only).
    fn collapse(&self, walk: Vec<(u32, Rels)>) -> Vec<(u32, Rels)> {
        if self.real == self.len() {
            return walk;
        }
        walk.into_iter().filter(|&(v, _)| (v as usize) < self.real).collect()
    }

    #[inline]
    fn out(&self, v: u32) -> (&[u32], &[Rels]) {
        let (s, e) = (self.off[v as usize] as usize, self.off[v as usize + 1] as usize);
        (&self.tgt[s..e], &self.rel[s..e])
    }

    fn any_rel(&self, mask: Rels) -> bool {
        self.rel.iter().any(|r| r.intersects(mask))
    }
}

/// A component projected onto the edges carrying one of `mask`'s relations.
struct Proj<'a> {
    g: &'a Local,
    mask: Rels,
}

impl Adj for Proj<'_> {
    fn vertices(&self) -> usize {
        self.g.len()
    }
    #[inline]
    fn degree(&self, v: u32) -> u32 {
        self.g.off[v as usize + 1] - self.g.off[v as usize]
    }
    #[inline]
    fn neighbor(&self, v: u32, i: u32) -> Option<u32> {
        let e = (self.g.off[v as usize] + i) as usize;
        self.g.rel[e].intersects(self.mask).then_some(self.g.tgt[e])
    }
}

/// The sequential extension `ext(A, B)` as a doubled graph: main vertices
/// `0..n`, middle vertices `n..2n`. A main vertex's virtual out-list has two
/// entries per edge (to the main and to the middle copy of the target); a
/// middle vertex's out-list is its B-edges to main vertices.
struct Ext<'a> {
    g: &'a Local,
    a: Rels,
    b: Rels,
}

impl Adj for Ext<'_> {
    fn vertices(&self) -> usize {
        2 * self.g.len()
    }
    #[inline]
    fn degree(&self, v: u32) -> u32 {
        let n = self.g.len() as u32;
        let u = if v < n { v } else { v - n };
        let d = self.g.off[u as usize + 1] - self.g.off[u as usize];
        if v < n {
            2 * d
        } else {
            d
        }
    }
    #[inline]
    fn neighbor(&self, v: u32, i: u32) -> Option<u32> {
        let n = self.g.len() as u32;
        if v < n {
            let e = (self.g.off[v as usize] + i / 2) as usize;
            if !self.g.rel[e].intersects(self.a) {
                return None;
            }
            let w = self.g.tgt[e];
            if i & 1 == 0 {
                Some(w)
            } else {
                Some(w + n)
            }
        } else {
            let e = (self.g.off[(v - n) as usize] + i) as usize;
            self.g.rel[e].intersects(self.b).then_some(self.g.tgt[e])
        }
    }
}

/// The nontrivial components of a projection, as sorted local-id lists.
fn proj_sccs(g: &Local, mask: Rels) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    tarjan(&Proj { g, mask }, 2, |c| {
        let mut c = c.to_vec();
        c.sort_unstable();
        out.push(c);
    });
    out
}

/// The nontrivial components of `ext(a, b)`, main vertices only.
fn ext_sccs(g: &Local, a: Rels, b: Rels) -> Vec<Vec<u32>> {
    let n = g.len() as u32;
    let mut out = Vec::new();
    tarjan(&Ext { g, a, b }, 2, |c| {
        let mut main: Vec<u32> = c.iter().copied().filter(|&v| v < n).collect();
        // One main vertex with middle vertices: a composed self-loop.
        if !main.is_empty() && (main.len() >= 2 || c.len() >= 2) {
            main.sort_unstable();
            out.push(main);
        }
    });
    out
}

// ---------------------------------------------------------------------------
// Pass 1 specs.

/// ww ∪ wwp ∪ wr ∪ wrp.
const A_REL: Rels = Rels::WW.union(Rels::WWP).union(Rels::WR).union(Rels::WRP);
const WW_REL: Rels = Rels::WW.union(Rels::WWP);
const RW_REL: Rels = Rels::RW.union(Rels::RWP);
const WR_REL: Rels = Rels::WR.union(Rels::WRP);
const PRED_REL: Rels = Rels::WWP.union(Rels::WRP).union(Rels::RWP);

enum Projection {
    Union(Rels),
    Ext(Rels, Rels),
}

struct ModelSpec {
    model: &'static str,
    kind: &'static str,
    subgraph: &'static str,
    proj: Projection,
}

const P: Rels = Rels::PROCESS;
const RT: Rels = Rels::REALTIME;

fn model_specs() -> [ModelSpec; 13] {
    use Projection::*;
    let s = |model, kind, subgraph, proj| ModelSpec { model, kind, subgraph, proj };
    [
        s("PL-1", "PL-1-cycle-exists", "[union ww wwp]", Union(WW_REL)),
        s("PL-2", "PL-2-cycle-exists", "[union ww wwp wr wrp]", Union(A_REL)),
        s("PL-SI", "PL-SI-cycle-exists", "[extension [union ww wwp wr wrp] [union rw rwp]]", Ext(A_REL, RW_REL)),
        s("PL-2.99", "PL-2.99-cycle-exists", "[union ww wwp wr wrp rw]", Union(A_REL.union(Rels::RW))),
        s("PL-3", "PL-3-cycle-exists", "[union ww wwp wr wrp rw rwp]", Union(Rels::DATA)),
        s("strong-session-PL-1", "strong-session-PL-1-cycle-exists", "[union ww wwp process]", Union(WW_REL.union(P))),
        s(
            "strong-session-PL-2",
            "strong-session-PL-2-cycle-exists",
            "[union ww wwp wr wrp process]",
            Union(A_REL.union(P)),
        ),
        s(
            "strong-session-snapshot-isolation",
            "strong-session-snapshot-isolation-cycle-exists",
            "[extension [union ww wwp wr wrp process] [union rw rwp]]",
            Ext(A_REL.union(P), RW_REL),
        ),
        s(
            "strong-session-serializable",
            "strong-session-serializable-cycle-exists",
            "[union ww wwp wr wrp rw rwp process]",
            Union(Rels::DATA.union(P)),
        ),
        s("strong-PL-1", "strong-PL-1-cycle-exists", "[union ww wwp realtime]", Union(WW_REL.union(RT))),
        s("strong-PL-2", "strong-PL-2-cycle-exists", "[union ww wwp wr wrp realtime]", Union(A_REL.union(RT))),
        s(
            "strong-snapshot-isolation",
            "strong-snapshot-isolation-cycle-exists",
            "[extension [union ww wwp wr wrp realtime] [union rw rwp]]",
            Ext(A_REL.union(RT), RW_REL),
        ),
        s("PL-SS", "PL-SS-cycle-exists", "[union ww wwp wr wrp rw rwp realtime]", Union(Rels::DATA.union(RT))),
    ]
}

// ---------------------------------------------------------------------------
// Pass 2 specs and classification.

/// The 24 cycle types in Elle's search order (`elle.txn/cycle-search-order`:
/// the cheaper and more serious types first).
pub const CYCLE_TYPES: [&str; 24] = [
    "G-single-item",
    "G0",
    "G-nonadjacent-item",
    "G-single-item-process",
    "G1c",
    "G-nonadjacent-item-process",
    "G-single",
    "G-single-item-realtime",
    "G2-item",
    "G-nonadjacent",
    "G-nonadjacent-item-realtime",
    "G2",
    "G0-process",
    "G1c-process",
    "G-single-process",
    "G2-item-process",
    "G-nonadjacent-process",
    "G2-process",
    "G0-realtime",
    "G1c-realtime",
    "G-single-realtime",
    "G2-item-realtime",
    "G-nonadjacent-realtime",
    "G2-realtime",
];

fn intern_type(name: &str) -> Option<&'static str> {
    CYCLE_TYPES.iter().copied().find(|t| *t == name)
}

/// Classifies a cycle from the single relation of each step, as Elle's
/// `cycle-explainer` does from its steps' relations: the rw
/// count and adjacency (wrap-around included), wr / ww presence, then the
/// `-realtime` / `-process` suffix. A predicate cycle has a wwp, wrp or rwp
/// step. `None` for a cycle with no data step.
pub fn classify(rels: &[Rels]) -> Option<&'static str> {
    let n = rels.len();
    let is_rw = |r: Rels| r.intersects(RW_REL);
    let r = rels.iter().filter(|x| is_rw(**x)).count();
    let pred = rels.iter().any(|x| x.intersects(PRED_REL));
    let base = if r == 1 {
        if pred {
            "G-single"
        } else {
            "G-single-item"
        }
    } else if r >= 2 {
        let adjacent = (0..n).any(|i| is_rw(rels[i]) && is_rw(rels[(i + 1) % n]));
        match (adjacent, pred) {
            (true, true) => "G2",
            (true, false) => "G2-item",
            (false, true) => "G-nonadjacent",
            (false, false) => "G-nonadjacent-item",
        }
    } else if rels.iter().any(|x| x.intersects(WR_REL)) {
        "G1c"
    } else if rels.iter().any(|x| x.intersects(WW_REL)) {
        "G0"
    } else {
        return None;
    };
    let suffix = if rels.iter().any(|x| x.intersects(RT)) {
        "-realtime"
    } else if rels.iter().any(|x| x.intersects(P)) {
        "-process"
    } else {
        ""
    };
    intern_type(&format!("{base}{suffix}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RwKind {
    /// No rw edges (G0, G1c).
    None,
    /// Exactly one.
    Single,
    /// Two or more, no two adjacent (cyclically).
    Nonadjacent,
    /// Two or more, some two adjacent.
    Adjacent,
}

/// What a cycle of one type must satisfy.
#[derive(Clone, Copy, Debug)]
struct TypeSpec {
    kind: &'static str,
    /// Relations other than rw the cycle may use.
    free: Rels,
    /// The rw relations it may use.
    rw: Rels,
    rwk: RwKind,
    need_wr: bool,
    /// Process or realtime for a variant (required at least once), else NONE.
    extra: Rels,
    need_pred: bool,
}

impl TypeSpec {
    fn of(kind: &'static str) -> TypeSpec {
        let (base, extra) = if let Some(b) = kind.strip_suffix("-process") {
            (b, P)
        } else if let Some(b) = kind.strip_suffix("-realtime") {
            (b, RT)
        } else {
            (kind, Rels::NONE)
        };
        let item = Rels::WW | Rels::WR;
        let (free, rw, rwk, need_wr, need_pred) = match base {
            "G0" => (WW_REL, Rels::NONE, RwKind::None, false, false),
            "G1c" => (A_REL, Rels::NONE, RwKind::None, true, false),
            "G-single-item" => (item, Rels::RW, RwKind::Single, false, false),
            "G-nonadjacent-item" => (item, Rels::RW, RwKind::Nonadjacent, false, false),
            "G2-item" => (item, Rels::RW, RwKind::Adjacent, false, false),
            "G-single" => (A_REL, RW_REL, RwKind::Single, false, true),
            "G-nonadjacent" => (A_REL, RW_REL, RwKind::Nonadjacent, false, true),
            "G2" => (A_REL, RW_REL, RwKind::Adjacent, false, true),
            _ => unreachable!("not a cycle type: {kind}"),
        };
        TypeSpec { kind, free: free | extra, rw, rwk, need_wr, extra, need_pred }
    }

    fn allowed(&self) -> Rels {
        self.free | self.rw
    }

    /// The relations a cycle's first step must use: one every satisfying
    /// cycle has in some rotation.
    fn seed(&self) -> Rels {
        if self.rwk != RwKind::None {
            self.rw
        } else if !self.extra.is_empty() {
            self.extra
        } else if self.need_wr {
            WR_REL
        } else {
            self.allowed()
        }
    }
}

// Automaton state bits.
const S_LAST_RW: u8 = 1;
const S_TWO_RW: u8 = 2;
const S_ADJ: u8 = 4;
const S_WR: u8 = 8;
const S_EXTRA: u8 = 16;
const S_PRED: u8 = 32;

impl TypeSpec {
    /// The state after the first step, which uses `r` (a seed relation).
    fn init(&self, r: Rels) -> u8 {
        self.mark(if r.intersects(self.rw) { S_LAST_RW } else { 0 }, r)
    }

    fn mark(&self, mut st: u8, r: Rels) -> u8 {
        if r.intersects(WR_REL) {
            st |= S_WR;
        }
        if r.intersects(self.extra) {
            st |= S_EXTRA;
        }
        if r.intersects(PRED_REL) {
            st |= S_PRED;
        }
        st
    }

    /// The state after a later step using `r`, or None if it breaks the constraint.
    #[inline]
    fn step(&self, st: u8, r: Rels) -> Option<u8> {
        let st = if r.intersects(self.rw) {
            match self.rwk {
                RwKind::None | RwKind::Single => return None,
                RwKind::Nonadjacent => {
                    if st & S_LAST_RW != 0 {
                        return None;
                    }
                    st | S_LAST_RW | S_TWO_RW
                }
                RwKind::Adjacent => {
                    let adj = if st & S_LAST_RW != 0 { S_ADJ } else { 0 };
                    st | S_LAST_RW | S_TWO_RW | adj
                }
            }
        } else {
            st & !S_LAST_RW
        };
        Some(self.mark(st, r))
    }

    /// Whether a step using `r` that returns to the start, reaching `st`, closes a satisfying cycle.
    #[inline]
    fn accepts(&self, st: u8, r: Rels) -> bool {
        let closing_rw = r.intersects(self.rw);
        let rw_ok = match self.rwk {
            RwKind::None | RwKind::Single => true,
            // The first step is rw, so a closing rw would be adjacent to it.
            RwKind::Nonadjacent => !closing_rw && st & S_TWO_RW != 0,
            RwKind::Adjacent => st & S_ADJ != 0 || closing_rw,
        };
        rw_ok
            && (!self.need_wr || st & S_WR != 0)
            && (self.extra.is_empty() || st & S_EXTRA != 0)
            && (!self.need_pred || st & S_PRED != 0)
    }
}

/// The outcome of one type's search in a component.
enum Found {
    /// A cycle as (local vertex, relation of the step leaving it).
    Cycle(Vec<(u32, Rels)>),
    None,
    Exhausted,
}

/// Reusable BFS scratch space for one component.
struct Scratch {
    stamp: Vec<u32>,
    seen: Vec<u64>,
    cur: u32,
    /// (vertex, state, relation bit, parent node)
    nodes: Vec<(u32, u8, u8, u32)>,
}

const ROOT: u32 = u32::MAX;

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch { stamp: vec![0; n], seen: vec![0; n], cur: 0, nodes: Vec::new() }
    }

    fn reset(&mut self) {
        self.cur = self.cur.wrapping_add(1);
        if self.cur == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.cur = 1;
        }
        self.nodes.clear();
    }

    /// Marks (v, st) seen; false if it already was.
    #[inline]
    fn visit(&mut self, v: u32, st: u8) -> bool {
        let v = v as usize;
        if self.stamp[v] != self.cur {
            self.stamp[v] = self.cur;
            self.seen[v] = 0;
        }
        let bit = 1u64 << st;
        if self.seen[v] & bit != 0 {
            false
        } else {
            self.seen[v] |= bit;
            true
        }
    }
}

/// The shortest satisfying cycle through some start vertex, trying starts in
/// ascending order. `comp[v]` is v's component in the type's projection
/// (`UNSEEN` if acyclic there); only edges within a component are followed.
/// The relations a search for a type allowing `allowed` may take on an edge
/// carrying `r`: a process or realtime step only where the pair has no data
/// dependency the type allows. Where it has one, that data relation already
/// orders the pair, and a `-process`/`-realtime` cycle through it would only
/// relabel a data cycle that is reported under its own type (Elle's explainer
/// prefers data relations for the same reason). Where the type does not allow
/// the pair's data relation (an rw edge in a G1c-realtime search), the process
/// or realtime order is the only reason the type has, and it is taken. Pass 1
/// projects edge sets, not labels, so no model violation is lost by this.
#[inline]
fn usable(r: Rels, allowed: Rels) -> Rels {
    if r.intersects(Rels::DATA & allowed) {
        r & Rels::DATA
    } else {
        r
    }
}

fn search_type(g: &Local, spec: &TypeSpec, comp: &[u32], budget: u64, work: &mut u64, sc: &mut Scratch) -> Found {
    let allowed = spec.allowed();
    let seed = spec.seed();
    let mut spent = 0u64;
    // For a single-rw type every later step is free, so a vertex can lead back
    // to the start only if it is not after it in the topological order of the
    // free graph's components (Tarjan emits sinks first). Linear
    // preprocessing, like pass 1, is not counted in the budget.
    let topo: Option<Vec<u32>> = (spec.rwk == RwKind::Single).then(|| {
        let mut t = vec![0u32; g.len()];
        let mut k = 0u32;
        tarjan(&Proj { g, mask: spec.free }, 1, |c| {
            for &v in c {
                t[v as usize] = k;
            }
            k += 1;
        });
        t
    });
    let can_return = |v: u32, s: u32| match &topo {
        Some(t) => t[v as usize] >= t[s as usize],
        None => true,
    };
    for s in 0..g.real as u32 {
        let cs = comp[s as usize];
        if cs == UNSEEN {
            continue;
        }
        let (ts, rs) = g.out(s);
        if !rs
            .iter()
            .zip(ts)
            .any(|(r, t)| usable(*r, allowed).intersects(seed) && comp[*t as usize] == cs && can_return(*t, s))
        {
            continue;
        }
        sc.reset();
        // First steps.
        for (&w, &r) in ts.iter().zip(rs) {
            spent += 1;
            if comp[w as usize] != cs || !can_return(w, s) {
                continue;
            }
            for one in (usable(r, allowed) & seed).iter() {
                let st = spec.init(one);
                if sc.visit(w, st) {
                    sc.nodes.push((w, st, one.bits(), ROOT));
                }
            }
        }
        let mut head = 0usize;
        let mut closed: Option<(usize, Rels)> = None;
        'bfs: while head < sc.nodes.len() {
            if spent > budget {
                *work += spent;
                return Found::Exhausted;
            }
            let (v, st, _, _) = sc.nodes[head];
            let (ts, rs) = g.out(v);
            for (&w, &r) in ts.iter().zip(rs) {
                spent += 1;
                if comp[w as usize] != cs {
                    continue;
                }
                for one in (usable(r, allowed) & allowed).iter() {
                    let Some(st2) = spec.step(st, one) else { continue };
                    if w == s {
                        if spec.accepts(st2, one) {
                            closed = Some((head, one));
                            break 'bfs;
                        }
                    } else if can_return(w, s) && sc.visit(w, st2) {
                        sc.nodes.push((w, st2, one.bits(), head as u32));
                    }
                }
            }
            head += 1;
        }
        if let Some((last, closing)) = closed {
            // Walk back: each node is (vertex reached, relation used to reach it).
            let mut rev: Vec<(u32, Rels)> = Vec::new();
            let mut i = last as u32;
            while i != ROOT {
                let (v, _, r, p) = sc.nodes[i as usize];
                rev.push((v, Rels::from_bits_retain(r)));
                i = p;
            }
            rev.reverse();
            // Steps (from, rel): s with the first relation, then each node with the next one.
            let mut walk: Vec<(u32, Rels)> = Vec::with_capacity(rev.len() + 1);
            walk.push((s, rev[0].1));
            for k in 0..rev.len() {
                let next_rel = if k + 1 < rev.len() { rev[k + 1].1 } else { closing };
                walk.push((rev[k].0, next_rel));
            }
            if let Some(c) = simple_satisfying(g.collapse(walk), spec) {
                *work += spent;
                return Found::Cycle(c);
            }
        }
    }
    *work += spent;
    Found::None
}

/// The walk if it is a simple cycle, else its shortest simple sub-cycle of the
/// spec's type, if any.
fn simple_satisfying(walk: Vec<(u32, Rels)>, spec: &TypeSpec) -> Option<Vec<(u32, Rels)>> {
    let mut vs: Vec<u32> = walk.iter().map(|x| x.0).collect();
    vs.sort_unstable();
    if vs.windows(2).all(|w| w[0] != w[1]) {
        return Some(walk);
    }
    // Split the closed walk into simple cycles.
    let mut stack: Vec<(u32, Rels)> = Vec::new();
    let mut cycles: Vec<Vec<(u32, Rels)>> = Vec::new();
    for &(v, r) in walk.iter().chain(std::iter::once(&walk[0])) {
        if let Some(p) = stack.iter().position(|x| x.0 == v) {
            cycles.push(stack.split_off(p));
        }
        stack.push((v, r));
    }
    cycles
        .into_iter()
        .filter(|c| {
            let rels: Vec<Rels> = c.iter().map(|x| x.1).collect();
            c.len() >= 2 && classify(&rels) == Some(spec.kind) && rels.iter().all(|r| spec.allowed().contains(*r))
        })
        .min_by_key(|c| c.len())
}

/// Elle's fallback after a timeout: from the smallest vertex, follow each
/// vertex's first out-edge until the walk closes; relation by bit order.
fn fallback_cycle(g: &Local) -> Option<Vec<(u32, Rels)>> {
    let mut pos = vec![UNSEEN; g.len()];
    let mut path: Vec<(u32, Rels)> = Vec::new();
    let mut v = 0u32;
    loop {
        if pos[v as usize] != UNSEEN {
            return Some(path.split_off(pos[v as usize] as usize));
        }
        pos[v as usize] = path.len() as u32;
        let (ts, rs) = g.out(v);
        let (&w, &r) = ts.iter().zip(rs).next()?;
        path.push((v, r.iter().next()?));
        v = w;
    }
}

// ---------------------------------------------------------------------------
// Lattice facts as bitmasks (computed once: components can be many).

struct Tables {
    /// For each pass-1 spec: the specs whose models imply it (upward closure), as bits.
    up: [u16; 13],
    /// For each pass-1 spec: the cycle types (bits over `CYCLE_TYPES`) its model prohibits.
    prohibits: [u32; 13],
    /// For each cycle type: the cycle types it implies (itself included).
    implies: [u32; 24],
}

fn tables() -> &'static Tables {
    static T: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let specs = model_specs();
        let type_bits = |set: &BTreeSet<&'static str>| {
            CYCLE_TYPES.iter().enumerate().filter(|(_, k)| set.contains(*k)).fold(0u32, |m, (i, _)| m | 1 << i)
        };
        let mut t = Tables { up: [0; 13], prohibits: [0; 13], implies: [0; 24] };
        for (i, sp) in specs.iter().enumerate() {
            let up = lattice::all_impossible_models(&[sp.model]);
            t.up[i] = specs.iter().enumerate().filter(|(_, o)| up.contains(o.model)).fold(0, |m, (j, _)| m | 1 << j);
            t.prohibits[i] = type_bits(&lattice::anomalies_prohibited_by(&[sp.model]));
        }
        for (i, k) in CYCLE_TYPES.iter().enumerate() {
            t.implies[i] = type_bits(&lattice::all_implied_anomalies(&[k]));
        }
        t
    })
}

// ---------------------------------------------------------------------------
// Per component.

struct CompResult {
    anomalies: Vec<Anomaly>,
    work: u64,
}

fn explain_cycle(h: &History, g: &Local, c: &[(u32, Rels)], explainer: &dyn Explainer) -> Cycle {
    let n = c.len();
    let steps = (0..n)
        .map(|i| {
            let (a, r) = c[i];
            let b = c[(i + 1) % n].0;
            let (a, b) = (g.txns[a as usize], g.txns[b as usize]);
            explainer.explain(a, b, r).unwrap_or_else(|| Step::bare(r, a, b))
        })
        .collect();
    let mut cycle = Cycle { steps };
    cycle.rotate_to_min(h);
    cycle
}

fn search_component(h: &History, g: &Local, explainer: &dyn Explainer, opts: &SearchOptions) -> CompResult {
    let mut anomalies = Vec::new();
    let mut work = 0u64;

    // Pass 1: cycle exists, per model.
    let specs = model_specs();
    let tab = tables();
    let mut impossible = 0u16;
    for (i, spec) in specs.iter().enumerate() {
        if impossible & (1 << i) != 0 {
            continue;
        }
        let sccs = match spec.proj {
            Projection::Union(m) => proj_sccs(g, m),
            Projection::Ext(a, b) => ext_sccs(g, a, b),
        };
        // Barriers (the last local ids) are left out of the components.
        let real = g.real as u32;
        let sccs: Vec<&[u32]> =
            sccs.iter().map(|c| &c[..c.partition_point(|&l| l < real)]).filter(|c| !c.is_empty()).collect();
        let Some(smallest) = sccs.iter().min_by_key(|c| (c.len(), c[0])) else { continue };
        let mut scc: Vec<Txn> = smallest.iter().map(|&l| g.txns[l as usize]).collect();
        scc.sort_by_key(|&t| (h.ops[t as usize].index, t));
        anomalies.push(Anomaly::CycleExists {
            kind: spec.kind,
            model: lattice::friendly(spec.model),
            subgraph: spec.subgraph,
            scc,
        });
        impossible |= tab.up[i];
    }

    // Pruning: what a still-possible model prohibits cannot be here.
    let mut redundant = 0u32;
    for (i, p) in tab.prohibits.iter().enumerate() {
        if impossible & (1 << i) == 0 {
            redundant |= p;
        }
    }

    // Pass 2: targeted search.
    let mut sc = Scratch::new(g.len());
    let mut not_found: Vec<&'static str> = Vec::new();
    let mut found_types = 0u32;
    let mut cycles = Vec::new();
    let mut last_mask = None;
    let mut comp: Vec<u32> = Vec::new();
    for (ti, kind) in CYCLE_TYPES.into_iter().enumerate() {
        if redundant & (1 << ti) != 0 {
            continue;
        }
        let spec = TypeSpec::of(kind);
        if (!spec.extra.is_empty() && !g.any_rel(spec.extra)) || (spec.need_pred && !g.any_rel(PRED_REL)) {
            not_found.push(kind);
            continue;
        }
        let mask = spec.allowed();
        if last_mask != Some(mask) {
            comp = vec![UNSEEN; g.len()];
            for (i, c) in proj_sccs(g, mask).iter().enumerate() {
                for &v in c {
                    comp[v as usize] = i as u32;
                }
            }
            last_mask = Some(mask);
        }
        match search_type(g, &spec, &comp, opts.budget, &mut work, &mut sc) {
            Found::Cycle(c) => {
                let rels: Vec<Rels> = c.iter().map(|x| x.1).collect();
                if classify(&rels) == Some(kind) {
                    cycles.push(Anomaly::Cycle { kind, cycle: explain_cycle(h, g, &c, explainer) });
                    found_types |= 1 << ti;
                    redundant |= tab.implies[ti];
                } else {
                    not_found.push(kind);
                }
            }
            Found::None => not_found.push(kind),
            Found::Exhausted => {
                anomalies.append(&mut cycles);
                anomalies.push(Anomaly::CycleSearchTimeout {
                    spec: kind,
                    does_not_contain: not_found.clone(),
                    scc_size: g.real,
                    budget: opts.budget,
                });
                if let Some(c) = fallback_cycle(g).map(|c| g.collapse(c)) {
                    let rels: Vec<Rels> = c.iter().map(|x| x.1).collect();
                    if let Some(k) = classify(&rels) {
                        let bit = 1u32 << CYCLE_TYPES.iter().position(|t| *t == k).expect("a cycle type");
                        if found_types & bit == 0 {
                            anomalies.push(Anomaly::Cycle { kind: k, cycle: explain_cycle(h, g, &c, explainer) });
                        }
                    }
                }
                return CompResult { anomalies, work };
            }
        }
    }
    anomalies.extend(cycles);
    CompResult { anomalies, work }
}

/// Finds the cycles of `g`. Anomalies come in a fixed order (by component,
/// smallest transaction first, then by search order), whatever the thread count.
pub fn search(h: &History, g: &Graph, explainer: &dyn Explainer, opts: &SearchOptions) -> (Vec<Anomaly>, SearchStats) {
    let sccs = whole_sccs(g);
    let mut local_of = vec![UNSEEN; g.vertex_count()];
    let mut comp_of = vec![UNSEEN; g.vertex_count()];
    for (ci, c) in sccs.iter().enumerate() {
        for (li, &v) in c.iter().enumerate() {
            local_of[v as usize] = li as u32;
            comp_of[v as usize] = ci as u32;
        }
    }
    // Components count transactions only (barriers are no transactions).
    let real_len = |c: &Vec<Txn>| c.iter().filter(|&&t| !g.is_barrier(t)).count();
    let stats0 = SearchStats { sccs: sccs.len(), largest_scc: sccs.iter().map(real_len).max().unwrap_or(0), work: 0 };
    let results: Vec<CompResult> = sccs
        .into_par_iter()
        .enumerate()
        .map(|(ci, c)| {
            let lookup = |w: Txn| (comp_of[w as usize] == ci as u32).then(|| local_of[w as usize]);
            let local = Local::new(g, c, &lookup);
            search_component(h, &local, explainer, opts)
        })
        .collect();
    let mut stats = stats0;
    let mut out = Vec::new();
    for r in results {
        stats.work += r.work;
        out.extend(r.anomalies);
    }
    (out, stats)
}

pub(crate) mod scc;
#[cfg(test)]
mod tests;
