//! Property tests: random formulas over random short traces. The fast evaluator
//! must agree with the naive reference evaluator in every view at every step, every
//! proof must pass `check_proof`, formulas must survive printing and re-parsing,
//! and no string may make the parser panic.

use ltl::compile::{compile, CompileOptions};
use ltl::eval::Eval;
use ltl::parse::parse;
use ltl::reference::Ref;
use ltl::syntax::*;
use ltl::trace::{load, load_steps, TraceOptions};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

fn path(root: Root, keys: &[&str]) -> Term {
    Term::Path(root, keys.iter().map(|k| Seg::Key(k.to_string())).collect())
}

/// Atoms; `bound` ones mention w and are turned into plain ones outside a bind.
fn atom() -> impl Strategy<Value = Formula> {
    prop_oneof![
        Just(Formula::Truthy(path(Root::State, &["p"]))),
        Just(Formula::Truthy(path(Root::State, &["q"]))),
        (0i64..3).prop_map(|c| Formula::Cmp(CmpOp::Ge, path(Root::State, &["x"]), Term::Lit(json!(c)))),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["kind"]), Term::Lit(json!("request")))),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["kind"]), Term::Lit(json!("response")))),
        (0i64..12).prop_map(|c| Formula::Cmp(CmpOp::Le, Term::Path(Root::Time, vec![]), Term::Lit(json!(c)))),
        Just(Formula::Const(false)),
        Just(Formula::Const(true)),
        // w-atoms (placeholders until a bind encloses them)
        (0i64..6).prop_map(|c| Formula::Cmp(
            CmpOp::Le,
            Term::Arith(
                ArithOp::Sub,
                Box::new(Term::Path(Root::Time, vec![])),
                Box::new(path(Root::Var("w".into()), &["time"]))
            ),
            Term::Lit(json!(c))
        )),
        Just(Formula::Cmp(CmpOp::Eq, path(Root::Event, &["id"]), path(Root::Var("w".into()), &["event", "id"]))),
        Just(Formula::Cmp(CmpOp::Gt, path(Root::State, &["x"]), path(Root::Var("w".into()), &["state", "x"]))),
        Just(Formula::Quant(
            Quant::Forall,
            "a".into(),
            Domain::List(vec![json!("n1"), json!("n2")]),
            Box::new(Formula::Cmp(
                CmpOp::Ge,
                Term::Path(
                    Root::State,
                    vec![Seg::Index(Term::Path(Root::Var("a".into()), vec![])), Seg::Key("term".into())]
                ),
                Term::Lit(json!(1))
            ))
        )),
    ]
}

fn interval() -> impl Strategy<Value = Interval> {
    prop_oneof![
        3 => Just(Interval::default()),
        1 => (0u32..3, 0u32..4, any::<bool>()).prop_map(|(a, d, open)| {
            let open = open && d > 0;
            Interval { lo: Some(Bound { value: a as f64, unit: None }), hi: Some(Bound { value: (a + d) as f64, unit: None }), hi_open: open }
        }),
        1 => (0u32..3, 0u32..5).prop_map(|(a, d)| Interval {
            lo: (a > 0).then_some(Bound { value: a as f64, unit: Some(Unit::Ms) }),
            hi: Some(Bound { value: (a + d) as f64, unit: Some(Unit::Ms) }),
            hi_open: false
        }),
        1 => (1u32..4).prop_map(|a| Interval { lo: Some(Bound { value: a as f64, unit: None }), hi: None, hi_open: false }),
    ]
}

