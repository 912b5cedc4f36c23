//! The EDN reader's fast path (op maps decoded straight into the builder) gives
//! the same history as the generic path (a `Value` per op, then
//! `HistoryBuilder::push`): the same ops, micro-ops, interned ids, pairs and
//! warnings, and the same errors at the same positions, whole or trickled.

mod common;
use common::*;
use history::{History, HistoryBuilder, SrcPos, Value};
use parsers::source::Trickle;
use parsers::{edn, InputError, Source};
use proptest::prelude::*;
use std::io::Read;
use std::path::Path;

const NAME: &str = "t.edn";

fn fast<R: Read>(r: R) -> Result<History, InputError> {
    let mut src = Source::new(r, NAME);
    let mut b = HistoryBuilder::new();
    edn::read_into(&mut src, &mut b)?;
    b.finish().map_err(|e| InputError::from_op(NAME, e))
}

fn generic<R: Read>(r: R) -> Result<History, InputError> {
    let mut src = Source::new(r, NAME);
    let mut b = HistoryBuilder::new();
    edn::read_ops(&mut src, &mut |v: &Value, p: SrcPos| b.push(v, p))?;
    b.finish().map_err(|e| InputError::from_op(NAME, e))
}

fn check(bytes: &[u8]) -> Result<(), String> {
    let g = generic(bytes);
    same(&fast(bytes), &g)?;
    for seed in 0..2 {
        same(&fast(Trickle::new(bytes, seed)), &generic(Trickle::new(bytes, seed)))?;
    }
    Ok(())
}

#[test]
fn corpus_files_read_the_same_on_both_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    if let Some(corpus) = corpus_dir() {
        files_with(&corpus.join("list-append"), &["edn"], &mut files);
    }
    files_with(&root.join("fixtures"), &["edn"], &mut files);
    assert!(files.len() > 5, "too few files: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let g = generic(&bytes[..]);
        if let Err(e) = same(&fast(&bytes[..]), &g) {
            panic!("{}: {e}", f.display());
        }
        if bytes.len() < 200_000 {
            let slow = fast(Trickle::new(&bytes, 7));
            if let Err(e) = same(&slow, &g) {
                panic!("{} (trickled): {e}", f.display());
            }
        }
    }
}

