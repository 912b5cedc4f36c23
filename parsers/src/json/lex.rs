//! Lexing JSON: what the input holds at an offset (for messages), the names
//! recognised without copying, and string texts.

use super::value::{at, Fail};

/// Describes the input at an offset for "found …" in messages.
pub(crate) fn describe(b: &[u8], i: usize) -> String {
    let Some(&c) = b.get(i) else { return "nothing".into() };
    match c {
        b'\n' => "a line break".into(),
        b'\r' => "a carriage return".into(),
        b'\t' => "a tab".into(),
        b' ' => "a space".into(),
        b'"' => "'\"'".into(),
        c if c.is_ascii_alphabetic() => {
            let n = b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            format!("'{}'", crate::error::quote_bytes(&b[i..i + n], 20))
        }
        c if c.is_ascii_graphic() => format!("'{}'", c as char),
        c if c < 0x80 => format!("the control character U+{c:04X}"),
        _ => {
            let end = (i + 4).min(b.len());
            match String::from_utf8_lossy(&b[i..end]).chars().next() {
                Some(ch) if ch != '\u{FFFD}' => format!("'{ch}'"),
                _ => format!("the byte 0x{c:02X}, which is not UTF-8"),
            }
        }
    }
}

/// The names that come up in nearly every op, recognized without validating or
/// copying them, and recycled from op to op (see [`Pool`]).
pub(super) const KNOWN: [&str; 15] = [
    "index", "time", "type", "process", "f", "value", "invoke", "ok", "fail", "info", "txn", "append", "r", "w",
    "error",
];

/// The index of a name in [`KNOWN`] (compared as integers, not with `memcmp`).
#[inline(always)]
pub(super) fn known_idx(s: &[u8]) -> Option<usize> {
    pub(super) fn is<const N: usize>(s: &[u8], name: &[u8; N]) -> bool {
        <&[u8; N]>::try_from(s).is_ok_and(|a| a == name)
    }
    let i = match s.len() {
        1 => match s[0] {
            b'f' => 4,
            b'r' => 12,
            b'w' => 13,
            _ => return None,
        },
        2 if is(s, b"ok") => 7,
        3 if is(s, b"txn") => 10,
        4 if is(s, b"time") => 1,
        4 if is(s, b"type") => 2,
        4 if is(s, b"fail") => 8,
        4 if is(s, b"info") => 9,
        5 if is(s, b"index") => 0,
        5 if is(s, b"value") => 5,
        5 if is(s, b"error") => 14,
        6 if is(s, b"invoke") => 6,
        6 if is(s, b"append") => 11,
        7 if is(s, b"process") => 3,
        _ => return None,
    };
    Some(i)
}

/// A parsed string.
pub(super) enum Text<'b> {
    /// One of [`KNOWN`].
    Known(usize),
    /// Straight from the input (no escapes).
    Slice(&'b str),
    /// With escapes resolved.
    Owned(String),
}

impl Text<'_> {
    pub(super) fn as_str(&self) -> &str {
        match self {
            Text::Known(i) => KNOWN[*i],
            Text::Slice(s) => s,
            Text::Owned(s) => s,
        }
    }
}

pub(super) fn utf8(b: &[u8], from: usize, to: usize) -> Result<&str, Fail> {
    std::str::from_utf8(&b[from..to])
        .map_err(|e| at(from + e.valid_up_to(), "invalid UTF-8 in a string (JSON text must be UTF-8)".to_string()))
}

#[cold]
pub(super) fn control_char(off: usize, c: u8) -> Fail {
    let esc = match c {
        b'\n' => "a line break (write it as \\n)".to_string(),
        b'\t' => "a tab (write it as \\t)".to_string(),
        b'\r' => "a carriage return (write it as \\r)".to_string(),
        c => format!("the control character U+{c:04X} (write it as \\u{c:04X})"),
    };
    at(off, format!("expected a closing '\"' or more of the string, found {esc}"))
}
