//! Process and realtime orders between transactions (Elle's `elle.core`
//! process and realtime graphs).

use crate::anomaly::Step;
use crate::graph::{GraphBuilder, Txn};
use crate::rel::Rels;
use history::{History, OpType};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// Adds `process` edges: each ok completion to its process's next ok completion.
/// `info` and `fail` completions are skipped and do not break the chain.
pub fn add_process_edges(h: &History, g: &mut GraphBuilder) {
    let mut last: FxHashMap<i64, u32> = FxHashMap::default();
    for (i, op) in h.ops.iter().enumerate() {
        if op.kind != OpType::Ok {
            continue;
        }
        let Some(p) = op.process.client() else { continue };
        if let Some(prev) = last.insert(p, i as u32) {
            g.add(prev, i as u32, Rels::PROCESS);
        }
    }
}

/// How the realtime order is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealtimeForm {
    /// Explicit pairs when there are few enough ([`explicit_realtime_limit`]),
    /// else barriers.
    Auto,
    /// One edge per pair of the transitive reduction.
    Explicit,
    /// Barrier vertices: linear in the history whatever the concurrency.
    Barriers,
}

/// The most realtime pairs stored as explicit edges for a history of `ops`
/// ops: 32 per op (a concurrency of about 32 operations in flight), plus a
/// constant for small histories. Above it the order goes through barriers.
pub fn explicit_realtime_limit(ops: usize) -> usize {
    ops.saturating_mul(32).saturating_add(1 << 15)
}

/// Walks Elle's realtime frontier: calls `at_invoke(c, frontier)` at each
/// client invocation, with `c` its completion (itself when it never completed:
/// Jepsen closes it as info at the end of the history) and `frontier` the ok
/// completions that precede it in the transitive reduction. An ok completion
/// removes the ops that joined before its invocation and joins the frontier.
/// Ops join in history order and each removal pops a prefix, so the frontier is
/// a queue: O(1) amortized per op, plus what `at_invoke` does.
fn walk_frontier(h: &History, mut at_invoke: impl FnMut(usize, &VecDeque<u32>)) {
    let mut frontier: VecDeque<u32> = VecDeque::new();
    for (i, op) in h.ops.iter().enumerate() {
        if op.process.client().is_none() {
            continue;
        }
        match op.kind {
            OpType::Invoke => at_invoke(h.partner_of(i).unwrap_or(i), &frontier),
            OpType::Ok => {
                if let Some(inv) = h.partner_of(i) {
                    while frontier.front().is_some_and(|&f| (f as usize) < inv) {
                        frontier.pop_front();
                    }
                    frontier.push_back(i as u32);
                }
            }
            OpType::Info | OpType::Fail => {}
        }
    }
}

/// The number of pairs in the transitive reduction of the realtime order
/// (what [`add_realtime_edges`] adds as explicit edges), counted in O(n).
pub fn realtime_pair_count(h: &History) -> usize {
    let mut pairs = 0usize;
    walk_frontier(h, |_, frontier| pairs += frontier.len());
    pairs
}

/// Adds the realtime order: the transitive reduction of "a completed before b
/// was invoked", as explicit edges while there are at most
/// [`explicit_realtime_limit`] pairs, else through barriers
/// ([`RealtimeForm::Barriers`]).
pub fn add_realtime_edges(h: &History, g: &mut GraphBuilder) {
    add_realtime_edges_as(h, g, RealtimeForm::Auto)
}

