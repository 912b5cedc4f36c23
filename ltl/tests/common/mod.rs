//! Generators shared by the property tests (`prop.rs`, `naive.rs`): random formulas
//! over the fields of random short traces, and the traces.
//!
//! The formulas cover every operator (with and without step and ms intervals),
//! `bind` (deadlines on `time - w.time` and `step - w.step`, id joins: the shapes
//! the compiler turns into windows and hash joins, and arbitrary bodies),
//! quantifiers over `nodes` and literal lists, `let` names, and the term forms
//! (`before`, `$`, arithmetic, `len`, durations, arrays, strings, missing values).
//! The traces have 1–8 steps with non-decreasing integer times (in ms).

#![allow(dead_code)]

use ltl::compile::CompileOptions;
use ltl::syntax::*;
use proptest::prelude::*;
use serde_json::{json, Value as Json};

pub fn path(root: Root, keys: &[&str]) -> Term {
    Term::Path(root, keys.iter().map(|k| Seg::Key(k.to_string())).collect())
}

fn w(keys: &[&str]) -> Term {
    path(Root::Var("w".into()), keys)
}

fn lit(j: Json) -> Term {
    Term::Lit(j)
}

fn arith(op: ArithOp, a: Term, b: Term) -> Term {
    Term::Arith(op, Box::new(a), Box::new(b))
}

/// `time - w.time` or `step - w.step`.
fn delta(steps: bool) -> Term {
    if steps {
        arith(ArithOp::Sub, Term::Path(Root::Step, vec![]), w(&["step"]))
    } else {
        arith(ArithOp::Sub, Term::Path(Root::Time, vec![]), w(&["time"]))
    }
}

/// `state[a]...`, with `a` the quantified variable.
fn state_a(keys: &[&str]) -> Term {
    let mut segs = vec![Seg::Index(Term::Path(Root::Var("a".into()), vec![]))];
    segs.extend(keys.iter().map(|k| Seg::Key(k.to_string())));
    Term::Path(Root::State, segs)
}

fn and(a: Formula, b: Formula) -> Formula {
    Formula::And(Box::new(a), Box::new(b))
}

const CMP: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

/// A duration (or a plain number of ms): `c`, `c ms` or `500c us` (c/2 ms).
fn ms(c: i64, form: u8) -> Term {
    match form % 3 {
        0 => lit(json!(c)),
        1 => Term::Dur(c as f64, Unit::Ms),
        _ => Term::Dur((c * 500) as f64, Unit::Us),
    }
}

