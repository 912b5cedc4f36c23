//! The value pool: vectors and common names of values already handed to the
//! sink, reused for the next op.

use super::lex::{known_idx, Text, KNOWN};
use crate::fast::Fast;
use history::Value;

/// Most of the time spent reading would go to allocating and freeing the small
/// vectors and strings of each op's [`Value`]; instead, once the sink has seen an
/// op, its vectors and common names go back to this pool for the next op.
#[derive(Default)]
pub(super) struct Pool {
    pub(super) vecs: Vec<Vec<Value>>,
    pub(super) maps: Vec<Vec<(Value, Value)>>,
    pub(super) names: [Vec<Box<str>>; KNOWN.len()],
    /// The fast path's record of the op it is reading.
    pub(super) fast: Fast,
}

/// Pool limits: how many of each are kept, and the largest vector kept.
pub(super) const POOL_LEN: usize = 256;
pub(super) const POOL_CAP: usize = 256;

impl Pool {
    #[inline]
    pub(super) fn name(&mut self, i: usize) -> Box<str> {
        self.names[i].pop().unwrap_or_else(|| KNOWN[i].into())
    }

    pub(super) fn boxed(&mut self, t: Text<'_>) -> Box<str> {
        match t {
            Text::Known(i) => self.name(i),
            Text::Slice(s) => s.into(),
            Text::Owned(s) => s.into_boxed_str(),
        }
    }

    /// A string value by the colon rule.
    pub(super) fn colon_string(&mut self, t: Text<'_>) -> Value {
        let b = t.as_str().as_bytes();
        if b.len() >= 2 && b[0] == b':' {
            let rest = &t.as_str()[1..];
            return if b[1] != b':' { Value::Keyword(self.short(rest)) } else { Value::Str(rest.into()) };
        }
        Value::Str(self.boxed(t))
    }

    /// A name (`"ok"` or `":ok"`) without its colon.
    pub(super) fn strip_name(&mut self, t: Text<'_>) -> Box<str> {
        let b = t.as_str().as_bytes();
        if b.len() >= 2 && b[0] == b':' && b[1] != b':' {
            self.short(&t.as_str()[1..])
        } else {
            self.boxed(t)
        }
    }

    pub(super) fn short(&mut self, s: &str) -> Box<str> {
        match known_idx(s.as_bytes()) {
            Some(i) => self.name(i),
            None => s.into(),
        }
    }

    #[inline]
    pub(super) fn vec(&mut self) -> Vec<Value> {
        self.vecs.pop().unwrap_or_default()
    }

    #[inline]
    pub(super) fn map(&mut self) -> Vec<(Value, Value)> {
        self.maps.pop().unwrap_or_else(|| Vec::with_capacity(8))
    }

    /// Takes a value apart, keeping its vectors and common names.
    pub(super) fn recycle(&mut self, v: Value) {
        match v {
            Value::Vector(mut items) => {
                for x in items.drain(..) {
                    self.recycle_leaf(x);
                }
                if self.vecs.len() < POOL_LEN && items.capacity() <= POOL_CAP {
                    self.vecs.push(items);
                }
            }
            Value::Map(mut entries) => {
                for (k, x) in entries.drain(..) {
                    self.recycle_leaf(k);
                    self.recycle_leaf(x);
                }
                if self.maps.len() < POOL_LEN && entries.capacity() <= POOL_CAP {
                    self.maps.push(entries);
                }
            }
            other => self.recycle_leaf(other),
        }
    }

    /// [`Pool::recycle`] with the common leaves handled in line.
    #[inline(always)]
    pub(super) fn recycle_leaf(&mut self, v: Value) {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => {}
            Value::Keyword(s) | Value::Str(s) => {
                if let Some(i) = known_idx(s.as_bytes()) {
                    if self.names[i].len() < POOL_LEN {
                        self.names[i].push(s);
                    }
                }
            }
            v @ (Value::Vector(_) | Value::Map(_)) => self.recycle(v),
            other => drop(other),
        }
    }
}
