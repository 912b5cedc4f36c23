use super::lex::{known_idx, KNOWN};
use super::*;
use crate::{read_history, Format, ReadOptions};
use crate::{InputError, Source};
use history::HistoryBuilder;
use history::{Atom, History, SrcPos, Value};

fn kw(s: &str) -> Value {
    Value::keyword(s)
}

fn s(x: &str) -> Value {
    Value::string(x)
}

fn read(text: &str, f: Format) -> Result<History, InputError> {
    read_history(text.as_bytes(), "t.json", Some(f), ReadOptions::default())
}

fn ok(text: &str, f: Format) -> History {
    read(text, f).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str, f: Format) -> String {
    match read(text, f) {
        Ok(_) => panic!("expected an error reading {text:?}"),
        Err(e) => e.to_string(),
    }
}

/// The op maps handed to the sink.
fn op_maps(text: &str, f: Format) -> Vec<(Value, SrcPos)> {
    let mut src = Source::new(text.as_bytes(), "t.json");
    let mut got = Vec::new();
    let mut sink = |v: &Value, p: SrcPos| {
        got.push((v.clone(), p));
        Ok(())
    };
    match f {
        Format::Json => read_array(&mut src, &mut sink).unwrap(),
        _ => read_lines(&mut src, &mut sink).unwrap(),
    }
    got
}

fn values(h: &History) -> Vec<Value> {
    h.ops.iter().map(|o| h.op_to_value(o)).collect()
}

fn write(h: &History, f: Format) -> String {
    let mut out = Vec::new();
    match f {
        Format::Json => write_array(h, &mut out).unwrap(),
        _ => write_lines(h, &mut out).unwrap(),
    }
    String::from_utf8(out).unwrap()
}

fn build(ops: &[Value]) -> History {
    let mut b = HistoryBuilder::new();
    for (i, o) in ops.iter().enumerate() {
        b.push(o, SrcPos { line: i as u32 + 1, col: 1 }).unwrap();
    }
    b.finish().unwrap()
}

fn assert_same(a: &History, b: &History) {
    assert_eq!(values(a), values(b));
    assert_eq!(a.index_given, b.index_given);
    assert_eq!(a.process_defaulted, b.process_defaulted);
    assert_eq!(a.partner, b.partner);
}

#[test]
fn elle_cli_conventions() {
    let text = r#"[{"index":0,"type":"invoke","process":0,"f":"txn","value":[["append","x",1],["r",":y",null]]},
{"index":1,"type":":ok","process":0,"f":"txn","value":[["append","x",1],["r",":y",[1,"::z",":w"]]]}]"#;
    let maps = op_maps(text, Format::Json);
    assert_eq!(maps.len(), 2);
    assert_eq!(maps[0].1, SrcPos { line: 1, col: 2 });
    assert_eq!(maps[1].1, SrcPos { line: 2, col: 1 });
    let v = &maps[1].0;
    assert_eq!(v.get("type"), Some(&kw("ok")));
    assert_eq!(v.get("f"), Some(&kw("txn")));
    assert_eq!(v.get("process"), Some(&Value::Int(0)));
    assert_eq!(
        v.get("value"),
        Some(&Value::Vector(vec![
            Value::Vector(vec![kw("append"), s("x"), Value::Int(1)]),
            Value::Vector(vec![kw("r"), kw("y"), Value::Vector(vec![Value::Int(1), s(":z"), kw("w")])]),
        ]))
    );
    let h = ok(text, Format::Json);
    let x = h.atoms.lookup(&Atom::Str("x".into())).unwrap();
    assert_eq!(h.mops(&h.ops[0])[0].key, x);
    assert!(h.atoms.lookup(&Atom::Keyword("x".into())).is_none(), "the string \"x\" is not the keyword :x");
}

