//! What input errors show (issue 13, items 16 and 17): never a raw control
//! character from the input, never more than a bounded amount of it however
//! long a token is, and values in the notation of the format they were read
//! from.

use history::Value;
use parsers::{read_history, Format, InputError, ReadOptions};

fn read(bytes: &[u8], f: Format) -> Result<history::History, InputError> {
    read_history(bytes, "t", Some(f), ReadOptions::default())
}

#[track_caller]
fn error(bytes: &[u8], f: Format) -> String {
    match read(bytes, f) {
        Ok(_) => panic!("{f:?}: expected an error for {:?}", String::from_utf8_lossy(bytes)),
        Err(e) => e.to_string(),
    }
}

/// Nothing a terminal would act on: no control character but the line breaks
/// between the message, the snippet and the caret, and no invisible format
/// character.
#[track_caller]
fn assert_printable(shown: &str) {
    for c in shown.chars() {
        assert!(
            c == '\n' || !history::builder::is_unsafe_char(c),
            "unsafe character U+{:04X} in the message:\n{shown}",
            c as u32
        );
    }
}

const OSC: &str = "\u{1b}]0;pwned\u{7}";

#[test]
fn control_characters_in_the_input_are_shown_escaped() {
    let cases: Vec<(Format, String)> = vec![
        // In the snippet (a syntax error after the OSC sequence) ...
        (Format::Edn, format!("{{:type :ok, :process 0, :value [[:r :x \"{OSC}\"]] :bad}}\n")),
        (Format::Edn, format!("{{:type :ok, :process 0, :value [[:r :x {OSC}]]}}\n")),
        // ... in a quoted value (the builder's messages and op snippets) ...
        (Format::Edn, format!("{{:type :ok, :process 0, :value 1, :time :a{}}}\n", "\u{9b}\u{202e}")),
        (Format::Json, format!("[{{\"type\":\"ok\",\"process\":0,\"time\":\"{OSC}\"}}]\n")),
        (Format::Json, "[{\"type\":\"\\u001b[2J\",\"process\":0}]\n".to_string()),
        (Format::Jsonl, "{\"type\":\"\\u001b]0;x\\u0007\",\"process\":0}\n".to_string()),
        (Format::Jsonl, format!("{{\"type\":\"ok\"{OSC},\"process\":0}}\n")),
        (Format::Plume, format!("w(1,1,1,1)\nr(1,1,1,1){OSC}\n")),
        (Format::Plume, format!("w(1,1,1,1)\n{OSC}r(1,1,1,1)\n")),
    ];
    for (f, text) in cases {
        let shown = error(text.as_bytes(), f);
        assert_printable(&shown);
        // Escaped by us, or as the input's own JSON or EDN string escape.
        assert!(
            [r"\u{1b}", r"\u{9b}", r"\u001b"].iter().any(|e| shown.contains(e)),
            "{f:?}: the escape is shown:\n{shown}"
        );
    }
}

#[test]
fn bytes_that_are_not_utf8_are_shown_as_hex() {
    let shown = error(b"w(1,1,1,1)\nr(1,1,1,1)\xff\x9b\n", Format::Plume);
    assert_printable(&shown);
    assert!(shown.contains(r"\xff\x9b"), "{shown}");
}

