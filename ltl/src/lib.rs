//! LTL on finite traces, with three verdicts (holds, fails, pending) and proofs.
//!
//! - [`parse::parse`] reads a formula ([`syntax`]), [`detsys::parse`] a detsys-testkit one;
//! - [`compile::compile`] makes an evaluation plan;
//! - [`trace::load`] reads a JSON Lines trace into columns (only the paths the plan uses);
//! - [`evaluate`] evaluates, gives the verdict and builds the proof ([`proof`]);
//! - [`proof::check_proof`] re-validates a proof with the naive [`reference`](mod@reference) evaluator;
//! - [`spec`] reads named formulas (command line, spec files), parses them in
//!   either syntax and compiles them as one set; [`report`] evaluates a set and
//!   gives the typed `--json` documents of its results.
//!
//! # Example
//!
//! A request at step 0 that is answered at step 1:
//!
//! ```
//! use ltl::compile::{compile, CompileOptions};
//! use ltl::trace::{load, TraceOptions};
//! use ltl::Verdict;
//!
//! let trace = "{\"time\": 0, \"state\": {\"req\": true, \"ack\": false}}
//! {\"time\": 5, \"state\": {\"req\": false, \"ack\": true}}
//! ";
//! let formula = ltl::parse::parse("always (state.req -> eventually state.ack)").unwrap();
//! let plan = compile(&formula, &CompileOptions::default()).unwrap();
//! // Only the paths the formula reads (`state.req`, `state.ack`) are loaded.
//! let tr = load(trace.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
//! let out = ltl::evaluate(&plan, &tr, 3);
//! assert_eq!(out.verdict, Verdict::Holds);
//!
//! // Without the answer, the obligation is still open when the trace ends.
//! let first = trace.lines().next().unwrap();
//! let tr = load(first.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
//! assert_eq!(ltl::evaluate(&plan, &tr, 3).verdict, Verdict::Pending);
//! ```

pub mod compile;
pub mod detsys;
pub mod eval;
pub mod parse;
pub mod proof;
pub mod reference;
pub mod report;
pub mod spec;
pub mod syntax;
pub mod trace;
pub mod value;

use compile::{Op, Plan};
use eval::{Eval, NV, W};
use proof::{Proof, Prover};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// True on the trace (neutral view).
    Holds,
    /// Definitely violated: no continuation of the trace could make it true (weak view false).
    Fails,
    /// False only because the trace ended while an obligation was open.
    Pending,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Pending => "pending",
        }
    }
}

/// An obligation still open when the trace ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Obligation {
    pub step: usize,
    pub time: i64,
    /// The subformula whose window was still open.
    pub formula: String,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Whether the verdict holds for every continuation (strong view true, or fails).
    pub definite: bool,
    pub first_failure: Option<(usize, i64)>,
    /// Open obligations (pending verdicts): how many, and the first few.
    pub pending_count: usize,
    pub pending: Vec<Obligation>,
    /// Satisfaction proof (holds, neutral view) or violation proof (fails: weak view; pending: neutral view).
    pub proof: Proof,
    /// Whether some `bind` was evaluated per binding rather than compiled.
    pub fallback_used: bool,
    /// The work budget of on-demand evaluation and what was spent of it. When
    /// it ran out the verdict is `Pending` with no obligations, `definite` is
    /// false, and the proof is a single leaf at step 0: nothing was decided.
    pub work: Work,
}

/// Work units of on-demand evaluation ([`eval::DEFAULT_BUDGET`] says what counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    pub spent: u64,
    pub budget: u64,
    /// The budget ran out before the verdict (or its proof) was decided.
    pub exhausted: bool,
}

pub use eval::DEFAULT_BUDGET;

/// How many pending obligations are listed.
pub const PENDING_LISTED: usize = 10;

