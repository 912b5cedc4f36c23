//! Property tests: random formulas over random short traces. The fast evaluator
//! must agree with the naive reference evaluator in every view at every step, every
//! proof must pass `check_proof`, formulas must survive printing and re-parsing,
//! and no string may make the parser panic.

use ltl::compile::compile;
use ltl::eval::Eval;
use ltl::parse::parse;
use ltl::reference::Ref;
use ltl::trace::{load, load_steps, TraceOptions};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

mod common;
use common::{formula, opts, strip_named, trace_text};

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(1500), ..ProptestConfig::default() })]

    /// Also with `--end-time` a little after the last step (`end` of 0..3 ms past
    /// it, or none).
    #[test]
    fn fast_evaluator_agrees_with_reference_and_proofs_check(
        f in formula(),
        text in trace_text(),
        end in prop::option::weighted(0.3, 0i64..4),
    ) {
        let topts = TraceOptions::default();
        let steps = load_steps(text.as_bytes(), &topts).unwrap();
        let mut o = opts();
        o.end_time = end.map(|k| steps.last().map_or(0, |s| s.time) + k);
        let plan = compile(&f, &o).unwrap();
        let tr = load(text.as_bytes(), &plan.paths, &topts).unwrap();
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
        if let Err(e) = ltl::proof::check_proof(&steps, &f, &o, &out.proof) {
            prop_assert!(false, "proof rejected: {}\nformula `{}`\n{}\n{:#?}", e, f, text, out.proof);
        }
    }

    #[test]
    fn formulas_round_trip_through_text(f in formula()) {
        let s = f.to_string();
        let g = parse(&s).map_err(|e| TestCaseError::fail(format!("{}\n{}", e.render(&s), s)))?;
        prop_assert_eq!(g, strip_named(f), "{}", s);
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
    #![proptest_config(ProptestConfig { cases: testkit::cases(2000), ..ProptestConfig::default() })]

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
    #![proptest_config(ProptestConfig { cases: testkit::cases(1000), ..ProptestConfig::default() })]

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