/// Atoms over a step's fields. Those that mention `w` (a bind variable) or `a` (a
/// quantified one) are turned into plain ones by [`unbind`] where nothing binds them.
pub fn atom() -> impl Strategy<Value = Formula> {
    let cmp = (0usize..6).prop_map(|k| CMP[k]);
    prop_oneof![
        Just(Formula::Truthy(path(Root::State, &["p"]))),
        Just(Formula::Truthy(path(Root::State, &["q"]))),
        (0i64..3).prop_map(|c| Formula::Cmp(CmpOp::Ge, path(Root::State, &["x"]), lit(json!(c)))),
        (cmp.clone(), 0i64..3).prop_map(|(op, c)| Formula::Cmp(op, path(Root::State, &["x"]), lit(json!(c)))),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["kind"]), lit(json!("request")))),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["kind"]), lit(json!("response")))),
        (0i64..12).prop_map(|c| Formula::Cmp(CmpOp::Le, Term::Path(Root::Time, vec![]), lit(json!(c)))),
        (cmp.clone(), 0i64..12, 0u8..3).prop_map(|(op, c, f)| Formula::Cmp(
            op,
            Term::Path(Root::Time, vec![]),
            ms(c, f)
        )),
        (0i64..6).prop_map(|c| Formula::Cmp(CmpOp::Ge, Term::Path(Root::Step, vec![]), lit(json!(c)))),
        Just(Formula::Const(false)),
        Just(Formula::Const(true)),
        // truthiness of a number, a string or a missing value
        Just(Formula::Truthy(path(Root::State, &["x"]))),
        // the previous step's state (null at step 0), the whole record
        Just(Formula::Cmp(CmpOp::Gt, path(Root::State, &["x"]), path(Root::Before, &["x"]))),
        Just(Formula::Truthy(path(Root::Before, &["p"]))),
        (0i64..3).prop_map(|c| Formula::Cmp(CmpOp::Eq, path(Root::Record, &["event", "id"]), lit(json!(c)))),
        // arrays, len, strings ordered lexically, arithmetic (null on non-numbers)
        (0i64..3).prop_map(|c| Formula::Cmp(
            CmpOp::Ge,
            Term::Len(Box::new(path(Root::State, &["log"]))),
            lit(json!(c))
        )),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::State, &["log"]), lit(json!([0, 1])))),
        Just(Formula::Cmp(CmpOp::Eq, Term::Array(vec![path(Root::State, &["x"]), lit(json!(1))]), lit(json!([1, 1])))),
        (cmp.clone(), 0usize..3).prop_map(|(op, s)| Formula::Cmp(
            op,
            path(Root::Event, &["kind"]),
            lit(json!(["s", "response", "r"][s]))
        )),
        Just(Formula::Cmp(
            CmpOp::Eq,
            arith(ArithOp::Add, path(Root::State, &["x"]), lit(json!(1))),
            path(Root::State, &["n1", "term"])
        )),
        (0usize..4, cmp.clone(), 0i64..4).prop_map(|(k, op, c)| {
            let ops = [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div];
            Formula::Cmp(op, arith(ops[k], path(Root::State, &["x"]), path(Root::Event, &["id"])), lit(json!(c)))
        }),
        Just(Formula::Cmp(CmpOp::Le, Term::Neg(Box::new(path(Root::State, &["x"]))), lit(json!(-1)))),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::State, &["log", "0"]), Term::Lit(Json::Null))),
        (0i64..2).prop_map(|c| Formula::Cmp(
            CmpOp::Eq,
            Term::Path(Root::State, vec![Seg::Key("log".into()), Seg::Index(lit(json!(c)))]),
            lit(json!(0))
        )),
        // segments on computed values: a literal array indexed by a field, an
        // array of fields indexed by a constant, a field of an arithmetic result
        Just(Formula::Cmp(
            CmpOp::Eq,
            Term::Index(Box::new(lit(json!([0, 1, 2]))), vec![Seg::Index(path(Root::State, &["x"]))]),
            lit(json!(1))
        )),
        (0i64..3).prop_map(|c| Formula::Cmp(
            CmpOp::Ge,
            Term::Index(
                Box::new(Term::Array(vec![path(Root::State, &["x"]), path(Root::Event, &["id"])])),
                vec![Seg::Index(lit(json!(1)))]
            ),
            lit(json!(c))
        )),
        Just(Formula::Truthy(Term::Index(
            Box::new(arith(ArithOp::Add, path(Root::State, &["x"]), lit(json!(1)))),
            vec![Seg::Key("k".into())]
        ))),
        Just(Formula::Cmp(CmpOp::Eq, w(&["$", "event", "id"]), path(Root::Event, &["id"]))),
        Just(Formula::Cmp(CmpOp::Ge, path(Root::State, &["x"]), w(&["before", "x"]))),
        // w-atoms (placeholders until a bind encloses them)
        (0i64..6).prop_map(|c| Formula::Cmp(CmpOp::Le, delta(false), lit(json!(c)))),
        (cmp.clone(), -1i64..6, 0u8..3).prop_map(|(op, c, f)| Formula::Cmp(op, delta(false), ms(c, f))),
        (cmp.clone(), -1i64..5).prop_map(|(op, c)| Formula::Cmp(op, delta(true), lit(json!(c)))),
        (cmp.clone(), 0i64..6).prop_map(|(op, c)| Formula::Cmp(
            op,
            Term::Path(Root::Time, vec![]),
            arith(ArithOp::Add, w(&["time"]), lit(json!(c)))
        )),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["id"]), w(&["event", "id"]))),
        Just(Formula::Cmp(CmpOp::Gt, path(Root::State, &["x"]), w(&["state", "x"]))),
        Just(Formula::Cmp(CmpOp::Ge, path(Root::State, &["x"]), w(&["state", "x"]))),
        Just(Formula::Truthy(w(&["state", "p"]))),
        Just(Formula::Cmp(CmpOp::Eq, w(&["event", "kind"]), lit(json!("request")))),
        // a-atoms (placeholders until a quantifier over `a` encloses them)
        (0i64..3).prop_map(|c| Formula::Cmp(CmpOp::Ge, state_a(&["term"]), lit(json!(c)))),
        Just(Formula::Cmp(CmpOp::Eq, Term::Path(Root::Var("a".into()), vec![]), lit(json!("n1")))),
        Just(Formula::Truthy(state_a(&[]))),
        Just(Formula::Cmp(
            CmpOp::Gt,
            state_a(&["term"]),
            Term::Path(Root::Var("w".into()), {
                let mut s = vec![Seg::Key("state".into())];
                s.push(Seg::Index(Term::Path(Root::Var("a".into()), vec![])));
                s.push(Seg::Key("term".into()));
                s
            })
        )),
        Just(Formula::Quant(
            Quant::Forall,
            "a".into(),
            Domain::List(vec![json!("n1"), json!("n2")]),
            Box::new(Formula::Cmp(CmpOp::Ge, state_a(&["term"]), lit(json!(1))))
        )),
    ]
}

