use super::*;
use crate::source::Trickle;
use crate::{read_history, read_history_file, Format, ReadOptions};
use crate::{InputError, Source};
use history::SrcPos;
use history::{History, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

fn v(s: &str) -> Value {
    parse_value(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn kw(s: &str) -> Value {
    Value::keyword(s)
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn vec_(items: Vec<Value>) -> Value {
    Value::Vector(items)
}

/// Every top-level element with its position, without the history builder.
fn elements_from<R: Read>(r: R) -> Result<Vec<(Value, SrcPos)>, InputError> {
    let mut src = Source::new(r, "t.edn");
    let mut out = Vec::new();
    read_ops(&mut src, &mut |v: &Value, p: SrcPos| {
        out.push((v.clone(), p));
        Ok(())
    })?;
    Ok(out)
}

fn elements(text: &str) -> Result<Vec<(Value, SrcPos)>, InputError> {
    let whole = elements_from(text.as_bytes());
    for seed in 0..4 {
        let slow = elements_from(Trickle::new(text.as_bytes(), seed));
        match (&whole, &slow) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "slow reader differs on {text:?}"),
            (Err(a), Err(b)) => {
                assert_eq!((a.pos, &a.message), (b.pos, &b.message), "slow reader differs on {text:?}")
            }
            _ => panic!("slow reader differs on {text:?}: {whole:?} vs {slow:?}"),
        }
    }
    whole
}

fn values(text: &str) -> Vec<Value> {
    elements(text).unwrap_or_else(|e| panic!("{text:?}: {e}")).into_iter().map(|(v, _)| v).collect()
}

fn error(text: &str) -> String {
    match elements(text) {
        Ok(v) => panic!("{text:?} should not read, but gave {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn read_str(text: &str) -> Result<History, InputError> {
    read_history(text.as_bytes(), "t.edn", Some(Format::Edn), ReadOptions::default())
}

fn write_str(h: &History) -> String {
    let mut out = Vec::new();
    write_history(h, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn scalars() {
    assert_eq!(v("nil"), Value::Nil);
    assert_eq!(v("true"), Value::Bool(true));
    assert_eq!(v("false"), Value::Bool(false));
    assert_eq!(v("0"), int(0));
    assert_eq!(v("42"), int(42));
    assert_eq!(v("-42"), int(-42));
    assert_eq!(v("+42"), int(42));
    assert_eq!(v("9223372036854775807"), int(i64::MAX));
    assert_eq!(v("-9223372036854775808"), int(i64::MIN));
    assert_eq!(v("9223372036854775808"), Value::BigInt("9223372036854775808".into()));
    assert_eq!(v("-99999999999999999999999"), Value::BigInt("-99999999999999999999999".into()));
    assert_eq!(v("12N"), Value::BigInt("12".into()));
    assert_eq!(v("+12N"), Value::BigInt("12".into()));
    assert_eq!(v("-12N"), Value::BigInt("-12".into()));
    assert_eq!(v("1.5"), Value::Float(1.5));
    assert_eq!(v("-2.0"), Value::Float(-2.0));
    assert_eq!(v("1e3"), Value::Float(1000.0));
    assert_eq!(v("1.5E-3"), Value::Float(0.0015));
    assert_eq!(v("2.5e+2"), Value::Float(250.0));
    assert_eq!(v("1.5M"), Value::Decimal("1.5".into()));
    assert_eq!(v("7M"), Value::Decimal("7".into()));
    assert_eq!(v("##Inf"), Value::Float(f64::INFINITY));
    assert_eq!(v("##-Inf"), Value::Float(f64::NEG_INFINITY));
    assert!(matches!(v("##NaN"), Value::Float(f) if f.is_nan()));
    assert_eq!(v("0x1a2b"), int(0x1a2b));
    assert_eq!(v("-0XFF"), int(-255));
    assert_eq!(v("0x10000000000000000"), Value::BigInt("18446744073709551616".into()));
    assert_eq!(v("2r1010"), int(10));
    assert_eq!(v("36rZ"), int(35));
    assert_eq!(v("1/3"), Value::Symbol("1/3".into()));
    assert_eq!(v(":ok"), kw("ok"));
    assert_eq!(v(":elle.list-append/init"), kw("elle.list-append/init"));
    assert_eq!(v(":a-b?*!"), kw("a-b?*!"));
    assert_eq!(v("..."), Value::Symbol("...".into()));
    assert_eq!(v("foo/bar"), Value::Symbol("foo/bar".into()));
    assert_eq!(v("-"), Value::Symbol("-".into()));
    assert_eq!(v("+a"), Value::Symbol("+a".into()));
    assert_eq!(v("nilly"), Value::Symbol("nilly".into()));
    assert_eq!(v("ключ"), Value::Symbol("ключ".into()));
    assert_eq!(v(":ключ"), kw("ключ"));
}

#[test]
fn strings_and_characters() {
    assert_eq!(v(r#""""#), Value::string(""));
    assert_eq!(v(r#""plain text""#), Value::string("plain text"));
    assert_eq!(v(r#""a\"b\\c\nd\te\rf\bg\fh""#), Value::string("a\"b\\c\nd\te\rf\u{8}g\u{c}h"));
    assert_eq!(v(r#""\u00e9\u0041""#), Value::string("éA"));
    assert_eq!(v(r#""\ud83d\ude00""#), Value::string("😀"));
    assert_eq!(v("\"multi\nline é\""), Value::string("multi\nline é"));
    assert_eq!(v(r"\a"), Value::Char('a'));
    assert_eq!(v(r"\newline"), Value::Char('\n'));
    assert_eq!(v(r"\space"), Value::Char(' '));
    assert_eq!(v(r"\tab"), Value::Char('\t'));
    assert_eq!(v(r"\return"), Value::Char('\r'));
    assert_eq!(v(r"\backspace"), Value::Char('\u{8}'));
    assert_eq!(v(r"\formfeed"), Value::Char('\u{c}'));
    assert_eq!(v(r"\u00e9"), Value::Char('é'));
    assert_eq!(v(r"\o101"), Value::Char('A'));
    assert_eq!(v(r"\u"), Value::Char('u'));
    assert_eq!(v(r"\é"), Value::Char('é'));
    assert_eq!(v(r"\("), Value::Char('('));
    assert_eq!(v(r"\\"), Value::Char('\\'));
    assert_eq!(v(r#"\""#), Value::Char('"'));
    assert_eq!(v(r"[\a \b]"), vec_(vec![Value::Char('a'), Value::Char('b')]));
    assert_eq!(v(r"[\a\b]"), vec_(vec![Value::Char('a'), Value::Char('b')]));
}

#[test]
fn collections_comments_discards_and_tags() {
    assert_eq!(v("[]"), vec_(vec![]));
    assert_eq!(v("[1, 2 ,3]"), vec_(vec![int(1), int(2), int(3)]));
    assert_eq!(v("(1 :a)"), Value::List(vec![int(1), kw("a")]));
    assert_eq!(v("#{1 2}"), Value::Set(vec![int(1), int(2)]));
    assert_eq!(
        v("{:a 1, :b [2 {:c ()}]}"),
        Value::Map(vec![
            (kw("a"), int(1)),
            (kw("b"), vec_(vec![int(2), Value::Map(vec![(kw("c"), Value::List(vec![]))])])),
        ])
    );
    assert_eq!(
        v("{[1 2] \"x\", nil nil}"),
        Value::Map(vec![(vec_(vec![int(1), int(2)]), Value::string("x")), (Value::Nil, Value::Nil)])
    );
    assert_eq!(v("[1 ; comment ]\n 2]"), vec_(vec![int(1), int(2)]));
    assert_eq!(v("[1 #_2 3]"), vec_(vec![int(1), int(3)]));
    assert_eq!(v("[1 #_ [2 3]]"), vec_(vec![int(1)]));
    assert_eq!(v("[#_#_ 1 2 3]"), vec_(vec![int(3)]));
    assert_eq!(v("{:a #_ :b 1}"), Value::Map(vec![(kw("a"), int(1))]));
    assert_eq!(v("#_ 1 2"), int(2));
    assert_eq!(
        v("#inst \"2020-05-13T10:00:00.000-00:00\""),
        Value::Tagged("inst".into(), Box::new(Value::string("2020-05-13T10:00:00.000-00:00")))
    );
    assert_eq!(
        v("#uuid\"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\""),
        Value::Tagged("uuid".into(), Box::new(Value::string("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")))
    );
    assert_eq!(
        v("#jepsen.history.Op{:index 3, :type :ok}"),
        Value::Tagged(
            "jepsen.history.Op".into(),
            Box::new(Value::Map(vec![(kw("index"), int(3)), (kw("type"), kw("ok"))]))
        )
    );
    assert_eq!(
        v("#object[java.lang.Exception 0x1a2b \"msg\"]"),
        Value::Tagged(
            "object".into(),
            Box::new(vec_(vec![Value::Symbol("java.lang.Exception".into()), int(0x1a2b), Value::string("msg")]))
        )
    );
    assert_eq!(v("#a #b 1"), Value::Tagged("a".into(), Box::new(Value::Tagged("b".into(), Box::new(int(1))))));
    assert_eq!(
        v("#:elle{:a 1, :x/b 2, :_/c 3, d 4}"),
        Value::Map(vec![
            (kw("elle/a"), int(1)),
            (kw("x/b"), int(2)),
            (kw("c"), int(3)),
            (Value::Symbol("elle/d".into()), int(4)),
        ])
    );
    assert_eq!(v("  ; leading comment\n :x ; trailing"), kw("x"));
}

#[test]
fn display_reads_back() {
    let samples = vec![
        Value::Nil,
        Value::Bool(true),
        int(-7),
        int(i64::MIN),
        Value::BigInt("123456789012345678901234567890".into()),
        Value::BigInt("-5".into()),
        Value::BigInt("5".into()),
        Value::Float(2.0),
        Value::Float(-0.0),
        Value::Float(0.1),
        Value::Float(1e16),
        Value::Float(1.5e-7),
        Value::Float(f64::MAX),
        Value::Float(f64::MIN_POSITIVE),
        Value::Float(5e-324),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        Value::Decimal("1.50".into()),
        Value::Decimal("-3".into()),
        Value::string("quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} é 😀"),
        kw("elle.list-append/init"),
        Value::Symbol("...".into()),
        Value::Char('a'),
        Value::Char('u'),
        Value::Char('n'),
        Value::Char('\n'),
        Value::Char(' '),
        Value::Char('\t'),
        Value::Char('\r'),
        Value::Char('\u{0}'),
        Value::Char('\u{8}'),
        Value::Char('\\'),
        Value::Char('"'),
        Value::Char(';'),
        Value::Char(','),
        Value::Char('é'),
        Value::Set(vec![int(2), int(1)]),
        Value::List(vec![]),
        Value::Tagged("inst".into(), Box::new(Value::string("2020"))),
        Value::Tagged("jepsen.history.Op".into(), Box::new(Value::Map(vec![(kw("index"), int(1))]))),
    ];
    let all = vec_(samples.clone());
    for s in samples.iter().chain([&all]) {
        let text = s.to_string();
        let back = parse_value(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&back, s, "{text}");
    }
}

const STREAM: &str =
    "{:type :invoke, :f :txn, :value [[:append 11 1] [:r 11 nil]], :process 10, :time 14532933, :index 0}\n\
        {:type :ok, :f :txn, :value [[:append 11 1] [:r 11 [1]]], :process 10, :time 31076248, :index 2}\n";

#[test]
fn stream_shape() {
    let h = read_str(STREAM).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h.ops[1].index, 2);
    assert_eq!(h.ops[1].pos, SrcPos { line: 2, col: 1 });
    assert_eq!(h.partner_of(0), Some(1));
    // No final newline, extra blank lines, comments, commas between ops.
    let text = ";; header\n\n{:type :ok :process 0}, {:type :ok :process 1} ; c\n\n{:type :ok :process 2}";
    let els = elements(text).unwrap();
    assert_eq!(
        els.iter().map(|e| e.1).collect::<Vec<_>>(),
        vec![SrcPos { line: 3, col: 1 }, SrcPos { line: 3, col: 25 }, SrcPos { line: 5, col: 1 }]
    );
    assert_eq!(read_str(text).unwrap().len(), 3);
}

#[test]
fn vector_and_list_shapes() {
    let text = "; a comment\n[{:type :invoke, :value [[:w :x 1]], :process 0}\n {:type :ok,     :value [[:w :x 1]], :process 0}]\n";
    let els = elements(text).unwrap();
    assert_eq!(els.len(), 2);
    assert_eq!(els[0].1, SrcPos { line: 2, col: 2 });
    assert_eq!(els[1].1, SrcPos { line: 3, col: 2 });
    let h = read_str(text).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h.partner_of(1), Some(0));

    let list = "({:type :ok, :process 1}\n ; between\n #jepsen.history.Op{:type :ok, :process 2}\n #_{:type :bogus}\n)";
    let h = read_str(list).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h.ops[1].pos, SrcPos { line: 3, col: 2 });

    for empty in ["", "  \n", "; only a comment", "[]", "[ ]\n", "()", "[\n; nothing\n]", "#_{:a 1}"] {
        assert!(elements(empty).unwrap().is_empty(), "{empty:?}");
        assert!(read_str(empty).unwrap().is_empty(), "{empty:?}");
    }
    // A top-level vector of something other than op maps is one element.
    assert_eq!(values("[1 2]"), vec![vec_(vec![int(1), int(2)])]);
    let e = read_str("[1 2]").unwrap_err();
    assert!(e.to_string().contains("expected an op map"), "{e}");
    let e = read_str(":ok").unwrap_err();
    assert!(e.to_string().contains("expected an op map"), "{e}");
    assert!(e.to_string().contains("found a keyword"), "{e}");
}

#[test]
fn maps_spread_across_lines() {
    let text = "{:type :invoke,\n :f :txn,\n :value [[:read :x nil]\n         [:read :y nil]],\n :process 3,\n :time 7686455705}\n{:type :ok,\n :f :txn, :value [], :process 3}\n";
    let h = read_str(text).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h.ops[0].pos, SrcPos { line: 1, col: 1 });
    assert_eq!(h.ops[1].pos, SrcPos { line: 7, col: 1 });
    assert_eq!(h.ops[0].time, Some(7686455705));
}

#[test]
fn positions() {
    let text = "; one\n; two\n{:type :ok, :process 0}\n   {:type :ok, :process 1}";
    let h = read_str(text).unwrap();
    assert_eq!(h.ops[0].pos, SrcPos { line: 3, col: 1 });
    assert_eq!(h.ops[1].pos, SrcPos { line: 4, col: 4 });
    // Columns count characters, not bytes.
    let els = elements("\"é\" {:a 1}").unwrap();
    assert_eq!(els[1].1, SrcPos { line: 1, col: 5 });
}

#[test]
fn slow_reader_gives_the_same_result() {
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!(
                "{{:type :ok, :f :txn, :value [[:append {i} {}] [:r {i} [1 2 3]]], :process {}, :time {}, :index {i}, :error \"é\\n\\u00e9 {}\" :c \\newline}}\n; comment {i}\n",
                i * 7,
                i % 5,
                i as i64 * 1_000_000_007,
                "x".repeat(i % 13)
            ));
    }
    let whole = elements(&text).unwrap();
    assert_eq!(whole.len(), 200);
    assert_eq!(whole[199].1, SrcPos { line: 399, col: 1 });
    let wrapped = format!("[{text}]");
    assert_eq!(elements(&wrapped).unwrap().len(), 200);
    // Through the public API too.
    let a = read_history(Trickle::new(text.as_bytes(), 9), "t.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
    let b = read_str(&text).unwrap();
    assert_eq!(write_str(&a), write_str(&b));
    assert_eq!(a.ops.iter().map(|o| o.pos).collect::<Vec<_>>(), b.ops.iter().map(|o| o.pos).collect::<Vec<_>>());
}

#[test]
fn malformed_input_points_at_the_problem() {
    assert_eq!(
        error("{:type :ok}\n{:type :ok, :value [1 2]\n"),
        "t.edn:3:1: unexpected end of input inside the map that starts at line 2 col 1 (missing '}')"
    );
    assert_eq!(
            error("{:type :ok}\n{:type :ok, :value [1 2}\n"),
            "t.edn:2:24: expected ']' to close the vector that starts at line 2 col 20, found '}'\n  {:type :ok, :value [1 2}\n                         ^"
        );
    assert_eq!(error("{:a 1}\n]"), "t.edn:2:1: unmatched ']'\n  ]\n  ^");
    assert_eq!(
            error("[{:a 1}]\n{:b 2}"),
            "t.edn:2:1: expected the end of the input after the vector of ops that ends at line 1 col 8, found '{'\n  {:b 2}\n  ^"
        );
    assert_eq!(
            error("[{:a 1})"),
            "t.edn:1:8: expected ']' to close the vector of ops that starts at line 1 col 1, found ')'\n  [{:a 1})\n         ^"
        );
    assert_eq!(
        error("[{:a 1}\n"),
        "t.edn:2:1: unexpected end of input inside the vector of ops that starts at line 1 col 1 (missing ']')"
    );
    assert_eq!(
            error("{:type :ok, :error \"bad \\q escape\"}"),
            "t.edn:1:25: invalid escape \\q in a string\n  {:type :ok, :error \"bad \\q escape\"}\n                          ^"
        );
    assert_eq!(
            error("{:type :ok :process}"),
            "t.edn:1:20: expected a value after :process, found '}' (a map needs a value for every key)\n  {:type :ok :process}\n                     ^"
        );
    assert_eq!(
        error("{:type :ok}\n{:type :ok, :error \"unterminated}\n"),
        "t.edn:3:1: unexpected end of input inside the string that starts at line 2 col 20 (missing '\"')"
    );
    let e = elements_from(&b"{:type :ok, :error \"a\xffb\"}"[..]).unwrap_err();
    assert_eq!((e.pos, e.message.as_str()), (SrcPos { line: 1, col: 22 }, "invalid UTF-8 in a string (byte 0xff)"));
    assert_eq!(
        error("{:type :ok}\n#_"),
        "t.edn:2:3: expected a form after the #_ at line 2 col 1, found end of input\n  #_\n    ^"
    );
    assert_eq!(
        error("{:type :ok}\n#_ ; c\n"),
        "t.edn:3:1: expected a form after the #_ at line 2 col 1, found end of input"
    );
    assert_eq!(
        error("{:a #inst}"),
        "t.edn:1:10: expected a form after the tag #inst, found '}'\n  {:a #inst}\n           ^"
    );
    assert_eq!(
            error("{:a #inst"),
            "t.edn:1:10: expected a form after the tag #inst at line 1 col 5, found end of input\n  {:a #inst\n           ^"
        );
    assert_eq!(error("{:a 12ab}"), "t.edn:1:5: invalid number '12ab'\n  {:a 12ab}\n      ^");
    assert_eq!(error("{:a : }"), "t.edn:1:5: expected a keyword name after ':', found ' '\n  {:a : }\n      ^");
    assert_eq!(error("{:a @x}"), "t.edn:1:5: expected a form, found '@'\n  {:a @x}\n      ^");
    assert_eq!(
        error("{:a ##Foo}"),
        "t.edn:1:5: unknown symbolic value '##Foo' (expected ##Inf, ##-Inf or ##NaN)\n  {:a ##Foo}\n      ^"
    );
    assert!(error(r"[\bogus]").starts_with("t.edn:1:2: invalid character literal \\bogus"));
    assert!(error("[\"\\u12G4\"]").starts_with("t.edn:1:3: invalid escape \\u12G4 in a string"));
    assert!(error("[\"\\ud83d x\"]").starts_with("t.edn:1:3: invalid escape \\ud83d in a string: a high surrogate"));
    assert!(error("{:a #%x}").starts_with("t.edn:1:6: expected a tag"));
    assert!(error("{:a 1}\n\u{1}").starts_with("t.edn:2:1: expected a form, found the control character 0x01"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH as usize), "]".repeat(MAX_DEPTH as usize));
    assert!(parse_value(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH as usize + 1), "]".repeat(MAX_DEPTH as usize + 1));
    let e = parse_value(&deep).unwrap_err();
    assert!(e.message.starts_with("nesting deeper than 256 levels"), "{e}");
    assert_eq!(e.pos, SrcPos { line: 1, col: 257 });
    // Unclosed, huge, through the stream reader.
    let e = elements_from("{:a ".repeat(100_000).as_bytes()).unwrap_err();
    assert!(e.message.starts_with("nesting deeper"), "{e}");
    let e = elements_from("#_".repeat(100_000).as_bytes()).unwrap_err();
    assert!(e.message.starts_with("nesting deeper"), "{e}");
    let e = elements_from("#a ".repeat(100_000).as_bytes()).unwrap_err();
    assert!(e.message.starts_with("nesting deeper"), "{e}");
}

#[test]
fn huge_numbers_and_tokens() {
    let digits = "9".repeat(10_000);
    assert_eq!(v(&digits), Value::BigInt(digits.clone().into()));
    assert!(matches!(v(&format!("{digits}.5")), Value::Float(f) if f.is_infinite()));
    assert!(parse_value(&format!("0x{}", "f".repeat(10_000))).is_err());
    let long_kw = format!(":{}", "k".repeat(3 << 20));
    assert_eq!(elements_from(long_kw.as_bytes()).unwrap().len(), 1);
}

#[test]
fn writer_round_trips() {
    let text = "{:index 0, :time 5, :type :invoke, :process 0, :f :txn, :value [[:append 1 2] [:r 1 nil]]}\n\
            {:index 1, :type :info, :process :nemesis, :f :start, :value \"fully connected\"}\n\
            {:index 2, :time 7, :type :ok, :process 0, :f :txn, :value [[:append 1 2] [:r 1 [2]]], :error [:x 1.5 \"é\"]}\n\
            {:index 3, :type :invoke, :process 1, :f :cas, :value [1 2]}\n";
    let h = read_str(text).unwrap();
    let out = write_str(&h);
    assert_eq!(
        out.lines().next().unwrap(),
        "{:index 0, :time 5, :type :invoke, :process 0, :f :txn, :value [[:append 1 2] [:r 1 nil]]}"
    );
    let h2 = read_str(&out).unwrap();
    assert_eq!(write_str(&h2), out);
    assert_eq!(h2.len(), h.len());
    for (a, b) in h.ops.iter().zip(&h2.ops) {
        assert_eq!(h.op_to_value(a), h2.op_to_value(b));
    }
    // A history without :index or :process stays without them.
    let h = read_str("{:type :invoke, :value [[:r :x nil]]}\n{:type :ok, :value [[:r :x 1]]}").unwrap();
    assert_eq!(write_str(&h), "{:type :invoke, :value [[:r :x nil]]}\n{:type :ok, :value [[:r :x 1]]}\n");
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn edn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            edn_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "edn") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file_reads() {
    let Some(dir) = testkit::corpus("edn::every_corpus_file_reads", "") else { return };
    let mut files = Vec::new();
    edn_files(&dir, &mut files);
    assert!(!files.is_empty());
    for f in &files {
        match read_history_file(f, ReadOptions::default()) {
            Ok(h) => {
                // Written back and read again, it is the same history.
                let out = write_str(&h);
                let h2 = read_str(&out).unwrap_or_else(|e| panic!("{}: written back: {e}", f.display()));
                assert_eq!(write_str(&h2), out, "{}", f.display());
            }
            // The builder rejected the op pairing: errors without a caret come from it.
            Err(e) if e.caret.is_none() && e.pos.line > 0 => {
                eprintln!("note: {} is rejected by the history builder: {e}", f.display())
            }
            Err(e) => panic!("{e}"),
        }
        // The elements also read the same through a slow reader.
        let bytes = std::fs::read(f).unwrap();
        if bytes.len() < 100_000 {
            let a = elements_from(&bytes[..]).unwrap();
            let b = elements_from(Trickle::new(&bytes, 3)).unwrap();
            assert_eq!(a, b, "{}", f.display());
        }
    }
}

/// ~100 MB of ops: `lines` repeated, their `:index` renumbered.
fn repeat_ops(lines: &[String]) -> Vec<u8> {
    let mut data = String::with_capacity(110 << 20);
    let mut index = 0u64;
    while data.len() < 100 << 20 {
        for l in lines {
            match l.find(":index ") {
                Some(at) => {
                    let digits = l[at + 7..].bytes().take_while(u8::is_ascii_digit).count();
                    data.push_str(&l[..at + 7]);
                    data.push_str(&index.to_string());
                    data.push_str(&l[at + 7 + digits..]);
                }
                None => data.push_str(l),
            }
            data.push('\n');
            index += 1;
        }
    }
    data.into_bytes()
}

/// `cargo test --release -p parsers edn::tests::speed -- --ignored --nocapture`
#[test]
#[ignore]
fn speed() {
    let mut sets: Vec<(String, Vec<String>)> = Vec::new();
    let synthetic: Vec<String> = (0..20_000u64)
            .map(|i| {
                let p = (i / 2) % 10;
                if i % 2 == 0 {
                    format!("{{:type :invoke, :f :txn, :value [[:append {} {i}] [:r {} nil]], :process {p}, :time {}, :index {i}}}", i % 100, i % 97, i * 1000)
                } else {
                    format!("{{:type :ok, :f :txn, :value [[:append {} {i}] [:r {} [1 2 3]]], :process {p}, :time {}, :index {i}}}", i % 100, i % 97, i * 1000)
                }
            })
            .collect();
    sets.push(("synthetic".into(), synthetic));
    for name in ["list-append/history.edn", "list-append/huge-scc.edn"] {
        if let Ok(text) = std::fs::read_to_string(corpus_dir().join(name)) {
            sets.push((name.into(), text.lines().filter(|l| l.starts_with('{')).map(String::from).collect()));
        }
    }
    for (name, lines) in &sets {
        let bytes = repeat_ops(lines);
        let mb = bytes.len() as f64 / 1e6;
        let (mut best, mut best_parse) = (f64::MAX, f64::MAX);
        let mut n = 0;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let h = read_history(&bytes[..], "speed.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
            n = h.len();
            drop(h);
            // Parsing alone, without the history builder.
            let t = std::time::Instant::now();
            let mut src = Source::new(&bytes[..], "speed.edn");
            read_ops(&mut src, &mut |_v: &Value, _p: SrcPos| Ok(())).unwrap();
            best_parse = best_parse.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name}: {n} ops, {mb:.1} MB: read_history {:.0} MB/s, parse only {:.0} MB/s",
            mb / best,
            mb / best_parse
        );
    }
}
