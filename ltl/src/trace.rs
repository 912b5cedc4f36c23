//! Reading a JSON Lines trace.
//!
//! Two readers, with the same results:
//!
//! - [`load`], the fast one: a validating byte scanner that materialises only
//!   the paths the formula uses (a trie of keys), straight into columns of
//!   [`CVal`] cells with interned strings, and skips everything else without
//!   building it. No allocation per step once the strings have been seen.
//! - [`load_steps`]: every line parsed by serde_json into a [`history::Step`];
//!   needed for `--state-mode merge-patch` (the state is a running merge of
//!   patches), and used by the reference evaluator and the proof checker.
//!
//! Both read one step per line, so `step` is the 0-based line index: a blank
//! (whitespace-only) line with a step after it is an error
//! ([`TraceError::blank_line`]), blank lines after the last step are ignored.
//!
//! They live in `ltl` rather than `parsers` because the fast reader is directed by
//! the formula's paths and writes the evaluator's columns, so it is not a generic
//! ingest step.

use crate::value::{CVal, Interner};
use history::Step;
use parsers::lex::{json_number, NumError, NumKind};
use serde_json::Value as Json;
use std::fmt;

/// A segment of a projected path, from the record's root.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PSeg {
    Key(String),
    Idx(usize),
    /// Only as the last segment: whether the path so far is there and not null
    /// (a boolean column; the value itself is not kept).
    Present,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StateMode {
    /// Each line's `state` is the whole state.
    #[default]
    Full,
    /// Each line's `state` is an RFC 7386 merge patch on the previous state.
    MergePatch,
}

/// The nodes a trace names, for `forall n in nodes`: the keys of `state` on
/// its first non-blank line. With [`StateMode::MergePatch`] a key whose value
/// is `null` (a node removed by the patch) is not one. None when the line
/// cannot be read or is not a JSON object with an object `state`: the loader
/// reports what is wrong with the trace itself.
pub fn nodes_of_first_record(r: impl std::io::BufRead, mode: StateMode) -> Vec<String> {
    let first = r.lines().map_while(Result::ok).find(|l| !l.trim().is_empty());
    let Some(Ok(rec)) = first.map(|l| serde_json::from_str::<serde_json::Value>(&l)) else { return vec![] };
    match rec.get("state") {
        Some(serde_json::Value::Object(m)) => {
            m.iter().filter(|(_, v)| mode == StateMode::Full || !v.is_null()).map(|(k, _)| k.clone()).collect()
        }
        _ => vec![],
    }
}

#[derive(Clone, Debug)]
pub struct TraceOptions {
    /// The path of the timestamp (`time` by default).
    pub time_field: Vec<String>,
    pub state_mode: StateMode,
    /// The size of the input in bytes, if known: columns are sized from it.
    pub size_hint: u64,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { time_field: vec!["time".into()], state_mode: StateMode::Full, size_hint: 0 }
    }
}

/// An input error at a 1-based line (0 when it concerns the whole file).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceError {
    pub line: usize,
    pub message: String,
}

impl TraceError {
    /// A whitespace-only line with a step after it: `step` is the 0-based line
    /// index, so a trace has no gaps. Blank lines after the last step are ignored.
    pub fn blank_line(line: usize) -> TraceError {
        TraceError {
            line,
            message: "blank line inside the trace (one step per line; `step` is the 0-based line index)".into(),
        }
    }
}

/// Whether a line holds only the whitespace the readers skip around a record.
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// A trace in columns: one column per projected path, plus times.
#[derive(Debug, Default)]
pub struct Trace {
    pub n: usize,
    pub times: Vec<i64>,
    /// Whether the time came from the time field (else it is the step index).
    pub timed: bool,
    pub cols: Vec<Vec<CVal>>,
    /// Arrays and objects referred to by `CVal::Big`.
    pub big: Vec<Json>,
    pub strs: Interner,
    /// Which projected paths some record has, for [`crate::absent_paths`].
    pub presence: Presence,
    /// How many times the fast reader compared a record's key with the path
    /// trie's keys (a hash lookup counts one): a measure of its cost.
    pub key_probes: u64,
}

/// What the readers note about the projected paths while they read, so that a
/// path no record has can be reported with the closest one that exists, with no
/// further pass over the trace: per node of the path trie (one per distinct
/// prefix of the projected paths), whether some record has it, and the keys of
/// the first object found there.
#[derive(Debug, Default, Clone)]
pub struct Presence {
    /// Per column: the trie nodes along its path (its prefixes), the root excluded.
    pub col_nodes: Vec<Vec<u32>>,
    /// Per trie node: whether some record has that prefix (even as null).
    pub seen: Vec<bool>,
    /// Per trie node: the keys of the first object at that prefix (at most
    /// [`KEYS_SAMPLED`]), `None` until one is found.
    pub keys: Vec<Option<Vec<String>>>,
}

/// How many keys of an object are kept as candidates for suggestions.
pub const KEYS_SAMPLED: usize = 100_000;

impl Presence {
    fn new(trie: &Trie, col_nodes: Vec<Vec<u32>>) -> Presence {
        let n = trie.nodes.len();
        let mut p = Presence { col_nodes, seen: vec![false; n], keys: vec![None; n] };
        if n > 0 {
            p.seen[0] = true;
        }
        p
    }
    /// Notes the keys of an object at trie node `n` (every JSON value at a node
    /// that has children is walked with this).
    fn sample(&mut self, n: u32, v: &Json) {
        self.seen[n as usize] = true;
        if let (None, Json::Object(o)) = (&self.keys[n as usize], v) {
            self.keys[n as usize] = Some(o.keys().take(KEYS_SAMPLED).cloned().collect());
        }
    }
}

