//! The JSON and JSON Lines readers' fast path (op objects decoded straight into
//! the builder) gives the same history as the generic path (a `Value` per op,
//! then `HistoryBuilder::push`): the same ops, micro-ops, interned ids, pairs
//! and warnings, and the same errors at the same positions, whole or trickled.

mod common;
use common::*;
use history::{History, HistoryBuilder, SrcPos, Value};
use parsers::source::Trickle;
use parsers::{json, InputError, Source};
use proptest::prelude::*;
use std::io::Read;
use std::path::Path;

const NAME: &str = "t.json";

#[derive(Clone, Copy, Debug)]
enum Form {
    Array,
    Lines,
}

fn fast<R: Read>(r: R, form: Form) -> Result<History, InputError> {
    let mut src = Source::new(r, NAME);
    let mut b = HistoryBuilder::new();
    match form {
        Form::Array => json::read_array_into(&mut src, &mut b)?,
        Form::Lines => json::read_lines_into(&mut src, &mut b)?,
    }
    b.finish().map_err(|e| InputError::from_op(NAME, e))
}

fn generic<R: Read>(r: R, form: Form) -> Result<History, InputError> {
    let mut src = Source::new(r, NAME);
    let mut b = HistoryBuilder::new();
    let mut sink = |v: &Value, p: SrcPos| b.push(v, p);
    match form {
        Form::Array => json::read_array(&mut src, &mut sink)?,
        Form::Lines => json::read_lines(&mut src, &mut sink)?,
    }
    b.finish().map_err(|e| InputError::from_op(NAME, e))
}

fn check(bytes: &[u8], form: Form) -> Result<(), String> {
    let g = generic(bytes, form);
    same(&fast(bytes, form), &g).map_err(|e| format!("{form:?}: {e}"))?;
    for seed in 0..2 {
        same(&fast(Trickle::new(bytes, seed), form), &generic(Trickle::new(bytes, seed), form))
            .map_err(|e| format!("{form:?} (trickled, seed {seed}): {e}"))?;
    }
    Ok(())
}

#[test]
fn corpus_files_read_the_same_on_both_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    if let Some(corpus) = corpus_dir() {
        files_with(&corpus, &["json", "jsonl"], &mut files);
    }
    files_with(&root.join("fixtures"), &["json", "jsonl"], &mut files);
    assert!(files.len() > 2, "too few files: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let form = if f.extension().is_some_and(|x| x == "jsonl") { Form::Lines } else { Form::Array };
        let g = generic(&bytes[..], form);
        if let Err(e) = same(&fast(&bytes[..], form), &g) {
            panic!("{}: {e}", f.display());
        }
        if bytes.len() < 200_000 {
            let slow = fast(Trickle::new(&bytes, 7), form);
            if let Err(e) = same(&slow, &g) {
                panic!("{} (trickled): {e}", f.display());
            }
        }
    }
}