fn formula() -> impl Strategy<Value = Formula> {
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
            prop_oneof![
                inner.clone().prop_map(|a| Formula::Not(Box::new(a))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Or(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Implies(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Formula::Iff(Box::new(a), Box::new(b))),
                (uops, interval(), inner.clone()).prop_map(|(o, iv, a)| Formula::Unary(o, iv, Box::new(a))),
                (bops, interval(), inner.clone(), inner.clone()).prop_map(|(o, iv, a, b)| Formula::Binary(
                    o,
                    iv,
                    Box::new(a),
                    Box::new(b)
                )),
                inner.clone().prop_map(|a| Formula::Bind("w".into(), Box::new(a))),
                // the compiled request/response shape, with a random χ and bound
                (
                    inner.clone(),
                    -1i64..6,
                    any::<bool>(),
                    0usize..4,
                    any::<bool>(),
                    prop::option::of((0usize..4, -1i64..6))
                )
                    .prop_map(|(chi, c, join, op, steps, second)| {
                        let ops = [CmpOp::Le, CmpOp::Lt, CmpOp::Ge, CmpOp::Gt];
                        let (root, key) = if steps { (Root::Step, "step") } else { (Root::Time, "time") };
                        let delta = Term::Arith(
                            ArithOp::Sub,
                            Box::new(Term::Path(root.clone(), vec![])),
                            Box::new(path(Root::Var("w".into()), &[key])),
                        );
                        let tb = Formula::Cmp(ops[op], delta.clone(), Term::Lit(json!(c)));
                        let tb = match second {
                            Some((op2, c2)) => Formula::And(
                                Box::new(tb),
                                Box::new(Formula::Cmp(ops[op2], delta, Term::Lit(json!(c2)))),
                            ),
                            None => tb,
                        };
                        let mut body = Formula::And(Box::new(chi), Box::new(tb));
                        if join {
                            let j = Formula::Cmp(
                                CmpOp::Eq,
                                path(Root::Event, &["id"]),
                                path(Root::Var("w".into()), &["event", "id"]),
                            );
                            body = Formula::And(Box::new(body), Box::new(j));
                        }
                        Formula::Bind(
                            "w".into(),
                            Box::new(Formula::Unary(UOp::Eventually, Interval::default(), Box::new(body))),
                        )
                    }),
            ]
        })
        .prop_map(|f| unbind(f, false))
}

fn mentions_w(t: &Term) -> bool {
    match t {
        Term::Path(Root::Var(v), _) => v == "w",
        Term::Arith(_, a, b) => mentions_w(a) || mentions_w(b),
        _ => false,
    }
}

/// Replaces w-atoms outside any bind by `state.q`.
fn unbind(f: Formula, bound: bool) -> Formula {
    let b = |x: Box<Formula>, bound| Box::new(unbind(*x, bound));
    match f {
        Formula::Cmp(op, l, r) => {
            if !bound && (mentions_w(&l) || mentions_w(&r)) {
                Formula::Truthy(path(Root::State, &["q"]))
            } else {
                Formula::Cmp(op, l, r)
            }
        }
        Formula::Not(a) => Formula::Not(b(a, bound)),
        Formula::And(x, y) => Formula::And(b(x, bound), b(y, bound)),
        Formula::Or(x, y) => Formula::Or(b(x, bound), b(y, bound)),
        Formula::Implies(x, y) => Formula::Implies(b(x, bound), b(y, bound)),
        Formula::Iff(x, y) => Formula::Iff(b(x, bound), b(y, bound)),
        Formula::Unary(o, iv, a) => Formula::Unary(o, iv, b(a, bound)),
        Formula::Binary(o, iv, x, y) => Formula::Binary(o, iv, b(x, bound), b(y, bound)),
        Formula::Bind(v, a) => Formula::Bind(v, b(a, true)),
        Formula::Quant(q, v, d, a) => Formula::Quant(q, v, d, b(a, bound)),
        f => f,
    }
}

fn step_json() -> impl Strategy<Value = (u32, Json)> {
    (0u32..3, any::<bool>(), any::<bool>(), prop::option::of(0i64..3), 0usize..3, 0i64..3, 0i64..3, 0i64..2).prop_map(
        |(dt, p, q, x, kind, id, t1, t2)| {
            let kind = ["request", "response", "tick"][kind];
            let mut state = json!({"p": p, "q": q, "n1": {"term": t1}, "n2": {"term": t2}});
            if let Some(x) = x {
                state["x"] = json!(x);
            }
            (dt, json!({"state": state, "event": {"kind": kind, "id": id}}))
        },
    )
}

fn trace_text() -> impl Strategy<Value = String> {
    prop::collection::vec(step_json(), 1..9).prop_map(|steps| {
        let mut t = 0u32;
        let mut out = String::new();
        for (dt, mut rec) in steps {
            t += dt;
            rec["time"] = json!(t);
            out.push_str(&rec.to_string());
            out.push('\n');
        }
        out
    })
}

