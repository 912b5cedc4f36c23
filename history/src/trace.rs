//! Steps of a state trace, the input of the LTL side.

use serde_json::Value as Json;

/// One step of a finite state trace: a JSON record (`state`, `event`, …), its
/// 0-based position and its timestamp. Timestamps never decrease along a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 0-based position in the trace.
    pub step: u64,
    /// The timestamp, in the trace's time unit; the step index when the trace has none.
    pub time: i64,
    /// The whole record, as written (after merge patches are applied, where used).
    pub record: Json,
}

impl Step {
    /// Looks a dotted path up in the record (`state.n1.role`); a missing path is `None`.
    pub fn path(&self, path: &str) -> Option<&Json> {
        path.split('.').try_fold(&self.record, |v, part| match v {
            Json::Object(m) => m.get(part),
            Json::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_nested_fields() {
        let s =
            Step { step: 0, time: 5, record: serde_json::json!({"state": {"n1": {"role": "leader", "log": [1, 2]}}}) };
        assert_eq!(s.path("state.n1.role"), Some(&Json::from("leader")));
        assert_eq!(s.path("state.n1.log.1"), Some(&Json::from(2)));
        assert_eq!(s.path("state.n2.role"), None);
    }
}
