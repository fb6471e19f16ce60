//! Roles and the one rule of who may see what.
//!
//! Every surface that shows content (search, show, list, runs, exports, the site, `layers`)
//! asks [`Role::may_see`] (or [`crate::Content::visible`], which applies it to an item),
//! so the rule lives in exactly one place: `tier1` never sees `audience: restricted` items
//! or restricted organisation variables; `tier2` and `tier3` see everything.

use std::fmt;
use std::str::FromStr;

use crate::model::Audience;

/// Who is looking at the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Role {
    /// The agent on a call (the default): public content only.
    #[default]
    Tier1,
    Tier2,
    Tier3,
}

/// The names `--role` accepts, in order.
pub const ROLE_NAMES: &[&str] = &["tier1", "tier2", "tier3"];

impl Role {
    /// Whether this role may see something written for `audience`.
    pub fn may_see(self, audience: Audience) -> bool {
        audience == Audience::Public || self != Role::Tier1
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tier1 => "tier1",
            Role::Tier2 => "tier2",
            Role::Tier3 => "tier3",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`ROLE_NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected one of tier1, tier2, tier3")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        match s {
            "tier1" => Ok(Role::Tier1),
            "tier2" => Ok(Role::Tier2),
            "tier3" => Ok(Role::Tier3),
            other => {
                let shown: String = other.chars().take(40).collect();
                Err(UnknownRole(shown))
            }
        }
    }
}

/// What a link to an item the role may not see points at instead of its id.
pub const WITHHELD_ID: &str = "withheld";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier1_sees_only_public() {
        assert!(Role::Tier1.may_see(Audience::Public));
        assert!(!Role::Tier1.may_see(Audience::Restricted));
        assert!(Role::Tier2.may_see(Audience::Restricted));
        assert!(Role::Tier3.may_see(Audience::Restricted));
    }

    #[test]
    fn unknown_role_is_named() {
        let e = "tier4".parse::<Role>().expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "unknown role `tier4`: expected one of tier1, tier2, tier3"
        );
        assert_eq!("tier2".parse::<Role>(), Ok(Role::Tier2));
    }
}
