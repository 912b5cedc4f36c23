//! An independent, naive LTLf evaluator over the formula AST and the parsed JSON
//! records, written from the operators' definitions (docs/ltl.md: Formulas and
//! Verdicts) and the terms' conventions, not from the compiler or
//! `ltl::reference` (which work on the compiled plan, so they share its
//! rewrites: `wnext`, `release`, `wuntil`, `<->`, `let`, quantifier expansion,
//! `bind` patterns compiled to windows and hash joins).
//!
//! Property tests against the fast evaluator:
//!
//! - the neutral view is plain LTLf, at every step, for the formula and each of its
//!   closed subformulas (time in ms, µs or s);
//! - strong ⇒ neutral ⇒ weak, at every step of every closed subformula;
//! - the definite views are sound against real continuations of the trace: a false
//!   weak view means every extension falsifies the formula, a true strong view that
//!   every extension satisfies it (with and without the intervals of future
//!   operators).
//!
//! Unit tests check the naive evaluator itself on tiny traces; the last two tests
//! are the minimal reproducers of the two evaluator bugs these properties found
//! (views not ordered at the end of the trace; windows reaching past the end
//! counted as certainly holding a step).

mod common;

use common::{opts, render, step_json, steps};
use history::Step;
use ltl::compile::{compile, CompileOptions};
use ltl::eval::{Eval, NV, S, W};
use ltl::syntax::*;
use ltl::trace::{load, load_steps, TraceOptions};
use proptest::prelude::*;
use serde_json::{json, Value as Json};
use std::cmp::Ordering;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------
// The naive evaluator
// ---------------------------------------------------------------------------------

/// What a name is bound to: a position (`bind`) or a value (a quantifier).
#[derive(Clone, Debug)]
enum Binding {
    Pos(usize),
    Val(Json),
}

/// Innermost binding last.
type Env = Vec<(String, Binding)>;

struct Naive<'a> {
    steps: &'a [Step],
    /// The unit of the trace's time field.
    unit: Unit,
    /// The `nodes` domain.
    nodes: Vec<Json>,
}

fn num(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// Numbers by exact value (docs/ltl.md, "Numbers"): i64 integers are never
/// rounded; a double with a fraction is small enough that rounding the integer
/// keeps the order, and a whole double is compared as a 128-bit integer.
fn num_order(x: &serde_json::Number, y: &serde_json::Number) -> Option<Ordering> {
    let whole = |f: f64| f.fract() == 0.0 && f.abs() < 1e38;
    match (x.as_i64(), y.as_i64(), x.as_f64()?, y.as_f64()?) {
        (Some(p), Some(q), _, _) => Some(p.cmp(&q)),
        (Some(p), None, _, g) if whole(g) => Some((p as i128).cmp(&(g as i128))),
        (None, Some(q), f, _) if whole(f) => Some((f as i128).cmp(&(q as i128))),
        (_, _, f, g) => f.partial_cmp(&g),
    }
}

/// JSON equality, numbers compared numerically at any depth.
fn eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => num_order(x, y) == Some(Ordering::Equal),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| eq(a, b)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|u| eq(v, u)))
        }
        (Json::Null, Json::Null) => true,
        (Json::Bool(x), Json::Bool(y)) => x == y,
        (Json::String(x), Json::String(y)) => x == y,
        _ => false,
    }
}