/// Adds the realtime order in the given form.
///
/// **Explicit** (Elle's frontier): the frontier holds ok completions; an
/// invocation links every frontier op to its completion (of any type, or to
/// itself when it never completed: Jepsen closes it as info at the end); an ok
/// completion removes the ops linked at its invocation and joins the frontier.
/// Ops join the frontier in history order, and an ok completion `c` removes
/// exactly the ops that joined before `c`'s invocation, so the frontier is a
/// queue and each removal pops a prefix: O(1) amortized per op, plus one edge
/// per frontier op at each invocation: O(n · concurrency) edges, which is
/// quadratic when thousands of ops are in flight at once.
///
/// **Barriers**: one barrier vertex per "epoch" (the ok completions between
/// two invocations that follow them), created at the first invocation after
/// an ok completion. Edges: each ok completion → the next barrier; each
/// barrier → the next barrier; the current barrier → the completion of each
/// invocation. At most one edge per op plus one per barrier: linear. A path
/// from transaction a to transaction b exists through barriers exactly when a
/// completed (ok) before b was invoked, so the transitive closure, and hence
/// every SCC and every "cycle exists" result, is that of the explicit form;
/// each collapsed path `a → barriers → b` is a true realtime step, explained
/// as one. The pair count of the explicit form is recorded for the edge
/// statistics ([`GraphBuilder::set_implied_realtime`]).
///
/// Completion-only histories (no invocations) get no realtime edges.
pub fn add_realtime_edges_as(h: &History, g: &mut GraphBuilder, form: RealtimeForm) {
    let barriers = match form {
        RealtimeForm::Explicit => false,
        RealtimeForm::Barriers => true,
        RealtimeForm::Auto => realtime_pair_count(h) > explicit_realtime_limit(h.ops.len()),
    };
    if barriers {
        add_realtime_barriers(h, g);
        return;
    }
    walk_frontier(h, |c, frontier| {
        for &f in frontier {
            g.add(f, c as u32, Rels::REALTIME);
        }
    });
}

fn add_realtime_barriers(h: &History, g: &mut GraphBuilder) {
    let pairs = realtime_pair_count(h);
    // Ok completions since the last barrier, and the current barrier.
    let mut pending: Vec<u32> = Vec::new();
    let mut current: Option<Txn> = None;
    for (i, op) in h.ops.iter().enumerate() {
        if op.process.client().is_none() {
            continue;
        }
        match op.kind {
            OpType::Invoke => {
                if !pending.is_empty() {
                    let b = g.add_barrier();
                    if let Some(prev) = current {
                        g.add(prev, b, Rels::REALTIME);
                    }
                    for &f in &pending {
                        g.add(f, b, Rels::REALTIME);
                    }
                    pending.clear();
                    current = Some(b);
                }
                if let Some(b) = current {
                    let c = h.partner_of(i).unwrap_or(i);
                    g.add(b, c as u32, Rels::REALTIME);
                }
            }
            OpType::Ok => {
                if h.partner_of(i).is_some() {
                    pending.push(i as u32);
                }
            }
            OpType::Info | OpType::Fail => {}
        }
    }
    g.set_implied_realtime(pairs);
}

fn is_client_ok(h: &History, t: Txn) -> Option<i64> {
    let op = h.ops.get(t as usize)?;
    if op.kind != OpType::Ok {
        return None;
    }
    op.process.client()
}

/// Why `a` precedes `b` in process order, if it does: both are ok completions
/// of one process, `a` first.
pub fn explain_process(h: &History, a: Txn, b: Txn) -> Option<Step> {
    let pa = is_client_ok(h, a)?;
    let pb = is_client_ok(h, b)?;
    if pa != pb || a >= b {
        return None;
    }
    let mut s = Step::bare(Rels::PROCESS, a, b);
    s.process = Some(pa);
    Some(s)
}

/// Why `a` precedes `b` in real time, if it does (a completed, ok, before b
/// was invoked). The CLI finds a's completion (`a`) and b's invocation with
/// [`History::partner`].
pub fn explain_realtime(h: &History, a: Txn, b: Txn) -> Option<Step> {
    is_client_ok(h, a)?;
    let bo = h.ops.get(b as usize)?;
    bo.process.client()?;
    let inv = match h.partner_of(b as usize) {
        Some(inv) if bo.kind.is_completion() => inv,
        // An invocation that never completed (closed as info at the end).
        None if !bo.kind.is_completion() => b as usize,
        _ => return None,
    };
    if (a as usize) < inv {
        Some(Step::bare(Rels::REALTIME, a, b))
    } else {
        None
    }
}
