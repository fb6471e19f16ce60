//! Writing a packet on the caller's computer: members as they are produced, the README and
//! manifest last, then one rename, so a packet that exists is whole.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::PacketError;
use crate::manifest::Manifest;
use crate::names::check_member_name;
use crate::{MANIFEST, README};

/// A packet being written. Dropped without [`PacketWriter::finish`], it leaves nothing
/// behind.
pub struct PacketWriter {
    zip: Option<ZipWriter<BufWriter<File>>>,
    part: PathBuf,
    path: PathBuf,
    names: BTreeSet<String>,
}

impl PacketWriter {
    /// Starts the packet `path` (written as `path.part` until it is finished).
    pub fn create(path: &Path) -> Result<PacketWriter, PacketError> {
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(|e| PacketError::write(&part, e))?;
        Ok(PacketWriter {
            zip: Some(ZipWriter::new(BufWriter::new(file))),
            part,
            path: path.to_owned(),
            names: BTreeSet::new(),
        })
    }

    /// Adds member `name` (a plain file name, see [`check_member_name`], not used yet).
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<(), PacketError> {
        let refused = |why: &str| {
            PacketError::write(
                &self.path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("member {name:?}: {why}"),
                ),
            )
        };
        check_member_name(name).map_err(refused)?;
        if self.names.contains(name) {
            return Err(refused("the packet already holds it"));
        }
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(0o644);
        let zip = self.zip.as_mut().ok_or_else(|| {
            PacketError::write(&self.path, std::io::Error::other("already finished"))
        })?;
        zip.start_file(name, options)
            .map_err(|e| PacketError::write(&self.path, std::io::Error::other(e)))?;
        zip.write_all(data)
            .map_err(|e| PacketError::write(&self.path, e))?;
        self.names.insert(name.to_owned());
        Ok(())
    }

    /// Writes the README and the manifest, closes the zip and moves it into place.
    pub fn finish(mut self, manifest: &Manifest, readme: &str) -> Result<PathBuf, PacketError> {
        self.add(README, readme.as_bytes())?;
        let json = serde_json::to_vec_pretty(manifest)
            .map_err(|e| PacketError::write(&self.path, std::io::Error::other(e)))?;
        self.add(MANIFEST, &json)?;
        let zip = self.zip.take().ok_or_else(|| {
            PacketError::write(&self.path, std::io::Error::other("already finished"))
        })?;
        let mut out = zip
            .finish()
            .map_err(|e| PacketError::write(&self.path, std::io::Error::other(e)))?;
        out.flush().map_err(|e| PacketError::write(&self.path, e))?;
        let file = out
            .into_inner()
            .map_err(|e| PacketError::write(&self.path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| PacketError::write(&self.path, e))?;
        drop(file);
        std::fs::rename(&self.part, &self.path).map_err(|e| PacketError::write(&self.path, e))?;
        Ok(self.path.clone())
    }
}

impl Drop for PacketWriter {
    fn drop(&mut self) {
        if self.zip.is_some() {
            self.zip = None;
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OsInfo, Packet, StepRecord};

    fn manifest(steps: Vec<StepRecord>) -> Manifest {
        Manifest {
            format: crate::FORMAT,
            deskbook: "0.1.0".into(),
            content: "test".into(),
            playbook: "collect-diagnostics".into(),
            computer: "PC-0042".into(),
            user: "alice".into(),
            admin: true,
            os: OsInfo {
                name: "Microsoft Windows XP Professional".into(),
                version: "5.1.2600 Service Pack 2".into(),
                os_id: Some("winxp-sp2".into()),
            },
            target: Some("srv-files-01".into()),
            started: "2026-12-01T10:42:00.000Z".into(),
            ended: "2026-12-01T10:43:10.000Z".into(),
            steps,
        }
    }

    #[test]
    fn a_written_packet_reads_back_and_an_unfinished_one_leaves_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("PC-0042.zip");
        let mut w = PacketWriter::create(&path).expect("create");
        w.add("PC-0042_OSInfo.txt", b"Windows XP").expect("add");
        assert!(w.add("PC-0042_OSInfo.txt", b"again").is_err());
        assert!(w.add("../evil", b"x").is_err());
        let step = StepRecord {
            id: "osinfo".into(),
            kind: "probe".into(),
            probe: Some("os".into()),
            args: Default::default(),
            command: None,
            result: None,
            files: vec!["PC-0042_OSInfo.txt".into()],
            missing: Some("test".into()),
        };
        w.finish(&manifest(vec![step]), "README").expect("finish");
        let p = Packet::open(&path).expect("open");
        assert_eq!(p.manifest.computer, "PC-0042");
        assert_eq!(p.text("PC-0042_OSInfo.txt").as_deref(), Some("Windows XP"));
        assert_eq!(p.text("README.txt").as_deref(), Some("README"));

        let other = dir.path().join("other.zip");
        let w = PacketWriter::create(&other).expect("create");
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
