//! Writing a built site: into a fresh folder beside the target, then renamed into place,
//! so readers never see half a site and a failed write leaves the previous build. A folder
//! that holds something other than a previous build is never replaced.

use std::path::{Path, PathBuf};

use crate::{OutFile, SiteError};

/// The file that marks a folder as a deskbook site build (safe to replace).
pub const MARKER: &str = ".deskbook-site";

pub fn write(out: &Path, files: &[OutFile]) -> Result<(), SiteError> {
    let err = |path: &Path, e: std::io::Error| SiteError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if out.exists() {
        if !out.is_dir() {
            return Err(SiteError::Output {
                path: out.display().to_string(),
                message: "exists and is not a folder".to_string(),
            });
        }
        let empty = std::fs::read_dir(out)
            .map_err(|e| err(out, e))?
            .next()
            .is_none();
        if !empty && !out.join(MARKER).exists() {
            return Err(SiteError::Output {
                path: out.display().to_string(),
                message: "the folder is not empty and holds no previous site build; choose an empty or new folder".to_string(),
            });
        }
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".to_string());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| err(&parent, e))?;
    let pid = std::process::id();
    let fresh = parent.join(format!(".{name}.new-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = std::fs::remove_dir_all(&fresh);
    let result = (|| {
        std::fs::create_dir_all(&fresh).map_err(|e| err(&fresh, e))?;
        for f in files {
            let path = fresh.join(&f.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
            }
            std::fs::write(&path, &f.bytes).map_err(|e| err(&path, e))?;
        }
        std::fs::write(fresh.join(MARKER), b"deskbook site build\n").map_err(|e| err(&fresh, e))?;
        if out.exists() {
            std::fs::rename(out, &old).map_err(|e| err(out, e))?;
        }
        std::fs::rename(&fresh, out).map_err(|e| err(out, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&fresh);
        if old.exists() && !out.exists() {
            let _ = std::fs::rename(&old, out);
        }
    }
    let _ = std::fs::remove_dir_all(&old);
    result
}
