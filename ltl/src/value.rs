//! Values: the compact column cells (`CVal`, strings interned, containers in a side
//! table), the values terms evaluate to (`Val`), and JSON comparison semantics:
//! numbers compare numerically, strings lexically, containers structurally.
//!
//! # The numeric model
//!
//! - A JSON number written without a fraction or an exponent that fits in a
//!   64-bit signed integer (−2^63 … 2^63 − 1) is an **integer** (`i64`). Every
//!   other number (`1.5`, `1e3`, `2.0`, integers outside that range) is a
//!   **double** (IEEE 754 binary64, the nearest one to the text).
//! - Comparisons (`==`, `!=`, `<`, …, `in`, the hash joins of compiled `bind`s,
//!   and numbers inside arrays and objects) are **exact** on the mathematical
//!   values: an integer is never rounded to a double to be compared. So
//!   `9007199254740993 != 9007199254740992`, `9007199254740993 > 9007199254740992.0`,
//!   and `1 == 1.0` (the same number). A NaN is never equal to anything.
//! - `+`, `-`, `*` of two integers are exact; when the exact result does not fit
//!   in an `i64` it becomes the double nearest to it (`9223372036854775807 + 1`
//!   is the double 2^63, which is `>` the integer 2^63 − 1). `/` of two integers
//!   is an integer when the division is exact (`6 / 3 == 2`), else a double
//!   (`7 / 2 == 3.5`). With a double operand, arithmetic is in doubles, so
//!   `0.1 + 0.2 == 0.3` is false, as in JSON tools and most languages. Division
//!   by zero, and a non-finite result, is `null`.

use rustc_hash::FxHashMap;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::cmp::Ordering;

/// One cell of a projected column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CVal {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    /// An interned string.
    Str(u32),
    /// An array or object, stored in the trace's side table.
    Big(u32),
}

/// Interned strings: each distinct string once.
#[derive(Default, Debug)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
    strs: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strs.len() as u32;
        self.strs.push(s.into());
        self.map.insert(s.into(), id);
        id
    }
    pub fn len(&self) -> usize {
        self.strs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    pub fn get(&self, id: u32) -> &str {
        &self.strs[id as usize]
    }
}

/// A value a term evaluates to. Containers are only ever `J` or `Own`.
#[derive(Clone, Debug)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(Cow<'a, str>),
    J(&'a Json),
    Own(Json),
}

impl<'a> Val<'a> {
    /// The value of a JSON node, borrowing it.
    pub fn of_json(j: &'a Json) -> Val<'a> {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(*b),
            Json::Number(n) => num_val(n),
            Json::String(s) => Val::Str(Cow::Borrowed(s)),
            _ => Val::J(j),
        }
    }
    pub fn of_owned(j: Json) -> Val<'a> {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(b),
            Json::Number(n) => num_val(&n),
            Json::String(s) => Val::Str(Cow::Owned(s)),
            j => Val::Own(j),
        }
    }
    pub fn to_json(&self) -> Json {
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(*b),
            Val::Int(i) => Json::from(*i),
            Val::Num(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Val::Str(s) => Json::String(s.to_string()),
            Val::J(j) => (*j).clone(),
            Val::Own(j) => j.clone(),
        }
    }
    pub fn container(&self) -> Option<&Json> {
        match self {
            Val::J(j) => Some(j),
            Val::Own(j) => Some(j),
            _ => None,
        }
    }
    pub fn number(&self) -> Option<Number> {
        match self {
            Val::Int(i) => Some(Number::Int(*i)),
            Val::Num(f) => Some(Number::Dbl(*f)),
            _ => None,
        }
    }
    pub fn num(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Num(f) => Some(*f),
            _ => None,
        }
    }
    /// `.key` or `[i]` into this value; anything missing is null.
    pub fn get_key(self, key: &str) -> Val<'a> {
        match self {
            Val::J(j) => j.get(key).map_or(Val::Null, Val::of_json),
            Val::Own(j) => j.get(key).cloned().map_or(Val::Null, Val::of_owned),
            _ => Val::Null,
        }
    }
    pub fn index(self, idx: &Val<'_>) -> Val<'a> {
        match idx {
            Val::Str(s) => self.get_key(s),
            Val::Int(i) if *i >= 0 => self.get_index(*i as usize),
            Val::Num(f) if *f >= 0.0 && f.fract() == 0.0 => self.get_index(*f as usize),
            _ => Val::Null,
        }
    }
    fn get_index(self, i: usize) -> Val<'a> {
        match self {
            Val::J(Json::Array(a)) => a.get(i).map_or(Val::Null, Val::of_json),
            Val::Own(Json::Array(a)) => a.get(i).cloned().map_or(Val::Null, Val::of_owned),
            _ => Val::Null,
        }
    }
}

