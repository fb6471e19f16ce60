//! `deskbook site build`: the pages of the built-in content, what the public site leaves out
//! (every byte is searched), the build-time link check, the sanitizer, layer templates and
//! their errors, and the output folder's safety. Drives the real binary.

mod common;

use common::{fixture, run, stderr, stdout};
use std::path::{Path, PathBuf};

fn build(out: &Path, extra: &[&str]) -> std::process::Output {
    let out_s = out.to_str().expect("utf-8 path");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["site", "build", "--out", out_s]);
    run(&args)
}

fn site_fixture(name: &str) -> String {
    fixture(&format!("site/{name}"))
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn builtin_site_has_every_page_type_and_the_search_plumbing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("built "), "{}", stdout(&o));
    for page in [
        "index.html",
        "articles.html",
        "events.html",
        "tools.html",
        "playbooks.html",
        "tags.html",
        "search.html",
        "404.html",
        "sitemap.xml",
        "assets/style.css",
        "assets/site.js",
        "assets/search.js",
        "articles/network-path-connectivity.html",
        "events/event-4268.html",
        "tools/tool-ping.html",
        "playbooks/tier1-triage.html",
        "playbooks/detect-policy.html",
        "tags/triage.html",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    for f in files(&out) {
        let rel = f.to_string_lossy().replace('\\', "/");
        if !rel.ends_with(".html") {
            continue;
        }
        let html = read(&out, &rel);
        // Every page: the search box, the results element, search.js by a relative path.
        assert!(
            html.contains("<input type=\"search\" id=\"search\""),
            "{rel}"
        );
        assert!(html.contains("id=\"search-results\""), "{rel}");
        // (404.html is served at any address: its links start at the server's root.)
        let root = if rel == "404.html" {
            "/".to_string()
        } else {
            "../".repeat(rel.matches('/').count())
        };
        assert!(
            html.contains(&format!("<script src=\"{root}assets/search.js\"")),
            "{rel}"
        );
        // No external scripts, fonts or styles.
        assert!(!html.contains("src=\"http"), "{rel}");
        assert!(!html.contains("href=\"http") || !html.contains("stylesheet\" href=\"http"));
        // Every page path ends in /<id>.html: the id is the file stem, a valid id.
        let stem = f.file_stem().expect("stem").to_string_lossy().into_owned();
        assert!(
            stem.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                || stem == "404",
            "{rel}"
        );
    }
    // The triage flowchart is inline SVG; ends are coloured by status and labelled.
    let triage = read(&out, "playbooks/tier1-triage.html");
    assert!(triage.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flowchart\""));
    assert!(triage.contains("fc-end fc-not-fixed"));
    assert!(triage.contains("category: network-connectivity"));
    assert!(triage.contains("escalate to tier2"));
    // A sub-playbook call links to the called playbook's page.
    assert!(triage
        .contains("<a href=\"../playbooks/caller-computer.html\"><g class=\"fc-node fc-call\""));
    // Steps in order, with their help links.
    let first = triage.find("id=\"step-caller-check\"").expect("first step");
    let second = triage.find("id=\"step-scope\"").expect("second step");
    assert!(first < second);
    assert!(triage.contains("href=\"../guidance/social-engineering.html\""));
    // An article: anchors, related items, backlinks, tiers, OSes and source.
    let a = read(&out, "articles/network-path-connectivity.html");
    assert!(a.contains("class=\"anchor\" href=\"#"), "heading anchors");
    assert!(a.contains("<h2>Linked from</h2>"));
    assert!(a.contains("<dt>Source</dt><dd class=\"source\">seed: Network Path Connectivity"));
    assert!(a.contains("Tier 1"));
    // The events table is a plain table (readable without JavaScript), sortable with it.
    let ev = read(&out, "events.html");
    assert!(ev.contains("<table class=\"sortable events-table\" id=\"events\">"));
    assert!(ev.contains("<a href=\"events/event-4268.html\">4268</a>"));
    // The tool matrix has a column for every operating system.
    let tools = read(&out, "tools.html");
    for os in [
        "Windows 2000",
        "Windows XP",
        "XP SP2",
        "Server 2003",
        "Modern Windows",
        "Linux",
    ] {
        assert!(tools.contains(&format!(">{os}</th>")), "{os}");
    }
    let sitemap = read(&out, "sitemap.xml");
    assert!(sitemap.contains("<loc>events/event-4268.html</loc>"));
    assert!(!sitemap.contains("404.html"));
}