impl Trace {
    pub fn last_time(&self) -> i64 {
        self.times.last().copied().unwrap_or(0)
    }
    pub fn cval_json(&self, c: CVal) -> Json {
        match c {
            CVal::Null => Json::Null,
            CVal::Bool(b) => Json::Bool(b),
            CVal::Int(i) => Json::from(i),
            CVal::Num(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
            CVal::Str(s) => Json::String(self.strs.get(s).to_string()),
            CVal::Big(b) => self.big[b as usize].clone(),
        }
    }
}

struct Trie {
    nodes: Vec<TNode>,
    /// Per column: the nodes along its path.
    col_nodes: Vec<Vec<u32>>,
}

/// Up to this many children, a node's keys are compared one by one (cheaper
/// than hashing); past it, they are looked up in the node's hash map.
const SCAN_KEYS: usize = 8;

#[derive(Default)]
struct TNode {
    keys: Vec<(Vec<u8>, u32)>,
    /// `keys` by key, for nodes with many children (a state of many nodes).
    key_map: rustc_hash::FxHashMap<Vec<u8>, u32>,
    idxs: Vec<(usize, u32)>,
    idx_map: rustc_hash::FxHashMap<usize, u32>,
    col: Option<u32>,
    /// The column of `PSeg::Present` after this node's path.
    present: Option<u32>,
    time: bool,
}

impl Trie {
    fn build(paths: &[Vec<PSeg>], time_field: &[String]) -> Trie {
        let mut t = Trie { nodes: vec![TNode::default()], col_nodes: Vec::new() };
        for (c, p) in paths.iter().enumerate() {
            let mut along = Vec::new();
            if let Some((PSeg::Present, prefix)) = p.split_last() {
                let n = t.insert(prefix, &mut along);
                t.nodes[n as usize].present = Some(c as u32);
            } else {
                let n = t.insert(p, &mut along);
                t.nodes[n as usize].col = Some(c as u32);
            }
            t.col_nodes.push(along);
        }
        let tp: Vec<PSeg> = time_field.iter().map(|k| PSeg::Key(k.clone())).collect();
        let n = t.insert(&tp, &mut Vec::new());
        t.nodes[n as usize].time = true;
        t
    }
    /// The node of path p, created where missing; `along` gets the nodes on the way.
    fn insert(&mut self, p: &[PSeg], along: &mut Vec<u32>) -> u32 {
        let mut cur = 0u32;
        for seg in p {
            let next = match seg {
                PSeg::Key(k) => self.nodes[cur as usize].key_map.get(k.as_bytes()).copied(),
                PSeg::Idx(i) => self.nodes[cur as usize].idx_map.get(i).copied(),
                PSeg::Present => continue,
            };
            cur = match next {
                Some(n) => n,
                None => {
                    let n = self.nodes.len() as u32;
                    self.nodes.push(TNode::default());
                    match seg {
                        PSeg::Key(k) => {
                            self.nodes[cur as usize].keys.push((k.as_bytes().to_vec(), n));
                            self.nodes[cur as usize].key_map.insert(k.as_bytes().to_vec(), n);
                        }
                        PSeg::Idx(i) => {
                            self.nodes[cur as usize].idxs.push((*i, n));
                            self.nodes[cur as usize].idx_map.insert(*i, n);
                        }
                        PSeg::Present => {}
                    }
                    n
                }
            };
            along.push(cur);
        }
        cur
    }
    /// Notes, for every trie node under `n`, whether `v` has it and the keys of
    /// its objects (the serde reader's counterpart of what the scanner notes).
    fn note(&self, n: u32, v: &Json, p: &mut Presence) {
        p.sample(n, v);
        let node = &self.nodes[n as usize];
        for (k, c) in &node.keys {
            if let Some(x) = std::str::from_utf8(k).ok().and_then(|k| v.get(k)) {
                self.note(*c, x, p);
            }
        }
        for (i, c) in &node.idxs {
            if let Some(x) = v.get(*i) {
                self.note(*c, x, p);
            }
        }
    }
}

struct Scan<'a, 'b> {
    b: &'a [u8],
    i: usize,
    /// Where the line starts (columns are counted from there).
    base: usize,
    trie: &'b Trie,
    tr: &'b mut Trace,
    time: Option<CVal>,
    step: usize,
    scratch: Vec<u8>,
}

type SR<T> = Result<T, String>;

/// Bytes that end the fast part of a string body: the quote, a backslash, control
/// characters and non-ASCII bytes.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    while k < 256 {
        t[k] = k == b'"' as usize || k == b'\\' as usize || k < 0x20 || k >= 0x80;
        k += 1;
    }
    t
};

/// A key whose JSON text is its bytes between quotes (no escapes needed).
#[inline]
fn plain(k: &[u8]) -> bool {
    k.iter().all(|&c| !SPECIAL[c as usize] || c >= 0x80)
}

/// Byte-slice equality for short keys, without a call to memcmp.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn what(b: Option<&u8>) -> String {
    match b {
        None => "the end of the line".into(),
        Some(c) if c.is_ascii_graphic() => format!("'{}'", *c as char),
        Some(c) => format!("byte 0x{c:02x}"),
    }
}

/// The four hex digits at `at`, if there are four.
fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let h = b.get(at..at + 4)?;
    if !h.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
}

/// At a `\uXXXX` escape at `i` (its hex digits checked): how many bytes it
/// spans (12 for a surrogate pair), or `None` for a lone surrogate, which JSON
/// text may spell but which is no character.
fn unicode_escape_len(b: &[u8], i: usize) -> Option<usize> {
    match hex4(b, i + 2)? {
        0xD800..=0xDBFF => {
            let low = b.get(i + 6..i + 8) == Some(&b"\\u"[..])
                && hex4(b, i + 8).is_some_and(|w| (0xDC00..=0xDFFF).contains(&w));
            low.then_some(12)
        }
        0xDC00..=0xDFFF => None,
        _ => Some(6),
    }
}

/// The message for a lone surrogate escaped at `i`, in a string whose quote is at
/// (1-based) column `col`.
fn lone_surrogate(b: &[u8], i: usize, col: usize) -> String {
    let esc = std::str::from_utf8(&b[i..i + 6]).unwrap_or("\\u????");
    format!("column {col}: a lone UTF-16 surrogate ({esc}) is not a character")
}

