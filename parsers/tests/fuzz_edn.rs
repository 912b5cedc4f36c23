//! Fuzzing the EDN reader: whatever the bytes, it returns a history or an error
//! that starts with the file name; it never panics. Reading through a reader
//! that hands out a few bytes at a time gives the same result as reading the
//! whole input at once. And every value's EDN text reads back to the value.

mod common;
use common::*;
use history::{History, Value};
use parsers::source::Trickle;
use parsers::{edn, read_history, Format, InputError, ReadOptions};
use proptest::prelude::*;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

fn read_from<R: Read>(r: R) -> Result<History, InputError> {
    read_history(r, "fuzz.edn", Some(Format::Edn), ReadOptions::default())
}

fn written(h: &History) -> String {
    let mut out = Vec::new();
    edn::write_history(h, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Reads `bytes` whole; checks the error's form. With `slow`, also reads them a
/// few bytes at a time and checks that the outcome is the same.
fn check(bytes: &[u8], slow: bool) -> Result<(), TestCaseError> {
    let whole = read_from(bytes);
    if let Err(e) = &whole {
        let s = e.to_string();
        prop_assert!(s.starts_with("fuzz.edn:"), "{}", s);
    }
    if slow {
        let chunked = read_from(Trickle::new(bytes, bytes.len() as u64));
        match (&whole, &chunked) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(written(a), written(b));
                let pa: Vec<_> = a.ops.iter().map(|o| o.pos).collect();
                let pb: Vec<_> = b.ops.iter().map(|o| o.pos).collect();
                prop_assert_eq!(pa, pb);
            }
            (Err(a), Err(b)) => prop_assert_eq!((a.pos, &a.message), (b.pos, &b.message)),
            _ => prop_assert!(
                false,
                "whole: {:?}\nchunked: {:?}",
                whole.as_ref().map(written),
                chunked.as_ref().map(written)
            ),
        }
    }
    Ok(())
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "#{",
    "#_",
    "#",
    "##Inf",
    "##-Inf",
    "##NaN",
    "##x",
    " ",
    " ",
    " ",
    "\n",
    ",",
    ";c\n",
    ";",
    ":type",
    ":ok",
    ":invoke",
    ":info",
    ":fail",
    ":process",
    ":value",
    ":index",
    ":time",
    ":f",
    ":txn",
    ":append",
    ":r",
    ":w",
    ":x",
    ":",
    ":elle/k",
    "0",
    "1",
    "2",
    "-3",
    "+4",
    "17",
    "9223372036854775808",
    "12N",
    "1.5",
    "2.0",
    "1e5",
    "-1.5e-3",
    "2.5M",
    "0x1F",
    "2r101",
    "1/2",
    "12ab",
    "nil",
    "true",
    "false",
    "...",
    "foo/bar",
    "-",
    "\"s\"",
    "\"a\\nb\"",
    "\"\\u00e9\"",
    "\"\\q\"",
    "\"",
    "\"é\"",
    "\\a",
    "\\newline",
    "\\u00e9",
    "\\",
    "\\bogus",
    "#inst",
    "#jepsen.history.Op",
    "#object",
    "#:ns",
    "[:append 1 2]",
    "[:r 1 [1 2]]",
    "[:r 1 nil]",
    "{:type :ok :process 0}",
    "é",
    "\u{0}",
    "\r\n",
];

fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..48).prop_map(|ts| ts.concat().into_bytes())
}

/// Soups of whole ops: mostly well-formed, so the builder and both shapes get exercised.
fn op_soup() -> impl Strategy<Value = Vec<u8>> {
    let op = (
        0..4usize,
        0..3i64,
        prop::sample::select(&["[[:append 1 2]]", "[[:r 1 [2]]]", "[[:w :x 1] [:r :x nil]]", "nil", "3"][..]),
    )
        .prop_map(|(t, p, v)| {
            format!("{{:type {}, :process {p}, :value {v}}}", [":invoke", ":ok", ":fail", ":info"][t])
        });
    (prop::collection::vec(op, 0..12), any::<bool>(), prop::collection::vec(prop::sample::select(TOKENS), 0..3))
        .prop_map(|(ops, wrapped, noise)| {
            let mut s = ops.join("\n");
            if wrapped {
                s = format!("[{s}]");
            }
            // A little noise somewhere, sometimes.
            if !noise.is_empty() {
                let at = s.len() / 2;
                let at = (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                s.insert_str(at, &noise.concat());
            }
            s.into_bytes()
        })
}

/// The corpus files and the EDN fixtures, each cut to its first 12 KB (the
/// fixtures only when the corpus is absent, which fails under `CI=true`).
fn corpus() -> &'static [Vec<u8>] {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut paths = Vec::new();
        if let Some(dir) = testkit::corpus("mutated_corpus_files_never_panic", "") {
            files_with(&dir, &["edn"], &mut paths);
        }
        files_with(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"), &["edn"], &mut paths);
        paths
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|mut b| {
                b.truncate(12 << 10);
                b
            })
            .collect()
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, &'static str),
    InsertBytes(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<prop::sample::Index>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        (any::<prop::sample::Index>(), 1..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = b.len();
        let at = |i: &prop::sample::Index| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Set(i, x) => {
                if len > 0 {
                    let k = i.index(len);
                    b[k] = *x;
                }
            }
            Mutation::Insert(i, t) => {
                let k = at(i);
                b.splice(k..k, t.bytes());
            }
            Mutation::InsertBytes(i, x) => {
                let k = at(i);
                b.splice(k..k, x.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let k = at(i).min(len);
                b.drain(k..(k + n).min(len));
            }
            Mutation::Truncate(i) => b.truncate(at(i)),
        }
    }
    b
}

// Values whose EDN text is unambiguous (keywords, symbols and tags as EDN names them).

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9.*+!?_-]{0,8}(/[a-z][a-z0-9-]{0,6})?"
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        // Display writes every NaN as ##NaN, which reads back as the canonical NaN.
        any::<f64>().prop_map(|f| Value::Float(if f.is_nan() { f64::NAN } else { f })),
        "-?[1-9][0-9]{0,30}".prop_map(|s| Value::BigInt(s.into())),
        "-?[0-9]{1,6}(\\.[0-9]{1,6})?".prop_map(|s| Value::Decimal(s.into())),
        any::<String>().prop_map(|s| Value::Str(s.into())),
        name().prop_map(|s| Value::Keyword(s.into())),
        name()
            .prop_filter("not a literal", |s| !matches!(s.as_str(), "nil" | "true" | "false"))
            .prop_map(|s| Value::Symbol(s.into())),
        any::<char>().prop_map(Value::Char),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Vector),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Set),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Map),
            ("[a-z][a-z0-9.-]{0,10}", inner).prop_map(|(t, v)| Value::Tagged(t.into(), Box::new(v))),
        ]
    })
}

proptest! {
    // 256 cases each by default; set PROPTEST_CASES for a longer run.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes, false)?;
    }

    #[test]
    fn token_soups_read_the_same_in_small_pieces(bytes in token_soup()) {
        check(&bytes, true)?;
    }

    #[test]
    fn op_soups_read_the_same_in_small_pieces(bytes in op_soup()) {
        check(&bytes, true)?;
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        file in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 1..8),
    ) {
        let files = corpus();
        prop_assert!(!files.is_empty(), "no files to mutate");
        let bytes = mutate(files[file.index(files.len())].clone(), &muts);
        check(&bytes, true)?;
    }

    #[test]
    fn values_read_back_from_their_edn_text(v in value()) {
        let text = v.to_string();
        let back = edn::parse_value(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, v, "{}", text);
    }
}