#[test]
fn internal_site_has_tier2_items_the_public_one_does_not() {
    let tmp = tempfile::tempdir().expect("tmp");
    let public = tmp.path().join("public");
    let internal = tmp.path().join("internal");
    assert!(build(&public, &[]).status.success());
    let o = build(&internal, &["--role", "tier2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // tool-netsh is written for Tier 2 only.
    assert!(!public.join("tools/tool-netsh.html").exists());
    assert!(internal.join("tools/tool-netsh.html").is_file());
    assert!(read(&internal, "tools.html").contains(">netsh</a>"));
    assert!(!read(&public, "tools.html").contains(">netsh</a>"));
}

/// Every string of the fixture's restricted, Tier 2-only and Tier 3-only items.
const SECRETS: &[&str] = &[
    "zqx-restricted-exemptions",
    "ZQXRESTRICTED",
    "zqxrestricted",
    "zqx-tier2-only",
    "ZQXTIER2",
    "zqxtier2",
    "zqx-tier3-playbook",
    "ZQXTIER3",
    "zqxtier3",
];

#[test]
fn public_site_holds_no_byte_of_restricted_or_higher_tier_items() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let layer = site_fixture("restricted");
    let o = build(&out, &["--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The layer loaded: its public article is there, and links to hidden items are text.
    let public = read(&out, "articles/zqx-public.html");
    assert!(
        public.contains("Tier 2 has the list and\ntheir notes"),
        "{public}"
    );
    let mut checked = 0;
    for f in files(&out) {
        let bytes = std::fs::read(out.join(&f)).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        for s in SECRETS {
            assert!(!text.contains(s), "{s} in {}", f.display());
        }
        let name = f.to_string_lossy();
        for s in SECRETS {
            assert!(!name.contains(s), "{s} in the file name {name}");
        }
        checked += 1;
    }
    assert!(checked > 100, "{checked} files");

    // Tier 3 sees all of them.
    let internal = tmp.path().join("internal");
    let o = build(&internal, &["--role", "tier3", "--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(internal
        .join("guidance/zqx-restricted-exemptions.html")
        .is_file());
    assert!(internal.join("articles/zqx-tier2-only.html").is_file());
    assert!(internal.join("playbooks/zqx-tier3-playbook.html").is_file());
    let public = read(&internal, "articles/zqx-public.html");
    assert!(public.contains("<a href=\"../guidance/zqx-restricted-exemptions.html\">the list</a>"));
}

#[test]
fn a_broken_link_fails_the_build_at_its_markdown_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let layer = site_fixture("bad-link");
    let o = build(&out, &["--content", &layer]);
    assert_eq!(o.status.code(), Some(1));
    let file = format!("{layer}/kb/articles/bad-link.md");
    assert_eq!(
        stderr(&o),
        format!(
            "error: {file}:13:1: broken link `../articles/not-there.html`: the site has no page `articles/not-there.html`\n\
             13 | [a page that is not there](../articles/not-there.html).\n   | ^\n\
             1 error(s); the site was not built\n"
        )
    );
    assert!(!out.exists(), "no partial output");
}

#[test]
fn raw_html_is_sanitized() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let layer = site_fixture("raw-html");
    let o = build(&out, &["--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = read(&out, "articles/raw-html.html").to_lowercase();
    for bad in [
        "<script>document",
        "onerror",
        "onclick",
        "javascript:",
        "pwned",
        "<iframe",
    ] {
        assert!(!html.contains(bad), "{bad} survived");
    }
    // What is harmless stays.
    assert!(html.contains("<kbd>ctrl</kbd>"));
    assert!(html.contains("before the html.") && html.contains("after the html."));
    assert!(html.contains("click me"));
}

#[test]
fn a_layer_template_overrides_the_builtin_one_and_adds_assets() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let layer = site_fixture("override");
    let o = build(&out, &["--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = read(&out, "articles/worked-yesterday.html");
    assert!(a.contains("<p class=\"org-note\">Woodgrove help desk"));
    assert!(
        a.contains("<h2>Linked from</h2>"),
        "the built-in template still renders"
    );
    assert!(read(&out, "assets/org.css").contains("Woodgrove colours"));
    // Only articles use the override.
    assert!(!read(&out, "events/event-4268.html").contains("org-note"));
}

#[test]
fn a_failing_layer_template_names_file_line_and_variable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let layer = site_fixture("bad-template");
    let o = build(&out, &["--content", &layer]);
    assert_eq!(o.status.code(), Some(1));
    let file = format!("{layer}/site/templates/article.html");
    assert_eq!(
        stderr(&o),
        format!(
            "error: {file}:3:14: variable `page.owner_name` is not defined for this page (while rendering articles/call-outcomes.html)\n\
             3 | <p>Owner: {{{{ page.owner_name }}}}</p>\n  |              ^\n\
             1 error(s); the site was not built\n"
        )
    );
    assert!(!out.exists());

    let layer = site_fixture("bad-template-syntax");
    let o = build(&out, &["--content", &layer]);
    assert_eq!(o.status.code(), Some(1));
    let file = format!("{layer}/site/templates/tag.html");
    assert_eq!(
        stderr(&o),
        format!(
            "error: {file}:3:18: template does not parse: expected an expression or a string or a concatenation of strings\n\
             3 | <h1>{{{{ page.tag </h1>\n  |                  ^\n\
             1 error(s); the site was not built\n"
        )
    );
}

#[test]
fn a_folder_that_is_not_a_site_build_is_never_replaced() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("docs");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let o = build(&out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the folder is not empty and holds no previous site build; choose an empty or new folder\n",
            out.display()
        )
    );
    assert_eq!(read(&out, "notes.txt"), "mine");
    // A previous build is replaced.
    let site = tmp.path().join("site");
    assert!(build(&site, &[]).status.success());
    std::fs::write(site.join("stale.html"), "old").expect("write");
    assert!(build(&site, &[]).status.success());
    assert!(!site.join("stale.html").exists());
    assert!(site.join("index.html").is_file());
}

#[test]
fn restricted_organisation_variables_never_reach_the_public_site() {
    // The organisation fixture: every restricted value is a unique ZQX-SECRET-... string.
    let config = fixture("org/basic/deskbook.yaml");
    let config = config.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let o = build(&out, &["--config", config]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in files(&out) {
        let text =
            String::from_utf8_lossy(&std::fs::read(out.join(&f)).expect("read")).into_owned();
        for s in ["ZQX-SECRET", "fixture-exemptions"] {
            assert!(!text.contains(s), "{s} in {}", f.display());
        }
    }
    // Public values are filled in, restricted ones are marked as withheld.
    let desk = read(&out, "playbooks/fixture-desk.html");
    assert!(desk.contains("DESK-PHONE-5551"), "{desk}");
    assert!(desk.contains("[withheld: test_hosts]"));
    assert!(read(&out, "articles/fixture-contacts.html").contains("DESK-PHONE-5551"));

    let internal = tmp.path().join("internal");
    let o = build(&internal, &["--config", config, "--role", "tier2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read(&internal, "playbooks/fixture-desk.html")
        .contains("ZQX-SECRET-HOST-7781, ZQX-SECRET-HOST-7782"));
    assert!(read(&internal, "articles/fixture-exemptions.html").contains("ZQX-SECRET-EXEMPT-9921"));
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).expect("read");
            (f, bytes)
        })
        .collect()
}

#[test]
fn a_rebuild_writes_over_the_build_before_last_and_keeps_it_beside_the_site() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let previous = tmp.path().join(".site.previous");
    assert!(build(&out, &[]).status.success());
    let first = contents(&out);
    assert!(!previous.exists(), "nothing to keep after a first build");
    assert!(build(&out, &[]).status.success());
    // The build just replaced is kept, marked with its role.
    assert_eq!(
        read(&previous, ".deskbook-site"),
        "deskbook site build\nrole: tier1\n"
    );
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(previous.join("index.html"))
            .expect("stat")
            .ino()
    };
    // The next build writes over it: a page longer than the new one is cut to length, a
    // file the site no longer has is removed, and so is a folder.
    std::fs::write(previous.join("index.html"), "x".repeat(1 << 20)).expect("write");
    std::fs::write(previous.join("stale.html"), "old").expect("write");
    std::fs::create_dir_all(previous.join("gone/deeper")).expect("mkdir");
    std::fs::write(previous.join("gone/deeper/page.html"), "old").expect("write");
    assert!(build(&out, &[]).status.success());
    assert_eq!(contents(&out), first, "the rebuilt site is the same site");
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = std::fs::metadata(out.join("index.html"))
            .expect("stat")
            .ino();
        assert_eq!(now, inode, "index.html was written over, not made anew");
    }
    // Only the site and the build before it are left beside each other.
    let mut beside: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, [".site.previous", "site"]);
}

