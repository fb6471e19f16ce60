//! Why a probe call was refused before anything ran.
//!
//! These are the errors of [`crate::validate`]: `deskbook check` reports them against the
//! literal arguments of a playbook step, and [`crate::run`] turns them into a result with
//! status `error`. Failures while a probe runs (a socket that cannot be opened, a tool that
//! is missing) are not errors of this type: they are results, because a help desk wants
//! them recorded with the call.

/// A probe name or argument that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The name is not one of [`crate::PROBES`].
    #[error("unknown probe `{0}` (known probes: os, ping, resolve, tcp, udp, ike, command, file)")]
    UnknownProbe(String),
    /// The probe does not take this argument.
    #[error("probe `{probe}` has no argument `{arg}` (it takes: {known})")]
    UnknownArg {
        /// The probe.
        probe: String,
        /// The argument as given (shown escaped and shortened).
        arg: String,
        /// The arguments the probe takes, comma separated.
        known: String,
    },
    /// A required argument is absent.
    #[error("probe `{probe}` needs the argument `{arg}`")]
    MissingArg {
        /// The probe.
        probe: String,
        /// The missing argument.
        arg: String,
    },
    /// An argument's value is not acceptable.
    #[error("argument `{arg}` = {value}: {reason}")]
    BadArg {
        /// The argument.
        arg: String,
        /// The value, quoted, escaped and shortened so that hostile text cannot disturb a
        /// terminal or a log.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// Two arguments that exclude each other, or neither of two that are needed.
    #[error("probe `{probe}` {reason}")]
    Conflict {
        /// The probe.
        probe: String,
        /// What is wrong.
        reason: String,
    },
}

impl ProbeError {
    pub(crate) fn bad(arg: &str, value: &str, reason: impl Into<String>) -> Self {
        ProbeError::BadArg {
            arg: shown(arg),
            value: quoted(value),
            reason: reason.into(),
        }
    }
}

/// At most this many characters of a value appear in a message.
const SHOWN_CHARS: usize = 40;

/// A value as a message shows it: quoted, control characters escaped, shortened.
pub(crate) fn quoted(value: &str) -> String {
    format!("\"{}\"", shown(value))
}

/// Escapes control characters and shortens long text to keep messages one line.
pub(crate) fn shown(value: &str) -> String {
    let head: String = value.chars().take(SHOWN_CHARS).collect();
    // Debug formatting escapes control characters and `"` but, unlike `escape_debug`,
    // leaves `'` alone.
    let debug = format!("{head:?}");
    let mut out = debug[1..debug.len() - 1].to_owned();
    if head.len() < value.len() {
        out.push_str(&format!("… ({} bytes)", value.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_escaped_and_shortened_in_messages() {
        assert_eq!(quoted("a\nb;c"), "\"a\\nb;c\"");
        let long = "x".repeat(10_240);
        let q = quoted(&long);
        assert!(q.ends_with("… (10240 bytes)\""), "{q}");
        assert!(q.len() < 80);
    }

    #[test]
    fn messages_read_as_sentences() {
        let e = ProbeError::bad("port", "70000", "expected a port number from 1 to 65535");
        assert_eq!(
            e.to_string(),
            "argument `port` = \"70000\": expected a port number from 1 to 65535"
        );
    }
}