fn num_val<'a>(n: &serde_json::Number) -> Val<'a> {
    if let Some(i) = n.as_i64() {
        Val::Int(i)
    } else {
        Val::Num(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Truthiness of a bare term: `null`, `false`, `0`, `""`, `[]` and `{}` are false.
pub fn truthy(v: &Val<'_>) -> bool {
    match v {
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Int(i) => *i != 0,
        Val::Num(f) => *f != 0.0 && !f.is_nan(),
        Val::Str(s) => !s.is_empty(),
        Val::J(j) => json_truthy(j),
        Val::Own(j) => json_truthy(j),
    }
}

pub fn json_truthy(j: &Json) -> bool {
    match j {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// JSON equality with numbers compared numerically at any depth.
pub fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => num_cmp(Number::of_json(x), Number::of_json(y)) == Some(Ordering::Equal),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A number of the numeric model: an integer or a double.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    Int(i64),
    Dbl(f64),
}

impl Number {
    pub fn of_json(n: &serde_json::Number) -> Number {
        match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::Dbl(n.as_f64().unwrap_or(f64::NAN)),
        }
    }
}

/// An integer against a double, exactly (the integer is not rounded); `None` for NaN.
pub fn cmp_int_dbl(i: i64, f: f64) -> Option<Ordering> {
    // 2^63: every double at or above it is above every i64, every one below −2^63 below.
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO63 {
        return Some(Ordering::Less);
    }
    if f < -TWO63 {
        return Some(Ordering::Greater);
    }
    // |f| < 2^63, so its integer part is an i64, exactly.
    let t = f.trunc();
    Some(i.cmp(&(t as i64)).then_with(|| t.partial_cmp(&f).unwrap_or(Ordering::Equal)))
}

/// Two numbers, exactly.
pub fn num_cmp(a: Number, b: Number) -> Option<Ordering> {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
        (Number::Int(x), Number::Dbl(y)) => cmp_int_dbl(x, y),
        (Number::Dbl(x), Number::Int(y)) => cmp_int_dbl(y, x).map(Ordering::reverse),
        (Number::Dbl(x), Number::Dbl(y)) => x.partial_cmp(&y),
    }
}

pub fn val_eq(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Int(_) | Val::Num(_), Val::Int(_) | Val::Num(_)) => val_cmp(a, b) == Some(Ordering::Equal),
        (Val::Str(x), Val::Str(y)) => x == y,
        _ => match (a.container(), b.container()) {
            (Some(x), Some(y)) => json_eq(x, y),
            _ => false,
        },
    }
}

/// Ordering of numbers (numerically) and strings (lexically); anything else is unordered.
pub fn val_cmp(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Int(_) | Val::Num(_), Val::Int(_) | Val::Num(_)) => num_cmp(a.number()?, b.number()?),
        (Val::Str(x), Val::Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        _ => None,
    }
}

pub fn compare(op: crate::syntax::CmpOp, a: &Val<'_>, b: &Val<'_>) -> bool {
    use crate::syntax::CmpOp::*;
    match op {
        Eq => val_eq(a, b),
        Ne => !val_eq(a, b),
        Lt => val_cmp(a, b) == Some(Ordering::Less),
        Le => matches!(val_cmp(a, b), Some(Ordering::Less | Ordering::Equal)),
        Gt => val_cmp(a, b) == Some(Ordering::Greater),
        Ge => matches!(val_cmp(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// `+ - * /` on numbers (integers stay integers while exact); anything else is null.
pub fn arith<'a>(op: crate::syntax::ArithOp, a: &Val<'_>, b: &Val<'_>) -> Val<'a> {
    use crate::syntax::ArithOp::*;
    if let (Val::Int(x), Val::Int(y)) = (a, b) {
        // Exact in i128; past i64, the double nearest to the exact result.
        let (x, y) = (*x as i128, *y as i128);
        let r = match op {
            Add => Some(x + y),
            Sub => Some(x - y),
            Mul => Some(x * y),
            Div => (y != 0 && x % y == 0).then(|| x / y),
        };
        if let Some(r) = r {
            return match i64::try_from(r) {
                Ok(r) => Val::Int(r),
                Err(_) => Val::Num(r as f64),
            };
        }
    }
    match (a.num(), b.num()) {
        (Some(x), Some(y)) => {
            let r = match op {
                Add => x + y,
                Sub => x - y,
                Mul => x * y,
                Div => {
                    if y == 0.0 {
                        return Val::Null;
                    }
                    x / y
                }
            };
            if r.is_finite() {
                Val::Num(r)
            } else {
                Val::Null
            }
        }
        _ => Val::Null,
    }
}

pub fn neg<'a>(a: &Val<'_>) -> Val<'a> {
    match a {
        Val::Int(i) => i.checked_neg().map_or(Val::Num(-(*i as f64)), Val::Int),
        Val::Num(f) => Val::Num(-f),
        _ => Val::Null,
    }
}

/// `len(x)`: characters of a string, elements of an array, keys of an object; else null.
pub fn len<'a>(a: &Val<'_>) -> Val<'a> {
    match a {
        Val::Str(s) => Val::Int(s.chars().count() as i64),
        _ => match a.container() {
            Some(Json::Array(x)) => Val::Int(x.len() as i64),
            Some(Json::Object(x)) => Val::Int(x.len() as i64),
            _ => Val::Null,
        },
    }
}

