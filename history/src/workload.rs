//! The transactional workloads histcheck knows: what a history's
//! transactions do, shared by the checker (which workload to check a history
//! as) and the simulator (which workload to generate).

use serde::Serialize;

/// The workload of a transactional history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// `[:append k v]` and `[:r k [v…]]` micro-ops.
    ListAppend,
    /// `[:w k v]` and `[:r k v]` micro-ops (and, for the checker, plain
    /// `:read`/`:write`/`:cas` register histories).
    RwRegister,
}

impl Workload {
    /// The name used on the command line and in documents.
    pub fn name(self) -> &'static str {
        match self {
            Workload::ListAppend => "list-append",
            Workload::RwRegister => "rw-register",
        }
    }

    /// The workload of a [`Workload::name`].
    pub fn from_name(s: &str) -> Option<Workload> {
        Some(match s {
            "list-append" => Workload::ListAppend,
            "rw-register" => Workload::RwRegister,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Workload;

    #[test]
    fn names_round_trip() {
        for w in [Workload::ListAppend, Workload::RwRegister] {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
        assert_eq!(Workload::from_name("bank"), None);
    }
}