fn opts() -> CompileOptions {
    CompileOptions { time_unit: Unit::Ms, nodes: vec!["n1".into(), "n2".into()] }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn fast_evaluator_agrees_with_reference_and_proofs_check(f in formula(), text in trace_text()) {
        let plan = compile(&f, &opts()).unwrap();
        let topts = TraceOptions::default();
        let tr = load(text.as_bytes(), &plan.paths, &topts).unwrap();
        let steps = load_steps(text.as_bytes(), &topts).unwrap();
        let ev = Eval::new(&plan, &tr);
        let r = Ref::new(&plan, &steps);
        let env = ev.env0();
        for (k, node) in plan.nodes.iter().enumerate() {
            if node.free != 0 {
                continue;
            }
            for i in 0..tr.n {
                let v = ev.value(k, i, &env);
                for view in [1u8, 2, 4] {
                    prop_assert_eq!(v & view != 0, r.value(k, i, view, &env),
                        "node `{}` at step {} view {} (formula `{}`)\n{}", node.text, i, view, f, text);
                }
            }
        }
        let out = ltl::evaluate(&plan, &tr, 2);
        if let Err(e) = ltl::proof::check_proof(&steps, &f, &opts(), &out.proof) {
            prop_assert!(false, "proof rejected: {}\nformula `{}`\n{}\n{:#?}", e, f, text, out.proof);
        }
    }

    #[test]
    fn formulas_round_trip_through_text(f in formula()) {
        let s = f.to_string();
        let g = parse(&s).map_err(|e| TestCaseError::fail(format!("{}\n{}", e.render(&s), s)))?;
        prop_assert_eq!(g, f, "{}", s);
    }

    #[test]
    fn parser_never_panics(s in "[a-z\\[\\]().!<>=&|\"0-9 ;,-]{0,40}") {
        let _ = parse(&s);
        let _ = ltl::detsys::parse(&s);
    }

    #[test]
    fn parser_never_panics_on_any_text(s in any::<String>()) {
        let _ = parse(&s);
        let _ = ltl::detsys::parse(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Bad traces are errors, never panics, and both readers agree on what is bad.
    #[test]
    fn trace_readers_never_panic(s in "[{}\\[\\]\":,0-9a-z .\\\\\n-]{0,60}") {
        let paths = vec![
            vec![ltl::trace::PSeg::Key("a".into())],
            vec![ltl::trace::PSeg::Key("a".into()), ltl::trace::PSeg::Idx(0)],
        ];
        let opts = TraceOptions::default();
        let fast = load(s.as_bytes(), &paths, &opts);
        let slow = load_steps(s.as_bytes(), &opts);
        prop_assert_eq!(fast.is_ok(), slow.is_ok(), "{:?}: fast {:?} slow {:?}", s, fast.as_ref().err(), slow.as_ref().err());
        if let (Err(a), Err(b)) = (&fast, &slow) {
            prop_assert_eq!(a.line, b.line, "{:?}", s);
        }
    }

    #[test]
    fn trace_readers_never_panic_on_bytes(b in prop::collection::vec(any::<u8>(), 0..80)) {
        let opts = TraceOptions::default();
        let _ = load(&b, &[vec![ltl::trace::PSeg::Key("x".into())]], &opts);
        let _ = load_steps(&b, &opts);
    }
}

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        (-1000i64..1000).prop_map(|i| json!(i)),
        (-10.0f64..10.0).prop_map(|f| json!(f)),
        "[a-z\\\\\"é\n]{0,4}".prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
            prop::collection::btree_map("[a-z]{1,2}", inner, 0..3).prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Near-valid traces: JSON objects, one byte possibly cut out. The fast reader
    /// must accept exactly what serde_json accepts and extract the same values.
    #[test]
    fn fast_reader_matches_serde(objs in prop::collection::vec(prop::collection::btree_map("[a-z]{1,2}", json_value(), 0..4), 1..4),
                                 cut in prop::option::of(any::<prop::sample::Index>())) {
        let mut text: String = objs.iter().map(|m| serde_json::to_string(m).unwrap() + "\n").collect();
        if let Some(ix) = cut {
            let k = ix.index(text.len());
            if text.is_char_boundary(k) && text.is_char_boundary(k + 1) {
                text.remove(k);
            }
        }
        let paths = vec![
            vec![ltl::trace::PSeg::Key("a".into())],
            vec![ltl::trace::PSeg::Key("a".into()), ltl::trace::PSeg::Key("b".into())],
            vec![ltl::trace::PSeg::Key("b".into()), ltl::trace::PSeg::Idx(1)],
        ];
        let opts = TraceOptions { time_field: vec!["zz".into()], ..TraceOptions::default() };
        let fast = load(text.as_bytes(), &paths, &opts);
        let slow = load_steps(text.as_bytes(), &opts);
        prop_assert_eq!(fast.is_ok(), slow.is_ok(), "{:?}: fast {:?} slow {:?}", text, fast.as_ref().err(), slow.as_ref().err());
        if let (Ok(f), Ok(s)) = (&fast, &slow) {
            let cols = ltl::trace::from_steps(s, &paths);
            for c in 0..paths.len() {
                for k in 0..f.n {
                    prop_assert!(ltl::value::json_eq(&f.cval_json(f.cols[c][k]), &cols.cval_json(cols.cols[c][k])), "{:?}", text);
                }
            }
        }
        if let (Err(a), Err(b)) = (&fast, &slow) {
            prop_assert_eq!(a.line, b.line, "{:?}", text);
        }
    }
}
