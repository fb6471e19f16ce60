//! `deskbook site serve`: serves on loopback, rebuilds when a layer file changes, reports a
//! broken file on the terminal with its file and line and keeps serving the last good site,
//! and never serves a path outside the site.

mod common;
mod site_support;

use common::bin;
use site_support::Serve;

const ARTICLE: &str = "---\nid: serve-check\ntitle: \"First title\"\nsummary: \"For the serve test.\"\ntier: [1]\nos: [windows]\ntags: [fixture]\nsource: \"fixture\"\n---\nBody one.\n";

#[test]
fn serve_rebuilds_on_change_and_survives_bad_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let layer = tmp.path().join("layer");
    let articles = layer.join("kb/articles");
    std::fs::create_dir_all(&articles).expect("mkdir");
    let file = articles.join("serve-check.md");
    std::fs::write(&file, ARTICLE).expect("write");
    let layer_s = layer.to_str().expect("utf-8");
    let serve = Serve::start(&bin(), tmp.path(), &["--content", layer_s]);

    let (status, body) = serve.get("/articles/serve-check.html");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>First title</h1>"));
    let (status, _) = serve.get("/");
    assert_eq!(status, 200);
    let (status, body) = serve.get("/../../etc/passwd");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));

    std::fs::write(&file, ARTICLE.replace("First title", "Second title")).expect("write");
    serve.wait_for("/articles/serve-check.html", |b| {
        b.contains("<h1>Second title</h1>")
    });

    // A broken file: the error (file:line) on the terminal, the last good site stays up.
    std::fs::write(&file, ARTICLE.replace("tier: [1]", "tier: [1")).expect("write");
    let line = serve.wait_log("serve-check.md:");
    assert!(
        line.starts_with(&format!("error: {}:", file.display())),
        "{line}"
    );
    let (status, body) = serve.get("/articles/serve-check.html");
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Second title</h1>"));

    std::fs::write(&file, ARTICLE.replace("First title", "Third title")).expect("write");
    serve.wait_for("/articles/serve-check.html", |b| {
        b.contains("<h1>Third title</h1>")
    });
}