/// Op objects, one per line; checked as JSON Lines and, joined into an array, as JSON.
const ODD: &[&str] = &[
    r#"{"index":0,"type":"ok","process":0,"value":[["append",1,2]]}
{"index":0,"type":"ok","process":0}"#,
    r#"{"type":"ok","type":"ok"}"#,
    r#"{"type":"ok","value":[],"value":[]}"#,
    r#"{"type":"ok","process":0,"value":[["r",1,null],["cas",1,2]]}"#,
    r#"{"type":"ok","process":0,"value":[["r",1,null],5]}"#,
    r#"{"process":0,"value":[["r",1,null]]}"#,
    r#"{"type":"done"}"#,
    r#"{"type":":ok","process":0}"#,
    r#"{"type":"::ok","process":0}"#,
    r#"{"type":"ok","index":-1}"#,
    r#"{"type":"ok","time":1.5}"#,
    r#"{"type":"ok","time":-7,"process":-3}"#,
    r#"{"type":"invoke","process":0,"f":"txn","value":[["r",1,[1,2,":x","y",null,"::z"]]]}
{"type":"ok","process":0}"#,
    r#"{"type":"info","process":"nemesis","f":"start","value":{"a":1},"error":[":x","y"]}"#,
    r#"{"type":"info","process":":nemesis","f":":start","value":null}"#,
    r#"{"type":"info","process":"::n","f":"::s","value":"v"}"#,
    r#"{"type":"ok","process":0,":f":"x"}"#,
    r#"{"type":"ok","process":0,"::f":"x"}"#,
    r#"{"type":"ok","process":0,"f":3}"#,
    r#"{"type":"ok","process":0,"f":"a\"b"}"#,
    r#"{"type":"ok","process":0,"value":[["append",1,2]]"#,
    r#"{"type":"ok","process":0 "value":[["append",1,2]]}"#,
    r#"{"type":"ok","process":0,"value":[["w",[":anti",3],12345678901234567890123],["w",1,"a\nb"]]}"#,
    r#"{"type":"ok","process":0,"value":[["w",1,2,3]]}"#,
    r#"{"type":"ok","process":0,"value":[["r"]]}"#,
    r#"{"type":"ok","process":0,"value":[["r",1]]}"#,
    r#"{"type":"ok","process":0,"value":[["append",01,2]]}"#,
    r#"{"type":"ok","process":0,"value":[["append",-0,-12]]}"#,
    r#"{"type":"ok","process":0,"value":[["append",1,2],]}"#,
    r#"{"type":"ok","process":0,"value":[["append",1e3,2.5]]}"#,
    r#"{"type":"ok","process":0,"value":[["append",1,true]]}"#,
    r#"{"type":"ok","process":0,"value":[["w",":","::"]]}"#,
    r#"{"type":"ok","process":0,"value":[["w","é∂","😀"]]}"#,
    r#"{"type":"ok","process":99999999999999999999}"#,
    r#"{"type":"ok","process":999999999999999999}"#,
    r#"{"type":"ok","process":0,"x"}"#,
    r#"{"type":"ok","process":0,"x":1]"#,
    r#"{"type":"ok","process":0,}"#,
    r#"{"type":"ok","process":0,"x":nil}"#,
    r#"{"type":"ok","process":nul}"#,
    r#"{"type":"ok","process":0} {"type":"ok"}"#,
    r#"{}"#,
    r#"[1,2]"#,
    r#"{"type":"ok","process":0,"":1,"in\u0064ex":3}"#,
    "{\"type\":\"ok\",\n\"process\":0}",
    "{\"type\":\"ok\" , \"process\" : 0 , \"value\" : [ [ \"r\" , 1 , [ 1 , 2 ] ] , [ \"w\" , 2 , 3 ] ] }\t\r",
    "\u{feff}{\"type\":\"ok\",\"process\":0}",
    "{\"type\":\"ok\",\"process\":0,\"s\":\"a\u{1}\"}",
    // Near misses of the usual spellings the fast path reads in one step.
    r#"{"type":"ok","process":0,"value":[["r",1,[1,2,]],["r",2,[,3]],["r",3,[4 ,5]],["r",4,[01]]]}"#,
    r#"{"type":"ok","process":0,"value":[["r",1,[1,2.5]],["r",2,[3e1]],["r",3,null ],["r",4,nullx]]}"#,
    r#"{"type":"ok","process":0,"value":[["rx",1,2],["appendx",1,2],["append" ,1,2],["w",1 ,2]]}"#,
    r#"{"type":"ok","process":0,"value":[["w",1,-2],["w",0,00],["w",123456789012345678901,1]]}"#,
    r#"{"type":"okay","process":0}"#,
    r#"{"type":":ok","f":":txn","process":0}"#,
    r#"{"type":"ok","f":"","process":0}"#,
    r#"{"type":"ok","f":"é","process":0}"#,
    r#"{"type":"ok","f":"a\u0062","process":0}"#,
    "{\"type\":\"ok\",\"f\":\"a\u{7f}\",\"process\":0}",
    r#"{"type":"ok","index":01,"process":0}"#,
    r#"{"type":"ok","index":1.0,"process":0}"#,
    r#"{"type":"ok","time":1e3,"process":0}"#,
    r#"{"type":"ok","indexx":1,"process":0}"#,
    r#"{"type":"ok","proces":1}"#,
];

