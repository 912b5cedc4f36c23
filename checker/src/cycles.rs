//! Cycle search: strongly connected components, a "cycle exists" pass per model,
//! and a targeted, budgeted search for the shortest cycle of each type
//! (`shared/reference/elle-model.md` §7.1–§7.2, §13). STUB: being written.

use crate::anomaly::{Anomaly, Explainer};
use crate::graph::Graph;
use history::History;

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

/// Finds the cycles of `g`. Anomalies come in a fixed order (by component,
/// smallest transaction first, then by search order), whatever the thread count.
pub fn search(h: &History, g: &Graph, explainer: &dyn Explainer, opts: &SearchOptions) -> (Vec<Anomaly>, SearchStats) {
    let _ = (h, g, explainer, opts);
    todo!()
}
