//! What a site for a role holds. Who may see restricted items and variables is the content's
//! one rule ([`deskbook_content::Role::may_see`], through `Content::visible`); the site adds
//! the tiers: a role's site holds only what is written for its tier or a lower one, so the
//! public (`tier1`) site leaves out Tier 2- and Tier 3-only items.

use deskbook_content::model::FrontMatter;
use deskbook_content::{Content, Role};

/// The highest support tier `role` works at.
pub fn tier(role: Role) -> u8 {
    match role {
        Role::Tier1 => 1,
        Role::Tier2 => 2,
        Role::Tier3 => 3,
    }
}

/// Whether a page for something written for `tiers` may be in `role`'s site (no tiers:
/// written for everyone).
pub fn sees_tiers(role: Role, tiers: &[u8]) -> bool {
    tiers.is_empty() || tiers.iter().any(|t| *t <= tier(role))
}

/// Whether the site of the content's role may hold the item.
pub fn sees(content: &Content, meta: &FrontMatter) -> bool {
    content.role.may_see(meta.audience) && sees_tiers(content.role, &meta.tier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers() {
        assert!(sees_tiers(Role::Tier1, &[1, 2]));
        assert!(!sees_tiers(Role::Tier1, &[2, 3]));
        assert!(sees_tiers(Role::Tier2, &[2, 3]));
        assert!(!sees_tiers(Role::Tier2, &[3]));
        assert!(sees_tiers(Role::Tier3, &[3]));
        assert!(sees_tiers(Role::Tier1, &[]));
    }
}