#[test]
fn non_mop_values_keep_their_strings() {
    let v = &op_maps(r#"[{"type":"ok","value":[["cas","x"],["r",1,2]],"process":"nemesis","error":{"why":":timeout","n":[1.5,-2e3]}}]"#, Format::Json)[0].0;
    assert_eq!(
        v.get("value"),
        Some(&Value::Vector(vec![
            Value::Vector(vec![s("cas"), s("x")]),
            Value::Vector(vec![s("r"), Value::Int(1), Value::Int(2)])
        ]))
    );
    assert_eq!(v.get("process"), Some(&s("nemesis")));
    assert_eq!(
        v.get("error"),
        Some(&Value::Map(vec![
            (s("why"), kw("timeout")),
            (s("n"), Value::Vector(vec![Value::Float(1.5), Value::Float(-2000.0)])),
        ]))
    );
}

#[test]
fn numbers() {
    let v = value_from_json("[0,-0,9223372036854775807,-9223372036854775808,9223372036854775808,-99999999999999999999999,1.0,1e2,-0.5E-3,true,false,null]").unwrap();
    assert_eq!(
        v,
        Value::Vector(vec![
            Value::Int(0),
            Value::Int(0),
            Value::Int(i64::MAX),
            Value::Int(i64::MIN),
            Value::BigInt("9223372036854775808".into()),
            Value::BigInt("-99999999999999999999999".into()),
            Value::Float(1.0),
            Value::Float(100.0),
            Value::Float(-0.0005),
            Value::Bool(true),
            Value::Bool(false),
            Value::Nil,
        ])
    );
    for bad in ["01", "-", "1.", "1e", "-a", ".5", "+1"] {
        assert!(value_from_json(bad).is_err(), "{bad}");
    }
    let big = Value::Vector(vec![
        Value::BigInt("123456789012345678901234567890".into()),
        Value::Float(0.1),
        Value::Float(1e300),
    ]);
    assert_eq!(value_from_json(&value_to_json(&big)).unwrap(), big);
}

#[test]
fn strings_and_escapes() {
    let v = value_from_json(r#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00", "é∂", ":", "::", ""]"#).unwrap();
    assert_eq!(v, Value::Vector(vec![s("a\"b\\c/\n\té😀"), s("é∂"), s(":"), s(":"), s("")]));
    for bad in [r#""\ud800""#, r#""\udc00""#, r#""\x""#, "\"a\nb\"", r#""\u12g4""#] {
        assert!(value_from_json(bad).is_err(), "{bad}");
    }
    let tricky = Value::Vector(vec![s(":x"), s("::y"), s(":"), kw("k"), s("\u{1}\"\\"), s("")]);
    assert_eq!(value_from_json(&value_to_json(&tricky)).unwrap(), tricky);
}

#[test]
fn nested_objects_use_the_colon_rule() {
    let v = value_from_json(r#"{"a":{":b":[{"::c":1}]}}"#).unwrap();
    assert_eq!(
        v,
        Value::Map(vec![(
            s("a"),
            Value::Map(vec![(kw("b"), Value::Vector(vec![Value::Map(vec![(s(":c"), Value::Int(1))])]))])
        )])
    );
}

fn sample_history() -> History {
    let op = |fields: Vec<(&str, Value)>| Value::Map(fields.into_iter().map(|(k, v)| (kw(k), v)).collect());
    let mop = |f: &str, k: Value, v: Value| Value::Vector(vec![kw(f), k, v]);
    build(&[
        op(vec![
            ("index", Value::Int(3)),
            ("time", Value::Int(-1)),
            ("type", kw("invoke")),
            ("process", Value::Int(0)),
            ("f", kw("txn")),
            ("value", Value::Vector(vec![mop("append", kw("x"), Value::Int(1)), mop("r", s(":y"), Value::Nil)])),
        ]),
        op(vec![
            ("index", Value::Int(4)),
            ("type", kw("info")),
            ("process", kw("nemesis")),
            ("f", kw("start")),
            ("value", Value::Map(vec![(kw("n"), Value::Int(2)), (s("m"), Value::Vector(vec![Value::Float(2.0)]))])),
        ]),
        op(vec![
            ("index", Value::Int(9)),
            ("type", kw("ok")),
            ("process", Value::Int(0)),
            ("f", kw("txn")),
            (
                "value",
                Value::Vector(vec![
                    mop("append", kw("x"), Value::Int(1)),
                    mop("r", s(":y"), Value::Vector(vec![Value::BigInt("123456789012345678901234".into()), s("a")])),
                    Value::Vector(vec![kw("r"), Value::Int(5)]),
                ]),
            ),
            ("error", Value::Vector(vec![kw("timeout"), s("::odd"), Value::Nil, Value::Bool(true)])),
        ]),
        op(vec![
            ("index", Value::Int(10)),
            ("type", kw("ok")),
            ("process", s("other")),
            ("f", kw("read")),
            ("value", Value::Vector(vec![Value::Vector(vec![s("w"), Value::Int(1), Value::Int(2), Value::Int(3)])])),
        ]),
    ])
}

#[test]
fn round_trips_exactly() {
    let h = sample_history();
    assert!(lossy_constructs(&h).is_empty(), "{:?}", lossy_constructs(&h));
    for f in [Format::Json, Format::Jsonl] {
        let text = write(&h, f);
        let back = ok(&text, f);
        assert_same(&h, &back);
        assert_eq!(write(&back, f), text);
    }
    let json = write(&h, Format::Json);
    assert!(json.starts_with("[{\"index\":3,\"time\":-1,\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\":x\",1],[\"r\",\"::y\",null]]},\n{"), "{json}");
    assert!(json.ends_with("}]\n"));
    assert_eq!(json.lines().count(), 4);
    assert_eq!(write(&sample_history(), Format::Jsonl).lines().count(), 4);
}

#[test]
fn empty_histories() {
    let h = ok("[]", Format::Json);
    assert!(h.is_empty());
    assert_eq!(write(&h, Format::Json), "[]\n");
    assert_eq!(write(&h, Format::Jsonl), "");
    assert!(ok("\n\n  \n", Format::Jsonl).is_empty());
    assert!(ok(" [ \n ] \n", Format::Json).is_empty());
}

#[test]
fn no_index_and_no_process_stay_absent() {
    let text = "{\"type\":\"invoke\",\"value\":[[\"w\",1,2]]}\n\n{\"type\":\"ok\",\"value\":[[\"w\",1,2]]}\n";
    let h = ok(text, Format::Jsonl);
    assert!(h.process_defaulted && !h.index_given);
    assert_eq!(h.ops[1].pos, SrcPos { line: 3, col: 1 });
    assert_eq!(write(&h, Format::Jsonl), text.replace("\n\n", "\n"));
}

#[test]
fn lossy_constructs_are_listed() {
    let op = Value::Map(vec![
        (kw("type"), kw("ok")),
        (kw("process"), Value::Int(0)),
        (kw("f"), s("txn")),
        (
            kw("value"),
            Value::Vector(vec![
                Value::Tagged("inst".into(), Box::new(s("2020"))),
                Value::Tagged("uuid".into(), Box::new(s("u"))),
                Value::Set(vec![Value::Int(1)]),
                Value::List(vec![]),
                Value::List(vec![]),
                Value::Symbol("sym".into()),
                Value::Char('c'),
                Value::Decimal("1.5".into()),
                Value::BigInt("1".into()),
                Value::Float(f64::NAN),
                Value::Map(vec![(Value::Int(1), Value::Nil)]),
            ]),
        ),
        (s("note"), Value::Nil),
    ]);
    let h = build(&[op]);
    let l = lossy_constructs(&h);
    let expected = [
        "2 tagged literals (#inst, #uuid) written as their value",
        "1 set written as an array",
        "2 lists written as arrays",
        "1 symbol written as a string",
        "1 character written as a string",
        "1 decimal (M suffix) written as a plain number",
        "1 big integer (N suffix) written as a plain integer",
        "1 NaN or infinite number written as null",
        "1 map key that is neither a keyword nor a string written as a string",
        "1 op field named by a string written as a plain name (reads back as a keyword)",
        "1 :f given as a string written as a plain name (reads back as a keyword)",
    ];
    assert_eq!(l, expected);
    // It still writes valid JSON that reads.
    let text = write(&h, Format::Json);
    let back = ok(&text, Format::Json);
    assert_eq!(back.len(), 1);
    assert!(text.contains("[\"2020\",\"u\",[1],[],[],\"sym\",\"c\",1.5,1,null,{\"1\":null}]"), "{text}");
}

#[test]
fn error_positions() {
    let e = err("[{\"type\":\"ok\" \"process\":0}]", Format::Json);
    assert!(e.starts_with("t.json:1:15: expected ',' or '}' after an object member, found '\"'"), "{e}");
    let e = err("[{\"type\":\"ok\",\"process\":0}\n{\"type\":\"ok\"}]", Format::Json);
    assert!(e.starts_with("t.json:2:1: expected ',' or ']' after an op object, found '{'"), "{e}");
    let e = err("[{\"type\":\"ok\",\"process\":0}]\nxyz", Format::Json);
    assert!(
        e.starts_with("t.json:2:1: expected the end of the file after the array's closing ']', found 'xyz'"),
        "{e}"
    );
    let e = err("[{\"type\":\"ok\",\"process\":0},\n {\"type\":\"ok\",\"pro", Format::Json);
    assert!(e.starts_with("t.json:2:19: expected a closing '\"', found the end of the file"), "{e}");
    let e = err("[{\"type\":\"ok\",\"process\":0}", Format::Json);
    assert!(e.contains("the array is not closed"), "{e}");
    let e = err("[{\"type\":\"ok\",\"process\":0},]", Format::Json);
    assert!(e.contains("trailing comma"), "{e}");
    let e = err("", Format::Json);
    assert!(e.starts_with("t.json:1:1: expected '['"), "{e}");
    let e = err("{\"type\":\"ok\"}", Format::Json);
    assert!(e.contains("JSON Lines"), "{e}");
    let e = err("[{\"type\":\"ok\", \"v\": nil}]", Format::Json);
    assert!(e.contains("1:21") && e.contains("JSON writes null"), "{e}");
    // A non-object element reaches the builder, which names it.
    let e = err("[{\"type\":\"ok\",\"process\":0},\n  3]", Format::Json);
    assert!(e.starts_with("t.json:2:3: expected an op map"), "{e}");
    // JSON Lines.
    let e = err("{\"type\":\"ok\",\"process\":0}\n[1,2]\n", Format::Jsonl);
    assert!(e.starts_with("t.json:2:1: expected an op object"), "{e}");
    let e = err("{\"type\":\"ok\",\"process\":0}\n\n  {\"type\":\"ok\",\"process\":0\n{}", Format::Jsonl);
    assert!(e.starts_with("t.json:3:27: expected ',' or '}' after an object member, found the end of the line"), "{e}");
    let e = err("{\"type\":\"ok\",\"process\":0} {\"type\":\"ok\"}\n", Format::Jsonl);
    assert!(e.starts_with("t.json:1:27: expected the end of the line"), "{e}");
    let e = err("{\"type\":\"ok\",\"process\":0}\n{\"type\":\"done\"}\n", Format::Jsonl);
    assert!(e.starts_with("t.json:2:1: expected :type"), "{e}");
    let e = err(&format!("[{}]", "[".repeat(1000)), Format::Json);
    assert!(e.contains("nested more than"), "{e}");
    let e = err("[{\"type\":\"ok\",\"s\":\"a\u{1}\"}]", Format::Json);
    assert!(e.contains("1:21") && e.contains("U+0001"), "{e}");
}

#[test]
fn streaming_boundaries_do_not_matter() {
    let h = sample_history();
    for f in [Format::Json, Format::Jsonl] {
        let mut text = write(&h, f);
        text.insert(0, '\u{FEFF}');
        text = text.replace(
            "\"time\":-1",
            "\"time\":-1, \"s\":\"\\ud83d\\ude00 é \\\" \\u0041\", \"n\":[1.5e-3,12345678901234567890123]",
        );
        let whole = read_history(text.as_bytes(), "t", Some(f), ReadOptions::default()).unwrap();
        for start in 0..7 {
            let slow = read_history(
                crate::source::Trickle::new(text.as_bytes(), start as u64),
                "t",
                Some(f),
                ReadOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert_same(&whole, &slow);
            let pos: Vec<SrcPos> = slow.ops.iter().map(|o| o.pos).collect();
            assert_eq!(pos, whole.ops.iter().map(|o| o.pos).collect::<Vec<_>>());
        }
        // Errors are found at the same place too.
        let bad = text.replacen("\"type\"", "\"type\" 1", 2);
        let a = read_history(bad.as_bytes(), "t", Some(f), ReadOptions::default()).unwrap_err();
        let b = read_history(crate::source::Trickle::new(bad.as_bytes(), 3), "t", Some(f), ReadOptions::default())
            .unwrap_err();
        assert_eq!(a, b);
    }
}

/// The position of every `{"type"` in `text`, computed independently.
fn expected_positions(text: &str) -> Vec<SrcPos> {
    let mut out = Vec::new();
    let (mut line, mut col) = (1u32, 1u32);
    for (i, c) in text.char_indices() {
        if text[i..].starts_with("{\"type\"") {
            out.push(SrcPos { line, col });
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    out
}

#[test]
fn positions_across_chunks_and_odd_layouts() {
    // More than 2 MiB, so the 1 MiB chunks of the source split objects, with
    // non-ASCII text and uneven whitespace to exercise the column counting.
    let mut json = String::from("\n  [");
    let mut jsonl = String::new();
    for i in 0..30_000 {
        let obj = format!(
            "{{\"type\":\"ok\",\"process\":{},\"value\":[[\"w\",{},{}]],\"note\":\"é∂ {}\"}}",
            i % 7,
            i % 13,
            i,
            "x".repeat(i % 50)
        );
        let sep = match i % 4 {
            0 => ",\n",
            1 => ", ",
            2 => ",\n\n\t ",
            _ => ",",
        };
        if i > 0 {
            json.push_str(sep);
        }
        json.push_str(&obj);
        if i % 5 == 0 {
            jsonl.push_str("  \n");
        }
        if i % 3 == 0 {
            jsonl.push(' ');
        }
        jsonl.push_str(&obj);
        jsonl.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
    }
    json.push_str("\n]\n");
    assert!(json.len() > 2 << 20, "{}", json.len());
    for (text, f) in [(&json, Format::Json), (&jsonl, Format::Jsonl)] {
        let want = expected_positions(text);
        let h = ok(text, f);
        assert_eq!(h.len(), want.len());
        let got: Vec<SrcPos> = h.ops.iter().map(|o| o.pos).collect();
        assert!(got == want, "{f:?}: first difference at op {:?}", got.iter().zip(&want).position(|(a, b)| a != b));
    }
}

#[test]
fn known_names_are_recognized() {
    for (i, k) in KNOWN.iter().enumerate() {
        assert_eq!(known_idx(k.as_bytes()), Some(i));
    }
    for other in ["", "x", "ok ", "Type", "indexx", "proces", "appended"] {
        assert_eq!(known_idx(other.as_bytes()), None);
    }
}

#[test]
fn corpus_files_read() {
    let Some(dir) = testkit::corpus("json::corpus_files_read", "") else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    for p in files {
        let h = crate::read_history_file(&p, ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!h.is_empty(), "{}", p.display());
        // And it round-trips through both JSON forms.
        for f in [Format::Json, Format::Jsonl] {
            assert_same(&h, &ok(&write(&h, f), f));
        }
    }
}
