//! The value pool: buffers and keyword texts of values already handed to the
//! sink, reused for the next op.

use crate::fast::Fast;
use history::Value;

/// Buffers of values already handed to the sink, reused for the next ones:
/// most ops have the same keywords and collections of the same sizes, and
/// taking them from here is cheaper than allocating and freeing each time.
#[derive(Default)]
pub(super) struct Pools {
    pub(super) vecs: Vec<Vec<Value>>,
    pub(super) maps: Vec<Vec<(Value, Value)>>,
    /// Keyword texts by a hash of their bytes; each slot holds copies of one text.
    pub(super) keywords: Vec<Vec<Box<str>>>,
    /// The fast path's record of the op it is reading.
    pub(super) fast: Fast,
}

/// Keyword slots, and copies kept per slot.
pub(super) const KW_SLOTS: usize = 64;
pub(super) const KW_COPIES: usize = 32;
/// Collections kept of each kind, and the largest capacity kept (together at
/// most a few MB).
pub(super) const POOLED: usize = 128;
pub(super) const POOLED_CAPACITY: usize = 256;

#[inline]
pub(super) fn kw_slot(text: &[u8]) -> usize {
    let first = text.first().copied().unwrap_or(0) as u32;
    let second = text.get(1).copied().unwrap_or(0) as u32;
    let last = text.last().copied().unwrap_or(0) as u32;
    let h = first | second << 8 | last << 16 | (text.len() as u32) << 24;
    (h.wrapping_mul(0x9E37_79B9) >> 26) as usize % KW_SLOTS
}

/// Byte equality without a call to `memcmp`, for short keywords.
#[inline]
pub(super) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl Pools {
    #[inline]
    pub(super) fn keyword(&mut self, text: &[u8]) -> Option<Box<str>> {
        let slot = self.keywords.get_mut(kw_slot(text))?;
        match slot.last() {
            Some(b) if short_eq(b.as_bytes(), text) => slot.pop(),
            _ => None,
        }
    }

    /// Takes a value apart, keeping its buffers.
    pub(super) fn recycle(&mut self, mut v: Value) {
        self.take_buffers(&mut v);
    }

    /// Moves the reusable buffers out of a value (recursion bounded by the
    /// nesting limit); returns whether the value still owns heap memory.
    #[allow(unsafe_code)]
    pub(super) fn take_buffers(&mut self, v: &mut Value) -> bool {
        match v {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => false,
            Value::Keyword(b) => {
                if self.keywords.is_empty() {
                    self.keywords.resize_with(KW_SLOTS, Vec::new);
                }
                let b = std::mem::take(b);
                let slot = &mut self.keywords[kw_slot(b.as_bytes())];
                match slot.last() {
                    Some(x) if !short_eq(x.as_bytes(), b.as_bytes()) => {
                        slot.clear();
                        slot.push(b);
                    }
                    _ if slot.len() < KW_COPIES => slot.push(b),
                    _ => {}
                }
                false
            }
            Value::Vector(items) | Value::List(items) | Value::Set(items) => {
                let mut owns = false;
                for x in items.iter_mut() {
                    if !matches!(x, Value::Int(_) | Value::Nil) {
                        owns |= self.take_buffers(x);
                    }
                }
                if self.vecs.len() >= POOLED || !(1..=POOLED_CAPACITY).contains(&items.capacity()) {
                    return true;
                }
                let mut items = std::mem::take(items);
                if owns {
                    items.clear();
                } else {
                    // SAFETY: shrinking the length is sound; the elements own
                    // no heap memory, so forgetting them leaks nothing.
                    // Kept rather than `items.drain(..)` (or `clear`), which
                    // drops each element: with drains here, reading 1M
                    // list-append transactions whose op maps all take this
                    // generic path (each behind a `#jepsen.history.Op` tag)
                    // took 2.75-2.78 s of CPU instead of 2.40-2.41 s (best of
                    // 3, `histcheck stats`, December 2026).
                    unsafe { items.set_len(0) }
                }
                self.vecs.push(items);
                false
            }
            Value::Map(entries) => {
                let mut owns = false;
                for (k, x) in entries.iter_mut() {
                    owns |= self.take_buffers(k);
                    if !matches!(x, Value::Int(_) | Value::Nil) {
                        owns |= self.take_buffers(x);
                    }
                }
                if self.maps.len() >= POOLED || !(1..=POOLED_CAPACITY).contains(&entries.capacity()) {
                    return true;
                }
                let mut entries = std::mem::take(entries);
                if owns {
                    entries.clear();
                } else {
                    // SAFETY: as above.
                    unsafe { entries.set_len(0) }
                }
                self.maps.push(entries);
                false
            }
            Value::Tagged(_, inner) => {
                self.take_buffers(inner);
                true
            }
            _ => true,
        }
    }
}
