//! Reading a packet that came from a caller: bounded, strict, in memory.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use zip::CompressionMethod;

use crate::error::{shown, PacketError};
use crate::manifest::Manifest;
use crate::names::check_member_name;
use crate::{neutralise_line, FORMAT, MANIFEST};

/// The bounds a packet must keep. A real packet is well under them: its text outputs
/// are tens of kilobytes, logs a few megabytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The packet file.
    pub packet: u64,
    /// Members.
    pub members: usize,
    /// One member, unpacked.
    pub member: u64,
    /// All members, unpacked.
    pub total: u64,
    /// The manifest, unpacked.
    pub manifest: u64,
    /// Unpacked size over packed size above which a member larger than 64 KiB is taken
    /// for a zip bomb (text compresses 5:1 to 20:1).
    pub ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            packet: 32 << 20,
            members: 256,
            member: 8 << 20,
            total: 64 << 20,
            manifest: 1 << 20,
            ratio: 200,
        }
    }
}

/// A packet read and checked.
#[derive(Debug, Clone)]
pub struct Packet {
    /// Its manifest.
    pub manifest: Manifest,
    /// Every member but the manifest, by name, unpacked.
    pub members: BTreeMap<String, Vec<u8>>,
}

impl Packet {
    /// Reads and checks the packet at `path` with the default [`Limits`].
    pub fn open(path: &Path) -> Result<Packet, PacketError> {
        let limits = Limits::default();
        let size = std::fs::metadata(path)
            .map_err(|e| PacketError::io(path, e))?
            .len();
        if size > limits.packet {
            return Err(PacketError::TooLarge {
                path: shown(path),
                size,
                max: limits.packet,
            });
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limits.packet + 1).read_to_end(&mut bytes))
            .map_err(|e| PacketError::io(path, e))?;
        Packet::from_bytes(&bytes, &shown(path), limits)
    }

    /// Checks a packet held in memory; `label` names it in messages.
    pub fn from_bytes(bytes: &[u8], label: &str, limits: Limits) -> Result<Packet, PacketError> {
        let path = || label.to_owned();
        if bytes.len() as u64 > limits.packet {
            return Err(PacketError::TooLarge {
                path: path(),
                size: bytes.len() as u64,
                max: limits.packet,
            });
        }
        let mut zip =
            zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| PacketError::NotZip {
                path: path(),
                detail: e.to_string(),
            })?;
        // The zip library keeps one member per name: the directory's own count tells when
        // a name appears twice (two different files under one name).
        if let Some(listed) = eocd_entries(bytes).filter(|n| *n != zip.len()) {
            return Err(PacketError::Duplicate {
                path: path(),
                listed,
                names: zip.len(),
            });
        }
        if zip.len() > limits.members {
            return Err(PacketError::TooManyMembers {
                path: path(),
                count: zip.len(),
                max: limits.members,
            });
        }
        let mut members = BTreeMap::new();
        let mut manifest = None;
        let mut total = 0u64;
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).map_err(|e| PacketError::NotZip {
                path: path(),
                detail: e.to_string(),
            })?;
            let raw = String::from_utf8_lossy(file.name_raw()).into_owned();
            let refuse = |reason: String| PacketError::Member {
                path: path(),
                member: format!("{:?}", neutralise_line(&raw)),
                reason,
            };
            check_member_name(&raw).map_err(|why| refuse(why.to_owned()))?;
            if file.is_symlink() {
                return Err(refuse("it is a symbolic link".into()));
            }
            if file.is_dir() {
                return Err(refuse(
                    "it is a folder; a packet holds plain files only".into(),
                ));
            }
            if file.encrypted() {
                return Err(refuse("it is encrypted".into()));
            }
            if !matches!(
                file.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            ) {
                return Err(refuse(format!(
                    "it is compressed with {}; a packet uses deflate or none",
                    file.compression()
                )));
            }
            let declared = file.size();
            let packed = file.compressed_size().max(1);
            let cap = if raw == MANIFEST {
                limits.manifest
            } else {
                limits.member
            };
            if declared > 64 << 10 && declared / packed > limits.ratio {
                return Err(refuse(format!(
                    "it expands {}:1 ({packed} bytes to {declared}): a zip bomb",
                    declared / packed
                )));
            }
            if declared > cap {
                return Err(refuse(format!(
                    "it is {declared} bytes unpacked; a member may be at most {cap} bytes"
                )));
            }
            // The declared size may lie: read at most one byte past it (and the cap).
            let mut data = Vec::new();
            let read = (&mut file)
                .take(declared.min(cap) + 1)
                .read_to_end(&mut data)
                .map_err(|e| refuse(format!("it cannot be unpacked: {e}")))?;
            if read as u64 > declared {
                return Err(refuse(format!(
                    "it unpacks to more than the {declared} bytes it declares (a zip bomb)"
                )));
            }
            total += read as u64;
            if total > limits.total {
                return Err(PacketError::TotalTooLarge {
                    path: path(),
                    max: limits.total,
                });
            }
            if members.contains_key(&raw) || (raw == MANIFEST && manifest.is_some()) {
                return Err(refuse("the packet holds it twice".into()));
            }
            if raw == MANIFEST {
                manifest = Some(data);
            } else {
                members.insert(raw, data);
            }
        }
        let manifest = manifest.ok_or_else(|| PacketError::NoManifest { path: path() })?;
        let manifest = parse_manifest(&manifest, label)?;
        for step in &manifest.steps {
            if let Some(f) = step.files.iter().find(|f| !members.contains_key(*f)) {
                return Err(PacketError::Manifest {
                    path: path(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "step {:?} names member {:?}, which the packet does not hold",
                        neutralise_line(&step.id),
                        neutralise_line(f)
                    ),
                });
            }
        }
        Ok(Packet { manifest, members })
    }

    /// A member's text, lossily decoded, with terminal control characters neutralised.
    pub fn text(&self, member: &str) -> Option<String> {
        self.members
            .get(member)
            .map(|b| crate::neutralise(&String::from_utf8_lossy(b)).into_owned())
    }
}

/// The member count in the end-of-central-directory record (`None` for ZIP64 or when the
/// record is not found).
fn eocd_entries(bytes: &[u8]) -> Option<usize> {
    const SIG: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = (from..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&i| bytes[i..i + 4] == SIG)?;
    let n = u16::from_le_bytes([bytes[at + 10], bytes[at + 11]]);
    (n != 0xffff).then_some(usize::from(n))
}

/// The manifest: JSON, of this format, with the fields of [`Manifest`].
fn parse_manifest(bytes: &[u8], label: &str) -> Result<Manifest, PacketError> {
    let at = |e: serde_json::Error| PacketError::Manifest {
        path: label.to_owned(),
        line: e.line(),
        column: e.column(),
        message: crate::neutralise_line(&e.to_string())
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(at)?;
    match value.get("format") {
        Some(f) if f.as_u64() == Some(u64::from(FORMAT)) => {}
        found => {
            return Err(PacketError::Format {
                path: label.to_owned(),
                found: found.map_or_else(
                    || "(none)".to_owned(),
                    |f| neutralise_line(&f.to_string()).chars().take(40).collect(),
                ),
                expected: FORMAT,
            })
        }
    }
    serde_json::from_slice(bytes).map_err(at)
}
