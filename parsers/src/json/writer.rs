//! The writers: a top-level array and JSON Lines, and values shown as JSON.

use super::pool::Pool;
use super::value::{is_mop, Parser};
use history::builder::Shown;
use history::{Atom, AtomRef, History, Id, MopVal, Op, OpValue, Process, SrcPos, Value};
use std::io::{self, Write};

/// Flush the output buffer beyond this many bytes.
pub(super) const OUT_CHUNK: usize = 1 << 16;

pub(crate) fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub(crate) fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

/// Writes `prefix` then `s` as a JSON string body, with escapes, in quotes.
pub(super) fn push_str_with(buf: &mut Vec<u8>, prefix: &str, s: &str) {
    buf.push(b'"');
    buf.extend_from_slice(prefix.as_bytes());
    let bytes = s.as_bytes();
    let mut seg = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'"' || c == b'\\' || c < 0x20 {
            buf.extend_from_slice(&bytes[seg..i]);
            match c {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                c => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    buf.extend_from_slice(b"\\u00");
                    buf.push(HEX[(c >> 4) as usize]);
                    buf.push(HEX[(c & 15) as usize]);
                }
            }
            seg = i + 1;
        }
    }
    buf.extend_from_slice(&bytes[seg..]);
    buf.push(b'"');
}

/// A plain name: `"ok"`.
pub(super) fn push_name(buf: &mut Vec<u8>, s: &str) {
    push_str_with(buf, "", s);
}

/// A string by the colon rule: `"x"`, `":x"` → `"::x"`.
pub(super) fn push_string(buf: &mut Vec<u8>, s: &str) {
    push_str_with(buf, if s.starts_with(':') { ":" } else { "" }, s);
}

pub(super) fn push_keyword(buf: &mut Vec<u8>, k: &str) {
    push_str_with(buf, ":", k);
}

/// Whether `s` is a JSON integer: `-?(0|[1-9][0-9]*)`.
pub(super) fn is_json_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s).as_bytes();
    !d.is_empty() && d.iter().all(u8::is_ascii_digit) && (d[0] != b'0' || d.len() == 1)
}

/// Whether `s` is a JSON number.
pub(super) fn is_json_number(s: &str) -> bool {
    let mut pool = Pool::default();
    let mut p = Parser::new(s.as_bytes(), &mut pool, 0, SrcPos::default(), true, "");
    let mut v = Value::Nil;
    matches!(p.number_to(&mut v), Ok(())) && p.i == s.len() && !s.is_empty()
}

/// A big integer or decimal's digits as a JSON number when they are one (without
/// a leading `+`), else as a string.
pub(super) fn push_digits(buf: &mut Vec<u8>, s: &str) {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.as_bytes().first().is_some_and(|c| c.is_ascii_digit() || *c == b'-') && is_json_number(t) {
        buf.extend_from_slice(t.as_bytes());
    } else {
        push_string(buf, s);
    }
}

pub(super) fn push_float(buf: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        // Debug gives the shortest text that reads back exactly, always with a
        // '.' or an exponent, so it reads back as a double.
        let _ = write!(buf, "{f:?}");
    } else {
        buf.extend_from_slice(b"null");
    }
}

pub(super) fn push_seq(buf: &mut Vec<u8>, items: &[Value]) {
    buf.push(b'[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_value(buf, v);
    }
    buf.push(b']');
}

/// A map key by the colon rule; keys JSON cannot hold become their EDN text.
pub(super) fn push_key(buf: &mut Vec<u8>, k: &Value) {
    match k {
        Value::Str(s) => push_string(buf, s),
        Value::Keyword(s) => push_keyword(buf, s),
        Value::Tagged(_, v) => push_key(buf, v),
        other => push_string(buf, &other.to_string()),
    }
}

/// Writes a value by the generic convention (the colon rule).
pub(super) fn push_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Nil => buf.extend_from_slice(b"null"),
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        Value::Int(i) => push_i64(buf, *i),
        Value::BigInt(s) | Value::Decimal(s) => push_digits(buf, s),
        Value::Float(f) => push_float(buf, *f),
        Value::Str(s) => push_string(buf, s),
        Value::Keyword(k) => push_keyword(buf, k),
        Value::Symbol(s) => push_string(buf, s),
        Value::Char(c) => push_string(buf, c.encode_utf8(&mut [0u8; 4])),
        Value::Vector(items) | Value::List(items) | Value::Set(items) => push_seq(buf, items),
        Value::Map(entries) => {
            buf.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                push_key(buf, k);
                buf.push(b':');
                push_value(buf, v);
            }
            buf.push(b'}');
        }
        Value::Tagged(_, v) => push_value(buf, v),
    }
}

pub(super) fn push_atom(buf: &mut Vec<u8>, h: &History, id: Id) {
    match h.atoms.resolve(id) {
        AtomRef::Int(i) => push_i64(buf, i),
        AtomRef::Table(Atom::Int(i)) => push_i64(buf, *i),
        AtomRef::Table(Atom::Str(s)) => push_string(buf, s),
        AtomRef::Table(Atom::Keyword(k)) => push_keyword(buf, k),
        AtomRef::Table(Atom::Other(v)) => push_value(buf, v),
    }
}

/// `:f`: a keyword (or string) as a plain name, anything else by the colon rule.
pub(super) fn push_f(buf: &mut Vec<u8>, h: &History, id: Id) {
    match h.atoms.resolve(id) {
        AtomRef::Table(Atom::Keyword(k) | Atom::Str(k)) => push_name(buf, k),
        _ => push_atom(buf, h, id),
    }
}

