//! JSON values of detsys rows as history values.

use history::Value;
use serde_json::Value as Json;

/// A JSON value as an EDN-model value: numbers, strings, arrays (vectors) and
/// objects (maps with string keys) as they are. detsys writes plain JSON, so
/// histcheck's colon convention for keywords does not apply here.
pub fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_u64() {
                Some(u) => Value::BigInt(u.to_string().into()),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Json::String(s) => Value::Str(s.as_str().into()),
        Json::Array(a) => Value::Vector(a.iter().map(to_value).collect()),
        Json::Object(m) => Value::Map(m.iter().map(|(k, v)| (Value::Str(k.as_str().into()), to_value(v))).collect()),
    }
}
