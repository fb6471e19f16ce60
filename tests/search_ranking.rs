//! The ranking rules one at a time, on small made-up records where each rule alone decides
//! the order: phrases, typo tolerance and its limits, event numbers, tool names, ids, and
//! the weight of a title, alias, tag or event id over body text.

use deskbook_search::{SearchDoc, SearchIndex, SearchOptions};

fn doc(id: &str, kind: &str, title: &str, body: &str) -> SearchDoc {
    SearchDoc {
        id: id.into(),
        kind: kind.into(),
        title: title.into(),
        summary: format!("About {title}."),
        body: body.into(),
        keywords: vec![id.into()],
        ..SearchDoc::default()
    }
}

fn ids(index: &SearchIndex, q: &str) -> Vec<String> {
    index
        .search(
            q,
            &SearchOptions {
                limit: 10,
                kind: None,
            },
        )
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn words_together_beat_the_same_words_apart() {
    let index = SearchIndex::in_memory(&[
        doc(
            "apart",
            "article",
            "Notes one",
            "The zebra stood still. Nothing else happened for hours and hours. A zebra again, \
             then quartz, quartz everywhere.",
        ),
        doc(
            "together",
            "article",
            "Notes two",
            "We found a zebra quartz in the field, and nothing else of interest that day.",
        ),
    ])
    .expect("index");
    // Each word alone is more frequent in `apart`...
    assert_eq!(
        ids(&index, "zebra").first().map(String::as_str),
        Some("apart")
    );
    assert_eq!(
        ids(&index, "quartz").first().map(String::as_str),
        Some("apart")
    );
    // ...but the phrase decides.
    assert_eq!(ids(&index, "zebra quartz"), vec!["together", "apart"]);
}

// Guards the phrase rescoring: a phrase scorer that jumps past several candidates must not
// be asked about a document behind it (tantivy asserts on that in debug builds, and gives
// wrong scores in release builds).
#[test]
fn phrase_rescoring_skips_candidates_behind_the_scorer() {
    let mut docs = Vec::new();
    for i in 0..40 {
        let body = if i % 7 == 6 {
            "bad spi seen after a rekey, bad things".to_string()
        } else {
            format!("spi {i} counters look bad today")
        };
        docs.push(doc(
            &format!("d{i:02}"),
            "article",
            &format!("Note {i}"),
            &body,
        ));
    }
    let index = SearchIndex::in_memory(&docs).expect("index");
    let top = ids(&index, "bad spi");
    let phrase_docs: Vec<String> = (0..40)
        .filter(|i| i % 7 == 6)
        .map(|i| format!("d{i:02}"))
        .collect();
    let mut head: Vec<String> = top.iter().take(phrase_docs.len()).cloned().collect();
    head.sort();
    assert_eq!(head, phrase_docs, "{top:?}");
}

#[test]
fn one_typo_is_forgiven_in_words_of_five_letters_or_more_only() {
    let index = SearchIndex::in_memory(&[
        doc(
            "krb",
            "article",
            "Kerberos tickets",
            "The kerberos realm issues tickets.",
        ),
        doc("other", "article", "Unrelated", "Nothing to see."),
    ])
    .expect("index");
    assert_eq!(ids(&index, "kerberose"), vec!["krb"]); // one insertion
    assert_eq!(ids(&index, "kerbreos"), vec!["krb"]); // one transposition
    assert_eq!(ids(&index, "tikcets"), vec!["krb"]); // one transposition (7 letters)
    assert!(ids(&index, "kerbroz").is_empty()); // two edits
    assert!(ids(&index, "relm").is_empty()); // four letters: no typo tolerance
    assert_eq!(ids(&index, "realm"), vec!["krb"]);
}

#[test]
fn the_event_an_number_is_comes_before_items_about_it() {
    let mut about = doc(
        "packet-loss",
        "article",
        "Packet loss and event 4268",
        "Event 4268 again and again: 4268, 4268, 4268.",
    );
    about.events = vec!["4268".into()];
    let mut event = doc(
        "event-4268",
        "event",
        "Received packets with a bad SPI",
        "Packets arrived for an unknown SA.",
    );
    event.numbers = vec!["4268".into()];
    event.events = vec!["4268".into()];
    let index = SearchIndex::in_memory(&[about, event]).expect("index");
    assert_eq!(ids(&index, "4268"), vec!["event-4268", "packet-loss"]);
    assert_eq!(ids(&index, "event 4268"), vec!["event-4268", "packet-loss"]);
}

#[test]
fn a_whole_tool_name_puts_the_tool_first() {
    let article = doc(
        "netsh-guide",
        "article",
        "Using netsh wfp and netsh for IPsec",
        "netsh netsh netsh wfp capture with netsh wfp, then netsh again.",
    );
    let mut netsh = doc("tool-netsh", "tool", "The network shell", "A shell.");
    netsh.tool = Some("netsh".into());
    let mut wfp = doc(
        "tool-netsh-wfp",
        "tool",
        "Filtering platform capture",
        "Captures.",
    );
    wfp.tool = Some("netsh wfp".into());
    let index = SearchIndex::in_memory(&[article, netsh, wfp]).expect("index");
    assert_eq!(
        ids(&index, "netsh").first().map(String::as_str),
        Some("tool-netsh")
    );
    assert_eq!(
        ids(&index, "netsh wfp").first().map(String::as_str),
        Some("tool-netsh-wfp")
    );
    // Part of a name is not the name: "wfp" alone does not get the tool boost.
    assert_eq!(
        ids(&index, "wfp").first().map(String::as_str),
        Some("netsh-guide")
    );
}

#[test]
fn an_exact_id_finds_its_item() {
    let index = SearchIndex::in_memory(&[
        doc(
            "stateful-filtering",
            "article",
            "Rekeys through firewalls",
            "Firewalls.",
        ),
        doc(
            "filtering-basics",
            "article",
            "Stateful filtering explained",
            "Stateful filtering, stateful filtering.",
        ),
    ])
    .expect("index");
    assert_eq!(
        ids(&index, "stateful-filtering")
            .first()
            .map(String::as_str),
        Some("stateful-filtering")
    );
}

#[test]
fn kind_limits_the_hits() {
    let index = SearchIndex::in_memory(&[
        doc("a", "article", "Policy refresh", "Refresh the policy."),
        doc(
            "p",
            "playbook",
            "Refresh a policy",
            "Purge tickets, refresh the policy.",
        ),
    ])
    .expect("index");
    let hits = index
        .search(
            "refresh policy",
            &SearchOptions {
                limit: 10,
                kind: Some("playbook".into()),
            },
        )
        .expect("search");
    let ids: Vec<&str> = hits.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, vec!["p"]);
}