/// The first lone surrogate escaped in a string of a JSON line, as
/// [`lone_surrogate`] reports it; serde_json reports it at its own position
/// and calls a lone trailing one "leading".
fn find_lone_surrogate(b: &[u8]) -> Option<String> {
    let mut quote = None;
    let mut i = 0;
    while i < b.len() {
        match (quote, b[i]) {
            (None, b'"') => quote = Some(i),
            (Some(_), b'"') => quote = None,
            (Some(q), b'\\') => {
                if b.get(i + 1) == Some(&b'u') && hex4(b, i + 2).is_some() {
                    match unicode_escape_len(b, i) {
                        Some(n) => i += n - 1,
                        None => return Some(lone_surrogate(b, i, q + 1)),
                    }
                } else {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Scan<'_, '_> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\t' || c == b'\r' {
                self.i += 1;
            } else {
                break;
            }
        }
    }
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    #[cold]
    #[inline(never)]
    fn err<T>(&self, expected: &str) -> SR<T> {
        let found = match self.b.get(self.i) {
            Some(b'\n') => None,
            b => b,
        };
        Err(format!("column {}: expected {expected}, found {}", self.i - self.base + 1, what(found)))
    }
    /// The body of a string starting at `"`; returns (start, end, has_escapes) of the body.
    #[inline]
    fn string_span(&mut self) -> SR<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        let mut esc = false;
        let mut high = false;
        loop {
            // The common bytes of a string body, in a tight loop.
            let b = self.b;
            let mut i = self.i;
            while i < b.len() && !SPECIAL[b[i] as usize] {
                i += 1;
            }
            self.i = i;
            match self.b.get(self.i) {
                Some(b'"') => {
                    let end = self.i;
                    self.i += 1;
                    if high && std::str::from_utf8(&self.b[start..end]).is_err() {
                        self.i = start;
                        return self.err("valid UTF-8 in a string");
                    }
                    return Ok((start, end, esc));
                }
                Some(c) if *c >= 0x80 => {
                    high = true;
                    self.i += 1;
                }
                Some(b'\\') => {
                    esc = true;
                    match self.b.get(self.i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                        Some(b'u') => {
                            if hex4(self.b, self.i + 2).is_none() {
                                self.i += 1;
                                return self.err("four hex digits after \\u");
                            }
                            match unicode_escape_len(self.b, self.i) {
                                Some(n) => self.i += n,
                                None => return Err(lone_surrogate(self.b, self.i, start - 1 - self.base + 1)),
                            }
                        }
                        _ => {
                            self.i += 1;
                            return self.err("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
                        }
                    }
                }
                Some(c) if *c < 0x20 => return self.err("a closing '\"' (control characters must be escaped)"),
                Some(_) => self.i += 1,
                None => return self.err("a closing '\"'"),
            }
        }
    }
    fn str_of(&mut self, start: usize, end: usize, esc: bool) -> SR<u32> {
        if !esc {
            let s = std::str::from_utf8(&self.b[start..end]).map_err(|_| "invalid UTF-8 in a string".to_string())?;
            return Ok(self.tr.strs.intern(s));
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.b[start - 1..=end]);
        let s: String = serde_json::from_slice(&self.scratch).map_err(|e| format!("bad string: {e}"))?;
        Ok(self.tr.strs.intern(&s))
    }
    /// A JSON number, lexed as the history readers lex it
    /// ([`parsers::lex::json_number`]); an integer beyond 64 bits is kept as
    /// its double, and a float is read exactly (correctly rounded from its text).
    #[inline]
    fn number(&mut self) -> SR<CVal> {
        let start = self.i;
        let (kind, end) = match json_number(self.b, start) {
            Ok(n) => n,
            Err(NumError::Digit(at) | NumError::LeadingZero(at)) => {
                self.i = at;
                return self.err("a number");
            }
            Err(NumError::Fraction(at)) => {
                self.i = at;
                return self.err("digits after '.'");
            }
            Err(NumError::Exponent(at)) => {
                self.i = at;
                return self.err("digits in the exponent");
            }
        };
        self.i = end;
        match kind {
            NumKind::Int(v) => Ok(CVal::Int(v)),
            NumKind::BigInt | NumKind::Float => {
                let text = std::str::from_utf8(&self.b[start..end]).unwrap_or("0");
                Ok(CVal::Num(text.parse::<f64>().unwrap_or(f64::NAN)))
            }
        }
    }
    #[inline]
    fn literal(&mut self, word: &[u8], v: CVal) -> SR<CVal> {
        let end = self.i + word.len();
        if end <= self.b.len() && same(&self.b[self.i..end], word) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("a value")
        }
    }
    /// A scalar, or a container parsed whole into the side table.
    fn value_cval(&mut self, depth: usize) -> SR<CVal> {
        match self.peek() {
            Some(b'"') => {
                let (s, e, esc) = self.string_span()?;
                Ok(CVal::Str(self.str_of(s, e, esc)?))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true", CVal::Bool(true)),
            Some(b'f') => self.literal(b"false", CVal::Bool(false)),
            Some(b'n') => self.literal(b"null", CVal::Null),
            Some(b'{' | b'[') => {
                let start = self.i;
                self.skip(depth)?;
                let j: Json = serde_json::from_slice(&self.b[start..self.i]).map_err(|e| format!("{e}"))?;
                let k = self.tr.big.len() as u32;
                self.tr.big.push(j);
                Ok(CVal::Big(k))
            }
            _ => self.err("a value"),
        }
    }
    /// Skips one value, checking that it is well-formed JSON.
    fn skip(&mut self, depth: usize) -> SR<()> {
        if depth > 128 {
            return Err("values nested more than 128 deep".into());
        }
        self.ws();
        match self.peek() {
            Some(b'"') => self.string_span().map(|_| ()),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(b't') => self.literal(b"true", CVal::Null).map(|_| ()),
            Some(b'f') => self.literal(b"false", CVal::Null).map(|_| ()),
            Some(b'n') => self.literal(b"null", CVal::Null).map(|_| ()),
            Some(b'{') => self.object(None, depth),
            Some(b'[') => self.array(None, depth),
            _ => self.err("a value"),
        }
    }
    fn object(&mut self, node: Option<u32>, depth: usize) -> SR<()> {
        self.i += 1;
        self.ws();
        // The first object at a trie node: its keys are noted (for suggestions).
        let sample = node.filter(|&n| self.tr.presence.keys[n as usize].is_none());
        if let Some(n) = sample {
            self.tr.presence.keys[n as usize] = Some(Vec::new());
        }
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("a key in quotes");
            }
            // Most keys are written plainly: match the trie's keys against the raw bytes first.
            if let Some(n) = node.filter(|&n| self.trie.nodes[n as usize].keys.len() <= SCAN_KEYS) {
                let mut hit = None;
                for (kk, c) in &self.trie.nodes[n as usize].keys {
                    self.tr.key_probes += 1;
                    let (st, en) = (self.i + 1, self.i + 1 + kk.len());
                    if en < self.b.len() && self.b[en] == b'"' && same(&self.b[st..en], kk) && plain(kk) {
                        hit = Some((*c, en + 1));
                        break;
                    }
                }
                if let Some((c, after)) = hit {
                    if let Some(n) = sample {
                        let kk = self.b[self.i + 1..after - 1].to_vec();
                        self.note_key(n, &kk);
                    }
                    self.i = after;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return self.err("':' after a key");
                    }
                    self.i += 1;
                    self.ws();
                    self.visit(c, depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err("',' or '}'"),
                    }
                }
            }
            let (s, e, esc) = self.string_span()?;
            if let Some(n) = sample {
                if esc {
                    let k = self.str_of(s, e, esc)?;
                    let k = self.tr.strs.get(k).as_bytes().to_vec();
                    self.note_key(n, &k);
                } else {
                    let k = self.b[s..e].to_vec();
                    self.note_key(n, &k);
                }
            }
            let child = match node {
                Some(n) if !self.trie.nodes[n as usize].keys.is_empty() => {
                    let tn = &self.trie.nodes[n as usize];
                    let find = |key: &[u8], probes: &mut u64| {
                        if tn.keys.len() <= SCAN_KEYS {
                            *probes += tn.keys.len() as u64;
                            tn.keys.iter().find(|(kk, _)| same(kk, key)).map(|x| x.1)
                        } else {
                            *probes += 1;
                            tn.key_map.get(key).copied()
                        }
                    };
                    if esc {
                        let k = self.str_of(s, e, esc)?;
                        let key = self.tr.strs.get(k).as_bytes();
                        find(key, &mut self.tr.key_probes)
                    } else {
                        find(&self.b[s..e], &mut self.tr.key_probes)
                    }
                }
                _ => None,
            };
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("':' after a key");
            }
            self.i += 1;
            self.ws();
            match child {
                Some(c) => self.visit(c, depth + 1)?,
                None => self.skip(depth + 1)?,
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.err("',' or '}'"),
            }
        }
    }
    fn note_key(&mut self, n: u32, k: &[u8]) {
        if let Some(keys) = &mut self.tr.presence.keys[n as usize] {
            if keys.len() < KEYS_SAMPLED {
                keys.push(String::from_utf8_lossy(k).into_owned());
            }
        }
    }
    fn array(&mut self, node: Option<u32>, depth: usize) -> SR<()> {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let mut k = 0usize;
        loop {
            self.ws();
            let child = node.and_then(|n| {
                let tn = &self.trie.nodes[n as usize];
                if tn.idxs.len() <= SCAN_KEYS {
                    tn.idxs.iter().find(|(i, _)| *i == k).map(|x| x.1)
                } else {
                    tn.idx_map.get(&k).copied()
                }
            });
            match child {
                Some(c) => self.visit(c, depth + 1)?,
                None => self.skip(depth + 1)?,
            }
            k += 1;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.err("',' or ']'"),
            }
        }
    }
    /// A value at a trie node: descend into containers for the node's children,
    /// store it when a column or the time wants it.
    #[inline]
    fn visit(&mut self, node: u32, depth: usize) -> SR<()> {
        if depth > 128 {
            return Err("values nested more than 128 deep".into());
        }
        self.tr.presence.seen[node as usize] = true;
        let (col, time, has_children) = {
            let n = &self.trie.nodes[node as usize];
            if let Some(p) = n.present {
                self.tr.cols[p as usize][self.step] = CVal::Bool(self.peek() != Some(b'n'));
            }
            (n.col, n.time, !n.keys.is_empty() || !n.idxs.is_empty())
        };
        let start = self.i;
        let c = self.peek();
        if has_children && (c == Some(b'{') || c == Some(b'[')) {
            if c == Some(b'{') {
                self.object(Some(node), depth)?;
            } else {
                self.array(Some(node), depth)?;
            }
            if col.is_some() || time {
                let j: Json = serde_json::from_slice(&self.b[start..self.i]).map_err(|e| format!("{e}"))?;
                let k = self.tr.big.len() as u32;
                self.tr.big.push(j);
                if let Some(col) = col {
                    self.tr.cols[col as usize][self.step] = CVal::Big(k);
                }
                if time {
                    self.time = Some(CVal::Big(k));
                }
            }
            return Ok(());
        }
        if col.is_none() && !time {
            return self.skip(depth);
        }
        let v = self.value_cval(depth)?;
        if let Some(col) = col {
            self.tr.cols[col as usize][self.step] = v;
        }
        if time {
            self.time = Some(v);
        }
        Ok(())
    }
}

