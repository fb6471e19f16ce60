//! Writing a built site into place in one step, so readers never see half a site and a
//! failed write leaves the previous build. A folder that holds something other than a
//! build of ours is never replaced or written into.
//!
//! The build is written beside the output folder and then swapped with it (atomically where
//! the system can: Linux's `RENAME_EXCHANGE`). The build it replaces is kept beside it as
//! `.NAME.previous` and the next build is written over that one, so a rebuild rewrites
//! files that already exist rather than removing tens of thousands and creating as many
//! again: file systems are slow at both, and ext4 without a journal very slow when new
//! files follow many just removed (it steps over recently freed inodes one by one). The
//! previous build is kept only while builds are for the same role: an internal build is
//! never left beside a public one.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::{OutFile, SiteError};

/// The file that marks a folder as a deskbook site build (safe to replace), naming the
/// role it was built for.
pub const MARKER: &str = ".deskbook-site";

fn error(path: &Path, e: std::io::Error) -> SiteError {
    SiteError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn marker_text(role: &str) -> String {
    format!("deskbook site build\nrole: {role}\n")
}

/// Whether `dir` is a build of ours, and for which role (`Some("")` for a build that
/// predates the role line: ours, but never reused).
fn build_role(dir: &Path) -> Option<String> {
    // A link to a folder is not a build of ours, whatever it points to.
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let marker = dir.join(MARKER);
    // A marker that is a link is not ours.
    if !std::fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let text = std::fs::read_to_string(marker).ok()?;
    let role = text
        .lines()
        .find_map(|l| l.strip_prefix("role: "))
        .unwrap_or_default();
    Some(role.to_string())
}

/// Write `files`, the site for `role`, to `out`.
pub fn write(out: &Path, files: &[OutFile], role: &str) -> Result<(), SiteError> {
    let live = std::fs::symlink_metadata(out).is_ok();
    if std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(SiteError::Output {
            path: out.display().to_string(),
            message: "is a symbolic link; give the folder itself".to_string(),
        });
    }
    if live {
        if !out.is_dir() {
            return Err(SiteError::Output {
                path: out.display().to_string(),
                message: "exists and is not a folder".to_string(),
            });
        }
        let empty = std::fs::read_dir(out)
            .map_err(|e| error(out, e))?
            .next()
            .is_none();
        if !empty && build_role(out).is_none() {
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
    std::fs::create_dir_all(&parent).map_err(|e| error(&parent, e))?;
    let work = parent.join(format!(".{name}.new-{}", std::process::id()));
    let previous = parent.join(format!(".{name}.previous"));
    if std::fs::symlink_metadata(&work).is_ok() {
        let _ = remove(&work);
    }
    // Take the build before last to write over (a rename: of two builds at once, one
    // takes it). One that predates roles is removed; one for another role must go.
    match build_role(&previous) {
        Some(r) if r == role => {
            let _ = std::fs::rename(&previous, &work);
        }
        Some(r) if r.is_empty() => {
            let _ = remove(&previous);
        }
        Some(_) => remove(&previous).map_err(|e| error(&previous, e))?,
        None => {}
    }
    // What builds that never finished left (stopped by Ctrl-C, say): the first is written
    // over when there is nothing else to write over, the others removed.
    for left in abandoned(&parent, &name) {
        if std::fs::symlink_metadata(&work).is_err() && std::fs::rename(&left, &work).is_ok() {
            continue;
        }
        let _ = remove(&left);
    }
    // While this build writes its folder, it holds a lock on it: another build (in another
    // process namespace, say, where our process number means nothing) leaves it alone.
    std::fs::create_dir_all(&work).map_err(|e| error(&work, e))?;
    let _held = hold(&work);
    let result = fill(&work, files, role).and_then(|()| {
        if live {
            swap(&work, out)
        } else {
            std::fs::rename(&work, out).map_err(|e| error(out, e))
        }
    });
    if result.is_err() {
        let _ = remove(&work);
        return result;
    }
    // `work` now holds the build just replaced, if there was one: kept for the next build
    // when it is for the same role, else removed (and a build for another role must go).
    if std::fs::symlink_metadata(&work).is_ok() {
        let replaced = build_role(&work);
        let same = replaced.as_deref() == Some(role);
        if same
            && std::fs::symlink_metadata(&previous).is_err()
            && std::fs::rename(&work, &previous).is_ok()
        {
            return Ok(());
        }
        if let Err(e) = remove(&work) {
            if !same && replaced.is_some_and(|r| !r.is_empty()) {
                return Err(SiteError::Output {
                    path: work.display().to_string(),
                    message: format!(
                        "the site is built, but the build for another role it replaced could not be removed: {e}"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The folders beside the output that builds of processes no longer running were writing
/// (`.NAME.new-PID`, and `.NAME.new-PID.old` of the two-rename swap). Where the system
/// cannot say whether a process runs (other than Linux's `/proc`), none.
fn abandoned(parent: &Path, name: &str) -> Vec<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        // Without a working /proc every build would look abandoned.
        if !Path::new("/proc/self").exists() {
            return Vec::new();
        }
        let prefix = format!(".{name}.new-");
        let Ok(entries) = std::fs::read_dir(parent) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| {
                let file = e.file_name();
                let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
                    return false;
                };
                let pid = rest.strip_suffix(".old").unwrap_or(rest);
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && pid != std::process::id().to_string()
                    && !Path::new("/proc").join(pid).exists()
                    && hold(&e.path()).is_some()
            })
            .map(|e| e.path())
            .collect();
        out.sort();
        out
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (parent, name);
        Vec::new()
    }
}

/// An exclusive lock on the folder `dir`, held while the returned file is open; `None`
/// when another process holds it (or, off Linux, always: there `abandoned` finds nothing).
fn hold(dir: &Path) -> Option<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        let folder = std::fs::File::open(dir).ok()?;
        rustix::fs::flock(
            &folder,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        )
        .ok()?;
        Some(folder)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// Remove a folder of ours (a link in its place is removed, never followed).
fn remove(dir: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dir)?.is_dir() {
        std::fs::remove_dir_all(dir)
    } else {
        std::fs::remove_file(dir)
    }
}

/// Exchange the folders `work` and `out`: afterwards `out` is the new build and `work` the
/// old one.
fn swap(work: &Path, out: &Path) -> Result<(), SiteError> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, work, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // A file system without the exchange: two renames, below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(error(out, e.into())),
        }
    }
    swap_by_renames(work, out)
}

/// [`swap`] where the system cannot exchange two folders in one step: `out` is moved
/// aside, `work` put in its place, and the old build moved to `work` (or removed). Between
/// the first two renames `out` does not exist; a failure of the second puts it back.
fn swap_by_renames(work: &Path, out: &Path) -> Result<(), SiteError> {
    let mut aside = work.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(out, &aside).map_err(|e| error(out, e))?;
    if let Err(e) = std::fs::rename(work, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(error(out, e));
    }
    // The new site is live: the old one goes where the caller looks for it, or away.
    if std::fs::rename(&aside, work).is_err() {
        let _ = remove(&aside);
    }
    Ok(())
}

/// Make `dir` hold exactly `files` and the marker: what is already there is written over,
/// anything else removed. Links, and files with another name, are removed, never written
/// through.
fn fill(dir: &Path, files: &[OutFile], role: &str) -> Result<(), SiteError> {
    std::fs::create_dir_all(dir).map_err(|e| error(dir, e))?;
    let marker = dir.join(MARKER);
    if std::fs::symlink_metadata(&marker).is_ok() {
        std::fs::remove_file(&marker).map_err(|e| error(&marker, e))?;
    }
    let wanted: BTreeSet<&Path> = files.iter().map(|f| Path::new(f.path.as_str())).collect();
    let mut folders: BTreeSet<&Path> = BTreeSet::new();
    for f in files {
        let mut p = Path::new(f.path.as_str()).parent();
        while let Some(folder) = p.filter(|p| !p.as_os_str().is_empty()) {
            if !folders.insert(folder) {
                break;
            }
            p = folder.parent();
        }
    }
    prune(dir, Path::new(""), &wanted, &folders)?;
    for folder in &folders {
        let path = dir.join(folder);
        match std::fs::create_dir(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(error(&path, e)),
            _ => {}
        }
    }
    files.par_iter().try_for_each(|f| {
        let path = dir.join(&f.path);
        overwrite(&path, &f.bytes).map_err(|e| error(&path, e))
    })?;
    let mut m = std::fs::File::create(&marker).map_err(|e| error(&marker, e))?;
    m.write_all(marker_text(role).as_bytes())
        .map_err(|e| error(&marker, e))
}

/// Write `bytes` to `path` over what it holds, then cut it to their length: a file is
/// never first emptied, which would free its blocks only for the write to take new ones
/// (and, on a file system mounted with `discard`, wait for the freed ones to be trimmed).
fn overwrite(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)
}

