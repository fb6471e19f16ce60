//! Bad content never crashes `deskbook check`: every fixture under tests/fixtures/bad/ gets
//! its exact `path:line:column: message`, the offending line with a caret, and exit code 1.

mod common;

use common::*;

fn expect(name: &str, expected: &str) {
    let (code, got) = check_fixture(&fixture(&format!("bad/{name}")));
    assert_eq!(got, expected.trim_end(), "fixture {name}");
    assert_eq!(code, 1, "fixture {name}: check must exit 1");
}

#[test]
fn missing_front_matter_fences() {
    expect(
        "missing-fences",
        "$LAYER/kb/item.md:1:1: missing front matter: expected the file to start with a `---` line (did you forget the opening `---`?)
1 | id: no-fences
  | ^",
    );
}

#[test]
fn unterminated_front_matter() {
    expect(
        "unterminated",
        "$LAYER/kb/item.md:1:1: unterminated front matter: the `---` on line 1 is never closed (did you forget the closing `---`?)
1 | ---
  | ^",
    );
}

// The reported line is the line in the file, not in the front matter.
#[test]
fn yaml_syntax_error_reports_the_file_line() {
    expect(
        "yaml-syntax",
        "$LAYER/kb/item.md:8:10: did not find expected key, while parsing a block mapping
8 | source: \"test fixture\"
  |          ^",
    );
}

#[test]
fn wrong_type_for_a_field() {
    expect(
        "wrong-type",
        "$LAYER/kb/item.md:5:7: tier: invalid type: string \"first\", expected a sequence
5 | tier: first
  |       ^",
    );
}

// Regression: an unknown tier was placed at the list's column, not at the tier.
#[test]
fn unknown_tier_points_at_the_tier() {
    expect(
        "unknown-tier",
        "$LAYER/kb/item.md:5:11: unknown tier 4: expected 1, 2 or 3
5 | tier: [2, 4]
  |           ^",
    );
    expect(
        "unknown-tier-block",
        "$LAYER/kb/item.md:6:5: unknown tier 14: expected 1, 2 or 3
6 |   - 14
  |     ^
$LAYER/kb/item.md:7:5: unknown tier 4: expected 1, 2 or 3
7 |   - 4
  |     ^",
    );
}

#[test]
fn unknown_field_lists_the_known_fields() {
    expect(
        "unknown-field",
        "$LAYER/kb/item.md:9:1: unknown field `severity` (known fields: id, kind, title, summary, tier, audience, os, tags, aliases, events, tools, playbooks, related, source, event, tool)
9 | severity: high
  | ^",
    );
}

#[test]
fn duplicate_id_in_two_files() {
    expect(
        "duplicate-id",
        "$LAYER/kb/b.md:2:1: duplicate id `twice`: also defined in $LAYER/kb/a.md:2
2 | id: twice
  | ^",
    );
}

#[test]
fn links_to_missing_ids_in_front_matter_and_body() {
    expect(
        "missing-link",
        "$LAYER/kb/item.md:9:26: link to missing id `no-such-article` in `related`
9 | related: [support-tiers, no-such-article]
  |                          ^
$LAYER/kb/item.md:12:6: link to missing id `no-such-page`
12 | then [the missing page](kb:no-such-page).
   |      ^",
    );
}

#[test]
fn id_with_capitals_and_spaces() {
    expect(
        "bad-id",
        "$LAYER/kb/item.md:2:5: invalid id `Event 4268`: ids use only lowercase letters a-z, digits 0-9 and `-`
2 | id: Event 4268
  |     ^",
    );
}

#[test]
fn non_utf8_file() {
    expect(
        "non-utf8",
        "$LAYER/kb/item.md:10:4: invalid UTF-8 (byte 0xe9): content files must be UTF-8 text
10 | Caf
   |    ^",
    );
}

#[test]
fn empty_file() {
    expect(
        "empty",
        "$LAYER/kb/item.md:1:1: empty file: expected YAML front matter between `---` lines, then Markdown",
    );
}

#[test]
fn yaml_alias_bomb() {
    expect(
        "alias-bomb",
        "$LAYER/kb/item.md:2:1: YAML aliases expand too far (an alias bomb?): the document is rejected
2 | id: alias-bomb
  | ^",
    );
}

#[test]
fn yaml_deep_nesting() {
    let (code, got) = check_fixture(&fixture("bad/deep-nesting"));
    assert_eq!(code, 1);
    let first = got.lines().next().unwrap_or("");
    assert_eq!(
        first,
        "$LAYER/kb/item.md:9:73: YAML is nested too deeply (more than 64 levels): the document is rejected"
    );
}

