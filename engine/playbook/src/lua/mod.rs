//! Lua in playbooks: the sandbox, value conversion, Lua playbook metadata and running.

pub(crate) mod convert;
pub mod meta;
pub(crate) mod pattern;
pub(crate) mod run;
pub mod sandbox;

pub use meta::{LuaMeta, LuaProblem};
pub use sandbox::Limits;
