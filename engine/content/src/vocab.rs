//! The fixed vocabularies of the content model: OS ids, tool tasks, statuses, tiers.
//! `docs/content-format.md` lists the same words; change both together.

/// Tool-matrix operating system ids.
pub const OS_IDS: &[&str] = &[
    "win2000",
    "winxp",
    "winxp-sp2",
    "win2003",
    "windows",
    "linux",
];

/// Task names a tool record may carry (the `command` probe resolves these per OS).
pub const TASKS: &[&str] = &[
    "show-assigned-policy",
    "show-active-policy",
    "show-filters",
    "show-mm-sas",
    "show-qm-sas",
    "show-statistics",
    "show-policy-version",
    "show-policy-in-directory",
    "enable-ike-logging",
    "disable-ike-logging",
    "refresh-group-policy",
    "show-group-policy",
    "show-rsop",
    "list-tickets",
    "list-computer-tickets",
    "purge-tickets",
    "purge-computer-tickets",
    "find-dc",
    "test-secure-channel",
    "repair-secure-channel",
    "test-port",
    "test-path",
    "show-services",
    "run-diagnostics",
    "capture-start",
    "capture-stop",
    "enable-audit",
    "show-audit",
    "show-log",
    "show-ip-config",
    "restart-ipsec-service",
    "disable-offload",
    "test-connection",
    "lookup-name",
];

/// How a call ended. Fixed by design; layers cannot add statuses.
pub const STATUSES: &[&str] = &["fixed-understood", "fixed-unclear", "not-fixed"];

/// Where a call may be escalated to.
pub const ESCALATIONS: &[&str] = &["tier2", "tier3"];

/// Whether `id` is a valid item id: non-empty, `[a-z0-9-]+`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
