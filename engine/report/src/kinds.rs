//! The event kinds this crate reads, as the runtime records them.

pub const RESUMED: &str = "resumed";
pub const ENTERED: &str = "entered";
pub const ANSWERED: &str = "answered";
pub const PROBED: &str = "probed";
pub const BACK: &str = "back";
pub const NOTED: &str = "noted";
pub const OBSERVED: &str = "observed";
pub const DECLINED: &str = "declined";
pub const RESTORED: &str = "restored";
pub const FAILED: &str = "failed";
pub const ENDED: &str = "ended";
