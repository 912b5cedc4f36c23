//! What JSON loses: the EDN constructs a conversion cannot keep.

use super::writer::is_json_int;
use history::{Atom, AtomRef, History, Id, MopVal, OpValue, Process, Value};
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct Lossy {
    pub(super) tags: BTreeMap<String, usize>,
    pub(super) sets: usize,
    pub(super) lists: usize,
    pub(super) symbols: usize,
    pub(super) chars: usize,
    pub(super) decimals: usize,
    pub(super) bigints: usize,
    pub(super) odd_numbers: usize,
    pub(super) non_finite: usize,
    pub(super) odd_keys: usize,
    pub(super) odd_keywords: usize,
    pub(super) string_fields: usize,
    pub(super) string_f: usize,
}

impl Lossy {
    pub(super) fn keyword(&mut self, k: &str) {
        // Written as ":" + k: "" reads back as the string ":", ":x" as the string ":x".
        if k.is_empty() || k.starts_with(':') {
            self.odd_keywords += 1;
        }
    }

    /// A keyword written as a plain name (op fields, `:f`): `":x"` would read back as `:x`.
    pub(super) fn name(&mut self, k: &str) {
        let b = k.as_bytes();
        if b.len() >= 2 && b[0] == b':' && b[1] != b':' {
            self.odd_keywords += 1;
        }
    }

    pub(super) fn value(&mut self, v: &Value) {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Str(_) => {}
            Value::BigInt(s) => {
                if s.parse::<i64>().is_ok() {
                    self.bigints += 1;
                } else if !is_json_int(s) {
                    self.odd_numbers += 1;
                }
            }
            Value::Decimal(_) => self.decimals += 1,
            Value::Float(f) => {
                if !f.is_finite() {
                    self.non_finite += 1;
                }
            }
            Value::Keyword(k) => self.keyword(k),
            Value::Symbol(_) => self.symbols += 1,
            Value::Char(_) => self.chars += 1,
            Value::Vector(items) => items.iter().for_each(|x| self.value(x)),
            Value::List(items) => {
                self.lists += 1;
                items.iter().for_each(|x| self.value(x));
            }
            Value::Set(items) => {
                self.sets += 1;
                items.iter().for_each(|x| self.value(x));
            }
            Value::Map(entries) => {
                for (k, v) in entries {
                    match k {
                        Value::Str(_) => {}
                        Value::Keyword(s) => self.keyword(s),
                        other => {
                            self.odd_keys += 1;
                            self.value(other);
                        }
                    }
                    self.value(v);
                }
            }
            Value::Tagged(t, v) => {
                *self.tags.entry(t.to_string()).or_default() += 1;
                self.value(v);
            }
        }
    }

    pub(super) fn atom(&mut self, h: &History, id: Id) {
        match h.atoms.resolve(id) {
            AtomRef::Int(_) => {}
            AtomRef::Table(Atom::Keyword(k)) => self.keyword(k),
            AtomRef::Table(Atom::Other(v)) => self.value(v),
            AtomRef::Table(_) => {}
        }
    }

    pub(super) fn report(self) -> Vec<String> {
        fn n(count: usize, one: &str, many: &str) -> String {
            format!("{count} {}", if count == 1 { one } else { many })
        }
        let mut out = Vec::new();
        let tag_total: usize = self.tags.values().sum();
        if tag_total > 0 {
            // Tags come from the input: shown escaped and cut, and only the first few.
            const SHOWN_TAGS: usize = 5;
            let mut names: Vec<String> = self
                .tags
                .keys()
                .take(SHOWN_TAGS)
                .map(|t| format!("#{}", history::builder::shown_text(t, crate::error::QUOTE_CHARS)))
                .collect();
            if self.tags.len() > SHOWN_TAGS {
                names.push(format!("and {} other tags", self.tags.len() - SHOWN_TAGS));
            }
            out.push(format!(
                "{} ({}) written as {} value",
                n(tag_total, "tagged literal", "tagged literals"),
                names.join(", "),
                if tag_total == 1 { "its" } else { "their" }
            ));
        }
        let simple = [
            (self.sets, "set written as an array", "sets written as arrays"),
            (self.lists, "list written as an array", "lists written as arrays"),
            (self.symbols, "symbol written as a string", "symbols written as strings"),
            (self.chars, "character written as a string", "characters written as strings"),
            (
                self.decimals,
                "decimal (M suffix) written as a plain number",
                "decimals (M suffix) written as plain numbers",
            ),
            (
                self.bigints,
                "big integer (N suffix) written as a plain integer",
                "big integers (N suffix) written as plain integers",
            ),
            (
                self.odd_numbers,
                "big integer in an unusual form written differently",
                "big integers in an unusual form written differently",
            ),
            (self.non_finite, "NaN or infinite number written as null", "NaN or infinite numbers written as null"),
            (
                self.odd_keys,
                "map key that is neither a keyword nor a string written as a string",
                "map keys that are neither keywords nor strings written as strings",
            ),
            (
                self.odd_keywords,
                "keyword with an empty name or a name starting with ':' that reads back differently",
                "keywords with an empty name or a name starting with ':' that read back differently",
            ),
            (
                self.string_fields,
                "op field named by a string written as a plain name (reads back as a keyword)",
                "op fields named by strings written as plain names (read back as keywords)",
            ),
            (
                self.string_f,
                ":f given as a string written as a plain name (reads back as a keyword)",
                ":f values given as strings written as plain names (read back as keywords)",
            ),
        ];
        for (count, one, many) in simple {
            if count > 0 {
                out.push(n(count, one, many));
            }
        }
        out
    }
}

/// What writing `h` as JSON (or JSON Lines) would not preserve, as short
/// descriptions such as `"2 tagged literals (#inst) written as their value"`.
/// Empty when EDN → JSON → EDN gives an equal history.
pub fn lossy_constructs(h: &History) -> Vec<String> {
    let mut l = Lossy::default();
    for op in &h.ops {
        if let Process::Named(id) = op.process {
            l.atom(h, id);
        }
        if let Some(f) = op.f {
            match h.atoms.resolve(f) {
                AtomRef::Table(Atom::Keyword(k)) => l.name(k),
                AtomRef::Table(Atom::Str(_)) => l.string_f += 1,
                _ => l.atom(h, f),
            }
        }
        match &op.value {
            OpValue::Absent => {}
            OpValue::Txn { .. } => {
                for m in h.mops(op) {
                    l.atom(h, m.key);
                    match m.val {
                        MopVal::Atom(id) => l.atom(h, id),
                        MopVal::List { .. } => {
                            for &id in h.list(m.val).unwrap_or_default() {
                                l.atom(h, id);
                            }
                        }
                        MopVal::Absent | MopVal::Nil => {}
                    }
                }
            }
            OpValue::Other(v) => l.value(v),
        }
        for (k, v) in op.extra.iter().flat_map(|e| e.iter()) {
            match k {
                Value::Keyword(s) => l.name(s),
                Value::Str(_) => l.string_fields += 1,
                other => {
                    l.odd_keys += 1;
                    l.value(other);
                }
            }
            l.value(v);
        }
    }
    l.report()
}
