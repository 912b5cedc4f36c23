//! Fuzzing the JSON, JSON Lines and Plume readers: whatever the bytes, reading
//! gives a history or an error naming the file, never a panic.

use history::{History, SrcPos};
use parsers::source::Trickle;
use parsers::{read_history, Format, InputError, ReadOptions};
use proptest::prelude::*;
use std::path::Path;

const FORMATS: [Format; 3] = [Format::Json, Format::Jsonl, Format::Plume];

const JSON_SAMPLE: &str = r#"[{"index":0,"time":31076248,"type":"invoke","process":10,"f":"txn","value":[["append",11,1],["r",11,null]]},
{"index":1,"time":31076250,"type":"ok","process":10,"f":"txn","value":[["append",11,1],["r",11,[1,2,3]]]},
{"index":2,"type":"info","process":"nemesis","f":"start","value":{":a":[1.5e3,-0,"::x",true,false,null]},"error":"\u00e9\ud83d\ude00"}]
"#;

const PLUME_SAMPLE: &str = "w(0,1,1,1)\nw(0,2,1,1)\nr(0,2,2,2)\nw(3,4,2,-1)\n r( 5 , 6 , 7 , 8 )\n";

fn outcome(r: Result<History, InputError>) -> Result<Vec<(String, SrcPos)>, String> {
    match r {
        Ok(h) => Ok(h.ops.iter().map(|o| (h.op_to_value(o).to_string(), o.pos)).collect()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reading gives a history or an error naming the file, and the same whether
/// the input comes at once or a few bytes at a time.
fn check(bytes: &[u8]) {
    for f in FORMATS {
        let whole = outcome(read_history(bytes, "fuzz.json", Some(f), ReadOptions::default()));
        if let Err(msg) = &whole {
            assert!(msg.starts_with("fuzz.json"), "{f:?}: {msg}");
        }
        let slow = outcome(read_history(Trickle::new(bytes, 0), "fuzz.json", Some(f), ReadOptions::default()));
        assert_eq!(whole, slow, "{f:?}: {:?}", String::from_utf8_lossy(bytes));
    }
}

/// Real files to mutate: the corpus (first 4 KiB of each), else the samples above.
fn bases() -> Vec<Vec<u8>> {
    let mut out = vec![JSON_SAMPLE.as_bytes().to_vec(), PLUME_SAMPLE.as_bytes().to_vec()];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    assert!(
        dir.is_dir() || std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but {} is absent",
        dir.display()
    );
    let corpus = dir;
    for rel in [
        "list-append/paper-example.json",
        "rw-register/rw-register.json",
        "linearizability/elle-cli/mutex/bad/etcd.json",
        "linearizability/elle-cli/cas-register/good/memstress3-9.json",
        "isolation-text/galera.txt",
        "isolation-text/yugabyte.txt",
    ] {
        if let Ok(mut b) = std::fs::read(corpus.join(rel)) {
            b.truncate(4096);
            out.push(b);
        }
    }
    // The same samples as JSON Lines.
    let lines = JSON_SAMPLE.trim_start_matches('[').trim_end().trim_end_matches(']').replace(",\n", "\n");
    out.push(lines.into_bytes());
    out
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    " ",
    "\n",
    "\r\n",
    "\"",
    "\\",
    "\"index\"",
    "\"type\"",
    "\"ok\"",
    "\"invoke\"",
    "\"process\"",
    "\"value\"",
    "\"f\"",
    "\"append\"",
    "\"r\"",
    "\"w\"",
    "\":x\"",
    "\"::x\"",
    "0",
    "1",
    "-1",
    "-",
    "01",
    "1.5",
    "1e999",
    "-0.0e-5",
    "99999999999999999999999",
    "9223372036854775808",
    "null",
    "nul",
    "nil",
    "true",
    "false",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\u12\"",
    "\"\u{1}\"",
    "é",
    "\u{FEFF}",
    "\u{0}",
    "r(",
    "w(",
    ")",
    "r(1,2,3,4)",
    "w(1,2,3,-1)",
    "[[",
    "]]",
    "{\"type\":\"ok\",\"process\":0}",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat().into_bytes())
}

#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![prop::sample::select(b"[]{},:\"\\ \n-0123456789.eE+nulrw()".to_vec()), any::<u8>(),];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut b: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = b.len();
        match *e {
            Edit::Set(i, c) if n > 0 => b[i % n] = c,
            Edit::Insert(i, c) => b.insert(i % (n + 1), c),
            Edit::Delete(i) if n > 0 => {
                b.remove(i % n);
            }
            Edit::Truncate(i) => b.truncate(i % (n + 1)),
            _ => {}
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (64 * u64::from(ProptestConfig::default().cases) / 256).max(1) as u32, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check(&bytes);
    }

    #[test]
    fn token_soups(bytes in soup()) {
        check(&bytes);
    }

    #[test]
    fn mutated_real_files(which in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let bases = bases();
        let base = which.get(&bases).clone();
        check(&apply(base, &edits));
    }
}

#[test]
fn truncations_of_the_samples() {
    // A spread of cuts of each sample; `mutated_real_files` cuts at random too.
    // (Few, because each read allocates a 1 MiB buffer, slow in debug builds.)
    for base in bases() {
        let step = (base.len() / 12).max(1);
        for n in (0..base.len()).step_by(step) {
            check(&base[..n]);
        }
    }
}

#[test]
fn the_samples_read() {
    let h = read_history(JSON_SAMPLE.as_bytes(), "fuzz.json", Some(Format::Json), ReadOptions::default()).unwrap();
    assert_eq!(h.len(), 3);
    let h = read_history(PLUME_SAMPLE.as_bytes(), "fuzz.json", Some(Format::Plume), ReadOptions::default()).unwrap();
    assert_eq!(h.len(), 4);
}