/// Remove from `dir/rel` every entry that is neither a wanted file nor a folder on the way
/// to one.
fn prune(
    dir: &Path,
    rel: &Path,
    wanted: &BTreeSet<&Path>,
    folders: &BTreeSet<&Path>,
) -> Result<(), SiteError> {
    let here = dir.join(rel);
    let entries = std::fs::read_dir(&here).map_err(|e| error(&here, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| error(&here, e))?;
        let path = entry.path();
        let name = rel.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| error(&path, e))?;
        if kind.is_dir() {
            if folders.contains(name.as_path()) {
                prune(dir, &name, wanted, folders)?;
            } else {
                std::fs::remove_dir_all(&path).map_err(|e| error(&path, e))?;
            }
        } else if !(kind.is_file() && wanted.contains(name.as_path()) && single(&entry)) {
            std::fs::remove_file(&path).map_err(|e| error(&path, e))?;
        }
    }
    Ok(())
}

/// Whether a file has no other name (a hard link made by `cp -al` or a backup tool would
/// carry a rewrite outside the folder): only such a file is written over.
fn single(entry: &std::fs::DirEntry) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        entry.metadata().is_ok_and(|m| m.nlink() == 1)
    }
    #[cfg(not(unix))]
    {
        let _ = entry;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(parent: &Path, name: &str, page: &str) -> PathBuf {
        let dir = parent.join(name);
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("index.html"), page).expect("write");
        dir
    }

    fn page(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("index.html")).expect("read")
    }

    fn names(parent: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(parent)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Without the one-step exchange the two builds still trade places, and nothing is
    /// left aside.
    #[test]
    fn two_renames_trade_the_builds_and_leave_nothing_aside() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = folder(tmp.path(), "site", "old");
        let work = folder(tmp.path(), ".site.new-1", "new");
        swap_by_renames(&work, &out).expect("swap");
        assert_eq!(page(&out), "new");
        assert_eq!(page(&work), "old");
        assert_eq!(names(tmp.path()), [".site.new-1", "site"]);
    }

    /// When the new build cannot take the place of the old, the old one is put back.
    #[test]
    fn a_failed_second_rename_puts_the_old_build_back() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = folder(tmp.path(), "site", "old");
        let missing = tmp.path().join(".site.new-1");
        let e = swap_by_renames(&missing, &out).expect_err("no build to swap in");
        assert!(e.to_string().contains("site"), "{e}");
        assert_eq!(page(&out), "old");
        assert_eq!(names(tmp.path()), ["site"]);
    }
}