#[test]
fn odd_ops_fall_back_with_the_same_errors() {
    for text in ODD {
        if let Err(e) = check(text.as_bytes(), Form::Lines) {
            panic!("{text:?}: {e}");
        }
        let array = format!("[{}]", text.lines().collect::<Vec<_>>().join(",\n"));
        if let Err(e) = check(array.as_bytes(), Form::Array) {
            panic!("{array:?}: {e}");
        }
    }
    for text in ["", "[", "[]", "[{", "[{\"type\":\"ok\",\"process\":0},]", "[{\"type\":\"ok\",\"process\":0}] x"] {
        if let Err(e) = check(text.as_bytes(), Form::Array) {
            panic!("{text:?}: {e}");
        }
    }
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_string)
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-3i64..40).prop_map(|i| i.to_string()),
        2 => pick(&["\"k\"", "\":k\"", "\"::k\"", "\":\"", "\"\"", "null"]),
        1 => pick(&["99999999999", "999999999999999999", "99999999999999999999", "[\":anti\",3]", "\"a\\tb\"", "1.5", "true", "01", "{\"a\":1}"]),
    ]
}

fn mop() -> impl Strategy<Value = String> {
    let kind = prop_oneof![6 => pick(&["\"append\"", "\"r\"", "\"w\""]), 1 => pick(&["\"cas\"", "\":r\"", "3"])];
    let val = prop_oneof![
        3 => atom().prop_map(|a| format!(",{a}")),
        2 => prop::collection::vec(atom(), 0..4).prop_map(|v| format!(",[{}]", v.join(","))),
        1 => Just(String::new()),
        1 => Just(", null".to_string()),
    ];
    (kind, atom(), val, prop::bool::weighted(0.05))
        .prop_map(|(k, key, v, extra)| format!("[{k},{key}{v}{}]", if extra { ",9" } else { "" }))
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(mop(), 0..5).prop_map(|m| format!("[{}]", m.join(", "))),
        1 => pick(&["null", "5", "[1,2]", "{\"a\":1}", "\":x\"", "\"s\"", "[]", "[[]]"]),
    ]
}

/// One op object's fields, in a random order, sometimes odd.
fn op() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        2 => (0i64..5).prop_map(|i| format!("\"time\":{}", i * 1000)),
        4 => pick(&["\"type\":\"invoke\"", "\"type\":\"ok\"", "\"type\":\"fail\"", "\"type\":\"info\""]),
        1 => pick(&["\"type\":\"done\"", "\"type\":\":ok\"", "\"type\":1", "\"time\":null", "\"time\":\"x\"", "\"index\":-1", "\"index\":\"x\""]),
        4 => (0i64..4).prop_map(|p| format!("\"process\":{p}")),
        1 => pick(&["\"process\":\":nemesis\"", "\"process\":null", "\"process\":\"p\"", "\"process\":[1]", "\"process\":1.5"]),
        3 => pick(&["\"f\":\"txn\"", "\"f\":\":txn\"", "\"f\":null", "\"f\":3", "\"f\":[\"a\"]"]),
        6 => value().prop_map(|v| format!("\"value\":{v}")),
        1 => pick(&["\"error\":[\":x\",\"y\"]", "\"error\":\":timeout\"", "\":type\":\"ok\"", "1:2", "\"b\" 1", "\"x\":"]),
    ];
    prop::collection::vec(field, 0..7).prop_map(|mut fields| {
        if !fields.iter().any(|f| f.starts_with("\"type\"")) {
            fields.push("\"type\":\"ok\"".to_string());
        }
        format!("{{{}}}", fields.join(", "))
    })
}

fn history() -> impl Strategy<Value = (String, String)> {
    (prop::collection::vec(op(), 0..12), prop::bool::ANY, prop::bool::weighted(0.1)).prop_map(|(ops, indexed, cut)| {
        let ops: Vec<String> = if indexed {
            ops.iter().enumerate().map(|(i, o)| format!("{{\"index\":{i}, {}", &o[1..])).collect()
        } else {
            ops
        };
        let mut lines = ops.join("\n");
        let mut array = format!("[{}]", ops.join(",\n"));
        if cut {
            for s in [&mut lines, &mut array] {
                if s.len() > 3 {
                    let mut n = s.len() - 3;
                    while !s.is_char_boundary(n) {
                        n -= 1;
                    }
                    s.truncate(n);
                }
            }
        }
        (lines, array)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn generated_op_objects_read_the_same_on_both_paths((lines, array) in history()) {
        if let Err(e) = check(lines.as_bytes(), Form::Lines) {
            prop_assert!(false, "{:?}: {}", lines, e);
        }
        if let Err(e) = check(array.as_bytes(), Form::Array) {
            prop_assert!(false, "{:?}: {}", array, e);
        }
    }
}
