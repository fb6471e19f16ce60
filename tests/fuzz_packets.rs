//! Property tests (proptest) of the evidence-packet reader, which reads files that come
//! from callers (some of them attackers). Each case mutates a packet from
//! `tests/fixtures/packets/` — bytes of the zip flipped, cut, repeated or overwritten, or
//! the manifest edited and the packet zipped again — and the reader must answer with a
//! packet or a clear error naming the packet, in bounded time, never a panic; its errors
//! and the member text it gives to be shown are free of terminal control characters.
//!
//! The test command runs a few cases; `DESKBOOK_FUZZ_CASES=5000 cargo test --release --test
//! fuzz_packets` runs longer. Failures proptest shrinks are kept in
//! `tests/proptest-regressions/` and replayed first on every run.

mod common;

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use deskbook_evidence::{Limits, Packet};
use proptest::prelude::*;

/// The fixture packets (the good one and every hostile one), as bytes.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packets");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("packet fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (name.unwrap_or_default(), std::fs::read(&p).expect("read"))
        })
        .collect();
    out.sort();
    assert!(out.len() > 10, "the packet fixtures are missing");
    out
}

/// Byte-level edits of a zip (positions taken modulo its length).
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Cut(usize),
    Delete(usize, usize),
    Repeat(usize, usize),
    Overwrite(usize, Vec<u8>),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), 1u8..=255).prop_map(|(a, b)| Edit::Flip(a, b)),
            any::<usize>().prop_map(Edit::Cut),
            (any::<usize>(), 1usize..64).prop_map(|(a, b)| Edit::Delete(a, b)),
            (any::<usize>(), 1usize..256).prop_map(|(a, b)| Edit::Repeat(a, b)),
            // Sizes, counts and offsets in zip headers are little-endian integers: big
            // values, zeros and all-ones are where readers go wrong.
            (
                any::<usize>(),
                prop_oneof![
                    Just(vec![0xff, 0xff, 0xff, 0xff]),
                    Just(vec![0, 0, 0, 0]),
                    Just(vec![0xff, 0xff]),
                    Just(vec![0x50, 0x4b, 0x05, 0x06]),
                    prop::collection::vec(any::<u8>(), 1..8),
                ]
            )
                .prop_map(|(a, b)| Edit::Overwrite(a, b)),
        ],
        1..6,
    )
}

fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = |b: &Vec<u8>, p: usize| if b.is_empty() { 0 } else { p % b.len() };
        match e {
            Edit::Flip(p, x) => {
                let i = at(&b, *p);
                if let Some(v) = b.get_mut(i) {
                    *v ^= x;
                }
            }
            Edit::Cut(p) => {
                let i = at(&b, *p);
                b.truncate(i);
            }
            Edit::Delete(p, n) => {
                let a = at(&b, *p);
                let z = (a + n).min(b.len());
                b.drain(a..z);
            }
            Edit::Repeat(p, n) => {
                let a = at(&b, *p);
                let z = (a + n).min(b.len());
                let part = b[a..z].to_vec();
                b.splice(a..a, part);
            }
            Edit::Overwrite(p, bytes) => {
                let a = at(&b, *p);
                for (i, x) in bytes.iter().enumerate() {
                    if let Some(v) = b.get_mut(a + i) {
                        *v = *x;
                    }
                }
            }
        }
    }
    b
}

/// Edits of the manifest's text: JSON-significant pieces and hostile values.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "null",
    "-1",
    "1e999",
    "18446744073709551616",
    "\"format\": 2,",
    "\"steps\": [{}],",
    "\"files\": [\"../x\"],",
    "\u{1b}[2J",
    "\u{1b}]0;owned\u{7}",
    "\u{9b}31m",
    "\u{202e}",
];

/// The good packet with its manifest edited (`pieces` inserted, `cuts` deleted) and
/// zipped again, so the edits reach the manifest parser.
fn rezip(seed: &[u8], pieces: &[(usize, usize)], cuts: &[(usize, usize)]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(seed)).expect("the good packet is a zip");
    let mut members = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("member");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("unpack");
        members.push((String::from_utf8_lossy(f.name_raw()).into_owned(), data));
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, mut data) in members {
        if name == "manifest.json" {
            let mut text = String::from_utf8_lossy(&data).into_owned();
            let at = |t: &String, p: usize| {
                let mut p = p % (t.len() + 1);
                while !t.is_char_boundary(p) {
                    p -= 1;
                }
                p
            };
            for (p, piece) in pieces {
                let i = at(&text, *p);
                text.insert_str(i, PIECES[*piece]);
            }
            for (p, n) in cuts {
                let a = at(&text, *p);
                let z = at(&text, (a + n).min(text.len()));
                text.replace_range(a..z.max(a), "");
            }
            data = text.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start member");
        out.write_all(&data).expect("write member");
    }
    out.finish().expect("finish").into_inner()
}

/// Read `bytes` as a packet on a thread of its own: it must answer within the bound, and
/// never panic; an error names the packet and, like anything accepted, holds no terminal
/// control character.
fn read_bounded(bytes: Vec<u8>) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let got = std::panic::catch_unwind(|| {
            match Packet::from_bytes(&bytes, "fuzz.zip", Limits::default()) {
                // A member's text, as the reader gives it to be shown, is neutralised.
                Ok(p) => Ok(p
                    .members
                    .keys()
                    .map(|name| p.text(name).unwrap_or_default())
                    .collect::<Vec<_>>()),
                Err(e) => Err(e.to_string()),
            }
        });
        let _ = tx.send(got);
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Err(_) => Err("the reader did not answer within 20 s".into()),
        Ok(Err(_)) => Err("the reader panicked".into()),
        Ok(Ok(Ok(shown))) => match shown.iter().find(|s| has_control(s)) {
            Some(s) => Err(format!("shown with a control character: {s:?}")),
            None => Ok(()),
        },
        Ok(Ok(Err(message))) => {
            if !message.starts_with("fuzz.zip: ") {
                return Err(format!("the error does not name the packet: {message}"));
            }
            if has_control(&message) {
                return Err(format!("the error holds a control character: {message:?}"));
            }
            Ok(())
        }
    }
}

/// A character that acts on a terminal (a newline in a member's text is fine).
fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn mutated_packets_are_read_or_refused_clearly(
        seed in prop::sample::select(seeds()),
        e in edits(),
    ) {
        let bytes = mutate(&seed.1, &e);
        let r = read_bounded(bytes);
        prop_assert!(r.is_ok(), "{}: {:?}", seed.0, r);
    }

    #[test]
    fn edited_manifests_are_read_or_refused_clearly(
        pieces in prop::collection::vec((any::<usize>(), 0..PIECES.len()), 0..6),
        cuts in prop::collection::vec((any::<usize>(), 1usize..40), 0..3),
    ) {
        let good = seeds().into_iter().find(|(n, _)| n == "good.zip").expect("good.zip").1;
        let r = read_bounded(rezip(&good, &pieces, &cuts));
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}