#[test]
fn snippets_mark_the_matched_words() {
    let index = SearchIndex::in_memory(&[doc(
        "n",
        "article",
        "Negotiation",
        "When ping shows Negotiating IP Security, the policy wants to secure ICMP.",
    )])
    .expect("index");
    let hit = &index
        .search("negotiating security", &SearchOptions::default())
        .expect("search")
        .hits[0];
    assert_eq!(
        hit.snippet.marked("<", ">"),
        "When ping shows <Negotiating> IP <Security>, the policy wants to <secure> ICMP."
    );
}

#[test]
fn titles_aliases_tags_and_event_ids_rank_above_body_text() {
    // The word is everywhere in the body-only records (long and short bodies alike), once
    // in each of the others.
    let filler = "Filler text about other things entirely. ";
    let mut docs = vec![
        doc("in-title", "article", "Quokka handling", &filler.repeat(20)),
        SearchDoc {
            aliases: vec!["quokka".into()],
            ..doc("in-alias", "article", "Marsupial care", &filler.repeat(20))
        },
        SearchDoc {
            keywords: vec!["in-tag".into(), "quokka".into()],
            ..doc("in-tag", "article", "Island fauna", &filler.repeat(20))
        },
        SearchDoc {
            events: vec!["8123".into()],
            ..doc("cites-8123", "article", "Zoo gates", &filler.repeat(20))
        },
    ];
    for (i, reps) in [1, 3, 10].into_iter().enumerate() {
        let body = format!("{}{filler}", "quokka 8123 ".repeat(reps));
        docs.push(doc(&format!("body-{i}"), "article", "Unrelated", &body));
    }
    // Every record has aliases and tags, as content items do (the alias and tag fields
    // carry no length norms, so their average length must be that of real content).
    for d in &mut docs {
        d.aliases
            .extend(["giraffe feeding hours".into(), "zebra crossing".into()]);
        d.keywords.push("animals".into());
    }
    let index = SearchIndex::in_memory(&docs).expect("index");

    let top = ids(&index, "quokka");
    assert_eq!(top.len(), 6, "{top:?}");
    let mut head = top[..3].to_vec();
    head.sort();
    assert_eq!(head, ["in-alias", "in-tag", "in-title"], "{top:?}");

    let top = ids(&index, "8123");
    assert_eq!(
        top.first().map(String::as_str),
        Some("cites-8123"),
        "{top:?}"
    );
}
