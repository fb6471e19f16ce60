//! The packet reader against the fixture packets in `tests/fixtures/packets/` (written by
//! its `make.py`): the good one reads back whole; every hostile one is refused with its
//! exact message, or (terminal escapes) read with the text neutralised.

use std::path::PathBuf;

use deskbook_evidence::{neutralise, neutralise_line, Packet};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/packets")
}

fn refused(case: &str) -> String {
    let path = fixtures().join(case);
    match Packet::open(&path) {
        Ok(_) => panic!("{case}: the packet was accepted"),
        Err(e) => e
            .to_string()
            .replace(&path.display().to_string(), &format!("$PACKETS/{case}")),
    }
}

#[test]
fn the_good_packet_reads_back_with_every_member_and_step() {
    let p = Packet::open(&fixtures().join("good.zip")).expect("good packet");
    assert_eq!(p.manifest.computer, "PC-0042");
    assert_eq!(p.manifest.os.os_id.as_deref(), Some("winxp-sp2"));
    assert_eq!(p.manifest.steps.len(), 3);
    assert_eq!(
        p.members.keys().collect::<Vec<_>>(),
        [
            "PC-0042_OSInfo.txt",
            "PC-0042_srv-files-01.woodgrovebank.com_ping.txt",
            "README.txt"
        ]
    );
    let args = [(
        "host".to_owned(),
        "SRV-FILES-01.woodgrovebank.com".to_owned(),
    )]
    .into();
    let ping = p
        .manifest
        .answering("ping", &args)
        .expect("answers the ping");
    assert_eq!(ping.id, "ping");
    assert!(p.manifest.answering("tcp", &args).is_none());
}

/// Each way a hostile packet attacks, and the exact refusal.
#[test]
fn hostile_packets_are_refused_with_a_clear_message() {
    let cases = [
        ("not-a-zip.zip", "$PACKETS/not-a-zip.zip: not an evidence packet (not a zip file: invalid Zip archive: Could not find EOCD)"),
        ("dotdot.zip", "$PACKETS/dotdot.zip: member \"../evil.txt\": refused: its name climbs out of the packet (`..`)"),
        ("absolute.zip", "$PACKETS/absolute.zip: member \"/etc/cron.d/evil\": refused: its name is an absolute path"),
        ("drive.zip", "$PACKETS/drive.zip: member \"C:\\\\Windows\\\\evil.txt\": refused: its name is an absolute path"),
        ("folder.zip", "$PACKETS/folder.zip: member \"sub/x.txt\": refused: a packet holds plain file names only, no folders"),
        ("escape-name.zip", "$PACKETS/escape-name.zip: member \"x^[[2J.txt\": refused: its name holds control characters"),
        ("symlink.zip", "$PACKETS/symlink.zip: member \"PC-0042_oakley.log\": refused: it is a symbolic link"),
        ("bomb.zip", "$PACKETS/bomb.zip: member \"PC-0042_oakley.log\": refused: it expands 1028:1 (101923 bytes to 104857600): a zip bomb"),
        ("huge.zip", "$PACKETS/huge.zip: member \"PC-0042_oakley.log\": refused: it is 9437184 bytes unpacked; a member may be at most 8388608 bytes"),
        ("no-manifest.zip", "$PACKETS/no-manifest.zip: no manifest.json: not an evidence packet from `deskbook collect`"),
        ("manifest-garbage.zip", "$PACKETS/manifest-garbage.zip: manifest.json:2:14: EOF while parsing a value"),
        ("manifest-fields.zip", "$PACKETS/manifest-fields.zip: manifest.json:67:1: missing field `computer`"),
        ("other-version.zip", "$PACKETS/other-version.zip: packet format 2 is not the format this deskbook reads (1); collect it again with this deskbook version"),
        ("duplicate.zip", "$PACKETS/duplicate.zip: the packet lists 5 members under 4 names: a name appears twice: refused"),
        ("dangling-file.zip", "$PACKETS/dangling-file.zip: manifest.json:1:1: step \"osinfo\" names member \"PC-0042_missing.txt\", which the packet does not hold"),
        ("many-members.zip", "$PACKETS/many-members.zip: the packet holds 304 members; at most 256 are accepted"),
    ];
    let mut wrong = Vec::new();
    for (case, expected) in cases {
        let got = refused(case);
        if got != expected {
            wrong.push(format!("{case}:\n  expected {expected}\n  got      {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Escape sequences in a packet's text are data: the packet reads, and everything shown
/// from it has them made visible.
#[test]
fn terminal_escapes_in_a_packet_are_neutralised_when_shown() {
    let p = Packet::open(&fixtures().join("escapes.zip")).expect("escapes packet reads");
    assert!(p.manifest.computer.contains('\u{1b}'), "kept as data");
    let shown = neutralise_line(&p.manifest.computer);
    assert_eq!(shown, "PC-0042^[]0;owned^G");
    let text = p.text("PC-0042_OSInfo.txt").expect("member");
    assert_eq!(text, "XP^[[2J^[[H\n");
    let summary = &p.manifest.steps[1].result.as_ref().expect("result").summary;
    assert!(!neutralise(summary).contains('\u{1b}'));
}
