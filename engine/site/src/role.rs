//! Who the site is built for. The public site (`tier1`, the default) leaves out restricted
//! items and items written only for Tier 2 or Tier 3; `tier2` and `tier3` build internal
//! sites that include them.

use deskbook_content::model::{Audience, FrontMatter};

/// The reader a site is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Tier1,
    Tier2,
    Tier3,
}

impl Role {
    /// The highest support tier this reader works at.
    pub fn tier(self) -> u8 {
        match self {
            Role::Tier1 => 1,
            Role::Tier2 => 2,
            Role::Tier3 => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tier1 => "tier1",
            Role::Tier2 => "tier2",
            Role::Tier3 => "tier3",
        }
    }

    /// Whether a page for something written for `tiers` may be in this reader's site
    /// (no tiers: written for everyone).
    pub fn sees_tiers(self, tiers: &[u8]) -> bool {
        tiers.is_empty() || tiers.iter().any(|t| *t <= self.tier())
    }

    /// Whether this reader's site may hold the item.
    pub fn sees(self, meta: &FrontMatter) -> bool {
        (meta.audience == Audience::Public || self != Role::Tier1) && self.sees_tiers(&meta.tier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers() {
        assert!(Role::Tier1.sees_tiers(&[1, 2]));
        assert!(!Role::Tier1.sees_tiers(&[2, 3]));
        assert!(Role::Tier2.sees_tiers(&[2, 3]));
        assert!(!Role::Tier2.sees_tiers(&[3]));
        assert!(Role::Tier3.sees_tiers(&[3]));
        assert!(Role::Tier1.sees_tiers(&[]));
    }
}