fn time_of(v: Option<CVal>, line: usize, step: usize, tr: &mut Trace, field: &[String]) -> Result<(), TraceError> {
    let name = || field.join(".");
    let t = match v {
        None if step == 0 => {
            tr.timed = false;
            0
        }
        None if !tr.timed => step as i64,
        None => {
            return Err(TraceError { line, message: format!("no time field `{}` (earlier lines have one)", name()) })
        }
        Some(_) if step > 0 && !tr.timed => {
            return Err(TraceError { line, message: format!("a time field `{}`, which earlier lines lack", name()) })
        }
        Some(CVal::Int(i)) => {
            if step == 0 {
                tr.timed = true;
            }
            i
        }
        // -2^63 <= f < 2^63: a whole double there is an i64 exactly.
        Some(CVal::Num(f))
            if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) =>
        {
            if step == 0 {
                tr.timed = true;
            }
            f as i64
        }
        Some(CVal::Num(f)) if f.fract() == 0.0 || !f.is_finite() => {
            return Err(TraceError {
                line,
                message: format!(
                    "time `{}` is {} once read as a double, outside the 64-bit integer range of times \
                     ({} to {})",
                    name(),
                    if f.abs() < 1e20 { format!("{f:.0}") } else { format!("{f:e}") },
                    i64::MIN,
                    i64::MAX
                ),
            })
        }
        Some(CVal::Num(f)) => {
            return Err(TraceError {
                line,
                message: format!(
                    "time `{}` is {f}, not a whole number of time units (try a finer --time-unit)",
                    name()
                ),
            })
        }
        Some(other) => {
            return Err(TraceError {
                line,
                message: format!("time `{}` must be a number, found {}", name(), tr.cval_json(other)),
            })
        }
    };
    if let Some(&prev) = tr.times.last() {
        if t < prev {
            return Err(TraceError { line, message: format!("time goes backwards: {t} after {prev}") });
        }
    }
    tr.times.push(t);
    Ok(())
}