/// A 1 MB number, as EDN, JSON, JSON Lines and Plume, in each place the readers
/// quote it: the error shows a bounded part of it and says how much was cut.
#[test]
fn a_huge_number_is_quoted_in_part_with_a_count() {
    let n = "9".repeat(1 << 20);
    let cases: Vec<(Format, String)> = vec![
        (Format::Edn, format!("{{:type :ok, :process 0, :value 1, :time {n}}}\n")),
        (Format::Edn, format!("{{:type :ok, :process 0, :value 1, :index {n}}}\n")),
        (Format::Edn, format!("{{:type :ok, :process 0, :value 1 {n}}}\n")),
        (Format::Edn, format!("{{:type :ok, :process 0, :value [[:r {n} 1] 7]}}\n")),
        (Format::Json, format!("[{{\"type\":\"ok\",\"process\":0,\"time\":{n}}}]\n")),
        (Format::Json, format!("[{{\"type\":\"ok\",\"process\":0,\"time\":{n}x}}]\n")),
        (Format::Jsonl, format!("{{\"type\":\"ok\",\"process\":0,\"index\":{n}}}\n")),
        (Format::Jsonl, format!("{{\"type\":\"ok\",\"process\":0,\"index\":{n}}} junk\n")),
        (Format::Plume, format!("w(1,{n},1,1)\n")),
        (Format::Plume, format!("w({n}x,1,1,1)\n")),
    ];
    for (f, text) in cases {
        let shown = error(text.as_bytes(), f);
        assert!(shown.len() < 1500, "{f:?}: {} bytes of error:\n{}", shown.len(), &shown[..shown.len().min(3000)]);
        assert!(
            shown.contains(" more chars]") || shown.contains(" chars before]"),
            "{f:?}: the cut is counted:\n{shown}"
        );
    }
}

#[test]
fn a_long_line_is_cut_on_both_sides_of_the_error_with_counts() {
    let pad = "x".repeat(5000);
    let text = format!("w(1,1,1,1) {pad} {pad}\n");
    let e = read(text.as_bytes(), Format::Plume).unwrap_err();
    let (shown, cut) = e.snippet.split_once("…[").unwrap();
    assert!(text.starts_with(shown) && shown.len() > 100 && shown.len() <= 120, "{}", e.snippet);
    assert_eq!(cut, format!("{} more chars]", text.trim_end().len() - shown.len()));
    let e = read(format!("{{:type :ok, :process 0, :value \"{pad}\"]\n").as_bytes(), Format::Edn).unwrap_err();
    let (before, shown) = e.snippet.split_once("]…").unwrap();
    let cut: usize = before.strip_prefix('[').unwrap().strip_suffix(" chars before").unwrap().parse().unwrap();
    // The whole line is the snippet and what was cut before it; the caret is on the ']'.
    assert_eq!(cut + shown.chars().count(), 5034, "{}", e.snippet);
    assert_eq!(e.pos.col, 5034);
    let caret = e.caret.unwrap() as usize;
    assert_eq!(e.snippet.chars().nth(caret - 1), Some(']'), "{}", e.snippet);
}

