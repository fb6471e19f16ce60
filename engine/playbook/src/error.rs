//! Why a run could not start or could not take a reply.
//!
//! A failed [`crate::Engine::submit`] leaves the engine where it was before the reply, so
//! the runtime can show the message and ask again (or go back).

/// An error of the step engine. Messages are complete sentences for the agent; the ones
/// about a playbook file name `file:line`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// No playbook has this id.
    #[error("unknown playbook `{0}`")]
    UnknownPlaybook(String),
    /// The playbook cannot run (its file has errors that `deskbook check` reports).
    #[error("{0}")]
    Invalid(String),
    /// A required input was not given.
    #[error("playbook `{playbook}` needs the input `{name}` ({prompt})")]
    MissingInput {
        playbook: String,
        name: String,
        prompt: String,
    },
    /// An input's value does not fit its kind.
    #[error("input `{name}` of playbook `{playbook}` = {value}: {reason}")]
    BadInput {
        playbook: String,
        name: String,
        /// The value as shown to people: quoted, and cut short when long.
        value: String,
        reason: String,
    },
    /// A variable that the playbook does not declare as an input.
    #[error("playbook `{playbook}` has no input `{name}` (its inputs: {known})")]
    UnknownInput {
        playbook: String,
        name: String,
        known: String,
    },
    /// An answer that is not one of the step's choices.
    #[error("step `{step}`: {answer:?} is not a choice (expected one of: {})", expected.join(", "))]
    BadAnswer {
        step: String,
        answer: String,
        expected: Vec<String>,
    },
    /// A reply of the wrong kind for the pending step (e.g. a probe result for a question).
    #[error("step `{step}` expects {expected}, not {got}")]
    UnexpectedReply {
        step: String,
        expected: String,
        got: String,
    },
    /// An answer or a note longer than a reply may be.
    #[error("step `{step}`: {what} is limited to {limit} bytes")]
    TooLong {
        step: String,
        /// `an answer` or `a note`.
        what: &'static str,
        limit: usize,
    },
    /// A free answer or a note with a line break or another control character in it.
    #[error("step `{step}`: {what} must be one line of text without control characters")]
    NotOneLine { step: String, what: &'static str },
    /// A reply after the run ended.
    #[error("the run has ended; it takes no more replies")]
    Ended,
    /// `Back` at the first step.
    #[error("step `{0}` is the first step: there is nothing to go back to")]
    NothingToGoBack(String),
    /// A step cannot go on: a template or a Lua chunk failed, or no branch fits. The message
    /// names the playbook file and line.
    #[error("{0}")]
    Step(String),
    /// A run that does not end (a loop that asks forever).
    #[error("the run took more than {0} steps without ending")]
    TooManySteps(usize),
    /// A run that entered one step too often: it goes around a loop.
    #[error("step `{step}` was entered {times} times: the run goes around a loop without ending (the limit is {times} visits of one step)")]
    StepRepeated { step: String, times: u32 },
}
