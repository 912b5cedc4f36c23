//! Process and realtime orders between transactions (`elle-model.md` §6).
//! STUB: being written.

use crate::anomaly::Step;
use crate::graph::{GraphBuilder, Txn};
use history::History;

/// Adds `process` edges: each ok completion to its process's next ok completion.
pub fn add_process_edges(h: &History, g: &mut GraphBuilder) {
    let _ = (h, g);
    todo!()
}

/// Adds `realtime` edges: the transitive reduction of "a completed before b was invoked".
pub fn add_realtime_edges(h: &History, g: &mut GraphBuilder) {
    let _ = (h, g);
    todo!()
}

/// Why `a` precedes `b` in process order, if it does.
pub fn explain_process(h: &History, a: Txn, b: Txn) -> Option<Step> {
    let _ = (h, a, b);
    todo!()
}

/// Why `a` precedes `b` in real time, if it does (a completed before b was invoked).
pub fn explain_realtime(h: &History, a: Txn, b: Txn) -> Option<Step> {
    let _ = (h, a, b);
    todo!()
}
