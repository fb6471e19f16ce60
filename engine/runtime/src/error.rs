//! Why a run could not start, go on, or be resumed or exported.

use deskbook_content::Diagnostic;
use deskbook_playbook::RunError;
use deskbook_store::StoreError;

/// An error of the runtime. Messages are complete for the agent; the ones about a file name
/// `file:line:column`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A problem in an answers file (`file:line:column: message`, the line and a caret).
    #[error("{0}")]
    Answers(Box<Diagnostic>),
    /// The engine refused to start or to take a reply.
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store went away during a call (server down or gone, the file locked): every
    /// step the agent saw is recorded, and the call goes on with `sessions resume`.
    #[error("{error}\ncall {session} is kept open: once the store is back, `deskbook sessions resume {session}` goes on from the last recorded step")]
    StoreUnavailable { error: StoreError, session: String },
    /// An engine event that does not make a record (a defect, never user input).
    #[error("cannot record the `{kind}` event: {reason}")]
    Record { kind: String, reason: String },
    /// A non-interactive run reached a step nobody answered.
    #[error("{0}")]
    MissingAnswer(String),
    /// `sessions resume` of a call that has ended.
    #[error("call {session} was recorded with playbook `{playbook}`, which no loaded layer has: resume it with the layer it came from, `deskbook --content DIR sessions resume {session}`")]
    PlaybookNotLoaded { session: String, playbook: String },
    #[error("call {session} has ended ({status}); there is nothing to resume")]
    Ended { session: String, status: String },
    /// An evidence packet that was refused, or that cannot be attached to this call.
    #[error("{0}")]
    Evidence(String),
    /// `deskbook collect` was given something it cannot use.
    #[error("{0}")]
    Collect(String),
    /// Ctrl-C (or SIGTERM, SIGHUP): the run stops after restoring what it changed.
    #[error("interrupted (Ctrl-C or a stop signal)")]
    Interrupted,
    /// Reading the agent's input or writing the output failed.
    #[error("{what}: {error}")]
    Io { what: String, error: std::io::Error },
}

impl RuntimeError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RuntimeError {
        let what = what.into();
        move |error| RuntimeError::Io { what, error }
    }
}