/// The fast reader state: fed chunks that end at line boundaries.
struct Loader<'t> {
    trie: Trie,
    tr: Trace,
    line: usize,
    /// The first blank line since the last step: an error if another step follows.
    blank: Option<usize>,
    scratch: Vec<u8>,
    opts: &'t TraceOptions,
}

impl Loader<'_> {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), TraceError> {
        // UTF-8 is checked where it can occur: non-ASCII bytes outside strings are
        // syntax errors, and strings with non-ASCII bytes are validated when scanned.
        let mut pos = 0usize;
        let len = chunk.len();
        while pos < len {
            self.line += 1;
            let line_start = pos;
            while pos < len && matches!(chunk[pos], b' ' | b'\t' | b'\r') {
                pos += 1;
            }
            if pos == len {
                break;
            }
            if chunk[pos] == b'\n' {
                self.blank.get_or_insert(self.line);
                pos += 1;
                continue;
            }
            if let Some(b) = self.blank {
                return Err(TraceError::blank_line(b));
            }
            let step = self.tr.n;
            for c in self.tr.cols.iter_mut() {
                c.push(CVal::Null);
            }
            let mut s = Scan {
                b: chunk,
                i: pos,
                base: line_start,
                trie: &self.trie,
                tr: &mut self.tr,
                time: None,
                step,
                scratch: std::mem::take(&mut self.scratch),
            };
            let r = if s.peek() == Some(b'{') { s.object(Some(0), 0) } else { s.err("a JSON object") };
            let r = r.and_then(|()| {
                s.ws();
                match s.peek() {
                    None | Some(b'\n') => Ok(()),
                    _ => s.err("the end of the line (one JSON object per line)"),
                }
            });
            let (t, end) = (s.time, s.i);
            self.scratch = std::mem::take(&mut s.scratch);
            let line = self.line;
            r.map_err(|message| TraceError { line, message })?;
            time_of(t, line, step, &mut self.tr, &self.opts.time_field)?;
            self.tr.n += 1;
            pos = end + 1;
        }
        Ok(())
    }

    fn finish(self) -> Result<Trace, TraceError> {
        if self.tr.n == 0 {
            return Err(TraceError { line: 0, message: "the trace is empty (no steps)".into() });
        }
        Ok(self.tr)
    }
}

fn loader<'t>(paths: &[Vec<PSeg>], opts: &'t TraceOptions) -> Loader<'t> {
    let mut trie = Trie::build(paths, &opts.time_field);
    let presence = {
        let cn = std::mem::take(&mut trie.col_nodes);
        Presence::new(&trie, cn)
    };
    Loader {
        trie,
        tr: Trace { cols: vec![Vec::new(); paths.len()], presence, ..Trace::default() },
        line: 0,
        blank: None,
        scratch: Vec::new(),
        opts,
    }
}

/// The fast reader over bytes in memory: only `paths` (and the time) are kept.
pub fn load(bytes: &[u8], paths: &[Vec<PSeg>], opts: &TraceOptions) -> Result<Trace, TraceError> {
    if opts.state_mode == StateMode::MergePatch {
        return load_merge_patch(bytes, paths, opts);
    }
    let mut l = loader(paths, opts);
    l.feed(bytes)?;
    l.finish()
}

/// The fast reader over a stream, read in 4 MiB pieces (the file is never held whole).
pub fn load_from<R: std::io::Read>(mut r: R, paths: &[Vec<PSeg>], opts: &TraceOptions) -> Result<Trace, TraceError> {
    let io_err = |e: std::io::Error| TraceError { line: 0, message: format!("cannot read: {e}") };
    if opts.state_mode == StateMode::MergePatch {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes).map_err(io_err)?;
        return load(&bytes, paths, opts);
    }
    const PIECE: usize = 4 << 20;
    let mut l = loader(paths, opts);
    let mut buf: Vec<u8> = vec![0; PIECE];
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
        let got = loop {
            match r.read(&mut buf[filled..]) {
                Ok(k) => break k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(e)),
            }
        };
        filled += got;
        if got == 0 {
            l.feed(&buf[..filled])?;
            return l.finish();
        }
        if let Some(last) = buf[..filled].iter().rposition(|&b| b == b'\n') {
            let first = l.tr.n == 0;
            l.feed(&buf[..=last])?;
            if first && l.tr.n > 0 && opts.size_hint > (last as u64 + 1) {
                // Size the columns from the first piece's bytes per step.
                let est = (opts.size_hint as f64 / (last + 1) as f64 * l.tr.n as f64 * 1.02) as usize;
                let more = est.saturating_sub(l.tr.n).min(1 << 28);
                l.tr.cols.iter_mut().for_each(|c| c.reserve(more));
                l.tr.times.reserve(more);
            }
            buf.copy_within(last + 1..filled, 0);
            filled -= last + 1;
        }
    }
}

