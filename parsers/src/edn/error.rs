//! Parse errors inside one element: what was open, where, and the messages.

use super::lex::is_sym;
use history::Value;

// ---------------------------------------------------------------------------
// Parse errors inside one element

/// What was open when the input ran out, for the end-of-input message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum OpenKind {
    /// Nothing in particular (a token at the end of the buffer).
    Nothing,
    Map,
    Vector,
    List,
    Set,
    Str,
    Discard,
    Tag,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Open {
    pub(super) kind: OpenKind,
    /// Offset of the construct's first byte in the parser's buffer.
    pub(super) at: usize,
}

#[derive(Debug)]
pub(super) enum ErrKind {
    /// Ran off the end of the buffer: more input may complete the element; at
    /// the end of input this is an error about what was open.
    More(Open),
    /// A definite error at an offset.
    Fail { at: usize, msg: String },
}

/// A parse error, boxed so that results stay one word wide on the hot path.
#[derive(Debug)]
pub(super) struct PErr(pub(super) Box<ErrKind>);

impl PErr {
    /// Attributes an end-of-buffer error to the enclosing construct when the
    /// inner one did not say what was open.
    #[cold]
    pub(super) fn within(mut self, kind: OpenKind, at: usize) -> PErr {
        if let ErrKind::More(open) = &mut *self.0 {
            if open.kind == OpenKind::Nothing {
                *open = Open { kind, at };
            }
        }
        self
    }
}

#[cold]
pub(super) fn more(kind: OpenKind, at: usize) -> PErr {
    PErr(Box::new(ErrKind::More(Open { kind, at })))
}

#[cold]
pub(super) fn more0() -> PErr {
    more(OpenKind::Nothing, 0)
}

#[cold]
pub(super) fn fail(at: usize, msg: impl Into<String>) -> PErr {
    PErr(Box::new(ErrKind::Fail { at, msg: msg.into() }))
}

/// A value shown in a message, cut to a readable length.
pub(super) fn short(v: &Value) -> String {
    history::builder::shown_value(v, crate::error::QUOTE_CHARS)
}

/// What is at `at`, as a short quoted token for "found …" messages.
pub(super) fn describe(buf: &[u8], at: usize) -> String {
    let Some(&b) = buf.get(at) else {
        return "end of input".to_string();
    };
    let quote = |bytes: &[u8]| -> String {
        let line = bytes.iter().position(|&c| c == b'\n').map_or(bytes, |n| &bytes[..n]);
        format!("'{}'", crate::error::quote_bytes(line, crate::error::QUOTE_CHARS))
    };
    match b {
        b'"' => {
            let end = buf[at + 1..].iter().position(|&c| c == b'"').map_or(buf.len(), |p| at + p + 2);
            quote(&buf[at..end])
        }
        b'\n' => "a line break".to_string(),
        0..=0x1f | 0x7f => format!("the control character 0x{b:02x}"),
        0x80..=0xff if utf8_char_at(buf, at).is_none() => {
            format!("the byte 0x{b:02x}, which is not UTF-8")
        }
        b'\\' | b'#' | b':' => {
            let mut end = at + 1;
            if b == b'\\' && end < buf.len() {
                end += utf8_width(buf[end]).max(1);
            }
            while end < buf.len() && is_sym(buf[end]) {
                end += 1;
            }
            quote(&buf[at..end.min(buf.len())])
        }
        _ if is_sym(b) => {
            let end = buf[at..].iter().position(|&c| !is_sym(c)).map_or(buf.len(), |p| at + p);
            quote(&buf[at..end])
        }
        _ => format!("'{}'", b as char),
    }
}

/// The byte length of a UTF-8 sequence from its first byte (0 if it cannot start one).
pub(super) fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

pub(super) fn utf8_char_at(buf: &[u8], at: usize) -> Option<char> {
    let w = utf8_width(*buf.get(at)?);
    let bytes = buf.get(at..at + w)?;
    std::str::from_utf8(bytes).ok()?.chars().next()
}

pub(super) fn open_name(kind: OpenKind) -> &'static str {
    match kind {
        OpenKind::Map => "map",
        OpenKind::Vector => "vector",
        OpenKind::List => "list",
        OpenKind::Set => "set",
        OpenKind::Str => "string",
        OpenKind::Discard => "#_",
        OpenKind::Tag => "tagged literal",
        OpenKind::Nothing => "form",
    }
}

pub(super) fn closer_of(kind: OpenKind) -> &'static str {
    match kind {
        OpenKind::Map | OpenKind::Set => "}",
        OpenKind::Vector => "]",
        OpenKind::List => ")",
        OpenKind::Str => "\"",
        _ => "",
    }
}