/// Numbers numerically, strings lexically; nothing else is ordered.
fn order(a: &Json, b: &Json) -> Option<Ordering> {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => num_order(x, y),
        (Json::String(x), Json::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn cmp(op: CmpOp, a: &Json, b: &Json) -> bool {
    match op {
        CmpOp::Eq => eq(a, b),
        CmpOp::Ne => !eq(a, b),
        CmpOp::Lt => order(a, b) == Some(Ordering::Less),
        CmpOp::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order(a, b) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// `null`, `false`, `0`, `""`, `[]` and `{}` are false.
fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// `.key` (objects only) or `[i]` (a string: a key; a whole number ≥ 0: an array index).
fn key(v: Json, k: &str) -> Json {
    match v {
        Json::Object(mut o) => o.remove(k).unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

fn index(v: Json, i: &Json) -> Json {
    match i {
        Json::String(k) => key(v, k),
        Json::Number(n) => match (v, n.as_f64()) {
            (Json::Array(mut a), Some(x)) if x >= 0.0 && x.fract() == 0.0 && (x as usize) < a.len() => {
                a.swap_remove(x as usize)
            }
            _ => Json::Null,
        },
        _ => Json::Null,
    }
}

impl<'a> Naive<'a> {
    fn new(steps: &'a [Step], opts: &CompileOptions) -> Naive<'a> {
        let nodes = if opts.nodes.is_empty() {
            match steps[0].record.get("state") {
                Some(Json::Object(o)) => o.keys().map(|k| json!(k)).collect(),
                _ => vec![],
            }
        } else {
            opts.nodes.iter().map(|k| json!(k)).collect()
        };
        Naive { steps, unit: opts.time_unit, nodes }
    }

    fn n(&self) -> usize {
        self.steps.len()
    }

    fn time(&self, i: usize) -> i64 {
        self.steps[i].time
    }

    /// A bound in trace time units (no unit: a number of steps).
    fn bound(&self, b: &Bound, time: bool) -> f64 {
        match (b.unit, time) {
            (None, false) => b.value,
            (Some(u), true) => b.value * u.nanos() / self.unit.nanos(),
            _ => panic!("an interval mixes steps and durations"),
        }
    }

    /// Whether d(from, to) ∈ I (from ≤ to): steps, or time with a unit.
    fn within(&self, iv: &Interval, from: usize, to: usize) -> bool {
        assert!(from <= to);
        let time = iv.is_time();
        let d = if time { (self.time(to) - self.time(from)) as f64 } else { (to - from) as f64 };
        let lo = iv.lo.map_or(0.0, |b| self.bound(&b, time));
        let ok_hi = match iv.hi {
            None => true,
            Some(b) if iv.hi_open => d < self.bound(&b, time),
            Some(b) => d <= self.bound(&b, time),
        };
        d >= lo && ok_hi
    }

    fn lookup<'e>(&self, env: &'e Env, v: &str) -> &'e Binding {
        &env.iter().rev().find(|(n, _)| n == v).unwrap_or_else(|| panic!("unbound name {v}")).1
    }

    fn segs(&self, mut v: Json, segs: &[Seg], i: usize, env: &Env) -> Json {
        for s in segs {
            v = match s {
                Seg::Key(k) => key(v, k),
                Seg::Index(t) => index(v, &self.term(t, i, env)),
            };
        }
        v
    }

    /// The value of a term at step i.
    fn term(&self, t: &Term, i: usize, env: &Env) -> Json {
        match t {
            Term::Lit(j) => j.clone(),
            Term::Dur(v, u) => num(v * u.nanos() / self.unit.nanos()),
            Term::Path(root, segs) => {
                let rec = &self.steps[i].record;
                let base = match root {
                    Root::State => rec.get("state").cloned().unwrap_or(Json::Null),
                    Root::Event => rec.get("event").cloned().unwrap_or(Json::Null),
                    Root::Time => json!(self.time(i)),
                    Root::Step => json!(i),
                    Root::Record => rec.clone(),
                    // the record's own `before` when it has one (not null), whole,
                    // else the previous step's state (null at step 0)
                    Root::Before => {
                        let own = rec.get("before").cloned().unwrap_or(Json::Null);
                        if !own.is_null() {
                            return self.segs(own, segs, i, env);
                        }
                        match i {
                            0 => Json::Null,
                            _ => self.steps[i - 1].record.get("state").cloned().unwrap_or(Json::Null),
                        }
                    }
                    Root::Var(v) => match self.lookup(env, v) {
                        Binding::Val(j) => j.clone(),
                        // `w.time`, `w.step`, `w.state…`, `w.event…`, `w.$…` read the step
                        // w is bound to, `w.before…` the state at the step before it. (Another
                        // key reads that key of w's record, as docs/ltl.md says; `w` alone is
                        // null.)
                        Binding::Pos(p) => {
                            let Some((first, rest)) = segs.split_first() else { return Json::Null };
                            let k = match first {
                                Seg::Key(k) => Json::String(k.clone()),
                                Seg::Index(t) => self.term(t, i, env),
                            };
                            let base = match k.as_str() {
                                Some("time") => json!(self.time(*p)),
                                Some("step") => json!(*p),
                                Some("$") => self.steps[*p].record.clone(),
                                // as `before` at w: w's record's own `before` when it has
                                // one (not null), else the state at the step before w (null
                                // at step 0)
                                Some("before") => {
                                    let own = self.steps[*p].record.get("before").cloned().unwrap_or(Json::Null);
                                    if !own.is_null() {
                                        return self.segs(own, rest, i, env);
                                    }
                                    match *p {
                                        0 => Json::Null,
                                        p => self.steps[p - 1].record.get("state").cloned().unwrap_or(Json::Null),
                                    }
                                }
                                Some(k) => self.steps[*p].record.get(k).cloned().unwrap_or(Json::Null),
                                None => Json::Null,
                            };
                            return self.segs(base, rest, i, env);
                        }
                    },
                };
                self.segs(base, segs, i, env)
            }
            Term::Arith(op, a, b) => {
                let (a, b) = (self.term(a, i, env), self.term(b, i, env));
                let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else { return Json::Null };
                let r = match op {
                    ArithOp::Add => x + y,
                    ArithOp::Sub => x - y,
                    ArithOp::Mul => x * y,
                    ArithOp::Div if y == 0.0 => return Json::Null,
                    ArithOp::Div => x / y,
                };
                num(r)
            }
            Term::Neg(a) => self.term(a, i, env).as_f64().map_or(Json::Null, |x| num(-x)),
            Term::Len(a) => match self.term(a, i, env) {
                Json::String(s) => json!(s.chars().count()),
                Json::Array(a) => json!(a.len()),
                Json::Object(o) => json!(o.len()),
                _ => Json::Null,
            },
            Term::Array(items) => Json::Array(items.iter().map(|x| self.term(x, i, env)).collect()),
            Term::Index(base, segs) => self.segs(self.term(base, i, env), segs, i, env),
        }
    }

    /// The formula's LTLf value at every step.
    fn sat(&self, f: &Formula, env: &Env) -> Vec<bool> {
        let n = self.n();
        let all = |g: &dyn Fn(usize) -> bool| (0..n).map(g).collect::<Vec<bool>>();
        match f {
            Formula::Const(b) => vec![*b; n],
            Formula::Truthy(t) => all(&|i| truthy(&self.term(t, i, env))),
            Formula::Cmp(op, a, b) => all(&|i| cmp(*op, &self.term(a, i, env), &self.term(b, i, env))),
            Formula::Not(a) => self.sat(a, env).into_iter().map(|x| !x).collect(),
            Formula::And(a, b) => self.both(a, b, env, |x, y| x && y),
            Formula::Or(a, b) => self.both(a, b, env, |x, y| x || y),
            Formula::Implies(a, b) => self.both(a, b, env, |x, y| !x || y),
            Formula::Iff(a, b) => self.both(a, b, env, |x, y| x == y),
            Formula::Unary(op, iv, a) => {
                let x = self.sat(a, env);
                let d = |i: usize, j: usize| self.within(iv, i, j);
                all(&|i| match op {
                    // i+1 < n, d(i, i+1) ∈ I, and φ at i+1
                    UOp::Next => i + 1 < n && d(i, i + 1) && x[i + 1],
                    // i+1 = n, or d(i, i+1) ∉ I, or φ at i+1
                    UOp::WNext => i + 1 == n || !d(i, i + 1) || x[i + 1],
                    UOp::Prev => i > 0 && d(i - 1, i) && x[i - 1],
                    UOp::WPrev => i == 0 || !d(i - 1, i) || x[i - 1],
                    // some j ≥ i with d(i, j) ∈ I has φ
                    UOp::Eventually => (i..n).any(|j| d(i, j) && x[j]),
                    // every j ≥ i with d(i, j) ∈ I has φ
                    UOp::Always => (i..n).all(|j| !d(i, j) || x[j]),
                    UOp::Once => (0..=i).any(|j| d(j, i) && x[j]),
                    UOp::Historically => (0..=i).all(|j| !d(j, i) || x[j]),
                })
            }
            Formula::Binary(op, iv, a, b) => {
                let (x, y) = (self.sat(a, env), self.sat(b, env));
                let d = |i: usize, j: usize| self.within(iv, i, j);
                // some j ≥ i with d(i, j) ∈ I has ψ at j and φ on [i, j)
                let until = |i: usize| (i..n).any(|j| d(i, j) && y[j] && (i..j).all(|k| x[k]));
                all(&|i| match op {
                    BOp::Until => until(i),
                    // `φ until ψ`, or φ at every k ∈ [i, n). The plain definition says nothing
                    // of intervals; as `always[I]` restricts "every k ≥ i" to d(i, k) ∈ I,
                    // so does this: `φ until[I] ψ`, or φ at every k ≥ i with d(i, k) ∈ I
                    // (the compiler's documented desugaring `(φ until ψ) || always φ`).
                    // With a lower bound, φ need not hold on [i, i + lo).
                    BOp::WUntil => until(i) || (i..n).all(|k| !d(i, k) || x[k]),
                    // every j ≥ i with d(i, j) ∈ I has ψ, or φ at some k ∈ [i, j)
                    BOp::Release => (i..n).all(|j| !d(i, j) || y[j] || (i..j).any(|k| x[k])),
                    // some j ≤ i with d(j, i) ∈ I has ψ at j and φ on (j, i]
                    BOp::Since => (0..=i).any(|j| d(j, i) && y[j] && (j + 1..=i).all(|k| x[k])),
                })
            }
            // σ, i, ρ ⊨ bind w. φ iff σ, i, ρ[w ↦ i] ⊨ φ
            Formula::Bind(v, a) => all(&|i| {
                let mut e = env.clone();
                e.push((v.clone(), Binding::Pos(i)));
                self.sat(a, &e)[i]
            }),
            Formula::Quant(q, v, dom, a) => {
                let dom = match dom {
                    Domain::Nodes => self.nodes.clone(),
                    Domain::List(items) => items.clone(),
                };
                let each: Vec<Vec<bool>> = dom
                    .into_iter()
                    .map(|x| {
                        let mut e = env.clone();
                        e.push((v.clone(), Binding::Val(x)));
                        self.sat(a, &e)
                    })
                    .collect();
                all(&|i| match q {
                    Quant::Forall => each.iter().all(|s| s[i]),
                    Quant::Exists => each.iter().any(|s| s[i]),
                })
            }
            Formula::Named(_, a) => self.sat(a, env),
        }
    }

    fn both(&self, a: &Formula, b: &Formula, env: &Env, op: impl Fn(bool, bool) -> bool) -> Vec<bool> {
        let (x, y) = (self.sat(a, env), self.sat(b, env));
        x.into_iter().zip(y).map(|(x, y)| op(x, y)).collect()
    }
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

fn term_free(t: &Term, out: &mut BTreeSet<String>) {
    match t {
        Term::Lit(_) | Term::Dur(..) => {}
        Term::Path(root, segs) => {
            if let Root::Var(v) = root {
                out.insert(v.clone());
            }
            for s in segs {
                if let Seg::Index(i) = s {
                    term_free(i, out);
                }
            }
        }
        Term::Arith(_, a, b) => {
            term_free(a, out);
            term_free(b, out);
        }
        Term::Neg(a) | Term::Len(a) => term_free(a, out),
        Term::Array(items) => items.iter().for_each(|i| term_free(i, out)),
        Term::Index(base, segs) => {
            term_free(base, out);
            for s in segs {
                if let Seg::Index(i) = s {
                    term_free(i, out);
                }
            }
        }
    }
}

/// The names occurring free in a formula.
fn free(f: &Formula) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match f {
        Formula::Const(_) => {}
        Formula::Truthy(t) => term_free(t, &mut out),
        Formula::Cmp(_, a, b) => {
            term_free(a, &mut out);
            term_free(b, &mut out);
        }
        Formula::Not(a) | Formula::Unary(_, _, a) => out = free(a),
        Formula::Named(_, a) => out = free(a),
        Formula::And(a, b)
        | Formula::Or(a, b)
        | Formula::Implies(a, b)
        | Formula::Iff(a, b)
        | Formula::Binary(_, _, a, b) => {
            out = free(a);
            out.extend(free(b));
        }
        Formula::Bind(v, a) | Formula::Quant(_, v, _, a) => {
            out = free(a);
            out.remove(v);
        }
    }
    out
}

/// The formula and its subformulas without free names.
fn closed_subformulas<'f>(f: &'f Formula, out: &mut Vec<&'f Formula>) {
    if free(f).is_empty() {
        out.push(f);
    }
    match f {
        Formula::Const(_) | Formula::Truthy(_) | Formula::Cmp(..) => {}
        Formula::Not(a) | Formula::Unary(_, _, a) | Formula::Bind(_, a) | Formula::Quant(_, _, _, a) => {
            closed_subformulas(a, out)
        }
        Formula::Named(_, a) => closed_subformulas(a, out),
        Formula::And(a, b)
        | Formula::Or(a, b)
        | Formula::Implies(a, b)
        | Formula::Iff(a, b)
        | Formula::Binary(_, _, a, b) => {
            closed_subformulas(a, out);
            closed_subformulas(b, out);
        }
    }
}

/// The three views of a closed formula at every step, from the fast evaluator.
fn views(f: &Formula, text: &str) -> Vec<u8> {
    views_in(f, text, &opts())
}

fn views_in(f: &Formula, text: &str, opts: &CompileOptions) -> Vec<u8> {
    let plan = compile(f, opts).unwrap_or_else(|e| panic!("{e:?}: {f}"));
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let ev = Eval::new(&plan, &tr);
    let env = ev.env0();
    (0..tr.n).map(|i| ev.value(plan.root, i, &env)).collect()
}

fn naive_values(f: &Formula, text: &str) -> Vec<bool> {
    naive_values_in(f, text, &opts())
}

fn naive_values_in(f: &Formula, text: &str, opts: &CompileOptions) -> Vec<bool> {
    let steps = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    Naive::new(&steps, opts).sat(f, &vec![])
}

/// The formula with every interval of a future operator dropped (past operators keep theirs).
fn without_future_windows(f: Formula) -> Formula {
    let b = |x: Box<Formula>| Box::new(without_future_windows(*x));
    match f {
        Formula::Const(_) | Formula::Truthy(_) | Formula::Cmp(..) => f,
        Formula::Named(n, x) => Formula::Named(n, std::sync::Arc::new(*b(Box::new((*x).clone())))),
        Formula::Not(x) => Formula::Not(b(x)),
        Formula::And(x, y) => Formula::And(b(x), b(y)),
        Formula::Or(x, y) => Formula::Or(b(x), b(y)),
        Formula::Implies(x, y) => Formula::Implies(b(x), b(y)),
        Formula::Iff(x, y) => Formula::Iff(b(x), b(y)),
        Formula::Unary(o, iv, x) => Formula::Unary(o, if o.is_past() { iv } else { Interval::default() }, b(x)),
        Formula::Binary(o, iv, x, y) => {
            Formula::Binary(o, if o == BOp::Since { iv } else { Interval::default() }, b(x), b(y))
        }
        Formula::Bind(v, x) => Formula::Bind(v, b(x)),
        Formula::Quant(q, v, d, x) => Formula::Quant(q, v, d, b(x)),
    }
}

/// Checks the definite views of `f` on `trace` against the naive value on `trace` + `ext`.
fn check_sound(f: &Formula, trace: &[(u32, Json)], ext: &[(u32, Json)]) -> Result<(), TestCaseError> {
    check_sound_until(f, trace, ext, None)
}

/// [`check_sound`] with `--end-time` at `after` time units past the last step:
/// the continuation's first step comes at that time or later.
fn check_sound_until(
    f: &Formula,
    trace: &[(u32, Json)],
    ext: &[(u32, Json)],
    after: Option<u32>,
) -> Result<(), TestCaseError> {
    let text = render(trace);
    let mut ext = ext.to_vec();
    let mut o = opts();
    if let Some(k) = after {
        let last: u32 = trace.iter().map(|(dt, _)| dt).sum();
        o.end_time = Some((last + k) as i64);
        ext[0].0 += k;
    }
    let longer = render(&[trace, &ext].concat());
    let v = views_in(f, &text, &o);
    let want = naive_values(f, &longer);
    for (i, &v) in v.iter().enumerate() {
        if v & W == 0 {
            prop_assert!(
                !want[i],
                "weak view false but an extension satisfies `{}` at step {}\n{}--- extended:\n{}",
                f,
                i,
                text,
                longer
            );
        }
        if v & S != 0 {
            prop_assert!(
                want[i],
                "strong view true but an extension falsifies `{}` at step {}\n{}--- extended:\n{}",
                f,
                i,
                text,
                longer
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(1500), ..ProptestConfig::default() })]

    /// The neutral view is plain LTLf at every step, for the formula and each closed
    /// subformula, and the verdict is `holds` exactly when LTLf says so.
    #[test]
    fn neutral_view_is_ltlf(f in common::formula(), text in common::trace_text()) {
        let mut subs = Vec::new();
        closed_subformulas(&f, &mut subs);
        for g in subs {
            let v = views(g, &text);
            let want = naive_values(g, &text);
            for (i, (&v, &want)) in v.iter().zip(&want).enumerate() {
                prop_assert_eq!(v & NV != 0, want,
                    "neutral view of `{}` at step {} (views {:03b}; in `{}`)\n{}", g, i, v, f, text);
            }
        }
        let plan = compile(&f, &opts()).unwrap();
        let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
        let out = ltl::evaluate(&plan, &tr, 1);
        prop_assert_eq!(out.verdict == ltl::Verdict::Holds, naive_values(&f, &text)[0], "verdict of `{}`\n{}", f, text);
    }

    /// The same with the trace's time in µs or s (bounds and durations in ms and µs
    /// convert to fractions or multiples of it).
    #[test]
    fn neutral_view_is_ltlf_in_other_time_units(f in common::formula(), text in common::trace_text(), s in any::<bool>()) {
        let o = CompileOptions { time_unit: if s { Unit::S } else { Unit::Us }, ..opts() };
        let v = views_in(&f, &text, &o);
        let want = naive_values_in(&f, &text, &o);
        for (i, (&v, &want)) in v.iter().zip(&want).enumerate() {
            prop_assert_eq!(v & NV != 0, want, "neutral view of `{}` at step {} (views {:03b}, time in {:?})\n{}", f, i, v, o.time_unit, text);
        }
    }

    /// Strong ⇒ neutral ⇒ weak at every step, for the formula and each closed
    /// subformula (the `ltl::eval` module doc: "strong ≤ neutral ≤ weak"; the trace
    /// may end where it does, so the strong view implies the neutral one).
    ///
    /// It once failed: on the one-step trace `{"time":0}`, `next true` had the views
    /// S and W but not NV, and `wnext false` NV but neither S nor W, because past the
    /// end atoms that the known bounds decide take their exact value in every view
    /// (time and steps only grow after the end), so the strong and weak views
    /// described a trace continued by at least one step. The evaluator now orders
    /// the views at every node (the trace may also end where it does).
    #[test]
    fn views_are_ordered(f in common::formula(), text in common::trace_text()) {
        let mut subs = Vec::new();
        closed_subformulas(&f, &mut subs);
        for g in subs {
            for (i, v) in views(g, &text).into_iter().enumerate() {
                prop_assert!(v & S == 0 || v & NV != 0, "strong but not neutral: `{}` at step {} ({:03b})\n{}", g, i, v, text);
                prop_assert!(v & NV == 0 || v & W != 0, "neutral but not weak: `{}` at step {} ({:03b})\n{}", g, i, v, text);
            }
        }
    }

    /// A false weak view means no continuation satisfies the formula, a true strong
    /// view that every continuation does (at every step of the trace, so at step 0:
    /// `fails` and definite `holds` are final). Continuations: 1–3 more steps, times
    /// non-decreasing from the last one.
    ///
    /// It once failed: windows of future operators that reach past the end of the
    /// trace counted a position beyond the end as certainly inside the window, and
    /// when the operand's value there is decided (a constant, an atom on
    /// `time`/`step` or on `w.…` only) the strong/weak view took it, though a
    /// continuation may have no position in the window (it may stop short of it, or
    /// time may stay put or jump over it). On the one-step trace
    /// `{"time":0,"state":{"q":false}}`:
    ///
    /// - `wnext[1ms..1ms] false && eventually state.q` is `fails` (weak view false),
    ///   yet the continuation `{"time":0,"state":{"q":true}}` satisfies it (its next
    ///   step is at distance 0, outside the window);
    /// - `always[2..2] false && eventually state.q` is `fails`, yet the same
    ///   one-step continuation satisfies it (no position at distance 2);
    /// - `eventually[1ms..1ms] true`, `next[1ms..1ms] true`, `eventually[2..2] true`
    ///   and `true until[2..] true` have a true strong view (`"definite": true`),
    ///   yet that continuation falsifies them.
    ///
    /// `definite_views_are_sound_without_future_windows` checks the rest.
    #[test]
    fn definite_views_are_sound_against_continuations(
        f in common::formula(),
        trace in steps(),
        ext in prop::collection::vec(step_json(), 1..4),
    ) {
        check_sound(&f, &trace, &ext)?;
    }

    /// The same with `--end-time` some time after the last step (up to 4 ms): no
    /// step comes before it, so more windows close.
    #[test]
    fn definite_views_are_sound_with_an_end_time(
        f in common::formula(),
        trace in steps(),
        ext in prop::collection::vec(step_json(), 1..4),
        after in 0u32..5,
    ) {
        check_sound_until(&f, &trace, &ext, Some(after))?;
    }

    /// The same with the intervals of future operators dropped (past operators, and
    /// `bind` deadlines, which compile to windows, are kept).
    #[test]
    fn definite_views_are_sound_without_future_windows(
        f in common::formula(),
        trace in steps(),
        ext in prop::collection::vec(step_json(), 1..4),
    ) {
        check_sound(&without_future_windows(f), &trace, &ext)?;
    }
}

// ---------------------------------------------------------------------------------
// Unit tests of the naive evaluator
// ---------------------------------------------------------------------------------

/// Steps as `(time, "pq")`: the letters that are true in `state`, plus extra fields.
fn tiny(steps: &[(i64, &str)]) -> Vec<Step> {
    let text: String = steps
        .iter()
        .map(|(t, s)| {
            let id = s.chars().find(|c| c.is_ascii_digit()).map_or(0, |c| c as i64 - '0' as i64);
            let kind = if s.contains('r') {
                "request"
            } else if s.contains('a') {
                "response"
            } else {
                "tick"
            };
            let rec = json!({"time": t, "state": {"p": s.contains('p'), "q": s.contains('q'), "x": id,
                "n1": {"up": s.contains('1')}, "n2": {"up": s.contains('2')}},
                "event": {"kind": kind, "id": id}});
            rec.to_string() + "\n"
        })
        .collect();
    load_steps(text.as_bytes(), &TraceOptions::default()).unwrap()
}

/// The naive value of `f` at every step, as a string of `T`/`F`.
fn tf(f: &str, steps: &[(i64, &str)]) -> String {
    let f = ltl::parse::parse(f).unwrap_or_else(|e| panic!("{}", e.render(f)));
    let st = tiny(steps);
    Naive::new(&st, &CompileOptions { time_unit: Unit::Ms, nodes: vec![], end_time: None })
        .sat(&f, &vec![])
        .into_iter()
        .map(|b| if b { 'T' } else { 'F' })
        .collect()
}

/// Steps 0, 1, 2, … 10 ms apart.
fn every10<'s>(s: &[&'s str]) -> Vec<(i64, &'s str)> {
    s.iter().enumerate().map(|(i, s)| (10 * i as i64, *s)).collect()
}

#[test]
fn next_and_prev_strong_and_weak() {
    let t = every10(&["p", "-", "p"]);
    assert_eq!(tf("next state.p", &t), "FTF");
    assert_eq!(tf("wnext state.p", &t), "FTT");
    assert_eq!(tf("prev state.p", &t), "FTF");
    assert_eq!(tf("wprev state.p", &t), "TTF");
    assert_eq!(tf("next true", &t), "TTF");
    assert_eq!(tf("wnext false", &t), "FFT");
    assert_eq!(tf("prev true", &t), "FTT");
    assert_eq!(tf("wprev false", &t), "TFF");
}

#[test]
fn eventually_always_once_historically() {
    let t = every10(&["-", "p", "-", "q"]);
    assert_eq!(tf("eventually state.p", &t), "TTFF");
    assert_eq!(tf("always !state.p", &t), "FFTT");
    assert_eq!(tf("always state.p", &every10(&["p", "p"])), "TT");
    assert_eq!(tf("once state.p", &t), "FTTT");
    assert_eq!(tf("historically !state.q", &t), "TTTF");
    assert_eq!(tf("always (state.p -> eventually state.q)", &t), "TTTT");
    assert_eq!(tf("always (state.p -> eventually state.q)", &every10(&["p", "q", "p"])), "FFF");
}

#[test]
fn until_wuntil_release_since() {
    let t = every10(&["p", "p", "q", "-"]);
    assert_eq!(tf("state.p until state.q", &t), "TTTF");
    assert_eq!(tf("state.p wuntil state.q", &t), "TTTF");
    let t = every10(&["p", "p", "p"]);
    assert_eq!(tf("state.p until state.q", &t), "FFF");
    assert_eq!(tf("state.p wuntil state.q", &t), "TTT");
    // with an interval: until[I], or φ wherever d(i, k) ∈ I (the plain definition
    // leaves intervals open; this is the compiler's desugaring)
    assert_eq!(tf("state.p wuntil[..1] state.q", &every10(&["p", "p", "-"])), "TFF");
    assert_eq!(tf("state.p wuntil[2..2] state.q", &every10(&["-", "-", "p"])), "TTT");
    assert_eq!(tf("state.p wuntil[2..2] state.q", &every10(&["-", "-", "-", "-"])), "FFTT");
    // q must hold up to and including the first p; forever if p never comes
    assert_eq!(tf("state.p release state.q", &every10(&["q", "pq", "-"])), "TTF");
    assert_eq!(tf("state.p release state.q", &every10(&["q", "q"])), "TT");
    assert_eq!(tf("state.p release state.q", &every10(&["q", "p"])), "FF");
    assert_eq!(tf("false release state.q", &every10(&["q", "q"])), "TT");
    assert_eq!(tf("state.p since state.q", &every10(&["q", "p", "p", "-", "p"])), "TTTFF");
    assert_eq!(tf("state.p since state.q", &every10(&["-", "p", "pq", "p"])), "FFTT");
}

#[test]
fn step_windows() {
    let t = every10(&["-", "-", "p", "-", "-"]);
    assert_eq!(tf("eventually[..1] state.p", &t), "FTTFF");
    assert_eq!(tf("eventually[1..2] state.p", &t), "TTFFF");
    assert_eq!(tf("eventually[1..2) state.p", &t), "FTFFF");
    assert_eq!(tf("always[1..] !state.p", &t), "FFTTT");
    assert_eq!(tf("once[2..] state.p", &t), "FFFFT");
    assert_eq!(tf("historically[..1] !state.p", &t), "TTFFT");
    // next's only step is at distance 1
    assert_eq!(tf("next[2..3] true", &t), "FFFFF");
    assert_eq!(tf("wnext[2..3] false", &t), "TTTTT");
    assert_eq!(tf("prev[1..1] state.p", &t), "FFFTF");
    assert_eq!(tf("true until[2..] state.p", &t), "TFFFF");
    assert_eq!(tf("!state.p release[..1] !state.p", &t), "TTFTT");
    assert_eq!(tf("state.q release[..1] !state.p", &t), "TFFTT");
}

#[test]
fn time_windows_in_ms() {
    // times 0, 5, 10, 20
    let t = [(0, "-"), (5, "-"), (10, "p"), (20, "-")];
    assert_eq!(tf("eventually[..5ms] state.p", &t), "FTTF");
    assert_eq!(tf("eventually[..10ms] state.p", &t), "TTTF");
    assert_eq!(tf("eventually[..10ms) state.p", &t), "FTTF");
    assert_eq!(tf("eventually[..4999us] state.p", &t), "FFTF");
    assert_eq!(tf("eventually[..0.005s] state.p", &t), "FTTF");
    assert_eq!(tf("always[..5ms] !state.p", &t), "TFFT");
    assert_eq!(tf("once[10ms..] state.p", &t), "FFFT");
    assert_eq!(tf("next[..4ms] true", &t), "FFFF");
    assert_eq!(tf("next[..5ms] true", &t), "TTFF");
    assert_eq!(tf("wnext[6ms..] false", &t), "TTFT");
    assert_eq!(tf("true until[1ms..5ms] state.p", &t), "FTFF");
    assert_eq!(tf("state.p since[..10ms] !state.p", &t), "TTTT");
    assert_eq!(tf("state.p since[1ms..10ms] true", &t), "FFTF");
}

#[test]
fn bind_deadlines_and_joins() {
    let t = [(0, "r1"), (4, "a2"), (9, "a1"), (30, "r2")];
    let rr = "bind w. eventually (event.kind == \"response\" && event.id == w.event.id)";
    assert_eq!(tf(rr, &t), "TTTF");
    let rr5 = "bind w. eventually (event.kind == \"response\" && event.id == w.event.id && time - w.time <= 5)";
    assert_eq!(tf(rr5, &t), "FTTF");
    let rr9 = "bind w. eventually (event.kind == \"response\" && event.id == w.event.id && time - w.time < 10ms)";
    assert_eq!(tf(rr9, &t), "TTTF");
    assert_eq!(tf("bind w. eventually (state.p && step - w.step >= 2)", &every10(&["p", "-", "p", "-"])), "TFFF");
    assert_eq!(tf("bind w. always (time - w.time >= 0)", &t), "TTTT");
    assert_eq!(tf("bind w. wnext (state.x > w.state.x)", &t), "TFTT");
    assert_eq!(tf("bind w. w.time == time && w.step == step", &t), "TTTT");
    assert_eq!(tf("bind w. next (w.time == 4)", &t), "FTFF");
    assert_eq!(tf("bind w. next (time == 4 && w.time == 0)", &t), "TFFF");
    assert_eq!(tf("bind w. next (w.step == step - 1 && prev (w.event.id == event.id))", &t), "TTTF");
    // the inner bind shadows the outer one
    assert_eq!(tf("bind w. next bind w. w.step == step", &t), "TTTF");
}

#[test]
fn boolean_connectives() {
    let t = every10(&["-", "p", "q", "pq"]);
    assert_eq!(tf("state.p <-> state.q", &t), "TFFT");
    assert_eq!(tf("state.p -> state.q", &t), "TFTT");
    assert_eq!(tf("state.p && state.q", &t), "FFFT");
    assert_eq!(tf("state.p || state.q", &t), "FTTT");
    assert_eq!(tf("!state.p", &t), "TFTF");
    assert_eq!(tf("let b = state.p && state.q; next b", &t), "FFTF");
}

#[test]
fn quantifiers() {
    let t = every10(&["1", "12", "-"]);
    let o = CompileOptions { time_unit: Unit::Ms, nodes: vec![], end_time: None };
    let st = tiny(&t);
    let mut keys: Vec<String> = Naive::new(&st, &o).nodes.iter().map(|k| k.as_str().unwrap().to_string()).collect();
    keys.sort();
    assert_eq!(keys, ["n1", "n2", "p", "q", "x"]);
    let nodes = CompileOptions { time_unit: Unit::Ms, nodes: vec!["n1".into(), "n2".into()], end_time: None };
    let f = ltl::parse::parse("forall a in nodes. state[a].up").unwrap();
    assert_eq!(Naive::new(&st, &nodes).sat(&f, &vec![]), [false, true, false]);
    let f = ltl::parse::parse("exists a in nodes. state[a].up").unwrap();
    assert_eq!(Naive::new(&st, &nodes).sat(&f, &vec![]), [true, true, false]);
    assert_eq!(tf("forall a in [\"n1\", \"n2\"]. state[a].up", &t), "FTF");
    assert_eq!(tf("exists a in [\"n2\"]. state[a].up", &t), "FTF");
    assert_eq!(tf("forall a in []. false", &t), "TTT");
    assert_eq!(tf("exists a in []. true", &t), "FFF");
    assert_eq!(tf("forall a in [1, 2]. a > 0", &t), "TTT");
    assert_eq!(tf("exists a in [1, 2]. a == state.x", &every10(&["1", "3"])), "TF");
    // a quantifier inside a bind and a bind inside a quantifier
    assert_eq!(tf("exists a in [\"n1\", \"n2\"]. bind w. next (state[a].up && !w.state[a].up)", &t), "TFF");
}

#[test]
fn json_values() {
    let t = [(0, "-")];
    for f in [
        "1 == 1.0",
        "[1, [2]] == [1.0, [2.0]] && [1, 2] != [2, 1] && [1] != [1, 1]",
        "\"a\" < \"b\"",
        "\"B\" < \"a\"",
        "!(\"a\" < 1) && !(\"a\" >= 1)",
        "!([1] < [2]) && !(null <= null) && null == null",
        "!(state.nothing == 0) && state.nothing == null && state.p.deeper == null",
        "state.x + \"a\" == null && 1 / 0 == null && 7 / 2 == 3.5 && 2 * 3 == 6 && 1 - 3 == -2",
        "-state.x == 0 && -(\"a\") == null",
        "len(\"héé\") == 3 && len([1, 2]) == 2 && len(state) == 5 && len(5) == null && len(null) == null",
        "!null && !false && !0 && !\"\" && ![ ] && !state.nothing",
        "true && 1 && \"a\" && [0] && state",
        "[state.x, 1] == [0, 1] && state[\"x\"] == 0 && state.n1[\"up\"] == false",
        "time == 0 && step == 0 && $.event.kind == \"tick\" && $.time == 0",
        "10ms == 10 && 1s == 1000 && 1500us == 1.5 && 2m == 120000 && 1000000ns == 1",
        "before == null",
    ] {
        assert_eq!(tf(f, &t), "T", "{f}");
    }
    assert_eq!(tf("before.p", &every10(&["p", "-", "-"])), "FTF");
    assert_eq!(tf("state.x > before.x", &every10(&["1", "3", "2"])), "FTF");
}

#[test]
fn json_equality_and_order() {
    assert!(eq(&json!({"a": 1, "b": [2]}), &json!({"b": [2.0], "a": 1.0})));
    assert!(!eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    assert!(!eq(&json!(1), &json!("1")) && !eq(&json!(0), &json!(false)) && !eq(&json!(null), &json!(false)));
    assert_eq!(order(&json!("ab"), &json!("b")), Some(Ordering::Less));
    assert_eq!(order(&json!(2), &json!(10.5)), Some(Ordering::Less));
    assert_eq!(order(&json!(true), &json!(false)), None);
    assert!(!eq(&json!(9007199254740993i64), &json!(9007199254740992.0)));
    assert_eq!(order(&json!(9007199254740993i64), &json!(9007199254740992.0)), Some(Ordering::Greater));
    assert!(!truthy(&json!({})) && truthy(&json!({"a": null})) && !truthy(&json!(0.0)) && truthy(&json!(-1)));
}

#[test]
fn time_in_other_units() {
    let st = tiny(&[(0, "-"), (1500, "p")]);
    let us = CompileOptions { time_unit: Unit::Us, nodes: vec![], end_time: None };
    let f = ltl::parse::parse("eventually[..1ms] state.p").unwrap();
    assert_eq!(Naive::new(&st, &us).sat(&f, &vec![]), [false, true]);
    let f = ltl::parse::parse("eventually[..2ms] state.p").unwrap();
    assert_eq!(Naive::new(&st, &us).sat(&f, &vec![]), [true, true]);
    let f = ltl::parse::parse("time == 1.5ms").unwrap();
    assert_eq!(Naive::new(&st, &us).sat(&f, &vec![]), [false, true]);
}

// ---------------------------------------------------------------------------------
// Reproducers of the two evaluator bugs the properties found (fixed)
// ---------------------------------------------------------------------------------

/// The verdict and the views at step 0 of `f` on `text`, from the fast evaluator.
fn fast(f: &str, text: &str) -> (ltl::Verdict, bool, u8) {
    let f = ltl::parse::parse(f).unwrap();
    let plan = compile(&f, &opts()).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let ev = Eval::new(&plan, &tr);
    let out = ltl::evaluate(&plan, &tr, 1);
    (out.verdict, out.definite, ev.value(plan.root, 0, &ev.env0()))
}

#[test]
fn reproducer_views_not_ordered() {
    let one = "{\"time\":0}\n";
    // (S, NV, W) = (false, false, true) expected; the evaluator gives (true, false, true)
    assert_eq!(fast("next true", one).2, W, "next true");
    // (false, true, true) expected; the evaluator gives (false, true, false)
    assert_eq!(fast("wnext false", one).2, NV | W, "wnext false");
    // a pending verdict is not definite
    let (v, definite, _) = fast("next true", one);
    assert!(v == ltl::Verdict::Pending && !definite, "next true: {v:?}, definite {definite}");
}

#[test]
fn reproducer_unsound_windows() {
    let trace = "{\"time\":0,\"state\":{\"q\":false}}\n";
    let longer = "{\"time\":0,\"state\":{\"q\":false}}\n{\"time\":0,\"state\":{\"q\":true}}\n";
    let o = opts();
    let steps = load_steps(longer.as_bytes(), &TraceOptions::default()).unwrap();
    let naive = |f: &str| Naive::new(&steps, &o).sat(&ltl::parse::parse(f).unwrap(), &vec![])[0];
    let mut wrong = Vec::new();
    // `fails`, but the continuation satisfies them
    for f in ["wnext[1ms..1ms] false && eventually state.q", "always[2..2] false && eventually state.q"] {
        assert!(naive(f), "{f}");
        if fast(f, trace).0 == ltl::Verdict::Fails {
            wrong.push(format!("`{f}` fails"));
        }
    }
    // a true strong view, but the continuation falsifies them
    for f in ["eventually[1ms..1ms] true", "next[1ms..1ms] true", "eventually[2..2] true", "true until[2..] true"] {
        assert!(!naive(f), "{f}");
        if fast(f, trace).2 & S != 0 {
            wrong.push(format!("`{f}` has a true strong view"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