/// RFC 7386 merge patch.
pub fn merge_patch(target: &mut Json, patch: &Json) {
    match patch {
        Json::Object(p) => {
            if !target.is_object() {
                *target = Json::Object(Default::default());
            }
            if let Json::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Json::Null), v);
                    }
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn json_at<'a>(j: &'a Json, p: &[PSeg]) -> Option<&'a Json> {
    p.iter().try_fold(j, |v, s| match s {
        PSeg::Key(k) => v.get(k.as_str()),
        PSeg::Idx(i) => v.get(*i),
        PSeg::Present => Some(if v.is_null() { &FALSE } else { &TRUE }),
    })
}

static TRUE: Json = Json::Bool(true);
static FALSE: Json = Json::Bool(false);

/// Every line as a [`Step`], with merge patches applied.
pub fn load_steps(bytes: &[u8], opts: &TraceOptions) -> Result<Vec<Step>, TraceError> {
    let mut steps = Vec::new();
    records(bytes, opts, |step, time, rec| steps.push(Step { step: step as u64, time, record: rec.clone() }))?;
    Ok(steps)
}

/// Every line parsed by serde_json, in order, with merge patches applied, given
/// to `f` as (step, time, record): the record's `state` is the running state,
/// lent (not copied) for the call. Returns the number of steps.
fn records(bytes: &[u8], opts: &TraceOptions, mut f: impl FnMut(usize, i64, &Json)) -> Result<usize, TraceError> {
    let mut state = Json::Object(Default::default());
    let mut times = Trace::default();
    let tp: Vec<PSeg> = opts.time_field.iter().map(|k| PSeg::Key(k.clone())).collect();
    // The first blank line since the last step: an error if another step follows.
    let mut blank: Option<usize> = None;
    let mut step = 0usize;
    for (k, l) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = k + 1;
        if is_blank(l) {
            blank.get_or_insert(line);
            continue;
        }
        if let Some(b) = blank {
            return Err(TraceError::blank_line(b));
        }
        let l = std::str::from_utf8(l).map_err(|_| TraceError { line, message: "invalid UTF-8".into() })?;
        let mut rec: Json = serde_json::from_str(l).map_err(|e| {
            let text = e.to_string();
            if text.contains("surrogate") || text.contains("hex escape") {
                if let Some(message) = find_lone_surrogate(l.as_bytes()) {
                    return TraceError { line, message };
                }
            }
            let text = text.split(" at line ").next().unwrap_or("").to_string();
            TraceError { line, message: format!("column {}: {text}", e.column()) }
        })?;
        if !rec.is_object() {
            return Err(TraceError { line, message: "expected a JSON object".into() });
        }
        let merge = opts.state_mode == StateMode::MergePatch;
        if merge {
            if let Some(p) = rec.get("state") {
                merge_patch(&mut state, p);
            }
            rec["state"] = std::mem::take(&mut state);
        }
        let t = json_at(&rec, &tp).map(|j| match j {
            Json::Number(n) => n.as_i64().map_or(CVal::Num(n.as_f64().unwrap_or(f64::NAN)), CVal::Int),
            Json::String(s) => {
                let id = times.strs.intern(s);
                CVal::Str(id)
            }
            Json::Bool(b) => CVal::Bool(*b),
            Json::Null => CVal::Null,
            _ => CVal::Big(u32::MAX),
        });
        let t = match t {
            Some(CVal::Big(_)) => {
                return Err(TraceError {
                    line,
                    message: format!("time `{}` must be a number", opts.time_field.join(".")),
                })
            }
            t => t,
        };
        time_of(t, line, step, &mut times, &opts.time_field)?;
        f(step, times.times[step], &rec);
        if merge {
            state = rec["state"].take();
        }
        step += 1;
    }
    if step == 0 {
        return Err(TraceError { line: 0, message: "the trace is empty (no steps)".into() });
    }
    Ok(step)
}

/// Columns built from parsed records, one at a time (the serde readers).
struct Columns<'p> {
    trie: Trie,
    paths: &'p [Vec<PSeg>],
    tr: Trace,
}

impl<'p> Columns<'p> {
    fn new(paths: &'p [Vec<PSeg>]) -> Columns<'p> {
        let mut trie = Trie::build(paths, &[]);
        let cn = std::mem::take(&mut trie.col_nodes);
        let presence = Presence::new(&trie, cn);
        let tr = Trace { timed: true, presence, cols: vec![Vec::new(); paths.len()], ..Trace::default() };
        Columns { trie, paths, tr }
    }

    /// Only the projected paths of the record are kept.
    fn push(&mut self, time: i64, rec: &Json) {
        let tr = &mut self.tr;
        self.trie.note(0, rec, &mut tr.presence);
        tr.times.push(time);
        tr.n += 1;
        for (p, col) in self.paths.iter().zip(tr.cols.iter_mut()) {
            let v = match json_at(rec, p) {
                None if p.last() == Some(&PSeg::Present) => CVal::Bool(false),
                None | Some(Json::Null) => CVal::Null,
                Some(Json::Bool(b)) => CVal::Bool(*b),
                Some(Json::Number(n)) => n.as_i64().map_or(CVal::Num(n.as_f64().unwrap_or(f64::NAN)), CVal::Int),
                Some(Json::String(x)) => CVal::Str(tr.strs.intern(x)),
                Some(j) => {
                    tr.big.push(j.clone());
                    CVal::Big(tr.big.len() as u32 - 1)
                }
            };
            col.push(v);
        }
    }
}

/// Columns from parsed steps (the slow path).
pub fn from_steps(steps: &[Step], paths: &[Vec<PSeg>]) -> Trace {
    let mut c = Columns::new(paths);
    for s in steps {
        c.push(s.time, &s.record);
    }
    c.tr
}

/// `--state-mode merge-patch`: the records parsed one at a time, the running
/// state kept once and only the projected paths of each step kept (not every
/// step's whole state).
fn load_merge_patch(bytes: &[u8], paths: &[Vec<PSeg>], opts: &TraceOptions) -> Result<Trace, TraceError> {
    let mut c = Columns::new(paths);
    records(bytes, opts, |_, time, rec| c.push(time, rec))?;
    Ok(c.tr)
}

#[cfg(test)]
mod tests {
    #[test]
    fn nodes_are_the_state_keys_of_the_first_record() {
        let text = "\n{\"state\": {\"a\": 1, \"b\": null}}\n{\"state\": {\"c\": 1}}\n";
        assert_eq!(super::nodes_of_first_record(text.as_bytes(), StateMode::Full), ["a", "b"]);
        // In a merge patch, null removes a node.
        assert_eq!(super::nodes_of_first_record(text.as_bytes(), StateMode::MergePatch), ["a"]);
        assert!(super::nodes_of_first_record("{\"state\": 3}".as_bytes(), StateMode::Full).is_empty());
        assert!(super::nodes_of_first_record("not json".as_bytes(), StateMode::Full).is_empty());
    }