pub fn interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        3 => Just(Interval::default()),
        1 => (0u32..3, 0u32..4, any::<bool>()).prop_map(|(a, d, open)| {
            let open = open && d > 0;
            Interval { lo: Some(Bound { value: a as f64, unit: None }), hi: Some(Bound { value: (a + d) as f64, unit: None }), hi_open: open }
        }),
        1 => (0u32..3, 0u32..5, any::<bool>()).prop_map(|(a, d, open)| Interval {
            lo: (a > 0).then_some(Bound { value: a as f64, unit: Some(Unit::Ms) }),
            hi: Some(Bound { value: (a + d) as f64, unit: Some(Unit::Ms) }),
            hi_open: open && d > 0,
        }),
        // fractional bounds in ms: 500us steps
        1 => (0u32..5, 1u32..8).prop_map(|(a, d)| Interval {
            lo: (a > 0).then_some(Bound { value: (a * 500) as f64, unit: Some(Unit::Us) }),
            hi: Some(Bound { value: ((a + d) * 500) as f64, unit: Some(Unit::Us) }),
            hi_open: false,
        }),
        1 => (1u32..4).prop_map(|a| Interval { lo: Some(Bound { value: a as f64, unit: None }), hi: None, hi_open: false }),
        1 => (1u32..4).prop_map(|a| Interval { lo: Some(Bound { value: a as f64, unit: Some(Unit::Ms) }), hi: None, hi_open: false }),
    ]
}

/// `bind w. eventually (χ && bounds on time - w.time / step - w.step && a join)`, the
/// conjuncts in any order: the shapes compiled to windows and hash joins.
fn bind_pattern(chi: Formula) -> impl Strategy<Value = Formula> {
    let bound = (any::<bool>(), 0usize..6, -1i64..6, 0u8..3);
    (Just(chi), prop::collection::vec(bound, 0..3), prop::option::of(0usize..3), 0usize..4, 0usize..3).prop_map(
        |(chi, bounds, join, rot, outer)| {
            let mut cs = vec![chi];
            for (steps, op, c, form) in bounds {
                let c = if steps { lit(json!(c)) } else { ms(c, form) };
                cs.push(Formula::Cmp(CMP[op], delta(steps), c));
            }
            if let Some(j) = join {
                cs.push(match j {
                    0 => Formula::Cmp(CmpOp::Eq, path(Root::Event, &["id"]), w(&["event", "id"])),
                    1 => Formula::Cmp(CmpOp::Eq, w(&["event", "id"]), path(Root::Event, &["id"])),
                    _ => Formula::Cmp(CmpOp::Eq, path(Root::State, &["x"]), w(&["state", "x"])),
                });
            }
            let k = rot % cs.len();
            cs.rotate_left(k);
            let body = cs.into_iter().reduce(and).unwrap();
            let bind = Formula::Bind(
                "w".into(),
                Box::new(Formula::Unary(UOp::Eventually, Interval::default(), Box::new(body))),
            );
            match outer {
                // the request/response property
                0 => Formula::Unary(
                    UOp::Always,
                    Interval::default(),
                    Box::new(Formula::Implies(
                        Box::new(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["kind"]), lit(json!("request")))),
                        Box::new(bind),
                    )),
                ),
                _ => bind,
            }
        },
    )
}

