//! Turning op maps, as read from any format, into a [`History`].
//!
//! Readers call [`HistoryBuilder::push`] once per op map, in file order, then
//! [`HistoryBuilder::finish`], which assigns processes when a file has none and
//! pairs completions with invocations. Every problem is an [`OpError`] naming the
//! op's position and showing the op, so readers can report `FILE:LINE:COL`.

use crate::atom::{Atom, Id, Interner};
use crate::op::{History, Mop, MopKind, MopVal, Op, OpType, OpValue, Process, SrcPos, Warning, NO_PARTNER};
use crate::value::Value;
use rustc_hash::FxHashMap;
use std::fmt;

/// A problem with one op (or a pair of ops) of an otherwise readable file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpError {
    pub pos: SrcPos,
    pub message: String,
    /// The op, shown as EDN and cut to a readable length.
    pub snippet: String,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n  {}", self.pos, self.message, self.snippet)
    }
}

impl std::error::Error for OpError {}

/// Longest op snippet shown, in characters (more is cut, with a count of what was cut).
pub const SNIPPET_CHARS: usize = 120;

/// Longest piece of input quoted inside a message, in characters.
pub const QUOTE_CHARS: usize = 48;

/// Whether `c` is shown escaped when input is quoted in a message: control
/// characters (C0, DEL, C1), which a terminal may act on (an escape sequence can
/// retitle the window or move the cursor), and the invisible format characters
/// that hide or reorder text (zero-width characters, bidirectional controls,
/// line and paragraph separators, the byte-order mark).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Appends `c` as it is shown in a message: `\t`, `\n` and `\r` for those,
/// `\u{1b}` for another unsafe character (see [`is_unsafe_char`]), else itself.
pub fn push_shown_char(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe_char(c) => {
            use fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// How many characters [`push_shown_char`] writes for `c`.
pub fn shown_width(c: char) -> usize {
    match c {
        '\t' | '\n' | '\r' => 2,
        c if is_unsafe_char(c) => 4 + format!("{:x}", c as u32).len(),
        _ => 1,
    }
}

/// The marker put where text was cut: `…[N more chars]`.
pub fn cut_marker(n: u64, at_least: bool) -> String {
    format!("…[{n}{} more char{}]", if at_least { "+" } else { "" }, if n == 1 && !at_least { "" } else { "s" })
}

/// A text that `fmt` writes into, kept safe to print: unsafe characters
/// escaped, at most `max` characters kept and the rest only counted, so
/// showing a huge value costs no memory.
struct Capped {
    out: String,
    max: usize,
    shown: usize,
    rest: u64,
}

impl Capped {
    fn new(max: usize) -> Self {
        Capped { out: String::new(), max, shown: 0, rest: 0 }
    }

    fn finish(mut self) -> String {
        if self.rest > 0 {
            self.out.push_str(&cut_marker(self.rest, false));
        }
        self.out
    }
}

impl fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let w = shown_width(c);
            if self.rest == 0 && self.shown + w <= self.max {
                push_shown_char(&mut self.out, c);
                self.shown += w;
            } else {
                self.rest += 1;
            }
        }
        Ok(())
    }
}

/// A piece of input text for a message: unsafe characters escaped (see
/// [`is_unsafe_char`]) and at most `max` characters shown, followed by a
/// count of what was cut.
pub fn shown_text(s: &str, max: usize) -> String {
    let mut c = Capped::new(max);
    let _ = fmt::Write::write_str(&mut c, s);
    c.finish()
}

/// A value as EDN, as [`shown_text`] shows it: escaped and cut to `max`
/// characters, without ever formatting more than that into memory.
pub fn shown_value(v: &Value, max: usize) -> String {
    let mut c = Capped::new(max);
    let _ = fmt::Write::write_fmt(&mut c, format_args!("{v}"));
    c.finish()
}

/// An op shown as one line of EDN, cut to [`SNIPPET_CHARS`] characters (with a
/// count of the rest), control characters escaped.
pub fn snippet_of(v: &Value) -> String {
    shown_value(v, SNIPPET_CHARS)
}

/// What a value shown in a message is (formats write some differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// A whole op map.
    Op,
    /// The value of `:type` or `:f` (JSON writes their keywords as plain strings).
    Name,
    /// Any other value.
    Value,
}

/// How a reader's format writes a value, for messages: see
/// [`HistoryBuilder::show_values_with`].
pub type ShowFn = fn(&Value, Shown) -> String;