#[test]
fn json_errors_show_the_op_as_json() {
    let two = b"[{\"index\":5,\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",\"x\",1]]},\n\
                {\"index\":3,\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"append\",\":k\",1]]}]\n";
    let e = read(two, Format::Json).unwrap_err();
    assert_eq!(e.snippet, r#"{"index": 3, "type": "ok", "process": 0, "f": "txn", "value": [["append",":k",1]]}"#);
    let lines = b"{\"index\":99999999999999999999999,\"type\":\"ok\",\"process\":0}\n";
    let e = read(lines, Format::Jsonl).unwrap_err();
    assert_eq!(e.snippet, r#"{"index": 99999999999999999999999, "type": "ok", "process": 0}"#);
    assert!(!e.message.contains("999N"), "no EDN big-integer suffix: {}", e.message);
    assert!(e.message.contains("above 9223372036854775807"), "{}", e.message);
    let e = read(b"[{\"type\":\"done\",\"process\":0}]", Format::Json).unwrap_err();
    assert_eq!(e.message, r#"expected :type to be :invoke, :ok, :fail or :info, found "done""#);
    // Pairing errors come after reading: JSON too.
    let e =
        read(b"{\"type\":\"invoke\",\"process\":0}\n{\"type\":\"invoke\",\"process\":0}\n", Format::Jsonl).unwrap_err();
    assert_eq!(e.snippet, r#"{"type": "invoke", "process": 0}"#);
    assert_eq!(e.pos.line, 2);
}

/// `:time` is a signed 64-bit count of nanoseconds: its greatest value is
/// read, and one more is refused as too big, not as "not an integer".
#[test]
fn time_is_any_64_bit_integer() {
    for f in [Format::Edn, Format::Json, Format::Jsonl] {
        let op = |t: &str| match f {
            Format::Edn => format!("{{:type :ok, :process 0, :time {t}, :value 1}}\n"),
            Format::Json => format!("[{{\"type\":\"ok\",\"process\":0,\"time\":{t},\"value\":1}}]\n"),
            _ => format!("{{\"type\":\"ok\",\"process\":0,\"time\":{t},\"value\":1}}\n"),
        };
        for t in [i64::MAX, i64::MIN] {
            let h = read(op(&t.to_string()).as_bytes(), f).unwrap();
            assert_eq!(h.ops[0].time, Some(t));
        }
        let e = read(op("9223372036854775808").as_bytes(), f).unwrap_err();
        assert!(
            e.message.starts_with("expected :time to be a 64-bit integer (nanoseconds), found 9223372036854775808")
                && e.message.ends_with("(an integer above 9223372036854775807, the greatest 64-bit integer)"),
            "{f:?}: {}",
            e.message
        );
        let e = read(op("-9223372036854775809").as_bytes(), f).unwrap_err();
        assert!(e.message.contains("below -9223372036854775808"), "{f:?}: {}", e.message);
    }
}

#[test]
fn plume_accepts_a_byte_order_mark() {
    let h = read(b"\xEF\xBB\xBFw(1,1,1,1)\nr(1,1,2,2)\n", Format::Plume).unwrap();
    assert_eq!(h.ops.len(), 2);
    // One in the middle is still an error, shown escaped.
    let shown = error(b"w(1,1,1,1)\n\xEF\xBB\xBFr(1,1,2,2)\n", Format::Plume);
    assert!(shown.contains(r"\u{feff}"), "{shown}");
    assert_printable(&shown);
}

#[test]
fn op_snippets_escape_keywords_and_symbols_too() {
    let v = Value::Map(vec![(Value::keyword("type"), Value::keyword("a\u{1b}[2Jb"))]);
    assert_eq!(history::snippet_of(&v), r"{:type :a\u{1b}[2Jb}");
    let long = Value::Vector((0..1000).map(Value::Int).collect());
    let s = history::snippet_of(&long);
    assert!(s.starts_with("[0 1 2 3") && s.ends_with(" more chars]"), "{s}");
    assert!(s.chars().count() < 150, "{s}");
}

/// A leading byte-order mark is skipped when the format is told by the content too.
#[test]
fn a_byte_order_mark_does_not_hide_the_format() {
    let cases: [(&[u8], usize); 4] = [
        (b"\xEF\xBB\xBF{:type :ok, :process 0, :value 1}\n", 1),
        (b"\xEF\xBB\xBF[{\"type\":\"ok\",\"process\":0}]", 1),
        (b"\xEF\xBB\xBF{\"type\":\"ok\",\"process\":0}\n{\"type\":\"ok\",\"process\":1}\n", 2),
        (b"\xEF\xBB\xBFw(1,1,1,1)\nr(1,1,2,2)\n", 2),
    ];
    for (text, ops) in cases {
        let h = read_history(text, "t", None, ReadOptions::default())
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(text)));
        assert_eq!(h.ops.len(), ops);
    }
}

/// The warning that tagged literals were written as their values names the
/// tags, which come from the input: escaped, and only the first few.
#[test]
fn lossy_tag_names_are_escaped_and_few() {
    let mut text = String::from("{:type :ok, :process 0, :value 1, :x #a\u{9b}31m 1}\n");
    for i in 0..20 {
        text.push_str(&format!("{{:type :ok, :process 0, :value 1, :x #tag{i} 1}}\n"));
    }
    let h = read(text.as_bytes(), Format::Edn).unwrap();
    let warnings = parsers::json::lossy_constructs(&h).join("\n");
    assert_printable(&warnings);
    assert!(warnings.contains(r"#a\u{9b}31m"), "{warnings}");
    assert!(warnings.contains("and 16 other tags"), "{warnings}");
}