/// An op field name: keywords and strings as plain names.
pub(super) fn push_field(buf: &mut Vec<u8>, k: &Value) {
    match k {
        Value::Keyword(s) | Value::Str(s) => push_name(buf, s),
        other => push_key(buf, other),
    }
}

/// Writes one op object, its fields in the order of [`History::op_to_value`].
pub(super) fn push_op(buf: &mut Vec<u8>, h: &History, op: &Op) {
    buf.push(b'{');
    let mut first = true;
    let mut field = |buf: &mut Vec<u8>, name: &[u8]| {
        if !first {
            buf.push(b',');
        }
        first = false;
        buf.extend_from_slice(name);
    };
    if h.index_given {
        field(buf, b"\"index\":");
        push_u64(buf, op.index);
    }
    if let Some(t) = op.time {
        field(buf, b"\"time\":");
        push_i64(buf, t);
    }
    field(buf, b"\"type\":");
    push_name(buf, op.kind.name());
    match op.process {
        Process::Client(p) if !h.process_defaulted => {
            field(buf, b"\"process\":");
            push_i64(buf, p);
        }
        Process::Named(id) => {
            field(buf, b"\"process\":");
            push_atom(buf, h, id);
        }
        _ => {}
    }
    if let Some(f) = op.f {
        field(buf, b"\"f\":");
        push_f(buf, h, f);
    }
    match &op.value {
        OpValue::Absent => {}
        OpValue::Txn { .. } => {
            field(buf, b"\"value\":");
            buf.push(b'[');
            for (i, m) in h.mops(op).iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                buf.push(b'[');
                push_name(buf, m.kind.name());
                buf.push(b',');
                push_atom(buf, h, m.key);
                match m.val {
                    MopVal::Absent => {}
                    MopVal::Nil => buf.extend_from_slice(b",null"),
                    MopVal::Atom(id) => {
                        buf.push(b',');
                        push_atom(buf, h, id);
                    }
                    MopVal::List { .. } => {
                        buf.extend_from_slice(b",[");
                        for (j, &id) in h.list(m.val).unwrap_or_default().iter().enumerate() {
                            if j > 0 {
                                buf.push(b',');
                            }
                            push_atom(buf, h, id);
                        }
                        buf.push(b']');
                    }
                }
                buf.push(b']');
            }
            buf.push(b']');
        }
        OpValue::Other(v) => {
            field(buf, b"\"value\":");
            push_value(buf, v);
        }
    }
    if let Some(extra) = &op.extra {
        for (k, v) in extra.iter() {
            field(buf, b"");
            push_field(buf, k);
            buf.push(b':');
            push_value(buf, v);
        }
    }
    buf.push(b'}');
}

pub(super) fn write_ops<W: Write>(h: &History, mut out: W, open: &[u8], sep: &[u8], close: &[u8]) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_CHUNK + 4096);
    buf.extend_from_slice(open);
    for (i, op) in h.ops.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(sep);
        }
        push_op(&mut buf, h, op);
        if buf.len() >= OUT_CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(close);
    out.write_all(&buf)?;
    out.flush()
}

/// Writes elle-cli JSON: `[`, one op object per line separated by `,`, `]`.
pub fn write_array<W: Write>(h: &History, out: W) -> io::Result<()> {
    if h.ops.is_empty() {
        return write_ops(h, out, b"[]\n", b"", b"");
    }
    write_ops(h, out, b"[", b",\n", b"]\n")
}

/// Writes JSON Lines: one op object per line.
pub fn write_lines<W: Write>(h: &History, out: W) -> io::Result<()> {
    if h.ops.is_empty() {
        return out_flush(out);
    }
    write_ops(h, out, b"", b"\n", b"\n")
}

pub(super) fn out_flush<W: Write>(mut out: W) -> io::Result<()> {
    out.flush()
}

/// How messages about JSON input show a value or an op object: as the JSON it
/// was read from, by the reading convention in reverse (see the module docs),
/// not as EDN.
pub fn show_json(v: &Value, what: Shown) -> String {
    let mut buf = Vec::new();
    match (v, what) {
        (Value::Keyword(n), Shown::Name) => push_name(&mut buf, n),
        (Value::Map(entries), Shown::Op) => {
            buf.push(b'{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b", ");
                }
                push_field(&mut buf, k);
                buf.extend_from_slice(b": ");
                let field = match k {
                    Value::Keyword(s) | Value::Str(s) => &**s,
                    _ => "",
                };
                match (field, x) {
                    ("type" | "f", Value::Keyword(n)) => push_name(&mut buf, n),
                    ("value", Value::Vector(items)) if items.first().is_some_and(is_mop) => {
                        buf.push(b'[');
                        for (j, m) in items.iter().enumerate() {
                            if j > 0 {
                                buf.push(b',');
                            }
                            match m {
                                Value::Vector(parts) if matches!(parts.first(), Some(Value::Keyword(_))) => {
                                    buf.push(b'[');
                                    for (n, part) in parts.iter().enumerate() {
                                        match (n, part) {
                                            (0, Value::Keyword(name)) => push_name(&mut buf, name),
                                            _ => {
                                                buf.push(b',');
                                                push_value(&mut buf, part);
                                            }
                                        }
                                    }
                                    buf.push(b']');
                                }
                                other => push_value(&mut buf, other),
                            }
                        }
                        buf.push(b']');
                    }
                    _ => push_value(&mut buf, x),
                }
            }
            buf.push(b'}');
        }
        _ => push_value(&mut buf, v),
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A value as JSON text by the generic convention (the colon rule everywhere).
pub fn value_to_json(v: &Value) -> String {
    let mut buf = Vec::new();
    push_value(&mut buf, v);
    String::from_utf8(buf).unwrap_or_default()
}
