//! Reading a user's file: only a regular file, its size checked before reading.
//!
//! Content files, the taxonomy, answers files and scenario files all come from people, and
//! any of them may be a FIFO (which blocks the reader forever), a device such as
//! `/dev/zero` (which never ends), or a symbolic link out of the layer folder. Every such
//! file is read through [`read_bounded`], which looks at what the path is before opening
//! it and reads at most `max` bytes even when the file grows while it is read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Why a file was not read; the text is meant for a diagnostic after `path:1:1:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads `path` when it is a regular file (a symbolic link to one is followed) of at most
/// `max` bytes. A FIFO, socket or device is refused without opening it.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError(format!("cannot read: {e}")))?;
    check_regular(&meta)?;
    check_size(meta.len(), max)?;
    let file = File::open(path).map_err(|e| ReadError(format!("cannot read: {e}")))?;
    // The path may have changed between the look and the open: look again at what was
    // opened, and never read past the bound.
    let opened = file
        .metadata()
        .map_err(|e| ReadError(format!("cannot read: {e}")))?;
    check_regular(&opened)?;
    check_size(opened.len(), max)?;
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError(format!("cannot read: {e}")))?;
    check_size(bytes.len() as u64, max)?;
    Ok(bytes)
}

/// The refusal for anything but a regular file, naming what it is.
pub fn check_regular(meta: &Metadata) -> Result<(), ReadError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(ReadError(format!(
        "not a regular file ({}); expected a text file",
        what(meta)
    )))
}

fn check_size(len: u64, max: u64) -> Result<(), ReadError> {
    if len <= max {
        return Ok(());
    }
    Err(ReadError(if max >= 1 << 20 {
        format!(
            "file is {:.1} MB; the limit is {} MB",
            len as f64 / 1_048_576.0,
            max >> 20
        )
    } else {
        format!(
            "file is {:.1} KB; the limit is {} KB",
            len as f64 / 1024.0,
            max / 1024
        )
    }))
}

/// What a path that is not a regular file is, in words.
fn what(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_and_refuses_one_over_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.md");
        std::fs::write(&p, "x".repeat(2048)).expect("write");
        assert_eq!(read_bounded(&p, 4096).map(|b| b.len()), Ok(2048));
        assert_eq!(
            read_bounded(&p, 1024),
            Err(ReadError("file is 2.0 KB; the limit is 1 KB".into()))
        );
        assert_eq!(
            read_bounded(dir.path(), 1024),
            Err(ReadError(
                "not a regular file (a folder); expected a text file".into()
            ))
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_without_reading_them() {
        assert_eq!(
            read_bounded(Path::new("/dev/zero"), 1 << 20),
            Err(ReadError(
                "not a regular file (a character device); expected a text file".into()
            ))
        );
    }
}
