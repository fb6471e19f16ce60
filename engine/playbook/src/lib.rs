//! Playbooks as runnable, checkable programs: input validation, tera templates, the Lua
//! sandbox, `deskbook check`'s playbook diagnostics, the step engine (a pure state machine
//! the runtime drives) and scenarios with branch coverage.
//!
//! Nothing here does I/O: probes, prompts and the store belong to the runtime, which feeds
//! the engine [`Reply`]s and records the [`EngineEvent`]s it returns.

pub mod check;
pub mod coverage;
pub mod engine;
pub mod error;
pub mod fingerprint;
pub mod graph;
pub mod input;
mod locate;
pub mod lua;
pub mod outline;
mod program;
pub mod scenario;
pub mod step_ids;
pub mod template;

pub use deskbook_probes::{ProbeResult, Status};
pub use engine::{ActionRequest, Engine, EngineEvent, Outcome, Pending, ProbeRequest, Reply};
pub use error::RunError;
pub use lua::meta::title;
pub use lua::Limits;
