//! The evidence packet: one zip file that `deskbook collect` writes on the caller's own
//! computer and the help desk attaches to a call (DESIGN.md, Evidence from the caller's
//! computer).
//!
//! A packet holds each output under the name the source material's Table 7.3 gives the
//! debug script's files (`<CompName>_ping.txt`, …), `manifest.json` (who, when, which OS,
//! administrator or not, every step with its probe result or why it is missing) and a
//! `README.txt` for Tier 2. This crate owns the format and nothing else: [`PacketWriter`]
//! writes one, [`Packet::open`] reads one back.
//!
//! A packet comes from a caller, who may be an attacker, so reading is strict: the file
//! and every member are bounded in size before and while they are unpacked (a zip bomb
//! stops at the bound), member names are plain file names (no `..`, no absolute or drive
//! paths, no folders, no control characters), symbolic links and encrypted or unusually
//! compressed members are refused, and the manifest must parse and be of this format
//! version. Nothing is ever extracted to disk: members stay in memory. Text from a packet
//! is shown through [`neutralise`], which makes terminal control sequences visible
//! instead of letting them act.

mod error;
mod manifest;
mod names;
mod reader;
pub mod table73;
mod writer;

/// Text from a packet is shown through the one terminal rule of the content crate.
pub use deskbook_content::terminal::{neutralise, neutralise_line};
pub use error::PacketError;
pub use manifest::{answers, Manifest, OsInfo, StepRecord};
pub use names::check_member_name;
pub use reader::{Limits, Packet};
pub use writer::PacketWriter;

/// The packet format this deskbook writes and reads.
pub const FORMAT: u32 = 1;

/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";

/// The README's member name.
pub const README: &str = "README.txt";
