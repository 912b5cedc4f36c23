//! Dependency relations between transactions, as a bitmask.
//!
//! One graph edge carries a set of relations: the union of every analyzer's
//! reason to order the two transactions.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

/// A set of relations. The bits are Elle's: ww 0x01, wr 0x02, rw 0x04, wwp 0x08,
/// wrp 0x10, rwp 0x20, process 0x40, realtime 0x80.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rels(pub u8);

impl Rels {
    pub const NONE: Rels = Rels(0);
    /// b overwrote or extended a version that a installed.
    pub const WW: Rels = Rels(0x01);
    /// b read a version that a installed.
    pub const WR: Rels = Rels(0x02);
    /// b installed the version right after the one that a read (anti-dependency).
    pub const RW: Rels = Rels(0x04);
    pub const WWP: Rels = Rels(0x08);
    pub const WRP: Rels = Rels(0x10);
    pub const RWP: Rels = Rels(0x20);
    /// a and b are consecutive ok ops of one process.
    pub const PROCESS: Rels = Rels(0x40);
    /// a completed before b was invoked.
    pub const REALTIME: Rels = Rels(0x80);
    /// The six data relations.
    pub const DATA: Rels = Rels(0x3f);
    pub const ALL: Rels = Rels(0xff);

    /// The single relations, in bit order.
    pub const SINGLES: [Rels; 8] =
        [Rels::WW, Rels::WR, Rels::RW, Rels::WWP, Rels::WRP, Rels::RWP, Rels::PROCESS, Rels::REALTIME];

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every relation of `other` is in `self`.
    #[inline]
    pub fn contains(self, other: Rels) -> bool {
        self.0 & other.0 == other.0
    }

    /// Some relation of `other` is in `self`.
    #[inline]
    pub fn intersects(self, other: Rels) -> bool {
        self.0 & other.0 != 0
    }

    /// The single relations in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Rels> {
        Rels::SINGLES.into_iter().filter(move |r| self.contains(*r))
    }

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

impl BitOr for Rels {
    type Output = Rels;
    #[inline]
    fn bitor(self, o: Rels) -> Rels {
        Rels(self.0 | o.0)
    }
}

impl BitOrAssign for Rels {
    #[inline]
    fn bitor_assign(&mut self, o: Rels) {
        self.0 |= o.0;
    }
}

impl BitAnd for Rels {
    type Output = Rels;
    #[inline]
    fn bitand(self, o: Rels) -> Rels {
        Rels(self.0 & o.0)
    }
}

impl Not for Rels {
    type Output = Rels;
    #[inline]
    fn not(self) -> Rels {
        Rels(!self.0)
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
