//! list-append inference: version orders from reads, ww/wr/rw edges, and the
//! anomalies that need no cycle (`elle-model.md` §4). STUB: being written.

use crate::anomaly::{Anomaly, CheckError, Explainer, Step};
use crate::graph::{GraphBuilder, Txn};
use crate::rel::Rels;
use history::History;

/// The result of analysing a list-append history.
pub struct Analysis<'h> {
    /// ww, wr and rw edges over ok and info transactions.
    pub edges: GraphBuilder,
    /// Non-cycle anomalies found (G1a, G1b, internal, …), in a deterministic order.
    pub anomalies: Vec<Anomaly>,
    /// Explains the edges in `edges`.
    pub explainer: ListAppendExplainer<'h>,
}

/// Explains ww, wr and rw edges of a list-append history.
pub struct ListAppendExplainer<'h> {
    h: &'h History,
}

impl Explainer for ListAppendExplainer<'_> {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        let _ = (self.h, a, b, rel);
        todo!()
    }
}

/// Analyses a list-append history. An error for histories that cannot be
/// analysed: one value appended twice to one key (naming both ops).
pub fn analyze(h: &History) -> Result<Analysis<'_>, CheckError> {
    let _ = h;
    todo!()
}