pub fn formula() -> impl Strategy<Value = Formula> {
    atom()
        .prop_recursive(4, 24, 2, |inner| {
            let uops = prop_oneof![
                Just(UOp::Next),
                Just(UOp::WNext),
                Just(UOp::Prev),
                Just(UOp::WPrev),
                Just(UOp::Eventually),
                Just(UOp::Always),
                Just(UOp::Once),
                Just(UOp::Historically)
            ];
            let bops = prop_oneof![Just(BOp::Until), Just(BOp::WUntil), Just(BOp::Release), Just(BOp::Since)];
            let domain = prop_oneof![
                Just(Domain::Nodes),
                Just(Domain::List(vec![json!("n1"), json!("n2")])),
                Just(Domain::List(vec![json!("n2"), json!("zz")])),
                Just(Domain::List(vec![])),
            ];
            let quant = prop_oneof![Just(Quant::Forall), Just(Quant::Exists)];
            prop_oneof![
                1 => inner.clone().prop_map(|a| Formula::Not(Box::new(a))),
                1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::And(Box::new(a), Box::new(b))),
                1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Or(Box::new(a), Box::new(b))),
                1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Implies(Box::new(a), Box::new(b))),
                1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Iff(Box::new(a), Box::new(b))),
                2 => (uops, interval(), inner.clone()).prop_map(|(o, iv, a)| Formula::Unary(o, iv, Box::new(a))),
                2 => (bops, interval(), inner.clone(), inner.clone()).prop_map(|(o, iv, a, b)| Formula::Binary(
                    o,
                    iv,
                    Box::new(a),
                    Box::new(b)
                )),
                1 => inner.clone().prop_map(|a| Formula::Bind("w".into(), Box::new(a))),
                1 => (quant, domain, inner.clone()).prop_map(|(q, d, a)| Formula::Quant(q, "a".into(), d, Box::new(a))),
                1 => inner.clone().prop_map(|a| Formula::Named("L".into(), std::sync::Arc::new(a))),
                2 => inner.clone().prop_flat_map(bind_pattern),
            ]
        })
        .prop_map(|f| unbind(f, false, false))
}

/// Whether a term mentions the variable `v`.
pub fn mentions(t: &Term, v: &str) -> bool {
    match t {
        Term::Lit(_) | Term::Dur(..) => false,
        Term::Path(root, segs) => {
            matches!(root, Root::Var(x) if x == v) || segs.iter().any(|s| matches!(s, Seg::Index(i) if mentions(i, v)))
        }
        Term::Arith(_, a, b) => mentions(a, v) || mentions(b, v),
        Term::Neg(a) | Term::Len(a) => mentions(a, v),
        Term::Array(items) => items.iter().any(|i| mentions(i, v)),
        Term::Index(base, segs) => {
            mentions(base, v) || segs.iter().any(|s| matches!(s, Seg::Index(i) if mentions(i, v)))
        }
    }
}