/// The top-level `always` nodes, looking through `&&`, `forall` and `let` names;
/// each node once (a plan is a DAG: a `let` body may be reached many ways).
fn top_alwayses(plan: &Plan, k: usize, out: &mut Vec<usize>, seen: &mut std::collections::HashSet<usize>) {
    if !seen.insert(k) {
        return;
    }
    match &plan.nodes[k].op {
        Op::And(a, b) => {
            top_alwayses(plan, *a, out, seen);
            top_alwayses(plan, *b, out, seen);
        }
        Op::Named(_, a) => top_alwayses(plan, *a, out, seen),
        Op::Quant(syntax::Quant::Forall, _, xs) => xs.iter().for_each(|(_, a)| top_alwayses(plan, *a, out, seen)),
        Op::Always(..) => out.push(k),
        _ => {}
    }
}

/// Evaluates a compiled formula over a loaded trace: the verdict, the first
/// failure, open obligations and the proof (with `samples` sub-proofs per range).
pub fn evaluate(plan: &Plan, tr: &trace::Trace, samples: usize) -> Outcome {
    evaluate_with(plan, tr, samples, DEFAULT_BUDGET)
}

/// [`evaluate`] with a work budget for on-demand evaluation (per-binding `bind`
/// bodies, proofs). If it runs out, the outcome is inconclusive: see [`Outcome::work`].
pub fn evaluate_with(plan: &Plan, tr: &trace::Trace, samples: usize, budget: u64) -> Outcome {
    let ev = Eval::with_budget(plan, tr, budget);
    let env = ev.env0();
    let v = ev.value(plan.root, 0, &env);
    if ev.exhausted() {
        return spent_outcome(plan, tr, &ev);
    }
    let verdict = if v & NV != 0 {
        Verdict::Holds
    } else if v & W == 0 {
        Verdict::Fails
    } else {
        Verdict::Pending
    };
    let view = match verdict {
        Verdict::Holds | Verdict::Pending => NV,
        Verdict::Fails => W,
    };
    let prover = Prover::new(&ev, samples);
    let proof = prover.prove(plan.root, 0, view, &env);
    let mut alw = Vec::new();
    top_alwayses(plan, plan.root, &mut alw, &mut Default::default());
    let mut first_failure = None;
    let mut pending = Vec::new();
    let mut pending_count = 0;
    if verdict != Verdict::Holds {
        for &a in &alw {
            let Op::Always(w, x) = &plan.nodes[a].op else { continue };
            if ev.value(a, 0, &env) & view != 0 {
                continue;
            }
            let (lo, hi, _) = ev.fwin(w, 0);
            if let Some(j) = (lo..hi).find(|&j| ev.value(*x, j, &env) & view == 0) {
                if first_failure.is_none_or(|(f, _)| j < f) {
                    first_failure = Some((j, tr.times[j]));
                }
            }
            if verdict == Verdict::Pending {
                for j in lo..hi {
                    if ev.value(*x, j, &env) & NV == 0 {
                        pending_count += 1;
                        if pending.len() < PENDING_LISTED {
                            let p = prover.prove(*x, j, NV, &env);
                            let formula = p.open_obligation().map_or(p.text.clone(), |o| o.text.clone());
                            pending.push(Obligation { step: j, time: tr.times[j], formula });
                        }
                    }
                }
            }
        }
        if first_failure.is_none() {
            let s = proof.earliest_step();
            first_failure = Some((s, tr.times[s]));
        }
        if verdict == Verdict::Pending && pending_count == 0 {
            let o = proof.open_obligation().unwrap_or(&proof);
            pending_count = 1;
            pending.push(Obligation { step: o.step, time: o.time, formula: o.text.clone() });
        }
    }
    let definite = verdict == Verdict::Fails || v & eval::S != 0;
    let work = Work { spent: ev.spent(), budget, exhausted: ev.exhausted() };
    if work.exhausted {
        return spent_outcome(plan, tr, &ev);
    }
    Outcome { verdict, definite, first_failure, pending_count, pending, proof, fallback_used: ev.fallback_used, work }
}