/// A hashable key for JSON equality (numbers by exact value), used by hash joins:
/// two values have the same key exactly when they are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Null,
    Bool(bool),
    /// An integer, or a double with an integer value in the i64 range.
    Int(i64),
    /// The bits of any other double.
    Num(u64),
    Str(u32),
    /// Any other string (not in the interner) or a container, as canonical text.
    Text(String),
}

/// The key of a double: an integer when it is one (so `1.0` joins `1`, and `-0.0` `0`).
pub fn dbl_key(f: f64) -> Key {
    match dbl_as_int(f) {
        Some(i) => Key::Int(i),
        None => Key::Num(f.to_bits()),
    }
}

/// The integer a double equals, if it is one in the i64 range.
fn dbl_as_int(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)).then_some(f as i64)
}

/// Canonical text of a JSON value: object keys sorted, numbers by exact value
/// (integers, and doubles with an integer value in the i64 range, in decimal;
/// other doubles in Rust's shortest round-trip form), so equal values have
/// the same text.
pub fn canonical(j: &Json) -> String {
    fn go(j: &Json, out: &mut String) {
        match j {
            Json::Number(n) => match Number::of_json(n) {
                Number::Int(i) => out.push_str(&i.to_string()),
                Number::Dbl(f) => match dbl_as_int(f) {
                    Some(i) => out.push_str(&i.to_string()),
                    None => out.push_str(&format!("{f:?}")),
                },
            },
            Json::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    go(x, out);
                }
                out.push(']');
            }
            Json::Object(o) => {
                let mut keys: Vec<_> = o.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Json::from(k.as_str()).to_string());
                    out.push(':');
                    go(&o[k.as_str()], out);
                }
                out.push('}');
            }
            j => out.push_str(&j.to_string()),
        }
    }
    let mut s = String::new();
    go(j, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_numerically() {
        assert!(json_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
        assert!(val_eq(&Val::Int(1), &Val::Num(1.0)));
        assert_eq!(val_cmp(&Val::Str("a".into()), &Val::Str("b".into())), Some(Ordering::Less));
        assert_eq!(val_cmp(&Val::Str("a".into()), &Val::Int(1)), None);
    }

    #[test]
    fn integers_and_doubles_compare_exactly() {
        use Ordering::*;
        assert_eq!(cmp_int_dbl(9007199254740993, 9007199254740992.0), Some(Greater));
        assert_eq!(cmp_int_dbl(i64::MAX, 9223372036854775808.0), Some(Less));
        assert_eq!(cmp_int_dbl(i64::MIN, -9223372036854775808.0), Some(Equal));
        assert_eq!(cmp_int_dbl(2, 2.5), Some(Less));
        assert_eq!(cmp_int_dbl(-2, -2.5), Some(Greater));
        assert_eq!(cmp_int_dbl(-3, -2.5), Some(Less));
        assert_eq!(cmp_int_dbl(0, -0.0), Some(Equal));
        assert_eq!(cmp_int_dbl(0, f64::NAN), None);
        assert_eq!(dbl_key(1.0), Key::Int(1));
        assert_eq!(dbl_key(-0.0), Key::Int(0));
        assert_ne!(dbl_key(9007199254740992.0), Key::Int(9007199254740993));
        assert_eq!(canonical(&serde_json::json!([9007199254740993i64, 2.0, 0.5])), "[9007199254740993,2,0.5]");
    }

    #[test]
    fn arithmetic_is_exact_on_integers() {
        use crate::syntax::ArithOp::*;
        assert!(matches!(arith(Sub, &Val::Int(7), &Val::Int(10)), Val::Int(-3)));
        assert!(matches!(arith(Div, &Val::Int(7), &Val::Int(2)), Val::Num(f) if f == 3.5));
        assert!(matches!(arith(Div, &Val::Int(7), &Val::Int(0)), Val::Null));
        assert!(matches!(arith(Add, &Val::Str("a".into()), &Val::Int(0)), Val::Null));
    }
}
