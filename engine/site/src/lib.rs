//! The static documentation site: every article, event, tool matrix and playbook
//! flowchart of the effective content, as plain HTML that works from any static server or
//! straight from `file://`.
//!
//! [`generate`] renders the whole site in memory (pages in parallel) and checks every
//! internal link; [`build`] then writes it to a folder in one step (a fresh folder renamed
//! into place), so a failed build leaves the previous site untouched. [`serve`] is the
//! authors' loop. What the reader may see is decided once, in [`model::SiteModel`].

pub mod flowchart;
mod links;
mod markdown;
pub mod model;
mod output;
mod pages;
mod record;
mod role;
pub mod serve;
mod theme;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deskbook_content::{Content, Diagnostic};

pub use deskbook_content::Role;
pub use record::PageRecord;

/// A file of the built site: its path from the site root and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Extra files made from the list of pages (the offline search index): the one hook into
/// the build, called once with every item and playbook page, on a thread of its own while
/// the pages render.
pub type IndexHook = dyn Fn(&[PageRecord]) -> Result<Vec<OutFile>, String> + Sync;

/// How to build. The site is for the content's role (`Content::set_role`): `tier1` (the
/// default) builds the public site.
#[derive(Default, Clone, Copy)]
pub struct BuildOptions<'a> {
    /// Show a progress bar on standard error when the build takes over a second.
    pub progress: bool,
    pub index: Option<&'a IndexHook>,
}

/// A site built in memory.
#[derive(Debug)]
pub struct Site {
    pub files: Vec<OutFile>,
    pub pages: Vec<PageRecord>,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// Problems in content files, templates or links, each at its file, line and column.
    #[error("{}", render_diags(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// The output folder could not be written.
    #[error("{path}: {message}")]
    Output { path: String, message: String },
    /// The index hook failed.
    #[error("search index: {0}")]
    Index(String),
}

fn render_diags(d: &[Diagnostic]) -> String {
    let errors = d.iter().filter(|d| d.is_error()).count();
    const SHOWN: usize = 50;
    let mut s: String = d.iter().take(SHOWN).map(|d| format!("{d}\n")).collect();
    if d.len() > SHOWN {
        s.push_str(&format!("… and {} more\n", d.len() - SHOWN));
    }
    s.push_str(&format!("{errors} error(s); the site was not built"));
    s
}

/// Render the whole site for the content's role. Refuses content with errors (the problems
/// `deskbook check` reports) and any broken internal link. The index hook runs while the
/// pages render: it needs only where each page lives.
pub fn generate(content: &Content, opts: &BuildOptions<'_>) -> Result<Site, SiteError> {
    let mut problems: Vec<Diagnostic> = content
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    problems.extend(
        deskbook_playbook::check::check(content)
            .into_iter()
            .filter(|d| d.is_error()),
    );
    if !problems.is_empty() {
        return Err(SiteError::Diagnostics(problems));
    }
    render_site(content, opts)
}

/// What building the site for the content's role would refuse besides the content's own
/// errors: a layer template that fails and every broken internal link, with the same
/// messages, file, line and column as `site build`. For `deskbook check`, on content
/// without errors (the site is rendered in memory, nothing is written).
pub fn check(content: &Content) -> Vec<Diagnostic> {
    match render_site(content, &BuildOptions::default()) {
        Err(SiteError::Diagnostics(d)) => d,
        Err(e) => vec![Diagnostic::error("site", 1, 1, e.to_string())],
        Ok(_) => Vec::new(),
    }
}