#[test]
fn odd_ops_fall_back_with_the_same_errors() {
    for text in [
        "{:index 0, :type :ok, :process 0, :value [[:append 1 2]]}\n{:index 0, :type :ok, :process 0}",
        "{:type :ok, :type :ok}",
        "{:type :ok, :value [], :value []}",
        "{:type :ok, :process 0, :value [[:r 1 nil] [:cas 1 2]]}",
        "{:type :ok, :process 0, :value [[:r 1 nil] 5]}",
        "{:process 0, :value [[:r 1 nil]]}",
        "{:type :done}",
        "{:type :ok, :index -1}",
        "{:type :ok, :time 1.5}",
        "[{:type :invoke, :process 0, :f :txn, :value [[:r 1 [1 2 :x \"y\" nil]]]}\n {:type :ok, :process 0}]",
        "{:type :ok, :process :nemesis, :f :start, :value {:a 1}, :error [:x \"y\"]}",
        "{:type :ok, :process 0, \"f\" :x}",
        "#jepsen.history.Op{:type :ok, :process 0}",
        "{:type :ok, :process 0, :value [[:append 1 2]",
        "{:type :ok, :process 0 :value [[:append 1 2]]} {:type",
        "{:type :ok, :process 0, :value [[:w [:anti 3] 1N] [:w 1 \"a\\nb\"]]}",
        "{:type :ok, :process 0, :value ([:w 1 2])}",
        "{:type :ok, :process 0, :value [[:w 1 2 3]]}",
        "{:type :ok, :process 0, :value [[:r]]}",
        "{:type :ok, :process 0, :value [[:r 1]]} ; c\n{:type :ok, #_ :x :process 1}",
        "{:type :ok :process 99999999999999999999}",
        "{:type :ok :process -3 :time -7}",
        "{:type :ok :process 0 :x}",
        "{:type :ok :process 0 :x 1]",
        // Near misses of the usual spellings the fast path reads in one step.
        "{:type :ok, :process 0, :value [[:r  1 [1  2]] [:append\t1 2] [ :w 1 2 ] [:r 1 nil ]]}",
        "{:type :ok, :process 0, :value [[:rx 1 2]]}",
        "{:type :ok, :process 0, :value [[:appendx 1 2]]}",
        "{:type :ok, :process 0, :value [[:r 1 nilx]]}",
        "{:type :ok, :process 0, :value [[:r 1 [1 2 ,]] [:r 2 [,3]] [:r 3 [4 ;c\n 5]]]}",
        "{:type :ok, :process 0, :value [[:append 1 2],[:w 1 -2]]}",
        "{:type :ok, :process 0, :value [[:w 1 2]#_x]}",
        "{:type :ok, :process 0, :value [[:w 1 2]]#_x}",
        "{:type :okay, :process 0}",
        "{:type :ok, :typo 1, :process 0}",
        "{:type :ok, :index 1x, :process 0}",
        "{:type :ok, :index 123456789012345678901, :process 0}",
        "{:type :ok, :f :é, :process 0}",
        "{:type :ok, :f :, :process 0}",
        "{:type :ok, :f :a/b, :process 0}",
        "{:type  :ok, :process  0, :time\n5}",
        "{:type :ok,, :process 0 ,:time 5}",
        "{:type :ok, :process 0, :value [[:w 1 2]]}{:type :ok, :process 0}",
    ] {
        if let Err(e) = check(text.as_bytes()) {
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
        1 => pick(&[":k", "\"k\"", "nil", "99999999999", "99999999999999999999", "[:anti 3]", "\"a\\tb\"", "1.5", "true", ":x/y"]),
    ]
}

fn mop() -> impl Strategy<Value = String> {
    let kind = prop_oneof![6 => pick(&[":append", ":r", ":w"]), 1 => pick(&[":cas", "\"r\"", "3"])];
    let val = prop_oneof![
        3 => atom(),
        2 => prop::collection::vec(atom(), 0..4).prop_map(|v| format!("[{}]", v.join(" "))),
        1 => Just(String::new()),
        1 => Just("nil".to_string()),
    ];
    (kind, atom(), val, prop::bool::weighted(0.05))
        .prop_map(|(k, key, v, extra)| format!("[{k} {key} {v}{}]", if extra { " 9" } else { "" }))
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(mop(), 0..5).prop_map(|m| format!("[{}]", m.join(" "))),
        1 => prop::collection::vec(mop(), 1..3).prop_map(|m| format!("({})", m.join(" "))),
        1 => pick(&["nil", "5", "[1 2]", "{:a 1}", ":x", "\"s\"", "[]"]),
    ]
}

/// One op map's fields, in a random order, sometimes odd.
fn op() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        2 => (0i64..5).prop_map(|i| format!(":time {}", i * 1000)),
        4 => pick(&[":type :invoke", ":type :ok", ":type :fail", ":type :info"]),
        1 => pick(&[":type :done", ":type \"ok\"", ":time nil", ":time :x", ":index -1", ":index :x"]),
        4 => (0i64..4).prop_map(|p| format!(":process {p}")),
        1 => pick(&[":process :nemesis", ":process nil", ":process \"p\"", ":process [1]"]),
        3 => pick(&[":f :txn", ":f \"txn\"", ":f nil", ":f 3", ":f [:a]"]),
        6 => value().prop_map(|v| format!(":value {v}")),
        1 => pick(&[":error [:x \"y\"]", ":error :timeout", "\"type\" :ok", "1 2", ":b #_ 1 2"]),
    ];
    prop::collection::vec(field, 0..7).prop_map(|mut fields| {
        if !fields.iter().any(|f| f.starts_with(":type")) {
            fields.push(":type :ok".to_string());
        }
        format!("{{{}}}", fields.join(", "))
    })
}

fn history() -> impl Strategy<Value = String> {
    (prop::collection::vec(op(), 0..12), prop::bool::ANY, prop::bool::ANY, prop::bool::weighted(0.1)).prop_map(
        |(ops, indexed, wrapped, cut)| {
            let ops: Vec<String> = if indexed {
                ops.iter().enumerate().map(|(i, o)| format!("{{:index {i}, {}", &o[1..])).collect()
            } else {
                ops
            };
            let mut s = ops.join("\n");
            if wrapped {
                s = format!("[{s}]");
            }
            if cut && s.len() > 3 {
                s.truncate(s.len() - 3);
            }
            s
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn generated_op_maps_read_the_same_on_both_paths(text in history()) {
        if let Err(e) = check(text.as_bytes()) {
            prop_assert!(false, "{:?}: {}", text, e);
        }
    }
}
