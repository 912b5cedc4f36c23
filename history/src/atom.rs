//! Interned keys and values of micro-ops.
//!
//! A history of a million transactions names the same few thousand keys and
//! values millions of times, so each distinct one is stored once and referred to
//! by a 4-byte [`Id`]. Small integers, by far the most common case, are not
//! stored at all: their `Id` holds the number itself.

use crate::value::Value;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::fmt;

/// A key or value of a micro-op, as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Atom {
    Int(i64),
    Str(Box<str>),
    Keyword(Box<str>),
    /// Anything else (a vector key such as `[:anti 3]`, a float, a boolean…).
    Other(Value),
}

impl Atom {
    pub fn from_value(v: &Value) -> Atom {
        match v {
            Value::Int(i) => Atom::Int(*i),
            Value::Str(s) => Atom::Str(s.clone()),
            Value::Keyword(s) => Atom::Keyword(s.clone()),
            other => Atom::Other(other.clone()),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Atom::Int(i) => Value::Int(*i),
            Atom::Str(s) => Value::Str(s.clone()),
            Atom::Keyword(s) => Value::Keyword(s.clone()),
            Atom::Other(v) => v.clone(),
        }
    }

    /// The kind, for the mixed-key-kinds warning.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Atom::Int(_) => "integer",
            Atom::Str(_) => "string",
            Atom::Keyword(_) => "keyword",
            Atom::Other(_) => "other",
        }
    }
}

/// Shown as EDN, as Elle's explanations show keys: `:x`, `"x"`, `3`.
impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Int(i) => write!(f, "{i}"),
            Atom::Str(s) => crate::value::write_edn_str(f, s),
            Atom::Keyword(k) => write!(f, ":{k}"),
            Atom::Other(v) => write!(f, "{v}"),
        }
    }
}

/// A handle to an interned [`Atom`]. Integers in `-2^30 .. 2^30` are stored
/// inline (high bit set); everything else indexes the [`Interner`]'s table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(u32);

const INLINE: u32 = 1 << 31;
const INLINE_MIN: i64 = -(1 << 30);
const INLINE_MAX: i64 = (1 << 30) - 1;

impl Id {
    /// The integer an inline id holds, without looking in a table.
    #[inline]
    pub fn inline_int(self) -> Option<i64> {
        if self.0 & INLINE != 0 {
            // Sign-extend the low 31 bits.
            Some((((self.0 << 1) as i32) >> 1) as i64)
        } else {
            None
        }
    }

    /// The id in another table: `map[n]` for table id `n` (see
    /// [`Interner::absorb`]); inline integers stay as they are.
    #[inline]
    pub fn remap(self, map: &[Id]) -> Id {
        if self.0 & INLINE != 0 {
            self
        } else {
            map[self.0 as usize]
        }
    }

    /// The raw bits, for dense per-id tables in checkers.
    pub fn bits(self) -> u32 {
        self.0
    }
}

/// The table of distinct atoms of one history.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    atoms: Vec<Atom>,
    index: FxHashMap<Atom, u32>,
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    pub fn intern_int(&mut self, i: i64) -> Id {
        if (INLINE_MIN..=INLINE_MAX).contains(&i) {
            Id(INLINE | (i as u32 & !INLINE))
        } else {
            self.intern(Atom::Int(i))
        }
    }

    pub fn intern(&mut self, atom: Atom) -> Id {
        if let Atom::Int(i) = atom {
            if (INLINE_MIN..=INLINE_MAX).contains(&i) {
                return self.intern_int(i);
            }
        }
        if let Some(&n) = self.index.get(&atom) {
            return Id(n);
        }
        let n = self.atoms.len() as u32;
        assert!(n < INLINE, "more than 2^31 distinct keys and values");
        self.atoms.push(atom.clone());
        self.index.insert(atom, n);
        Id(n)
    }

    pub fn intern_value(&mut self, v: &Value) -> Id {
        match v {
            Value::Int(i) => self.intern_int(*i),
            other => self.intern(Atom::from_value(other)),
        }
    }

    /// The id of an atom already interned, if it is.
    pub fn lookup(&self, atom: &Atom) -> Option<Id> {
        match atom {
            Atom::Int(i) if (INLINE_MIN..=INLINE_MAX).contains(i) => Some(Id(INLINE | (*i as u32 & !INLINE))),
            _ => self.index.get(atom).map(|&n| Id(n)),
        }
    }

    /// The atom behind an id (owned for inline integers).
    pub fn resolve(&self, id: Id) -> AtomRef<'_> {
        match id.inline_int() {
            Some(i) => AtomRef::Int(i),
            None => AtomRef::Table(&self.atoms[id.0 as usize]),
        }
    }

    pub fn to_value(&self, id: Id) -> Value {
        match self.resolve(id) {
            AtomRef::Int(i) => Value::Int(i),
            AtomRef::Table(a) => a.to_value(),
        }
    }

    /// Compares two ids by the atoms they stand for (the order of [`Atom`]).
    pub fn cmp(&self, a: Id, b: Id) -> Ordering {
        match (a.inline_int(), b.inline_int()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => self.resolve(a).cmp_atom(&self.resolve(b)),
        }
    }

    /// How many atoms the table holds (inline integers are not counted).
    pub fn table_len(&self) -> usize {
        self.atoms.len()
    }

    /// Moves the atoms of `other` into this table, in `other`'s order, and
    /// returns for each of `other`'s table ids the id it has here. Interning a
    /// later stretch of the input this way gives the table (and the ids) that
    /// interning the whole input in one table gives, since both keep the atoms
    /// in the order they first occur. `other` is left empty.
    pub fn absorb(&mut self, other: &mut Interner) -> Vec<Id> {
        other.index.clear();
        other.atoms.drain(..).map(|a| self.intern(a)).collect()
    }

    /// Approximate heap bytes used by the table.
    pub fn heap_bytes(&self) -> usize {
        self.atoms.capacity() * std::mem::size_of::<Atom>()
            + self.index.capacity() * (std::mem::size_of::<Atom>() + 4 + 1)
    }
}