/// Builds a [`History`] one op at a time.
///
/// Two ways in, which share every check: [`HistoryBuilder::push`] takes an op
/// map as a [`Value`]; the low-level calls ([`HistoryBuilder::begin_op`], the
/// setters, [`HistoryBuilder::push_mop`], [`HistoryBuilder::end_op`]) let a
/// reader decode the common op shape straight from its input. Errors of the
/// low-level calls carry no snippet: a reader that gets one should push the op
/// again as a [`Value`] for the full message (nothing is kept of a failed op).
#[derive(Default)]
pub struct HistoryBuilder {
    h: History,
    /// Whether the first op had an `:index` (all must agree).
    index_given: Option<bool>,
    prev_index: Option<(u64, SrcPos)>,
    any_process: bool,
    draft: Draft,
    /// Keywords and strings recently interned, by a hash of their text.
    name_cache: Vec<Option<(bool, Box<str>, Id)>>,
    /// How messages show values of the input: EDN unless a reader said otherwise.
    show: Option<ShowFn>,
}

/// The op being decoded.
struct Draft {
    pos: SrcPos,
    seen: u8,
    index: Option<u64>,
    time: Option<i64>,
    kind: Option<OpType>,
    process: Process,
    f: Option<Id>,
    value: DraftValue,
    extra: Vec<(Value, Value)>,
    mops_start: usize,
    reads_start: usize,
    /// The builder's state before the op, for [`HistoryBuilder::abort_op`].
    saved: (Option<bool>, Option<(u64, SrcPos)>, bool),
}

enum DraftValue {
    Absent,
    /// The micro-ops pushed since `begin_op`.
    Txn,
    /// To be decoded at the end (a transaction or kept as written).
    Raw(Value),
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            pos: SrcPos::default(),
            seen: 0,
            index: None,
            time: None,
            kind: None,
            process: Process::None,
            f: None,
            value: DraftValue::Absent,
            extra: Vec::new(),
            mops_start: 0,
            reads_start: 0,
            saved: (None, None, false),
        }
    }
}

const NAME_CACHE: usize = 256;

/// A value as `show` writes it, escaped and cut like [`snippet_of`]; a piece
/// inside a message is cut shorter than an op.
fn show_with(show: Option<ShowFn>, v: &Value, what: Shown) -> String {
    let max = if what == Shown::Op { SNIPPET_CHARS } else { QUOTE_CHARS };
    match show {
        Some(f) => shown_text(&f(v, what), max),
        None => shown_value(v, max),
    }
}

/// What is wrong with an integer field's value that is not a 64-bit integer.
fn not_an_i64(v: &Value) -> &'static str {
    match v {
        Value::BigInt(d) if d.starts_with('-') => " (an integer below -9223372036854775808, the least 64-bit integer)",
        Value::BigInt(_) => " (an integer above 9223372036854775807, the greatest 64-bit integer)",
        _ => "",
    }
}

fn field_bit(field: &str) -> u8 {
    match field {
        "index" => 1,
        "time" => 2,
        "type" => 4,
        "process" => 8,
        "f" => 16,
        "value" => 32,
        _ => 0,
    }
}