/// The site of content that has no errors.
fn render_site(content: &Content, opts: &BuildOptions<'_>) -> Result<Site, SiteError> {
    let theme = theme::Theme::load(&content.layers).map_err(SiteError::Diagnostics)?;
    let model = model::SiteModel::new(content);
    let jobs = pages::jobs(&model);
    let records = model.records();

    let (rendered, index) = std::thread::scope(|scope| {
        let index = opts.index.map(|hook| {
            let records = &records;
            scope.spawn(move || hook(records))
        });
        let rendered = render_all(&model, &theme, &jobs, opts.progress);
        let index = index.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err("the index builder stopped".to_string()))
        });
        (rendered, index)
    });
    let rendered = rendered?;

    let mut files: Vec<OutFile> = theme
        .assets
        .iter()
        .map(|(name, bytes)| OutFile {
            path: format!("assets/{name}"),
            bytes: bytes.clone(),
        })
        .collect();
    let checked: Vec<links::Checked<'_>> = rendered
        .iter()
        .map(|r| links::Checked {
            path: &r.path,
            html: &r.html,
            template: r.template,
            links: &r.links,
            file: r.file.as_ref(),
            body_line: r.body_line,
        })
        .collect();
    let mut file_set: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
    file_set.insert("sitemap.xml".to_string());
    let broken = links::check(&checked, &file_set);
    if !broken.is_empty() {
        return Err(SiteError::Diagnostics(broken));
    }
    let sitemap = sitemap(&theme, &rendered)?;
    files.extend(rendered.into_iter().map(|r| OutFile {
        path: r.path,
        bytes: r.html.into_bytes(),
    }));
    files.push(sitemap);
    if let Some(extra) = index {
        files.extend(extra.map_err(SiteError::Index)?);
    }
    Ok(Site {
        files,
        pages: records,
    })
}

/// Build the site and write it to `out` (replacing a previous build there).
pub fn build(content: &Content, out: &Path, opts: &BuildOptions<'_>) -> Result<Site, SiteError> {
    let site = generate(content, opts)?;
    output::write(out, &site.files, content.role.as_str())?;
    Ok(site)
}

/// A rendered page.
struct Rendered {
    path: String,
    html: String,
    template: &'static str,
    links: Vec<(
        markdown::BodyLink,
        std::sync::Arc<deskbook_content::SourceFile>,
    )>,
    file: Option<std::sync::Arc<deskbook_content::SourceFile>>,
    /// The line of `file` the page's Markdown body starts on.
    body_line: usize,
}

/// Render every job, on every core; a progress bar appears once the build passes a second.
fn render_all(
    model: &model::SiteModel<'_>,
    theme: &theme::Theme,
    jobs: &[pages::Job],
    progress: bool,
) -> Result<Vec<Rendered>, SiteError> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let done = AtomicUsize::new(0);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let started = Instant::now();
    let results: Vec<Result<Vec<Rendered>, Diagnostic>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                let done = &done;
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for job in part {
                        out.push(render_one(model, theme, job)?);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(out)
                })
            })
            .collect();
        let mut bar: Option<indicatif::ProgressBar> = None;
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(50));
            if progress && bar.is_none() && started.elapsed() > Duration::from_secs(1) {
                let b = indicatif::ProgressBar::new(jobs.len() as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} pages {elapsed}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar = Some(b);
            }
            if let Some(b) = &bar {
                b.set_position(done.load(Ordering::Relaxed) as u64);
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Diagnostic::error("site", 1, 1, "a page failed to render"))
                })
            })
            .collect()
    });
    let mut all = Vec::with_capacity(jobs.len());
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(v) => all.extend(v),
            Err(d) => problems.push(d),
        }
    }
    // One template problem fails every page that uses it: report the first page's (the
    // earliest in page order, whatever the number of threads).
    if !problems.is_empty() {
        problems.truncate(1);
        return Err(SiteError::Diagnostics(problems));
    }
    Ok(all)
}

fn render_one(
    model: &model::SiteModel<'_>,
    theme: &theme::Theme,
    job: &pages::Job,
) -> Result<Rendered, Diagnostic> {
    let data = pages::data(model, job);
    let mut ctx = tera::Context::from_value(data.context).unwrap_or_default();
    ctx.insert("role", model.role.as_str());
    let html = theme.render(data.template, &ctx, &data.path)?;
    Ok(Rendered {
        path: data.path,
        html,
        template: data.template,
        links: data.links,
        file: data.file,
        body_line: data.body_line,
    })
}

/// `sitemap.xml`: every page but the search and 404 pages, relative to the site root (the
/// site does not know where it will be published).
fn sitemap(theme: &theme::Theme, pages: &[Rendered]) -> Result<OutFile, SiteError> {
    let urls: Vec<&str> = pages
        .iter()
        .map(|p| p.path.as_str())
        .filter(|p| *p != "404.html" && *p != "search.html")
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("urls", &urls);
    let xml = theme
        .render("sitemap.xml", &ctx, "sitemap.xml")
        .map_err(|d| SiteError::Diagnostics(vec![d]))?;
    Ok(OutFile {
        path: "sitemap.xml".to_string(),
        bytes: xml.into_bytes(),
    })
}