// A 20 MB file is refused by size before it is read; it is generated here rather than kept
// in git.
#[test]
fn twenty_megabyte_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kb = dir.path().join("kb");
    std::fs::create_dir_all(&kb).expect("mkdir");
    let mut text = String::from("---\nid: huge\n---\n");
    text.push_str(&"padding line for a very large article\n".repeat(20 * 1024 * 1024 / 38));
    std::fs::write(kb.join("huge.md"), text).expect("write");
    let (code, got) = check_fixture(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        got,
        "$LAYER/kb/huge.md:1:1: file is 20.0 MB; content files are limited to 1024 KB"
    );
}

// `check` reports every problem in one run, not just the first.
#[test]
fn all_problems_in_one_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["missing-fences", "bad-id", "wrong-type", "missing-link"] {
        let from = fixture(&format!("bad/{name}/kb/item.md"));
        let kb = dir.path().join("kb");
        std::fs::create_dir_all(&kb).expect("mkdir");
        std::fs::copy(&from, kb.join(format!("{name}.md"))).expect("copy");
    }
    let (code, got) = check_fixture(dir.path());
    assert_eq!(code, 1);
    let headers = got.lines().filter(|l| l.starts_with("$LAYER")).count();
    assert_eq!(headers, 5, "{got}");
}

#[test]
fn check_json_has_the_contract_fields() {
    let layer = fixture("bad/bad-id");
    let out = run(&["--content", &layer.to_string_lossy(), "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let hit = v
        .as_array()
        .expect("array")
        .iter()
        .find(|d| {
            d["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("bad-id/kb/item.md"))
        })
        .expect("the fixture's diagnostic");
    assert_eq!(hit["line"], 2);
    assert_eq!(hit["column"], 5);
    assert!(hit["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("invalid id")));
}

#[test]
fn taxonomy_category_with_an_invalid_id() {
    expect(
        "bad-taxonomy",
        "$LAYER/kb/taxonomy.yaml:2:9: invalid id `Rollout Phase 1`: ids use only lowercase letters a-z, digits 0-9 and `-`
2 |   - id: Rollout Phase 1
  |         ^",
    );
}

#[test]
fn taxonomy_with_an_unknown_field() {
    expect(
        "taxonomy-unknown-field",
        "$LAYER/kb/taxonomy.yaml:4:5: categories[0]: unknown field `descripton`, expected one of `id`, `title`, `description`
4 |     descripton: Misspelled field.
  |     ^",
    );
}

// A tool record names only known OS ids and task names; both problems on one line are
// reported, each with its own column.
#[test]
fn tool_record_with_unknown_os_and_task() {
    let (code, got) = check_fixture(&fixture("bad/bad-tool"));
    assert_eq!(code, 1);
    let headers: Vec<&str> = got.lines().filter(|l| l.starts_with("$LAYER")).collect();
    assert_eq!(
        headers[0],
        "$LAYER/kb/tool.md:15:5: unknown OS id `windows10`: expected one of win2000, winxp, winxp-sp2, win2003, windows, linux"
    );
    assert!(
        headers[1].starts_with("$LAYER/kb/tool.md:15:42: unknown task `reboot-everything`: expected one of show-assigned-policy, "),
        "{got}"
    );
    assert_eq!(headers.len(), 2, "{got}");
}

#[test]
fn event_item_without_its_event_record() {
    expect(
        "event-without-record",
        "$LAYER/kb/event.md:3:7: `kind: event` needs an `event:` block (id, source, log, os, severity, benign)
3 | kind: event
  |       ^",
    );
}

// Regression: a control character was reported at the front matter's first line, with the
// parser's byte offset in the message, instead of at the character itself.
#[test]
fn control_character_in_front_matter_is_reported_where_it_is() {
    expect(
        "control-char",
        "$LAYER/kb/item.md:3:12: control characters are not allowed (found U+0000)
3 | title: A te^@st item
  |            ^",
    );
}

// Regression: a field given twice was reported at the front matter's first line.
#[test]
fn duplicate_field_points_at_the_second_one() {
    expect(
        "duplicate-field",
        "$LAYER/kb/item.md:5:1: duplicate field `title`
5 | title: Another title
  | ^",
    );
}

// Regression: `start: a` naming a missing step pointed at the `a` inside the key `start`.
#[test]
fn start_naming_a_missing_step_points_at_the_value() {
    expect(
        "start-missing",
        "$LAYER/playbooks/start-missing.yaml:5:8: `start` names missing step `a`
5 | start: a
  |        ^",
    );
}