impl HistoryBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes messages show values of the input with `f` (e.g. as JSON for a
    /// JSON reader) instead of as EDN. What `f` returns is escaped and cut.
    pub fn show_values_with(&mut self, f: ShowFn) {
        self.show = Some(f);
    }

    /// A value from the input as messages quote it.
    fn quote(&self, v: &Value) -> String {
        show_with(self.show, v, Shown::Value)
    }

    /// Reserves room for about `ops` ops, when a reader can estimate it.
    pub fn reserve(&mut self, ops: usize) {
        self.h.ops.reserve(ops);
        self.h.mops.reserve(ops * 4);
    }

    /// How many ops have been pushed.
    pub fn len(&self) -> usize {
        self.h.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.h.ops.is_empty()
    }

    /// Adds a warning that a reader found (e.g. a lossy construct).
    pub fn warn(&mut self, pos: Option<SrcPos>, message: impl Into<String>) {
        self.h.warnings.push(Warning { pos, message: message.into() });
    }

    /// The interned atoms, for readers that intern keys and values themselves.
    pub fn atoms_mut(&mut self) -> &mut Interner {
        &mut self.h.atoms
    }

    /// Interns an integer (as [`Interner::intern_value`] of `Value::Int`).
    #[inline]
    pub fn intern_int(&mut self, i: i64) -> Id {
        self.h.atoms.intern_int(i)
    }

    /// Interns a keyword (without its colon), as `intern_value` of `Value::Keyword`.
    #[inline]
    pub fn intern_keyword(&mut self, s: &str) -> Id {
        self.intern_name(true, s)
    }

    /// Interns a string, as `intern_value` of `Value::Str`.
    #[inline]
    pub fn intern_str(&mut self, s: &str) -> Id {
        self.intern_name(false, s)
    }

    /// [`HistoryBuilder::intern_keyword`] of UTF-8 bytes, checked only when
    /// they are not cached; `None` if they are not UTF-8.
    #[inline]
    pub fn intern_keyword_bytes(&mut self, b: &[u8]) -> Option<Id> {
        self.intern_name_bytes(true, b)
    }

    /// [`HistoryBuilder::intern_str`] of UTF-8 bytes, checked only when they
    /// are not cached; `None` if they are not UTF-8.
    #[inline]
    pub fn intern_str_bytes(&mut self, b: &[u8]) -> Option<Id> {
        self.intern_name_bytes(false, b)
    }

    fn intern_name(&mut self, keyword: bool, s: &str) -> Id {
        let (slot, hit) = self.name_slot(keyword, s.as_bytes());
        hit.unwrap_or_else(|| self.intern_name_miss(keyword, s, slot))
    }

    fn intern_name_bytes(&mut self, keyword: bool, b: &[u8]) -> Option<Id> {
        let (slot, hit) = self.name_slot(keyword, b);
        match hit {
            Some(id) => Some(id),
            None => Some(self.intern_name_miss(keyword, std::str::from_utf8(b).ok()?, slot)),
        }
    }

    /// The cache slot for a name, and its id if the slot holds it.
    #[inline]
    fn name_slot(&mut self, keyword: bool, b: &[u8]) -> (usize, Option<Id>) {
        if self.name_cache.is_empty() {
            self.name_cache.resize_with(NAME_CACHE, || None);
        }
        let mut h = (b.len() as u32) ^ (keyword as u32) << 31;
        for &x in b.iter().take(8).chain(b.iter().rev().take(8)) {
            h = (h ^ x as u32).wrapping_mul(0x0100_0193);
        }
        let slot = (h.wrapping_mul(0x9E37_79B9) >> 24) as usize % NAME_CACHE;
        if let Some((k, text, id)) = &self.name_cache[slot] {
            if *k == keyword && text.as_bytes() == b {
                return (slot, Some(*id));
            }
        }
        (slot, None)
    }

    fn intern_name_miss(&mut self, keyword: bool, s: &str, slot: usize) -> Id {
        let text: Box<str> = s.into();
        let id = self.h.atoms.intern(if keyword { Atom::Keyword(text.clone()) } else { Atom::Str(text.clone()) });
        self.name_cache[slot] = Some((keyword, text, id));
        id
    }

    /// Starts decoding an op that begins at `pos` (dropping any op begun and not ended).
    pub fn begin_op(&mut self, pos: SrcPos) {
        self.drop_draft();
        self.draft.saved = (self.index_given, self.prev_index, self.any_process);
        let d = &mut self.draft;
        d.pos = pos;
        d.seen = 0;
        d.index = None;
        d.time = None;
        d.kind = None;
        d.process = Process::None;
        d.f = None;
        d.value = DraftValue::Absent;
        d.extra.clear();
        d.mops_start = self.h.mops.len();
        d.reads_start = self.h.reads.len();
    }

    /// Forgets the op begun, as if it had never been: its micro-ops and read
    /// lists, and what its fields did to the builder's state.
    pub fn abort_op(&mut self) {
        self.drop_draft();
        (self.index_given, self.prev_index, self.any_process) = self.draft.saved;
    }

    /// Drops the micro-ops and read lists of the op begun.
    fn drop_draft(&mut self) {
        self.h.mops.truncate(self.draft.mops_start);
        self.h.reads.truncate(self.draft.reads_start);
        self.draft.mops_start = self.h.mops.len();
        self.draft.reads_start = self.h.reads.len();
    }

    /// Marks a field as given; a second `:index`, `:time`, `:type`, `:process`,
    /// `:f` or `:value` is an error.
    fn claim(&mut self, field: &str) -> Result<(), String> {
        let bit = field_bit(field);
        if bit != 0 {
            if self.draft.seen & bit != 0 {
                return Err(format!("the op has two :{field} fields"));
            }
            self.draft.seen |= bit;
        }
        Ok(())
    }

    fn fast_err(&self, message: String) -> OpError {
        OpError { pos: self.draft.pos, message, snippet: String::new() }
    }

    /// `:index` (must be non-negative: readers check that before).
    pub fn set_index(&mut self, i: u64) -> Result<(), OpError> {
        self.claim("index").map_err(|m| self.fast_err(m))?;
        self.draft.index = Some(i);
        Ok(())
    }

    /// `:time`, or `:time nil`.
    pub fn set_time(&mut self, t: Option<i64>) -> Result<(), OpError> {
        self.claim("time").map_err(|m| self.fast_err(m))?;
        self.draft.time = t;
        Ok(())
    }

    pub fn set_type(&mut self, t: OpType) -> Result<(), OpError> {
        self.claim("type").map_err(|m| self.fast_err(m))?;
        self.draft.kind = Some(t);
        Ok(())
    }

    /// `:process`: `Client` for an integer, `Named` for an interned other value,
    /// `None` for `nil`.
    pub fn set_process(&mut self, p: Process) -> Result<(), OpError> {
        self.claim("process").map_err(|m| self.fast_err(m))?;
        self.store_process(p);
        Ok(())
    }

    fn store_process(&mut self, p: Process) {
        self.any_process |= p != Process::None;
        self.draft.process = p;
    }

    /// `:f`, interned.
    pub fn set_f(&mut self, f: Id) -> Result<(), OpError> {
        self.claim("f").map_err(|m| self.fast_err(m))?;
        self.draft.f = Some(f);
        Ok(())
    }

    /// `:value` as a transaction of the micro-ops pushed with [`Self::push_mop`]
    /// (call it before or after pushing them).
    pub fn set_value_txn(&mut self) -> Result<(), OpError> {
        self.claim("value").map_err(|m| self.fast_err(m))?;
        self.draft.value = DraftValue::Txn;
        Ok(())
    }

    /// `:value` as any value: decoded at [`Self::end_op`] as [`Self::push`] does.
    pub fn set_value_other(&mut self, v: Value) -> Result<(), OpError> {
        self.claim("value").map_err(|m| self.fast_err(m))?;
        self.draft.value = DraftValue::Raw(v);
        Ok(())
    }

    /// One micro-op of a transaction value.
    #[inline]
    pub fn push_mop(&mut self, kind: MopKind, key: Id, val: MopVal) {
        self.h.mops.push(Mop { kind, key, val });
    }

    /// Where the next read list starts, for [`MopVal::List`].
    #[inline]
    pub fn reads_len(&self) -> u32 {
        self.h.reads.len() as u32
    }

    /// One element of a read list.
    #[inline]
    pub fn push_read(&mut self, id: Id) {
        self.h.reads.push(id);
    }

    /// Elements of a read list that are integers: as [`Self::push_read`] of
    /// [`Self::intern_int`] of each, in order.
    #[inline]
    pub fn push_read_ints(&mut self, ints: &[i64]) {
        self.h.reads.reserve(ints.len());
        for &i in ints {
            let id = self.h.atoms.intern_int(i);
            self.h.reads.push(id);
        }
    }

    /// Any other field, kept as written.
    pub fn add_extra(&mut self, k: Value, v: Value) {
        self.draft.extra.push((k, v));
    }

    /// Checks and adds the op begun with [`Self::begin_op`].
    pub fn end_op(&mut self) -> Result<(), OpError> {
        let res = self.finish_op().map_err(|m| self.fast_err(m));
        if res.is_err() {
            self.abort_op();
        }
        res
    }

    /// The checks of a whole op, in the order [`Self::push`] has always made them.
    fn finish_op(&mut self) -> Result<(), String> {
        let Some(kind) = self.draft.kind else {
            return Err("the op has no :type (expected :invoke, :ok, :fail or :info)".to_string());
        };
        let index = self.check_index(self.draft.index, self.draft.pos)?;
        let op_value = match std::mem::replace(&mut self.draft.value, DraftValue::Absent) {
            DraftValue::Absent => OpValue::Absent,
            DraftValue::Txn => OpValue::Txn {
                start: self.draft.mops_start as u32,
                len: (self.h.mops.len() - self.draft.mops_start) as u32,
            },
            DraftValue::Raw(v) => self.decode_value(v)?,
        };
        let d = &mut self.draft;
        let extra = std::mem::take(&mut d.extra);
        self.h.ops.push(Op {
            index,
            time: d.time,
            kind,
            process: d.process,
            f: d.f,
            value: op_value,
            extra: if extra.is_empty() { None } else { Some(extra.into_boxed_slice()) },
            pos: d.pos,
        });
        d.mops_start = self.h.mops.len();
        d.reads_start = self.h.reads.len();
        Ok(())
    }

    /// Decodes one op map (tags such as `#jepsen.history.Op` are looked through).
    pub fn push(&mut self, value: &Value, pos: SrcPos) -> Result<(), OpError> {
        let err = |show, message: String| OpError { pos, message, snippet: show_with(show, value, Shown::Op) };
        let Value::Map(entries) = value.untagged() else {
            return Err(err(
                self.show,
                format!("expected an op map such as {{:type :ok, :process 0, :value …}}, found {}", value.kind_name()),
            ));
        };
        self.begin_op(pos);
        let res = self.push_fields(entries).and_then(|()| self.finish_op());
        res.map_err(|m| {
            self.drop_draft();
            err(self.show, m)
        })
    }

    fn push_fields(&mut self, entries: &[(Value, Value)]) -> Result<(), String> {
        for (k, v) in entries {
            let field = match k {
                Value::Keyword(s) | Value::Str(s) => &**s,
                _ => {
                    self.add_extra(k.clone(), v.clone());
                    continue;
                }
            };
            self.claim(field)?;
            match field {
                "index" => match v {
                    Value::Int(i) if *i >= 0 => self.draft.index = Some(*i as u64),
                    _ => {
                        return Err(format!(
                            "expected :index to be a non-negative 64-bit integer, found {}{}",
                            self.quote(v),
                            not_an_i64(v)
                        ))
                    }
                },
                "time" => match v {
                    Value::Int(t) => self.draft.time = Some(*t),
                    Value::Nil => {}
                    _ => {
                        return Err(format!(
                            "expected :time to be a 64-bit integer (nanoseconds), found {}{}",
                            self.quote(v),
                            not_an_i64(v)
                        ))
                    }
                },
                "type" => match v.as_name().and_then(OpType::from_name) {
                    Some(t) => self.draft.kind = Some(t),
                    None => {
                        return Err(format!(
                            "expected :type to be :invoke, :ok, :fail or :info, found {}",
                            show_with(self.show, v, Shown::Name)
                        ))
                    }
                },
                "process" => {
                    let p = match v {
                        Value::Int(p) => Process::Client(*p),
                        Value::Nil => Process::None,
                        other => Process::Named(self.h.atoms.intern_value(other)),
                    };
                    self.store_process(p);
                }
                "f" => self.draft.f = Some(self.h.atoms.intern_value(v)),
                "value" => self.draft.value = DraftValue::Raw(v.clone()),
                _ => self.add_extra(k.clone(), v.clone()),
            }
        }
        Ok(())
    }

    fn check_index(&mut self, index: Option<u64>, pos: SrcPos) -> Result<u64, String> {
        let given = index.is_some();
        match self.index_given {
            None => self.index_given = Some(given),
            Some(g) if g != given => {
                let first = self.h.ops.first().map(|o| o.pos).unwrap_or_default();
                return Err(if given {
                    format!(
                        "this op has an :index but the first op (line {}) has none; give every op an :index or none",
                        first.line
                    )
                } else {
                    format!(
                        "this op has no :index but the first op (line {}) has one; give every op an :index or none",
                        first.line
                    )
                });
            }
            _ => {}
        }
        let index = index.unwrap_or(self.h.ops.len() as u64);
        if let Some((prev, prev_pos)) = self.prev_index {
            if index <= prev {
                return Err(format!(
                    ":index {index} is not greater than :index {prev} of the op before it (line {}); indices must increase in file order",
                    prev_pos.line
                ));
            }
        }
        self.prev_index = Some((index, pos));
        Ok(index)
    }

    /// A transaction if `v` is a sequence of micro-ops, else kept as written.
    fn decode_value(&mut self, v: Value) -> Result<OpValue, String> {
        let Some(items) = v.as_seq() else {
            return Ok(OpValue::Other(Box::new(v)));
        };
        let mop_kind = |m: &Value| -> Option<MopKind> {
            let parts = m.as_seq()?;
            if !(2..=3).contains(&parts.len()) {
                return None;
            }
            MopKind::from_name(parts[0].as_name()?)
        };
        match items.first() {
            None => return Ok(OpValue::Txn { start: self.h.mops.len() as u32, len: 0 }),
            Some(first) if mop_kind(first).is_none() => return Ok(OpValue::Other(Box::new(v))),
            _ => {}
        }
        let start = self.h.mops.len();
        for (n, m) in items.iter().enumerate() {
            let Some(kind) = mop_kind(m) else {
                self.h.mops.truncate(start);
                return Err(format!(
                    "micro-op {} of :value should be [:append k v], [:r k v] or [:w k v] like the first, found {}",
                    n + 1,
                    self.quote(m)
                ));
            };
            let parts = m.as_seq().unwrap_or_default();
            let key = self.h.atoms.intern_value(&parts[1]);
            let val = match parts.get(2) {
                None => MopVal::Absent,
                Some(Value::Nil) => MopVal::Nil,
                Some(Value::Vector(list) | Value::List(list)) if kind == MopKind::Read => {
                    let start = self.h.reads.len() as u32;
                    for x in list {
                        let id = self.intern_elem(x);
                        self.h.reads.push(id);
                    }
                    MopVal::List { start, len: list.len() as u32 }
                }
                Some(x) => MopVal::Atom(self.intern_elem(x)),
            };
            self.h.mops.push(Mop { kind, key, val });
        }
        Ok(OpValue::Txn { start: start as u32, len: items.len() as u32 })
    }

    #[inline]
    fn intern_elem(&mut self, x: &Value) -> Id {
        self.h.atoms.intern_value(x)
    }

    /// Appends the ops that `part` read from the input right after this
    /// builder's, as if this builder had read them itself: the atoms are moved
    /// into this builder's table (in the order they first occur, so the ids are
    /// those one builder would have given), arenas are concatenated, assigned
    /// indices and micro-op offsets are shifted, and `line_offset` is added to
    /// every position. `part` is left empty, its arenas kept for reuse.
    ///
    /// Returns `false` when the two do not join as one builder would have
    /// taken them: `part`'s first op would have failed the `:index` rules
    /// (given by one and not the other, or not increasing). This builder is
    /// then left unchanged, and the caller should read the input again in one
    /// builder for the error as it always is.
    pub fn append(&mut self, part: &mut HistoryBuilder, line_offset: u32) -> bool {
        let Some(first) = part.h.ops.first() else {
            let shift = |p: SrcPos| SrcPos { line: p.line + line_offset, col: p.col };
            self.h
                .warnings
                .extend(part.h.warnings.drain(..).map(|w| Warning { pos: w.pos.map(shift), message: w.message }));
            part.reset();
            return true;
        };
        let given = part.index_given.unwrap_or(false);
        if self.index_given.is_some_and(|g| g != given) {
            return false;
        }
        if given && self.prev_index.is_some_and(|(prev, _)| first.index <= prev) {
            return false;
        }
        let index_off = if given { 0 } else { self.h.ops.len() as u64 };
        let mops_off = self.h.mops.len() as u32;
        let reads_off = self.h.reads.len() as u32;
        let map = self.h.atoms.absorb(&mut part.h.atoms);
        let identity = map.iter().enumerate().all(|(i, id)| id.bits() == i as u32);
        let id = |x: Id| if identity { x } else { x.remap(&map) };
        let shift = |p: SrcPos| SrcPos { line: p.line + line_offset, col: p.col };
        // Fixed in place (in `part`'s memory, still in cache), then moved
        // over with one copy each.
        for op in &mut part.h.ops {
            op.index += index_off;
            op.pos.line += line_offset;
            if !identity {
                op.f = op.f.map(id);
                if let Process::Named(p) = op.process {
                    op.process = Process::Named(id(p));
                }
            }
            if let OpValue::Txn { start, .. } = &mut op.value {
                *start += mops_off;
            }
        }
        self.h.ops.append(&mut part.h.ops);
        for m in &mut part.h.mops {
            match &mut m.val {
                MopVal::List { start, .. } => *start += reads_off,
                MopVal::Atom(x) if !identity => *x = id(*x),
                _ => {}
            }
            if !identity {
                m.key = id(m.key);
            }
        }
        self.h.mops.append(&mut part.h.mops);
        if !identity {
            part.h.reads.iter_mut().for_each(|x| *x = id(*x));
        }
        self.h.reads.append(&mut part.h.reads);
        self.h
            .warnings
            .extend(part.h.warnings.drain(..).map(|w| Warning { pos: w.pos.map(shift), message: w.message }));
        self.index_given = Some(given);
        if let Some((i, p)) = part.prev_index {
            self.prev_index = Some((i + index_off, shift(p)));
        }
        self.any_process |= part.any_process;
        self.draft.mops_start = self.h.mops.len();
        self.draft.reads_start = self.h.reads.len();
        part.reset();
        true
    }

    /// Back to a new builder's state, keeping the arenas' memory.
    fn reset(&mut self) {
        self.h.ops.clear();
        self.h.mops.clear();
        self.h.reads.clear();
        self.h.warnings.clear();
        self.h.partner.clear();
        self.h.atoms = Interner::default();
        self.h.index_given = false;
        self.h.process_defaulted = false;
        self.index_given = None;
        self.prev_index = None;
        self.any_process = false;
        self.draft = Draft::default();
        self.name_cache.iter_mut().for_each(|e| *e = None);
    }

    /// Finishes the history: defaults the process when the file has none, pairs
    /// invocations with completions, and collects warnings.
    pub fn finish(mut self) -> Result<History, OpError> {
        let h = &mut self.h;
        h.index_given = self.index_given.unwrap_or(false);
        if !self.any_process && !h.ops.is_empty() {
            for op in &mut h.ops {
                op.process = Process::Client(0);
            }
            h.process_defaulted = true;
            h.warnings.push(Warning {
                pos: None,
                message: format!(
                    "no op has a :process; all {} ops were treated as one client process 0 (Elle would drop them all and say the history is empty)",
                    h.ops.len()
                ),
            });
        } else {
            let missing: Vec<&Op> = h.ops.iter().filter(|o| o.process == Process::None).collect();
            if let Some(first) = missing.first() {
                h.warnings.push(Warning {
                    pos: Some(first.pos),
                    message: format!(
                        "{} op(s) have no :process and are ignored by the checkers, as Elle ignores them (this is the first)",
                        missing.len()
                    ),
                });
            }
        }
        pair(h, self.show)?;
        key_kind_warning(h);
        Ok(self.h)
    }
}