    use super::*;

    fn paths() -> Vec<Vec<PSeg>> {
        vec![
            vec![PSeg::Key("state".into()), PSeg::Key("p".into())],
            vec![PSeg::Key("event".into())],
            vec![PSeg::Key("event".into()), PSeg::Key("kind".into())],
            vec![PSeg::Key("log".into()), PSeg::Idx(1)],
        ]
    }

    #[test]
    fn fast_and_slow_readers_agree() {
        let text = concat!(
            "{\"time\": 1, \"state\": {\"p\": true, \"x\": [1, {\"a\": \"\\u00e9\"}]}, \"event\": {\"kind\": \"re\\\"q\"}}\n",
            "{\"time\": 1, \"log\": [0, 2.5e1], \"event\": null, \"zzz\": {\"deep\": [[[]]]}}\r\n",
            "{\"state\": {\"p\": null}, \"time\": 7, \"event\": {\"kind\": 3}}\n",
            "\n \t\r\n",
        );
        let opts = TraceOptions::default();
        let fast = load(text.as_bytes(), &paths(), &opts).unwrap();
        let slow = from_steps(&load_steps(text.as_bytes(), &opts).unwrap(), &paths());
        assert_eq!(fast.n, 3);
        assert_eq!(fast.times, vec![1, 1, 7]);
        for c in 0..paths().len() {
            for s in 0..3 {
                assert_eq!(fast.cval_json(fast.cols[c][s]), slow.cval_json(slow.cols[c][s]), "col {c} step {s}");
            }
        }
    }

