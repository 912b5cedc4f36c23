//! Process and realtime orders between transactions (`elle-model.md` §6).

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

/// Adds `realtime` edges: the transitive reduction of "a completed before b was
/// invoked", with Elle's frontier. The frontier holds ok completions; an
/// invocation links every frontier op to its completion (of any type, or to
/// itself when it never completed: Jepsen closes it as info at the end); an ok
/// completion removes the ops linked at its invocation and joins the frontier.
///
/// Ops join the frontier in history order, and an ok completion `c` removes
/// exactly the ops that joined before `c`'s invocation, so the frontier is a
/// queue and each removal pops a prefix: O(1) amortized per op, plus one edge
/// per frontier op at each invocation (O(n · concurrency) edges in all).
/// Completion-only histories (no invocations) get no realtime edges.
pub fn add_realtime_edges(h: &History, g: &mut GraphBuilder) {
    let mut frontier: VecDeque<u32> = VecDeque::new();
    for (i, op) in h.ops.iter().enumerate() {
        if op.process.client().is_none() {
            continue;
        }
        match op.kind {
            OpType::Invoke => {
                // An invocation that never completed is closed as info at the
                // end of the history: it is its own vertex.
                let c = h.partner_of(i).unwrap_or(i);
                for &f in &frontier {
                    g.add(f, c as u32, Rels::REALTIME);
                }
            }
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