/// Replaces the atoms that mention `w` outside any bind, or `a` outside any
/// quantifier, by `state.q`.
pub fn unbind(f: Formula, w: bool, a: bool) -> Formula {
    let free = |t: &Term| (!w && mentions(t, "w")) || (!a && mentions(t, "a"));
    let b = |x: Box<Formula>, w, a| Box::new(unbind(*x, w, a));
    match f {
        Formula::Cmp(op, l, r) => {
            if free(&l) || free(&r) {
                Formula::Truthy(path(Root::State, &["q"]))
            } else {
                Formula::Cmp(op, l, r)
            }
        }
        Formula::Truthy(t) if free(&t) => Formula::Truthy(path(Root::State, &["q"])),
        Formula::Not(x) => Formula::Not(b(x, w, a)),
        Formula::And(x, y) => Formula::And(b(x, w, a), b(y, w, a)),
        Formula::Or(x, y) => Formula::Or(b(x, w, a), b(y, w, a)),
        Formula::Implies(x, y) => Formula::Implies(b(x, w, a), b(y, w, a)),
        Formula::Iff(x, y) => Formula::Iff(b(x, w, a), b(y, w, a)),
        Formula::Unary(o, iv, x) => Formula::Unary(o, iv, b(x, w, a)),
        Formula::Binary(o, iv, x, y) => Formula::Binary(o, iv, b(x, w, a), b(y, w, a)),
        Formula::Bind(v, x) => {
            let w = w || v == "w";
            Formula::Bind(v, b(x, w, a))
        }
        Formula::Quant(q, v, d, x) => {
            let a = a || v == "a";
            Formula::Quant(q, v, d, b(x, w, a))
        }
        Formula::Named(n, x) => Formula::Named(n, std::sync::Arc::new(*b(Box::new((*x).clone()), w, a))),
        f => f,
    }
}

/// The formula without its `let` names (what printing and re-parsing gives back).
pub fn strip_named(f: Formula) -> Formula {
    let b = |x: Box<Formula>| Box::new(strip_named(*x));
    match f {
        Formula::Named(_, x) => strip_named((*x).clone()),
        Formula::Not(x) => Formula::Not(b(x)),
        Formula::And(x, y) => Formula::And(b(x), b(y)),
        Formula::Or(x, y) => Formula::Or(b(x), b(y)),
        Formula::Implies(x, y) => Formula::Implies(b(x), b(y)),
        Formula::Iff(x, y) => Formula::Iff(b(x), b(y)),
        Formula::Unary(o, iv, x) => Formula::Unary(o, iv, b(x)),
        Formula::Binary(o, iv, x, y) => Formula::Binary(o, iv, b(x), b(y)),
        Formula::Bind(v, x) => Formula::Bind(v, b(x)),
        Formula::Quant(q, v, d, x) => Formula::Quant(q, v, d, b(x)),
        f => f,
    }
}

/// One step: the time increment and the record (without its time).
pub fn step_json() -> impl Strategy<Value = (u32, Json)> {
    (
        (0u32..3, any::<bool>(), any::<bool>(), 0u8..6),
        (
            0usize..3,
            0i64..3,
            0i64..3,
            0i64..2,
            prop::collection::vec(0i64..2, 0..3),
            prop::option::weighted(0.2, (any::<bool>(), prop::option::of(0i64..3))),
        ),
    )
        .prop_map(|((dt, p, q, x), (kind, id, t1, t2, log, own_before))| {
            let kind = ["request", "response", "tick"][kind];
            let mut state = json!({"p": p, "q": q, "n1": {"term": t1}, "n2": {"term": t2}, "log": log});
            match x {
                0 => {}
                1 => state["x"] = json!("a"),
                x => state["x"] = json!(x as i64 - 2),
            }
            let mut rec = json!({"state": state, "event": {"kind": kind, "id": id}});
            // sometimes a record's own `before` (as stored detsys runs have),
            // sometimes without `x` (which `before.x` then reads as null)
            if let Some((bp, bx)) = own_before {
                rec["before"] = json!({"p": bp});
                if let Some(bx) = bx {
                    rec["before"]["x"] = json!(bx);
                }
            }
            (dt, rec)
        })
}

/// 1–8 steps.
pub fn steps() -> impl Strategy<Value = Vec<(u32, Json)>> {
    prop::collection::vec(step_json(), 1..9)
}

/// JSON Lines with `time` the running sum of the increments.
pub fn render(steps: &[(u32, Json)]) -> String {
    let mut t = 0u32;
    let mut out = String::new();
    for (dt, rec) in steps {
        t += dt;
        let mut rec = rec.clone();
        rec["time"] = json!(t);
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    out
}

pub fn trace_text() -> impl Strategy<Value = String> {
    steps().prop_map(|s| render(&s))
}

pub fn opts() -> CompileOptions {
    CompileOptions { time_unit: Unit::Ms, nodes: vec!["n1".into(), "n2".into()], end_time: None }
}