    #[test]
    fn streaming_in_small_reads_gives_the_same_trace() {
        struct Dribble<'a>(&'a [u8]);
        impl std::io::Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let k = buf.len().min(self.0.len()).min(7);
                buf[..k].copy_from_slice(&self.0[..k]);
                self.0 = &self.0[k..];
                Ok(k)
            }
        }
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!(
                "{{\"time\": {i}, \"state\": {{\"p\": {}}}, \"event\": {{\"kind\": \"k{i}\"}}}}\n",
                i % 3 == 0
            ));
        }
        text.push_str("{\"time\": 99}"); // no final newline
        let opts = TraceOptions::default();
        let a = load(text.as_bytes(), &paths(), &opts).unwrap();
        let b = load_from(Dribble(text.as_bytes()), &paths(), &opts).unwrap();
        assert_eq!((a.n, &a.times), (51, &b.times));
        for c in 0..paths().len() {
            for s in 0..a.n {
                assert_eq!(a.cval_json(a.cols[c][s]), b.cval_json(b.cols[c][s]));
            }
        }
        let e = load(b"{}\n  {\"a\": 1,, }\n", &paths(), &opts).unwrap_err();
        assert_eq!((e.line, e.message.starts_with("column 11:")), (2, true), "{e}");
    }

    #[test]
    fn errors_name_lines() {
        let opts = TraceOptions::default();
        let e = load(b"{\"time\": 1}\n{\"time\": 0}\n", &paths(), &opts).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("backwards"), "{e}");
        for bad in ["{\"time\": 1,}", "{\"time\": 01}", "[1]", "{\"a\": tru}", "{\"a\": \"x}", "{\"a\": 1} x"] {
            let e = load(format!("{{}}\n{bad}\n").as_bytes(), &paths(), &opts).unwrap_err();
            assert_eq!(e.line, 2, "{bad}: {e}");
            assert!(load_steps(format!("{{}}\n{bad}\n").as_bytes(), &opts).is_err(), "{bad}");
        }
        assert!(load(b"\n\n", &paths(), &opts).is_err());
        for bad in [&b"{}\n{\"a\": \"\xff\"}\n"[..], b"{}\n{\"a\": 1}\xff\n", b"{}\n{\"state\": {\"p\": \"\xc3\"}}\n"] {
            let e = load(bad, &paths(), &opts).unwrap_err();
            assert_eq!(e.line, 2, "{e}");
            assert!(load_steps(bad, &opts).is_err());
        }
    }

    /// Every reader on `text`: the fast one whole, streamed in small reads, in
    /// merge-patch mode, and the serde one. Ok(steps) or Err(line).
    fn all_readers(text: &[u8]) -> Vec<(String, Result<usize, usize>)> {
        all_readers_errors(text).into_iter().map(|(reader, r)| (reader, r.map_err(|e| e.line))).collect()
    }

    /// Each reader's step count or error on `text`.
    fn all_readers_errors(text: &[u8]) -> Vec<(String, Result<usize, TraceError>)> {
        struct Dribble<'a>(&'a [u8]);
        impl std::io::Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let k = buf.len().min(self.0.len()).min(5);
                buf[..k].copy_from_slice(&self.0[..k]);
                self.0 = &self.0[k..];
                Ok(k)
            }
        }
        let opts = TraceOptions::default();
        let mp = TraceOptions { state_mode: StateMode::MergePatch, ..TraceOptions::default() };
        let r = |t: Result<Trace, TraceError>| t.map(|t| t.n);
        vec![
            ("load".to_string(), r(load(text, &paths(), &opts))),
            ("load_from".to_string(), r(load_from(Dribble(text), &paths(), &opts))),
            ("load_steps".to_string(), load_steps(text, &opts).map(|s| s.len())),
            ("merge-patch".to_string(), r(load(text, &paths(), &mp))),
        ]
    }

    #[track_caller]
    fn readers_say(text: &str, want: Result<usize, usize>) {
        for (reader, got) in all_readers(text.as_bytes()) {
            assert_eq!(got, want, "{reader} on {text:?}");
        }
    }

    /// A lone surrogate is named, at its string's line and column, by every reader,
    /// whether the string is read, skipped, a key or a value; a pair is a character.
    #[test]
    fn lone_surrogates_are_errors_at_their_string() {
        let pad: String = (1..=20).map(|i| format!("{{\"time\": {i}}}\n")).collect();
        for (line, col, esc) in [
            ("{\"time\": 21, \"state\": {\"p\": \"x\\ud800y\"}}", 29, "\\ud800"),
            ("{\"time\": 21, \"skip\": [\"\\uDC00\"]}", 23, "\\uDC00"),
            ("{\"time\": 21, \"state\": {\"\\ud800\\u0041\": 1}}", 24, "\\ud800"),
            ("{\"time\": 21, \"event\": {\"a\": {\"b\": \"\\ud83d\"}}}", 35, "\\ud83d"),
        ] {
            let text = format!("{pad}{line}\n{{\"time\": 22}}\n");
            let want = format!("column {col}: a lone UTF-16 surrogate ({esc}) is not a character");
            for (reader, got) in all_readers_errors(text.as_bytes()) {
                let e = got.expect_err(&reader);
                assert_eq!((e.line, e.message.as_str()), (21, want.as_str()), "{reader} on {line}");
            }
        }
        readers_say("{\"time\": 1, \"state\": {\"p\": \"\\ud83d\\ude00\", \"q\": \"\\u00e9\"}}\n", Ok(1));
    }

    /// Errors found where two pieces join name the file line of the later step,
    /// whichever reader and piece size.
    #[test]
    fn errors_across_pieces_name_the_line() {
        let trace = |bad: usize, line: &str| -> String {
            (1..=30).map(|i| if i == bad { format!("{line}\n") } else { format!("{{\"time\": {i}}}\n") }).collect()
        };
        readers_say(&trace(17, "{\"time\": 3}"), Err(17));
        readers_say(&trace(12, "{\"x\": 1}"), Err(12));
        readers_say(&trace(30, "{\"time\": 0}"), Err(30));
    }

    #[test]
    fn blank_lines_inside_the_trace_are_errors_after_it_ignored() {
        // `step` is the 0-based line index: a blank line before a step is an input error.
        readers_say("{}\n\n{}\n", Err(2));
        readers_say("\n{}\n", Err(1));
        readers_say("{}\n \t\r\n{}\n", Err(2));
        readers_say("{}\n\n\n{}\n", Err(2));
        readers_say("{}\n\n{x\n", Err(2));
        readers_say("{}\n\n\u{a0}\n", Err(2));
        readers_say("{x\n\n{}\n", Err(1));
        let e = load(b"{}\n\n{}\n", &paths(), &TraceOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("line 2: blank line inside the trace"), "{e}");
        // After the last step, blank lines are ignored.
        readers_say("{}\n{}\n\n", Ok(2));
        readers_say("{}\n{}\n \n\t\n\n", Ok(2));
        readers_say("{}\n{}\n   ", Ok(2));
        readers_say("{}\r\n{}\r\n\r\n", Ok(2));
        readers_say("{}", Ok(1));
        readers_say("\n\n", Err(0));
        readers_say("", Err(0));
        // Invalid UTF-8 after a blank line: the blank line comes first, in both readers.
        for (reader, got) in all_readers(b"{}\n\n{\"a\": \"\xff\"}\n") {
            assert_eq!(got, Err(2), "{reader}");
        }
        for (reader, got) in all_readers(b"{}\n{\"a\": \"\xff\"}\n\n{}\n") {
            assert_eq!(got, Err(2), "{reader}");
        }
        // A blank line anywhere in a longer trace, across piece boundaries.
        let lines: Vec<String> = (0..30).map(|i| format!("{{\"time\": {i}, \"state\": {{\"p\": {i}}}}}")).collect();
        for k in 0..30 {
            let mut l = lines.clone();
            l.insert(k, "  ".into());
            readers_say(&(l.join("\n") + "\n"), Err(k + 1));
            // A malformed line after the blank one: still the blank line.
            l[k + 1] = "{\"time\": 99,,}".into();
            readers_say(&(l.join("\n") + "\n"), Err(k + 1));
        }
        readers_say(&(lines.join("\n") + "\n\n\n  \n\n\n\n\n\n\n\n\n\n"), Ok(30));
    }

    /// Integers are kept exactly where they fit in an i64, by both readers (the
    /// most negative one included); other numbers are doubles.
    #[test]
    fn integers_are_read_exactly() {
        let text = b"{\"state\": {\"p\": -9223372036854775808, \"q\": 9007199254740993, \"r\": 9223372036854775808}}\n";
        let paths: Vec<Vec<PSeg>> =
            ["p", "q", "r"].iter().map(|k| vec![PSeg::Key("state".into()), PSeg::Key(k.to_string())]).collect();
        let fast = load(text, &paths, &TraceOptions::default()).unwrap();
        let slow = from_steps(&load_steps(text, &TraceOptions::default()).unwrap(), &paths);
        for tr in [&fast, &slow] {
            assert_eq!(tr.cols[0][0], CVal::Int(i64::MIN));
            assert_eq!(tr.cols[1][0], CVal::Int(9007199254740993));
            assert_eq!(tr.cols[2][0], CVal::Num(9223372036854775808.0));
        }
    }

    #[test]
    fn merge_patches_accumulate() {
        let text = "{\"state\": {\"a\": 1, \"b\": {\"c\": 2}}}\n{\"state\": {\"b\": {\"c\": null, \"d\": 3}}}\n";
        let opts = TraceOptions { state_mode: StateMode::MergePatch, ..TraceOptions::default() };
        let steps = load_steps(text.as_bytes(), &opts).unwrap();
        assert_eq!(steps[1].record["state"], serde_json::json!({"a": 1, "b": {"d": 3}}));
        assert_eq!(steps[1].time, 1);
    }
}
