//! Sessions and the runner: drives the step engine (`deskbook-playbook`) with an agent at a
//! terminal or an answers file, runs probes and confirmed commands, and writes every event
//! to the call store before the next prompt.
//!
//! A session is a call's append-only log in the store. Starting a run records `started` and
//! then each event as it happens; resuming replays the recorded replies into a fresh engine
//! ([`replay`]) and goes on from the first unanswered step. The runtime only writes:
//! reading a call back (the ticket summary, the transcript, the escalation packet, the
//! report) is `deskbook-report`'s job, over the same log, so a resumed or exported call
//! shows exactly what was recorded.

mod agent;
pub mod answers;
pub mod collect;
pub mod error;
pub mod evidence;
pub mod interrupt;
pub mod log;
pub mod pager;
pub mod probing;
pub mod rehearse;
pub mod replay;
pub mod runner;
pub mod tasks;
mod terminal;

pub use answers::AnswersFile;
pub use error::RuntimeError;
pub use probing::{LiveProbes, Probes};
pub use runner::{prepare, resume, start, Input, Options, Prepared, RunEnd};
pub use tasks::ContentTasks;