/// The invocation in flight on each client process, as a map from process
/// to op index: an array for small non-negative processes (the usual case),
/// a hash map for the others.
#[derive(Default)]
struct InFlight {
    /// `usize::MAX` where none is in flight.
    dense: Vec<usize>,
    map: FxHashMap<i64, usize>,
}

impl InFlight {
    const DENSE: i64 = 1 << 16;

    #[inline]
    fn get(&self, p: i64) -> Option<usize> {
        if (0..Self::DENSE).contains(&p) {
            self.dense.get(p as usize).copied().filter(|&j| j != usize::MAX)
        } else {
            self.map.get(&p).copied()
        }
    }

    #[inline]
    fn insert(&mut self, p: i64, i: usize) {
        if (0..Self::DENSE).contains(&p) {
            let p = p as usize;
            if p >= self.dense.len() {
                self.dense.resize(p + 1, usize::MAX);
            }
            self.dense[p] = i;
        } else {
            self.map.insert(p, i);
        }
    }

    #[inline]
    fn remove(&mut self, p: i64) -> Option<usize> {
        if (0..Self::DENSE).contains(&p) {
            let slot = self.dense.get_mut(p as usize)?;
            Some(std::mem::replace(slot, usize::MAX)).filter(|&j| j != usize::MAX)
        } else {
            self.map.remove(&p)
        }
    }
}