/// An atom resolved from an [`Id`].
#[derive(Clone, Copy, Debug)]
pub enum AtomRef<'a> {
    Int(i64),
    Table(&'a Atom),
}

impl AtomRef<'_> {
    pub fn to_atom(&self) -> Atom {
        match self {
            AtomRef::Int(i) => Atom::Int(*i),
            AtomRef::Table(a) => (*a).clone(),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            AtomRef::Int(_) => "integer",
            AtomRef::Table(a) => a.kind_name(),
        }
    }

    fn cmp_atom(&self, other: &AtomRef<'_>) -> Ordering {
        match (self, other) {
            (AtomRef::Int(a), AtomRef::Int(b)) => a.cmp(b),
            (AtomRef::Int(a), AtomRef::Table(Atom::Int(b))) => a.cmp(b),
            (AtomRef::Table(Atom::Int(a)), AtomRef::Int(b)) => a.cmp(b),
            (AtomRef::Int(_), AtomRef::Table(_)) => Ordering::Less,
            (AtomRef::Table(_), AtomRef::Int(_)) => Ordering::Greater,
            (AtomRef::Table(a), AtomRef::Table(b)) => a.cmp(b),
        }
    }
}

impl fmt::Display for AtomRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtomRef::Int(i) => write!(f, "{i}"),
            AtomRef::Table(a) => write!(f, "{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_ints_are_inline_and_round_trip() {
        let mut t = Interner::new();
        for i in [0, 1, -1, INLINE_MIN, INLINE_MAX, 12345, -98765] {
            let id = t.intern_int(i);
            assert_eq!(id.inline_int(), Some(i));
            assert_eq!(t.to_value(id), Value::Int(i));
        }
        assert_eq!(t.table_len(), 0);
    }

    #[test]
    fn large_ints_and_other_atoms_use_the_table_once() {
        let mut t = Interner::new();
        let big = t.intern_int(INLINE_MAX + 1);
        assert_eq!(big.inline_int(), None);
        assert_eq!(t.intern_int(INLINE_MAX + 1), big);
        let x = t.intern(Atom::Keyword("x".into()));
        let xs = t.intern(Atom::Str("x".into()));
        assert_ne!(x, xs, "keyword :x and string \"x\" are different keys");
        assert_eq!(t.intern_value(&Value::keyword("x")), x);
        assert_eq!(t.table_len(), 3);
        assert_eq!(t.resolve(x).to_string(), ":x");
        assert_eq!(t.resolve(xs).to_string(), "\"x\"");
    }

    #[test]
    fn cmp_orders_by_atom_not_by_id() {
        let mut t = Interner::new();
        let big = t.intern_int(i64::MAX);
        let small = t.intern_int(-5);
        let s = t.intern(Atom::Str("a".into()));
        assert_eq!(t.cmp(small, big), Ordering::Less);
        assert_eq!(t.cmp(big, s), Ordering::Less);
        assert_eq!(t.cmp(s, small), Ordering::Greater);
    }
}
