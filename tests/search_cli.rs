//! `deskbook search` as a user runs it: ranking rules on the built-in content, the text and
//! JSON output, the filters, and the messages for queries that cannot run.

mod common;

use common::{run, stderr, stdout};
use serde_json::Value;

/// Ids of the hits of `search --json` with `args`.
fn ids(args: &[&str]) -> Vec<String> {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{all:?}: {}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("search --json prints JSON");
    v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_string())
        .collect()
}

fn top3(args: &[&str]) -> Vec<String> {
    ids(args).into_iter().take(3).collect()
}

#[test]
fn text_output_is_one_line_per_hit_then_its_snippet_plain_when_piped() {
    let out = run(&["search", "bad spi", "--limit", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    // id, kind (padded to 8) and title; ids padded to the longest shown.
    assert!(lines[0].starts_with("event-4268  event     "), "{text}");
    assert!(lines[0].ends_with("(event 4268)"), "{text}");
    assert!(lines[1].starts_with("    "), "{text}");
    assert!(lines[1].contains("bad SPI"), "{text}");
    assert!(lines[2].starts_with("event-4965  event"), "{text}");
    // Piped: no escape codes and no highlight markers.
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.contains("[bad]") && !text.contains("[SPI]"), "{text}");
    assert_eq!(stderr(&out), "");
}

#[test]
fn json_follows_the_contract() {
    let out = run(&["search", "--json", "4268"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let obj = v.as_object().expect("object");
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, ["query", "took_us", "hits"]);
    assert_eq!(v["query"], "4268");
    assert!(v["took_us"].is_u64());
    let hits = v["hits"].as_array().expect("hits");
    assert!(!hits.is_empty() && hits.len() <= 10);
    for h in hits {
        let keys: Vec<&str> = h
            .as_object()
            .expect("hit")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "kind", "title", "score", "snippet"]);
        assert!(h["score"].is_f64() || h["score"].is_u64());
        assert!(h["snippet"].is_string());
    }
    assert_eq!(hits[0]["id"], "event-4268");
    assert_eq!(hits[0]["kind"], "event");
    assert!(
        hits[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("4268")),
        "{:?}",
        hits[0]
    );
    // Scores are ranked.
    let scores: Vec<f64> = hits.iter().filter_map(|h| h["score"].as_f64()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn an_event_number_or_failure_code_puts_its_event_first() {
    for (q, id) in [
        ("4268", "event-4268"),
        ("event 547", "event-547"),
        ("13813", "event-13813"),
        ("IKE error 13801", "event-13801"),
        ("13811", "event-13809"),
        ("4965", "event-4965"),
    ] {
        assert_eq!(
            ids(&[q]).first().map(String::as_str),
            Some(id),
            "query {q:?}"
        );
    }
}

#[test]
fn a_tool_name_puts_the_tool_first() {
    for (q, id) in [
        ("netsh", "tool-netsh"),
        ("klist", "tool-klist"),
        ("netsh wfp", "tool-netsh-wfp"),
        ("gpupdate /force", "tool-gpupdate"),
        ("how do I run portqry", "tool-portqry"),
    ] {
        assert_eq!(
            ids(&[q]).first().map(String::as_str),
            Some(id),
            "query {q:?}"
        );
    }
}

#[test]
fn caller_phrases_find_the_article_and_the_triage_playbook() {
    for q in [
        "everything worked yesterday, today I can't connect to anything",
        "could reach the server until IPsec was turned on",
    ] {
        let top = top3(&[q]);
        assert!(
            top.contains(&"worked-yesterday".to_string()),
            "{q}: {top:?}"
        );
        assert!(top.contains(&"tier1-triage".to_string()), "{q}: {top:?}");
    }
}

#[test]
fn several_arguments_are_one_query() {
    assert_eq!(ids(&["bad", "spi"]), ids(&["bad spi"]));
}

#[test]
fn typos_of_five_letters_or_more_are_forgiven() {
    let top = top3(&["kerberose"]);
    assert_eq!(
        top.first().map(String::as_str),
        Some("kerberos-authentication")
    );
    let top = top3(&["fragmantation"]);
    assert_eq!(top.first().map(String::as_str), Some("fragmentation"));
    // The snippet shows the word the typo stood for.
    let out = run(&["search", "--json", "--limit", "1", "negociating"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let snippet = v["hits"][0]["snippet"]
        .as_str()
        .expect("snippet")
        .to_lowercase();
    assert!(snippet.contains("negotiat"), "{snippet}");
}

#[test]
fn stop_words_case_and_punctuation_do_not_change_the_answer() {
    assert_eq!(top3(&["The BAD, spi?!"]), top3(&["bad spi"]));
    assert_eq!(top3(&["(event) #547..."]), top3(&["event 547"]));
}

#[test]
fn kind_filters_the_hits() {
    let out = run(&["search", "--json", "--kind", "article", "547"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let hits = v["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["kind"] == "article"), "{hits:?}");
    let playbooks = ids(&["--kind", "playbook", "refresh the policy"]);
    assert_eq!(
        playbooks.first().map(String::as_str),
        Some("refresh-policy")
    );
    // A Lua playbook is searchable, with the title read from its source.
    let out = run(&[
        "search",
        "--json",
        "--kind",
        "playbook",
        "current policy version",
    ]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["hits"][0]["id"], "detect-policy");
    assert_eq!(
        v["hits"][0]["title"],
        "Is this computer running the current IPsec policy?"
    );
}

#[test]
fn limit_caps_the_hits() {
    assert_eq!(ids(&["--limit", "2", "ipsec policy"]).len(), 2);
    assert_eq!(ids(&["--limit", "25", "ipsec policy"]).len(), 25);
}

/// Run `args`, expect exit 1, nothing on stdout and exactly `message` on stderr.
fn refused(args: &[&str], message: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert_eq!(stdout(&out), "", "{args:?}");
    assert_eq!(stderr(&out), message, "{args:?}");
}

#[test]
fn empty_queries_get_a_helpful_message() {
    let msg = |q: &str| {
        format!(
            "error: nothing to search for in `{q}`: type a few words the caller used, an event \
             number (4268) or a tool name (netsh)\n"
        )
    };
    for q in ["", "   ", "?!... ---", "the and of it", "can't I"] {
        refused(&["search", q], &msg(q));
    }
}

#[test]
fn absurd_queries_get_a_helpful_message() {
    let long = "ipsec ".repeat(100);
    refused(
        &["search", &long],
        "error: the query is too long (600 characters; at most 500 characters): type the \
         caller's key words, an event number or a tool name\n",
    );
    let many = (0..45)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    refused(
        &["search", &many],
        "error: the query is too long (45 words; at most 40 words): type the caller's key \
         words, an event number or a tool name\n",
    );
}

#[test]
fn no_match_says_what_to_try_and_exits_1() {
    let out = run(&["search", "xyzzyplugh qwertzuiop"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "no matches for `xyzzyplugh qwertzuiop`: try other words the caller used, fewer \
         words, an event number (4268) or a tool name (netsh)\n"
    );
    // JSON still prints the (empty) result, so scripts always get the shape.
    let out = run(&["search", "--json", "xyzzyplugh"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["hits"], Value::Array(vec![]));
}

#[test]
fn bad_options_are_refused_with_the_allowed_values() {
    refused(
        &["search", "--kind", "articles", "bad spi"],
        "error: unknown kind `articles`: expected one of article, event, tool, guidance, \
         playbook\n",
    );
    refused(
        &["search", "--limit", "0", "bad spi"],
        "error: --limit must be at least 1\n",
    );
    // clap refuses what is not a number, and a missing query, with its usage (exit 2).
    let out = run(&["search", "--limit", "many", "bad spi"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'many' for '--limit <N>'"));
    let out = run(&["search"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<QUERY>..."), "{}", stderr(&out));
}

// `deskbook search ... | head -1`: the reader is gone before the hits are written. That is
// not a failure, and above all not a panic.
#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["search", "--limit", "25", "ipsec policy"][..],
        &["search", "--json", "--limit", "25", "ipsec policy"][..],
    ] {
        let mut child = Command::new(common::bin())
            .args(args)
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run deskbook");
        // Close the read end before the process has written anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}