/// Pairs each client completion with the invocation in flight on its process.
fn pair(h: &mut History, show: Option<ShowFn>) -> Result<(), OpError> {
    let n = h.ops.len();
    h.partner = vec![NO_PARTNER; n];
    let any_invoke = h.ops.iter().any(|o| o.kind == OpType::Invoke && o.process.client().is_some());
    let mut in_flight = InFlight::default();
    for i in 0..n {
        let op = &h.ops[i];
        let Some(p) = op.process.client() else { continue };
        if op.kind == OpType::Invoke {
            if let Some(j) = in_flight.get(p) {
                let first = &h.ops[j];
                let why = if h.process_defaulted {
                    " The file has no :process fields, so every op was put in one process; give the ops their :process to tell concurrent clients apart."
                } else {
                    " A client runs one operation at a time; a crashed client should get an :info completion and a new process id."
                };
                return Err(OpError {
                    pos: op.pos,
                    message: format!(
                        "process {p} invokes a second op (index {}) while its op at line {} (index {}) is still in flight.{why}",
                        op.index, first.pos.line, first.index
                    ),
                    snippet: show_with(show, &h.op_to_value(op), Shown::Op),
                });
            }
            in_flight.insert(p, i);
        } else if let Some(j) = in_flight.remove(p) {
            h.partner[i] = j as u32;
            h.partner[j] = i as u32;
        } else if any_invoke {
            return Err(OpError {
                pos: op.pos,
                message: format!(
                    "this :{} completion of process {p} (index {}) has no invocation: process {p} has no op in flight here",
                    op.kind.name(),
                    op.index
                ),
                snippet: show_with(show, &h.op_to_value(op), Shown::Op),
            });
        }
    }
    Ok(())
}

