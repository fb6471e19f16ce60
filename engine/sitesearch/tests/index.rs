//! The index files for a small page list: what each piece holds, read back as the browser
//! reads it.

use std::path::Path;

use deskbook_search::SearchDoc;
use deskbook_sitesearch::layout::{fnv1a, fuzzy_keys};
use deskbook_sitesearch::{code, write_index, Page, SiteSearchError};
use serde_json::Value;

fn page(id: &str, title: &str, body: &str) -> Page {
    Page {
        url: format!("articles/{id}.html"),
        doc: SearchDoc {
            id: id.into(),
            kind: "article".into(),
            title: title.into(),
            summary: format!("{title}, in one line"),
            keywords: vec![id.into()],
            body: body.into(),
            ..SearchDoc::default()
        },
    }
}

/// The data a piece registers: `deskbookSearch.piece("name",DATA);`.
fn piece(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(format!("{name}.js")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let prefix = format!("deskbookSearch.piece({},", Value::String(name.into()));
    let data = text
        .strip_prefix(&prefix)
        .and_then(|t| t.trim_end().strip_suffix(");"))
        .unwrap_or_else(|| panic!("{name} is not a piece: {text:.80}"));
    serde_json::from_str(data).expect("piece data is JSON")
}

fn pages() -> Vec<Page> {
    vec![
        page(
            "bad-spi",
            "Received packets with a bad SPI",
            "Negotiating keys again drops packets.",
        ),
        page(
            "tickets",
            "Kerberos tickets",
            "The ticket expired while negotiating.",
        ),
        page("quiet", "Nothing in common", "Plain words only."),
    ]
}

#[test]
fn pieces_hold_meta_dictionary_postings_and_pages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = write_index(&pages(), dir.path()).expect("index");
    assert_eq!(written.docs, 3);

    let meta = piece(dir.path(), "meta");
    assert_eq!(meta["docs"], 3);
    let names: Vec<&str> = meta["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "title", "aliases", "keywords", "summary", "body", "cues", "number", "events", "id",
            "tool"
        ]
    );
    assert_eq!(meta["fieldnorms"].as_array().map(Vec::len), Some(256));
    let shards = meta["shards"].as_u64().expect("shards") as u32;

    // "negotiating" is found through the dictionary, in the shard of the word...
    let shard = |key: &str| piece(dir.path(), &format!("s/{}", fnv1a(key) % shards));
    assert_eq!(shard("negotiating")["d"]["negotiating"], "negoti");
    // ...and its term's postings in the shard of the term: body (field 4) of pages 0 and 1.
    let entry = &shard("negoti")["t"]["negoti"];
    let body = code::decode(entry["4"].as_str().expect("body postings")).expect("varints");
    // Page 0 (gap 0 << 3 | tf 1), then page 1 (the same).
    assert_eq!(body, vec![1, 1]);
    assert!(entry.get("0").is_none(), "not in any title");

    // The page piece: what a hit shows and where it lives, and its phrase fields position
    // by position (title "Kerberos tickets": kerbero at 0, ticket at 1).
    let d = (0..3)
        .find(|d| piece(dir.path(), &format!("d/{d}"))["i"] == "tickets")
        .expect("the tickets page");
    let tickets = piece(dir.path(), &format!("d/{d}"));
    assert_eq!(tickets["u"], "articles/tickets.html");
    assert_eq!(tickets["t"], "Kerberos tickets");
    let p = &tickets;
    let vocab: Vec<&str> = p["v"].as_str().expect("vocabulary").split(' ').collect();
    let title = code::decode(p["f"]["0"].as_str().expect("title slots")).expect("varints");
    let words: Vec<&str> = title.iter().map(|i| vocab[*i as usize - 1]).collect();
    assert_eq!(words, ["kerbero", "ticket"]);

    // Typo vocabulary: "kerbero" under its first and last two characters.
    for key in fuzzy_keys("kerbero") {
        let v = piece(dir.path(), &format!("f/{key}"));
        // Title (bit 0) and summary (bit 3).
        assert_eq!(v["t"]["kerbero"], 0b1001, "{key}");
    }
}

#[test]
fn two_pages_with_one_id_are_refused() {
    let mut list = pages();
    list.push(page("tickets", "Again", "x"));
    let dir = tempfile::tempdir().expect("temp dir");
    let err = write_index(&list, dir.path()).expect_err("duplicate id");
    assert!(matches!(err, SiteSearchError::DuplicateId { .. }));
    assert_eq!(
        err.to_string(),
        "two pages have the id `tickets`: articles/tickets.html and articles/tickets.html"
    );
}
