//! Dependency relations between transactions, as a bitmask.
//!
//! One graph edge carries a set of relations: the union of every analyzer's
//! reason to order the two transactions.

use std::fmt;

bitflags::bitflags! {
    /// A set of relations. The bits are Elle's: ww 0x01, wr 0x02, rw 0x04, wwp 0x08,
    /// wrp 0x10, rwp 0x20, process 0x40, realtime 0x80. Only the eight single
    /// relations are flags, so iteration yields singles in bit order.
    #[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Rels: u8 {
        /// b overwrote or extended a version that a installed.
        const WW = 0x01;
        /// b read a version that a installed.
        const WR = 0x02;
        /// b installed the version right after the one that a read (anti-dependency).
        const RW = 0x04;
        /// ww between predicate reads and writes.
        const WWP = 0x08;
        /// wr between predicate reads and writes.
        const WRP = 0x10;
        /// rw between predicate reads and writes.
        const RWP = 0x20;
        /// a and b are consecutive ok ops of one process.
        const PROCESS = 0x40;
        /// a completed before b was invoked.
        const REALTIME = 0x80;
    }
}

impl Rels {
    pub const NONE: Rels = Rels::empty();
    /// The six data relations.
    pub const DATA: Rels = Rels::from_bits_retain(0x3f);
    pub const ALL: Rels = Rels::all();

    /// The single relations, in bit order.
    pub const SINGLES: [Rels; 8] =
        [Rels::WW, Rels::WR, Rels::RW, Rels::WWP, Rels::WRP, Rels::RWP, Rels::PROCESS, Rels::REALTIME];

    /// The name of a single relation, as in Elle's data: `ww`, `wr`, `rw`, `wwp`,
    /// `wrp`, `rwp`, `process`, `realtime`. For a set, the names joined by `+`.
    pub fn name(self) -> String {
        self.iter().map(|r| r.single_name()).collect::<Vec<_>>().join("+")
    }

    /// The name of a single relation (`"?"` for anything else).
    pub fn single_name(self) -> &'static str {
        match self {
            Rels::WW => "ww",
            Rels::WR => "wr",
            Rels::RW => "rw",
            Rels::WWP => "wwp",
            Rels::WRP => "wrp",
            Rels::RWP => "rwp",
            Rels::PROCESS => "process",
            Rels::REALTIME => "realtime",
            _ => "?",
        }
    }

    /// The short label of a single relation in plots: `ww`, `wr`, `rw`, …, `p`, `rt`.
    pub fn label(self) -> &'static str {
        match self {
            Rels::PROCESS => "p",
            Rels::REALTIME => "rt",
            r => r.single_name(),
        }
    }
}

/// As `Rels(bits)`, the form it had before it was a `bitflags` type.
impl fmt::Debug for Rels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rels").field(&self.bits()).finish()
    }
}

impl fmt::Display for Rels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_names() {
        let s = Rels::WW | Rels::RW | Rels::REALTIME;
        assert!(s.contains(Rels::RW));
        assert!(!s.contains(Rels::WR));
        assert!(s.intersects(Rels::DATA));
        assert_eq!(s.name(), "ww+rw+realtime");
        assert_eq!(s.iter().count(), 3);
        assert_eq!(Rels::PROCESS.label(), "p");
        assert_eq!((s & !Rels::DATA), Rels::REALTIME);
    }
}