/// Warns when one history mixes key kinds, e.g. `1` and `"1"`.
fn key_kind_warning(h: &mut History) {
    let mut kinds: Vec<&'static str> = Vec::new();
    for m in &h.mops {
        if m.key.inline_int().is_some() {
            if !kinds.contains(&"integer") {
                kinds.push("integer");
            }
            continue;
        }
        let k = h.atoms.resolve(m.key).kind_name();
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.len() > 1 {
        h.warnings.push(Warning {
            pos: None,
            message: format!(
                "keys of several kinds ({}): a key 1 and a key \"1\" or :x and \"x\" are different keys",
                kinds.join(", ")
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Value {
        Value::keyword(s)
    }

    fn op(fields: &[(&str, Value)]) -> Value {
        Value::Map(fields.iter().map(|(k, v)| (kw(k), v.clone())).collect())
    }

    fn txn(mops: &[(&str, i64, Value)]) -> Value {
        Value::Vector(mops.iter().map(|(f, k, v)| Value::Vector(vec![kw(f), Value::Int(*k), v.clone()])).collect())
    }

    fn at(line: u32) -> SrcPos {
        SrcPos { line, col: 1 }
    }

    #[test]
    fn pairs_by_process_and_keeps_nemesis_ops() {
        let mut b = HistoryBuilder::new();
        let ops = [
            op(&[("type", kw("invoke")), ("process", Value::Int(0)), ("value", txn(&[("append", 1, Value::Int(1))]))]),
            op(&[("type", kw("invoke")), ("process", Value::Int(1)), ("value", txn(&[("r", 1, Value::Nil)]))]),
            op(&[("type", kw("info")), ("process", kw("nemesis")), ("f", kw("start")), ("value", Value::Nil)]),
            op(&[
                ("type", kw("ok")),
                ("process", Value::Int(1)),
                ("value", txn(&[("r", 1, Value::Vector(vec![Value::Int(1)]))])),
            ]),
            op(&[("type", kw("ok")), ("process", Value::Int(0)), ("value", txn(&[("append", 1, Value::Int(1))]))]),
        ];
        for (i, o) in ops.iter().enumerate() {
            b.push(o, at(i as u32 + 1)).unwrap();
        }
        let h = b.finish().unwrap();
        assert_eq!(h.partner_of(0), Some(4));
        assert_eq!(h.partner_of(1), Some(3));
        assert_eq!(h.partner_of(2), None);
        assert_eq!(h.ops[2].process.client(), None);
        assert_eq!(h.list(h.mops(&h.ops[3])[0].val).unwrap().len(), 1);
        assert!(!h.index_given);
        assert_eq!(h.ops[4].index, 4);
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    }

    #[test]
    fn completion_without_invocation_is_an_error_when_the_history_has_invocations() {
        let mut b = HistoryBuilder::new();
        b.push(&op(&[("type", kw("invoke")), ("process", Value::Int(0))]), at(1)).unwrap();
        b.push(&op(&[("type", kw("ok")), ("process", Value::Int(0))]), at(2)).unwrap();
        b.push(&op(&[("type", kw("ok")), ("process", Value::Int(3))]), at(3)).unwrap();
        let e = b.finish().unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.message.contains("has no invocation"), "{}", e.message);
    }

    #[test]
    fn completion_only_histories_are_accepted_as_elle_tests_write_them() {
        let mut b = HistoryBuilder::new();
        for i in 0..3 {
            b.push(&op(&[("type", kw("ok")), ("process", Value::Int(i))]), at(i as u32 + 1)).unwrap();
        }
        let h = b.finish().unwrap();
        assert!(h.partner.iter().all(|&p| p == NO_PARTNER));
    }

    #[test]
    fn two_invocations_in_flight_is_an_error() {
        let mut b = HistoryBuilder::new();
        b.push(&op(&[("type", kw("invoke")), ("process", Value::Int(2)), ("index", Value::Int(0))]), at(1)).unwrap();
        b.push(&op(&[("type", kw("invoke")), ("process", Value::Int(2)), ("index", Value::Int(1))]), at(2)).unwrap();
        let e = b.finish().unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("still in flight"), "{}", e.message);
        assert!(e.message.contains("line 1"), "{}", e.message);
    }

    #[test]
    fn no_process_anywhere_means_one_client_with_a_warning() {
        let mut b = HistoryBuilder::new();
        b.push(&op(&[("type", kw("invoke")), ("value", txn(&[("append", 1, Value::Int(2))]))]), at(1)).unwrap();
        b.push(&op(&[("type", kw("ok")), ("value", txn(&[("append", 1, Value::Int(2))]))]), at(2)).unwrap();
        let h = b.finish().unwrap();
        assert!(h.process_defaulted);
        assert_eq!(h.ops[0].process, Process::Client(0));
        assert_eq!(h.partner_of(0), Some(1));
        assert_eq!(h.warnings.len(), 1);
        // Written back, the op has no :process again.
        assert_eq!(h.op_to_value(&h.ops[0]).get("process"), None);
    }

    #[test]
    fn no_process_with_overlapping_ops_says_why() {
        let mut b = HistoryBuilder::new();
        b.push(&op(&[("type", kw("invoke"))]), at(1)).unwrap();
        b.push(&op(&[("type", kw("invoke"))]), at(2)).unwrap();
        let e = b.finish().unwrap_err();
        assert!(e.message.contains("no :process fields"), "{}", e.message);
    }

    #[test]
    fn indices_kept_and_checked() {
        let mut b = HistoryBuilder::new();
        b.push(&op(&[("type", kw("ok")), ("process", Value::Int(0)), ("index", Value::Int(10))]), at(1)).unwrap();
        b.push(&op(&[("type", kw("ok")), ("process", Value::Int(0)), ("index", Value::Int(320))]), at(2)).unwrap();
        let e = b
            .push(&op(&[("type", kw("ok")), ("process", Value::Int(0)), ("index", Value::Int(320))]), at(3))
            .unwrap_err();
        assert!(e.message.contains("not greater"), "{}", e.message);
        let e = b.push(&op(&[("type", kw("ok")), ("process", Value::Int(0))]), at(4)).unwrap_err();
        assert!(e.message.contains("no :index"), "{}", e.message);
        let h = b.finish().unwrap();
        assert!(h.index_given);
        assert_eq!(h.ops[1].index, 320);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut b = HistoryBuilder::new();
        let e = b.push(&op(&[("type", kw("done"))]), at(7)).unwrap_err();
        assert!(e.message.contains(":type"), "{}", e.message);
        assert_eq!(e.pos.line, 7);
        let e = b.push(&op(&[("process", Value::Int(1))]), at(8)).unwrap_err();
        assert!(e.message.contains("no :type"), "{}", e.message);
        let e = b.push(&Value::Vector(vec![]), at(9)).unwrap_err();
        assert!(e.message.contains("op map"), "{}", e.message);
        let bad = op(&[
            ("type", kw("ok")),
            (
                "value",
                Value::Vector(vec![
                    Value::Vector(vec![kw("r"), Value::Int(1), Value::Nil]),
                    Value::Vector(vec![kw("cas"), Value::Int(1)]),
                ]),
            ),
        ]);
        let e = b.push(&bad, at(10)).unwrap_err();
        assert!(e.message.contains("micro-op 2"), "{}", e.message);
    }

    #[test]
    fn non_transactional_values_are_kept_as_written() {
        let mut b = HistoryBuilder::new();
        let o = op(&[
            ("type", kw("ok")),
            ("process", Value::Int(0)),
            ("f", kw("cas")),
            ("value", Value::Vector(vec![Value::Int(1), Value::Int(2)])),
            ("error", Value::string("timeout")),
        ]);
        b.push(&o, at(1)).unwrap();
        let h = b.finish().unwrap();
        assert_eq!(h.op_to_value(&h.ops[0]), o);
    }
}