/// The outcome when the budget ran out: values read after that are guesses,
/// so nothing is decided (pending, no obligations, a leaf proof at step 0).
fn spent_outcome(plan: &Plan, tr: &trace::Trace, ev: &Eval) -> Outcome {
    let proof = Proof {
        sat: false,
        view: NV,
        node: plan.root,
        op: "budget",
        text: plan.nodes[plan.root].text.clone(),
        step: 0,
        time: tr.times.first().copied().unwrap_or(0),
        detail: proof::Detail::Leaf,
    };
    Outcome {
        verdict: Verdict::Pending,
        definite: false,
        first_failure: None,
        pending_count: 0,
        pending: Vec::new(),
        proof,
        fallback_used: ev.fallback_used,
        work: Work { spent: ev.spent(), budget: ev.budget, exhausted: true },
    }
}

/// A path the formula reads that no record of the trace has, so it reads null at
/// every step (a typo such as `state[a].rol` for `role`, or a node name the trace
/// does not have): worth a warning, since the verdict may rest on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathWarning {
    /// The path, as written from the record's root (`state.n1.rol`, `$.faults`).
    pub path: String,
    /// Its first prefix that no record has (`state.n1.rol`, or `state.n9` for `state.n9.role`).
    pub missing: String,
    /// The existing path at the same level closest to `missing` (by edit distance), if one is close.
    pub closest: Option<String>,
}

/// A path for a message: at most 200 characters, with a count of the rest.
fn short(p: &str) -> std::borrow::Cow<'_, str> {
    match p.char_indices().nth(200) {
        Some((b, _)) => format!("{}… ({} more characters)", &p[..b], p[b..].chars().count()).into(),
        None => p.into(),
    }
}

impl std::fmt::Display for PathWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no record of the trace has `{}`", short(&self.missing))?;
        if self.missing != self.path {
            write!(f, ", so `{}` reads null at every step", short(&self.path))?;
        } else {
            f.write_str(", so it reads null at every step")?;
        }
        if let Some(c) = &self.closest {
            write!(f, " (did you mean `{c}`?)")?;
        }
        Ok(())
    }
}

/// The text of a projected path: from `state`, `event` or `before` by name, any
/// other field of the record from `$`.
pub fn path_text(p: &[trace::PSeg]) -> String {
    use trace::PSeg;
    let mut s = String::new();
    let mut rest = p;
    match p.first() {
        Some(PSeg::Key(k)) if k == "state" || k == "event" || k == "before" => {
            s.push_str(k);
            rest = &p[1..];
        }
        _ => s.push('$'),
    }
    for seg in rest {
        match seg {
            PSeg::Key(k) if syntax::is_plain_key(k) => {
                s.push('.');
                s.push_str(k);
            }
            PSeg::Key(k) => s.push_str(&format!("[{}]", serde_json::Value::from(k.as_str()))),
            PSeg::Idx(i) => s.push_str(&format!("[{i}]")),
            PSeg::Present => {}
        }
    }
    s
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// The paths of `plan` that no record of `tr` has, from what the trace reader
/// noted while reading (no further pass over the trace), each with the closest
/// existing key at the level where it goes missing. `tr` must have been read
/// with (a superset of) the plan's paths. Sorted by path. For `histcheck ltl` and
/// `runs check --ltl`.
pub fn absent_paths(plan: &Plan, tr: &trace::Trace) -> Vec<PathWarning> {
    let pr = &tr.presence;
    let mut out = Vec::new();
    for &c in &plan.warn_cols {
        let (Some(path), Some(nodes)) = (plan.paths.get(c), pr.col_nodes.get(c)) else { continue };
        let Some(j) = nodes.iter().position(|&n| !pr.seen.get(n as usize).copied().unwrap_or(true)) else {
            continue;
        };
        let parent = if j == 0 { 0 } else { nodes[j - 1] as usize };
        let closest = match &path[j] {
            trace::PSeg::Key(k) => pr.keys.get(parent).and_then(|ks| ks.as_ref()).and_then(|ks| {
                let limit = 2.max(k.chars().count().div_ceil(3));
                ks.iter().map(|x| (edit_distance(k, x), x)).filter(|(d, _)| *d <= limit).min().map(|(_, x)| {
                    let mut p = path[..j].to_vec();
                    p.push(trace::PSeg::Key(x.clone()));
                    path_text(&p)
                })
            }),
            _ => None,
        };
        out.push(PathWarning { path: path_text(path), missing: path_text(&path[..=j]), closest });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
