//! A generic value in the EDN data model, the richest of the formats histcheck reads.
//!
//! Every reader produces [`Value`]s; JSON maps onto a subset of it. Values carry
//! whatever a history holds outside the parts the checkers understand (extra op
//! fields such as `:error`, nemesis values, odd keys), so nothing is lost between
//! reading and writing.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

/// One EDN value.
#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer that does not fit in `i64`, or one written with the `N` suffix
    /// (kept as its decimal digits, with the sign, without the suffix).
    BigInt(Box<str>),
    Float(f64),
    /// A decimal written with the `M` suffix (digits kept as written, without the suffix).
    Decimal(Box<str>),
    Str(Box<str>),
    /// A keyword without its leading colon: `:ok` is `Keyword("ok")`,
    /// `:elle.list-append/init` is `Keyword("elle.list-append/init")`.
    Keyword(Box<str>),
    Symbol(Box<str>),
    Char(char),
    Vector(Vec<Value>),
    List(Vec<Value>),
    /// A set, kept in the order it was written.
    Set(Vec<Value>),
    /// A map, kept in the order it was written.
    Map(Vec<(Value, Value)>),
    /// A tagged literal `#tag form`, e.g. `#inst "…"`.
    Tagged(Box<str>, Box<Value>),
}

impl Value {
    pub fn keyword(s: &str) -> Value {
        Value::Keyword(s.into())
    }

    pub fn string(s: &str) -> Value {
        Value::Str(s.into())
    }

    /// The keyword's or string's text, for values used as names (`:ok`, `"ok"`).
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Value::Keyword(s) | Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The elements of a vector or list (the sequential collections).
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::Vector(v) | Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// Looks a keyword key up in a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => {
                entries.iter().find(|(k, _)| matches!(k, Value::Keyword(s) if &**s == key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }

    /// Drops tags, recursively: `#jepsen.history.Op{…}` becomes the map.
    pub fn untagged(&self) -> &Value {
        match self {
            Value::Tagged(_, inner) => inner.untagged(),
            v => v,
        }
    }

    /// A short name of the value's kind, for error messages ("a map", "a keyword").
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::BigInt(_) => "an integer",
            Value::Float(_) | Value::Decimal(_) => "a number with a fraction",
            Value::Str(_) => "a string",
            Value::Keyword(_) => "a keyword",
            Value::Symbol(_) => "a symbol",
            Value::Char(_) => "a character",
            Value::Vector(_) => "a vector",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Tagged(_, _) => "a tagged literal",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::BigInt(_) => 3,
            Value::Float(_) => 4,
            Value::Decimal(_) => 5,
            Value::Char(_) => 6,
            Value::Str(_) => 7,
            Value::Keyword(_) => 8,
            Value::Symbol(_) => 9,
            Value::Vector(_) => 10,
            Value::List(_) => 11,
            Value::Set(_) => 12,
            Value::Map(_) => 13,
            Value::Tagged(_, _) => 14,
        }
    }
}

/// A total order: by kind first, then by content (floats by `total_cmp`).
impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        use Value::*;
        match (self, other) {
            (Nil, Nil) => Ordering::Equal,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (Char(a), Char(b)) => a.cmp(b),
            (BigInt(a), BigInt(b))
            | (Decimal(a), Decimal(b))
            | (Str(a), Str(b))
            | (Keyword(a), Keyword(b))
            | (Symbol(a), Symbol(b)) => a.cmp(b),
            (Vector(a), Vector(b)) | (List(a), List(b)) | (Set(a), Set(b)) => a.cmp(b),
            (Map(a), Map(b)) => a.cmp(b),
            (Tagged(t, a), Tagged(u, b)) => t.cmp(u).then_with(|| a.cmp(b)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        use Value::*;
        state.write_u8(self.rank());
        match self {
            Nil => {}
            Bool(b) => b.hash(state),
            Int(i) => i.hash(state),
            Float(f) => f.to_bits().hash(state),
            Char(c) => c.hash(state),
            BigInt(s) | Decimal(s) | Str(s) | Keyword(s) | Symbol(s) => s.hash(state),
            Vector(v) | List(v) | Set(v) => v.hash(state),
            Map(m) => m.hash(state),
            Tagged(t, v) => {
                t.hash(state);
                v.hash(state)
            }
        }
    }
}