#[cfg(unix)]
#[test]
fn a_link_in_the_build_before_last_is_removed_never_written_through() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let previous = tmp.path().join(".site.previous");
    assert!(build(&out, &[]).status.success());
    assert!(build(&out, &[]).status.success());
    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "mine").expect("write");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::fs::write(elsewhere.join("keep.txt"), "mine").expect("write");
    std::fs::remove_file(previous.join("index.html")).expect("rm");
    std::os::unix::fs::symlink(&outside, previous.join("index.html")).expect("symlink");
    std::fs::remove_dir_all(previous.join("events")).expect("rm");
    std::os::unix::fs::symlink(&elsewhere, previous.join("events")).expect("symlink");
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(tmp.path(), "outside.txt"), "mine");
    assert_eq!(files(&elsewhere), [PathBuf::from("keep.txt")]);
    for page in ["index.html", "events"] {
        let meta = std::fs::symlink_metadata(out.join(page)).expect("stat");
        assert!(!meta.file_type().is_symlink(), "{page} is still a link");
    }
    assert!(out.join("events/event-4268.html").is_file());
}

#[test]
fn an_internal_build_is_never_left_beside_a_public_one() {
    let config = fixture("org/basic/deskbook.yaml");
    let config = config.to_str().expect("utf-8 path");
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    for _ in 0..2 {
        let o = build(&out, &["--config", config, "--role", "tier2"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(read(&out, "articles/fixture-exemptions.html").contains("ZQX-SECRET-EXEMPT-9921"));
    let o = build(&out, &["--config", config]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Not in the site, not in a build kept beside it: every byte under the folder.
    for f in files(tmp.path()) {
        let bytes = std::fs::read(tmp.path().join(&f)).expect("read");
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for s in ["zqx-secret", "fixture-exemptions"] {
            assert!(!text.contains(s), "{s} in {}", f.display());
        }
    }
    // Public builds go on keeping the one before.
    assert!(build(&out, &["--config", config]).status.success());
    assert_eq!(
        read(&tmp.path().join(".site.previous"), ".deskbook-site"),
        "deskbook site build\nrole: tier1\n"
    );
}

#[test]
fn a_folder_named_like_the_kept_build_but_not_one_is_left_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let previous = tmp.path().join(".site.previous");
    std::fs::create_dir_all(&previous).expect("mkdir");
    std::fs::write(previous.join("notes.txt"), "mine").expect("write");
    for _ in 0..3 {
        let o = build(&out, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(files(&previous), [PathBuf::from("notes.txt")]);
    assert!(out.join("index.html").is_file());
}

#[cfg(target_os = "linux")]
#[test]
fn what_a_build_that_never_finished_left_is_written_over_or_removed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    // Two folders of builds whose processes are gone (no process has a number above the
    // kernel's limit of 2^22), and one of a process that runs: this test.
    let gone = [".site.new-999999999", ".site.new-999999998.old"];
    for g in gone {
        std::fs::create_dir_all(tmp.path().join(g).join("articles")).expect("mkdir");
        std::fs::write(tmp.path().join(g).join("articles/stale.html"), "old").expect("write");
    }
    let running = format!(".site.new-{}", std::process::id());
    std::fs::create_dir_all(tmp.path().join(&running)).expect("mkdir");
    // And one whose number is gone here but whose build holds its lock (a build in another
    // process namespace): `flock` (util-linux) holds it while this build runs.
    let locked = ".site.new-999999997";
    std::fs::create_dir_all(tmp.path().join(locked)).expect("mkdir");
    let mut holder = std::process::Command::new("flock")
        .arg(tmp.path().join(locked))
        .args(["-c", "echo locked; exec sleep 60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("flock (util-linux)");
    let mut said = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().expect("stdout")),
        &mut said,
    )
    .expect("read");
    assert_eq!(said, "locked\n");
    let o = build(&out, &[]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut beside: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, [running, locked.to_string(), "site".to_string()]);
    assert!(!out.join("articles/stale.html").exists());
    assert!(out.join("index.html").is_file());
}

#[cfg(unix)]
#[test]
fn a_linked_output_folder_is_refused_and_what_links_point_to_is_never_touched() {
    let tmp = tempfile::tempdir().expect("tmp");
    let target = tmp.path().join("r42");
    assert!(build(&target, &[]).status.success());
    let before = contents(&target);
    // `--out` a link: refused, the folder it points to untouched.
    let link = tmp.path().join("site");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let o = build(&link, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is a symbolic link; give the folder itself\n",
            link.display()
        )
    );
    // `.NAME.previous` a link to a build: never taken to write over, never removed.
    let out = tmp.path().join("docs");
    std::os::unix::fs::symlink(&target, tmp.path().join(".docs.previous")).expect("symlink");
    for _ in 0..2 {
        let o = build(&out, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(contents(&target), before, "the linked build was changed");
    // A page of the build before last with a second name (a hard link): that name keeps
    // what it held.
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(tmp.path().join(".docs.previous")).expect("rm link");
    assert!(build(&out, &[]).status.success());
    let previous = tmp.path().join(".docs.previous");
    let outside = tmp.path().join("outside.html");
    std::fs::write(&outside, "mine").expect("write");
    std::fs::remove_file(previous.join("index.html")).expect("rm");
    std::fs::hard_link(&outside, previous.join("index.html")).expect("hard link");
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(tmp.path(), "outside.html"), "mine");
    assert_eq!(read(&out, "index.html"), read(&target, "index.html"));
}

#[test]
fn no_template_syntax_reaches_a_page_and_conditions_read_as_the_general_case() {
    let tmp = tempfile::tempdir().expect("tmp");
    for role in ["tier1", "tier3"] {
        let out = tmp.path().join(role);
        let o = build(&out, &["--role", role]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut pages = 0;
        for f in files(&out) {
            let rel = f.to_string_lossy().replace('\\', "/");
            if !(rel.ends_with(".html") || rel.ends_with(".svg")) {
                continue;
            }
            let html = read(&out, &rel);
            for mark in ["{%", "%}", "{{", "}}", "{#", "#}"] {
                assert!(
                    !html.contains(mark),
                    "{mark} on {role} {rel}: …{}…",
                    &html[html.find(mark).unwrap_or(0).saturating_sub(80)..]
                        .chars()
                        .take(160)
                        .collect::<String>()
                );
            }
            pages += 1;
        }
        assert!(pages > 100, "{pages} pages");
    }
    // The step lists the general case (the target given by name), in words and in its box.
    let triage = read(&tmp.path().join("tier1"), "playbooks/tier1-triage.html");
    assert!(triage.contains(
        "<p>Ask the caller to open a command prompt and ping the address of ‹target›: <code>ping &lt;address&gt;</code> (<code>nslookup ‹target›</code> shows the address). Then ask: \"What does ping show: replies, 'Negotiating IP security', or 'Request timed out'?\"</p>"
    ), "{triage}");
    assert!(triage.contains(">Ask the caller to open a</tspan>"));
    assert!(!triage.contains("command prompt\nand type"));
    assert!(!triage.contains("command prompt and type <code>ping ‹target›</code>."));
    // A category made from an input reads with the input's placeholder.
    let refresh = read(&tmp.path().join("tier1"), "playbooks/refresh-policy.html");
    assert!(refresh.contains("category: ‹side›-policy"), "{refresh}");
    // Tool commands use the same placeholders as playbook steps.
    let ping = read(&tmp.path().join("tier1"), "tools/tool-ping.html");
    assert!(ping.contains("<code>ping ‹host›</code>"), "{ping}");
}

#[test]
fn probe_and_command_steps_say_which_computer_they_run_on() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let target = read(&out, "playbooks/target-computer.html");
    assert!(target.contains(
        "<p class=\"probe\">Probe: <code>ping</code> host=<code>‹target›</code> count=<code>4</code>, run on the caller&#39;s computer.</p>"
    ), "{target}");
    // The probe step's box, and a question's pre-fill probe under its text.
    assert!(
        target.contains(">Run the ping probe on the</tspan><tspan x=")
            && target.contains(">caller&#39;s computer.</tspan>"),
        "{target}"
    );
    let triage = read(&out, "playbooks/tier1-triage.html");
    assert!(
        triage.contains(">address of ‹target›: ping…</tspan>")
            && triage.contains(">probe: ping</tspan><tspan x="),
        "{triage}"
    );
    assert!(
        triage.contains(">on the caller&#39;s computer</tspan>"),
        "{triage}"
    );
    // A `do` step's command: the task or the command line, and where it runs.
    let diag = read(&out, "playbooks/collect-diagnostics.html");
    assert!(diag.contains(
        "<p class=\"command\">Command: the <code>refresh-group-policy</code> task, run on the caller&#39;s computer once you confirm.</p>"
    ), "{diag}");
    assert!(diag.contains(
        "<code>reg query &quot;HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon&quot; /v UserEnvDebugLevel</code>, run on the caller&#39;s computer"
    ), "{diag}");
    let refresh = read(&out, "playbooks/refresh-policy.html");
    assert!(refresh.contains(
        "<p class=\"command\">Command: the <code>restart-ipsec-service</code> task, run on the computer ‹side› names once you confirm.</p>"
    ), "{refresh}");
    assert!(
        refresh.contains(">command: restart-ipsec-service</tspan>"),
        "{refresh}"
    );
}

#[test]
fn an_internal_site_marks_every_restricted_item_page() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("internal");
    let layer = site_fixture("restricted");
    let o = build(&out, &["--role", "tier2", "--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    const BANNER: &str = "<p class=\"restricted-banner\" role=\"note\"><strong>Restricted:</strong> for the help desk's internal site only; do not share outside it.</p>";
    let restricted = read(&out, "guidance/zqx-restricted-exemptions.html");
    assert!(restricted.contains(BANNER), "{restricted}");
    // Above the title, so a reader sees it first; printed as well.
    assert!(restricted.find(BANNER) < restricted.find("<h1>"));
    let css = read(&out, "assets/style.css");
    let print = css.find("@media print").expect("print styles");
    assert!(css[print..].contains(".restricted-banner {"), "{css}");
    // Items that are not restricted carry no banner.
    for page in ["articles/zqx-public.html", "articles/zqx-tier2-only.html"] {
        assert!(!read(&out, page).contains("restricted-banner"), "{page}");
    }
}

#[test]
fn check_reports_the_broken_links_site_build_would_refuse() {
    let layer = site_fixture("check-links");
    let file = format!("{layer}/kb/articles/check-links.md");
    let expected = format!(
        "{file}:10:5: broken link `contacts.html`: the site has no page `articles/contacts.html`\n\
         10 | See [x](contacts.html) and [s](#nope) and [empty]().\n   |     ^\n\
         {file}:10:28: broken link `#nope`: `articles/check-links.html` has no heading or anchor `#nope`\n\
         10 | See [x](contacts.html) and [s](#nope) and [empty]().\n   |                            ^\n\
         {file}:10:43: broken link: it has no target\n\
         10 | See [x](contacts.html) and [s](#nope) and [empty]().\n   |                                           ^\n\
         {file}:12:6: broken link `x`: the site has no page `articles/x`\n\
         12 | <img src=x alt=\"a picture\">\n   |      ^\n"
    );
    // Plain `check` keeps its speed and does not render the site.
    let o = run(&["--content", &layer, "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&["--content", &layer, "check", "--site"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.starts_with(&expected), "{out}");
    assert!(
        out[expected.len()..].starts_with("4 error(s), 0 warning(s) in "),
        "{out}"
    );
    // The JSON contract: the same four, counted as errors.
    let o = run(&["--content", &layer, "check", "--site", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let list = json.as_array().expect("array");
    let found: Vec<String> = list
        .iter()
        .map(|d| {
            assert_eq!(d["severity"], "error");
            format!(
                "{}:{}: {}",
                d["line"],
                d["column"],
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "10:5: broken link `contacts.html`: the site has no page `articles/contacts.html`",
            "10:28: broken link `#nope`: `articles/check-links.html` has no heading or anchor `#nope`",
            "10:43: broken link: it has no target",
            "12:6: broken link `x`: the site has no page `articles/x`",
        ]
    );
    // `site build` refuses the same, with the same messages.
    let tmp = tempfile::tempdir().expect("tmp");
    let o = build(&tmp.path().join("site"), &["--content", &layer]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("error: {expected}4 error(s); the site was not built\n")
    );
}

#[test]
fn tool_notes_link_the_items_they_name_and_end_boxes_keep_their_whole_category() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("site");
    let o = build(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    const TITLE: &str = "secedit /refreshpolicy (refresh Group Policy on Windows 2000)";
    let tools = read(&out, "tools.html");
    assert!(
        tools.contains(&format!(
            "(see <a href=\"tools/tool-secedit.html\">{TITLE}</a>).</li>"
        )),
        "{tools}"
    );
    let gpupdate = read(&out, "tools/tool-gpupdate.html");
    assert!(
        gpupdate.contains(&format!(
            "(see <a href=\"../tools/tool-secedit.html\">{TITLE}</a>).</td>"
        )),
        "{gpupdate}"
    );
    assert!(!tools.contains("(see tool-secedit)") && !gpupdate.contains("(see tool-secedit)"));
    // A category too long for one line of its end box goes on to a second, whole.
    let caller = read(&out, "playbooks/caller-computer.html");
    assert!(
        caller.contains(">category:</tspan><tspan x=")
            && caller.contains(" dy=\"15\">caller-domain-account</tspan>"),
        "{caller}"
    );
    assert!(!caller.contains("caller-domain-accou…"));
}

#[test]
fn a_tool_note_naming_a_hidden_item_never_shows_its_id_or_title() {
    let tmp = tempfile::tempdir().expect("tmp");
    let layer = site_fixture("restricted");
    let out = tmp.path().join("public");
    let o = build(&out, &["--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    const PUBLIC: &str =
        "<a href=\"../articles/zqx-public.html\">A public article about exemptions</a>";
    let tool = read(&out, "tools/tool-zqx-public.html");
    assert!(
        tool.contains(&format!(
            "Exemptions: see an internal item and an internal item, or {PUBLIC}."
        )),
        "{tool}"
    );
    // The internal site links all three.
    let out = tmp.path().join("internal");
    let o = build(&out, &["--role", "tier3", "--content", &layer]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tool = read(&out, "tools/tool-zqx-public.html");
    assert!(
        tool.contains("see <a href=\"../guidance/zqx-restricted-exemptions.html\">Exempt computers ZQXRESTRICTEDTITLE</a> and <a href=\"../articles/zqx-tier2-only.html\">Tier 2 notes ZQXTIER2TITLE</a>, or "),
        "{tool}"
    );
}
