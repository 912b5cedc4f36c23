//! Round trips: a generated history written as EDN, JSON or JSON Lines reads back
//! equal, and so does a chain of conversions through all three.

use history::{History, HistoryBuilder, SrcPos, Value};
use parsers::{read_history, write_history, Format, ReadOptions};
use proptest::prelude::*;

fn kw(s: &str) -> Value {
    Value::keyword(s)
}

/// Keys and element values of the kinds real histories use, including ones that
/// stress the encodings: large and negative integers, strings that look like
/// keywords, escapes and non-ASCII text.
fn atom() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0i64..50).prop_map(Value::Int),
        1 => any::<i64>().prop_map(Value::Int),
        1 => "[a-z]{1,6}".prop_map(|s| Value::keyword(&s)),
        1 => prop::sample::select(vec!["x", ":x", "::y", "a \"q\"", "tab\there", "é∂", "", "nil", "1"])
            .prop_map(Value::string),
        1 => prop::sample::select(vec!["ns.a/b", "elle.list-append/init"]).prop_map(Value::keyword),
    ]
}

fn extra_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        atom(),
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        (-1e9f64..1e9).prop_map(Value::Float),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Vector),
            prop::collection::vec(("[a-z]{1,4}", inner), 0..3)
                .prop_map(|kv| Value::Map(dedup(kv).into_iter().map(|(k, v)| (kw(&k), v)).collect())),
        ]
    })
}

fn dedup(kv: Vec<(String, Value)>) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for (k, v) in kv {
        if !out.iter().any(|(k2, _)| *k2 == k) {
            out.push((k, v));
        }
    }
    out
}

#[derive(Clone, Debug)]
enum MopGen {
    Append(Value, Value),
    Read(Value, Vec<Value>),
    Write(Value, Value),
}

fn mop() -> impl Strategy<Value = MopGen> {
    prop_oneof![
        (atom(), atom()).prop_map(|(k, v)| MopGen::Append(k, v)),
        (atom(), prop::collection::vec(atom(), 0..5)).prop_map(|(k, l)| MopGen::Read(k, l)),
        (atom(), atom()).prop_map(|(k, v)| MopGen::Write(k, v)),
    ]
}

#[derive(Clone, Debug)]
struct Step {
    process: i64,
    completion: u8,
    mops: Vec<MopGen>,
    extra: Option<Value>,
    nemesis: bool,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (
            0i64..4,
            0u8..3,
            prop::collection::vec(mop(), 0..4),
            prop::option::of(extra_value()),
            prop::bool::weighted(0.1),
        )
            .prop_map(|(process, completion, mops, extra, nemesis)| Step {
                process,
                completion,
                mops,
                extra,
                nemesis,
            }),
        0..24,
    )
}

fn mops_value(mops: &[MopGen], invoke: bool) -> Value {
    Value::Vector(
        mops.iter()
            .map(|m| match m {
                MopGen::Append(k, v) => Value::Vector(vec![kw("append"), k.clone(), v.clone()]),
                MopGen::Write(k, v) => Value::Vector(vec![kw("w"), k.clone(), v.clone()]),
                MopGen::Read(k, l) => {
                    Value::Vector(vec![kw("r"), k.clone(), if invoke { Value::Nil } else { Value::Vector(l.clone()) }])
                }
            })
            .collect(),
    )
}

/// Builds op maps that pair correctly: each process alternates invoke and completion.
fn ops_of(steps: &[Step], with_index: bool, with_time: bool) -> Vec<Value> {
    let mut in_flight = [false; 4];
    let mut ops = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let mut m: Vec<(Value, Value)> = Vec::new();
        if with_index {
            m.push((kw("index"), Value::Int(i as i64 * 2 + 1)));
        }
        if with_time {
            m.push((kw("time"), Value::Int(1_000_000 * i as i64)));
        }
        if s.nemesis {
            m.push((kw("type"), kw("info")));
            m.push((kw("process"), kw("nemesis")));
            m.push((kw("f"), kw("start-partition")));
            m.push((kw("value"), s.extra.clone().unwrap_or(Value::Nil)));
        } else {
            let p = s.process as usize;
            let invoke = !in_flight[p];
            in_flight[p] = invoke;
            let t = if invoke { "invoke" } else { ["ok", "fail", "info"][s.completion as usize] };
            m.push((kw("type"), kw(t)));
            m.push((kw("process"), Value::Int(s.process)));
            m.push((kw("f"), kw("txn")));
            m.push((kw("value"), mops_value(&s.mops, invoke)));
            if let Some(e) = &s.extra {
                m.push((kw("error"), e.clone()));
            }
        }
        ops.push(Value::Map(m));
    }
    ops
}

fn build(ops: &[Value]) -> History {
    let mut b = HistoryBuilder::new();
    for (i, o) in ops.iter().enumerate() {
        b.push(o, SrcPos { line: i as u32 + 1, col: 1 }).expect("generated op is valid");
    }
    b.finish().expect("generated history pairs")
}

fn write(h: &History, f: Format) -> Vec<u8> {
    let mut out = Vec::new();
    write_history(h, f, &mut out).unwrap();
    out
}

fn read(bytes: &[u8], f: Format) -> History {
    read_history(bytes, "roundtrip", Some(f), ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n--- input ---\n{}", String::from_utf8_lossy(bytes)))
}

fn assert_same(a: &History, b: &History) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.index_given, b.index_given);
    assert_eq!(a.process_defaulted, b.process_defaulted);
    assert_eq!(a.partner, b.partner);
    for (x, y) in a.ops.iter().zip(&b.ops) {
        assert_eq!(a.op_to_value(x), b.op_to_value(y));
    }
    assert_eq!(a.stats(), b.stats());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (128 * u64::from(ProptestConfig::default().cases) / 256).max(1) as u32, ..ProptestConfig::default() })]

    #[test]
    fn every_format_reads_back_what_it_wrote(steps in steps(), with_index: bool, with_time: bool) {
        let h = build(&ops_of(&steps, with_index, with_time));
        for f in [Format::Edn, Format::Json, Format::Jsonl] {
            let back = read(&write(&h, f), f);
            assert_same(&h, &back);
        }
    }

    #[test]
    fn conversions_chain_losslessly(steps in steps()) {
        let h = build(&ops_of(&steps, true, true));
        let j = read(&write(&h, Format::Json), Format::Json);
        let l = read(&write(&j, Format::Jsonl), Format::Jsonl);
        let e = read(&write(&l, Format::Edn), Format::Edn);
        assert_same(&h, &e);
        // And the text itself is stable: writing the result again gives the same bytes.
        prop_assert_eq!(write(&h, Format::Edn), write(&e, Format::Edn));
    }
}

#[test]
fn a_history_without_processes_converts_without_gaining_them() {
    let text = "{:type :invoke, :value [[:append 1 2]]}\n{:type :ok, :value [[:append 1 2]]}\n";
    let h = read(text.as_bytes(), Format::Edn);
    assert!(h.process_defaulted);
    let json = String::from_utf8(write(&h, Format::Json)).unwrap();
    assert!(!json.contains("process"), "{json}");
    assert_eq!(String::from_utf8(write(&read(json.as_bytes(), Format::Json), Format::Edn)).unwrap(), text);
}