/// Writes a string as an EDN string literal, with escapes.
pub fn write_edn_str(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

fn write_float(out: &mut impl fmt::Write, f: f64) -> fmt::Result {
    if f.is_nan() {
        out.write_str("##NaN")
    } else if f.is_infinite() {
        out.write_str(if f > 0.0 { "##Inf" } else { "##-Inf" })
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        write!(out, "{f:.1}")
    } else {
        // Rust's shortest round-trip representation.
        write!(out, "{f:?}")
    }
}

fn write_seq(out: &mut fmt::Formatter<'_>, open: &str, items: &[Value], close: &str) -> fmt::Result {
    out.write_str(open)?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.write_char(' ')?;
        }
        fmt::Display::fmt(v, out)?;
    }
    out.write_str(close)
}

/// Displays as EDN text that the EDN reader reads back to an equal value.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::BigInt(s) => write!(f, "{s}N"),
            Value::Float(x) => write_float(f, *x),
            Value::Decimal(s) => write!(f, "{s}M"),
            Value::Str(s) => write_edn_str(f, s),
            Value::Keyword(k) => write!(f, ":{k}"),
            Value::Symbol(s) => f.write_str(s),
            Value::Char(c) => match c {
                '\n' => f.write_str("\\newline"),
                ' ' => f.write_str("\\space"),
                '\t' => f.write_str("\\tab"),
                '\r' => f.write_str("\\return"),
                c => write!(f, "\\{c}"),
            },
            Value::Vector(v) => write_seq(f, "[", v, "]"),
            Value::List(v) => write_seq(f, "(", v, ")"),
            Value::Set(v) => write_seq(f, "#{", v, "}"),
            Value::Map(m) => {
                f.write_char('{')?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_char('}')
            }
            Value::Tagged(t, v) => write!(f, "#{t} {v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_edn() {
        let v = Value::Map(vec![
            (Value::keyword("type"), Value::keyword("ok")),
            (
                Value::keyword("value"),
                Value::Vector(vec![Value::Vector(vec![
                    Value::keyword("r"),
                    Value::Int(3),
                    Value::List(vec![Value::Int(1), Value::Float(2.0)]),
                ])]),
            ),
            (Value::keyword("error"), Value::string("a \"b\"\n")),
            (Value::keyword("s"), Value::Set(vec![Value::Nil, Value::Bool(true)])),
        ]);
        assert_eq!(v.to_string(), r#"{:type :ok, :value [[:r 3 (1 2.0)]], :error "a \"b\"\n", :s #{nil true}}"#);
    }

    #[test]
    fn order_is_total_and_kind_first() {
        let mut vs = vec![
            Value::string("a"),
            Value::Int(2),
            Value::Nil,
            Value::keyword("a"),
            Value::Int(-1),
            Value::Float(f64::NAN),
        ];
        vs.sort();
        assert_eq!(
            vs,
            vec![
                Value::Nil,
                Value::Int(-1),
                Value::Int(2),
                Value::Float(f64::NAN),
                Value::string("a"),
                Value::keyword("a"),
            ]
        );
        assert_ne!(Value::string("x"), Value::keyword("x"));
    }

    #[test]
    fn get_finds_keyword_keys_through_tags() {
        let v = Value::Tagged(
            "jepsen.history.Op".into(),
            Box::new(Value::Map(vec![(Value::keyword("index"), Value::Int(3))])),
        );
        assert_eq!(v.untagged().get("index"), Some(&Value::Int(3)));
        assert_eq!(v.untagged().get("time"), None);
    }
}
