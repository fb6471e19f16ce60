//! Why a packet was refused. Every message names the packet and, for a member, the
//! member (neutralised: a hostile name cannot act on the terminal that shows it).

/// A packet that cannot be read or is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    #[error("{path}: cannot read the packet: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not an evidence packet (not a zip file: {detail})")]
    NotZip { path: String, detail: String },
    #[error("{path}: the packet is {size} bytes; a packet may be at most {max} bytes")]
    TooLarge { path: String, size: u64, max: u64 },
    #[error("{path}: the packet holds {count} members; at most {max} are accepted")]
    TooManyMembers {
        path: String,
        count: usize,
        max: usize,
    },
    #[error("{path}: member {member}: refused: {reason}")]
    Member {
        path: String,
        member: String,
        reason: String,
    },
    #[error("{path}: the packet lists {listed} members under {names} names: a name appears twice: refused")]
    Duplicate {
        path: String,
        listed: usize,
        names: usize,
    },
    #[error("{path}: the members unpack to more than {max} bytes in all: refused")]
    TotalTooLarge { path: String, max: u64 },
    #[error("{path}: no manifest.json: not an evidence packet from `deskbook collect`")]
    NoManifest { path: String },
    #[error("{path}: manifest.json:{line}:{column}: {message}")]
    Manifest {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: packet format {found} is not the format this deskbook reads ({expected}); collect it again with this deskbook version")]
    Format {
        path: String,
        found: String,
        expected: u32,
    },
    #[error("{path}: cannot write the packet: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn shown(path: &std::path::Path) -> String {
    crate::neutralise_line(&path.display().to_string()).into_owned()
}

impl PacketError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        PacketError::Io {
            path: shown(path),
            source,
        }
    }
    pub(crate) fn write(path: &std::path::Path, source: std::io::Error) -> Self {
        PacketError::Write {
            path: shown(path),
            source,
        }
    }
}
