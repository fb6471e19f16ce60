//! `deskbook search QUERY...`: ranked hits over what the role may see.
//!
//! Runs before the content is loaded: a warm search opens the cached index without
//! parsing a single file (the library loads the content only to build the index).

use anyhow::Result;
use deskbook_content::markdown::Style;
use deskbook_content::terminal::neutralise_line;
use deskbook_search::{cache, Results, Scope, SearchError, SearchOptions};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;

use crate::args::Globals;

/// Ranked hits for what the caller said: articles, events, tools and playbooks.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Words as the caller or agent says them, an event number or a tool name.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Most hits shown.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub limit: usize,
    /// Only hits of this kind (article, event, tool, guidance, playbook).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let org = g.org().map_err(super::ConfigError)?;
    let role = g.role;
    let text = args.query.join(" ");
    let opts = SearchOptions {
        limit: args.limit,
        kind: args.kind,
    };
    // Refuse bad options before any index work.
    if opts.limit == 0 {
        return refuse(&SearchError::ZeroLimit);
    }
    if opts.limit > deskbook_search::MAX_LIMIT {
        return refuse(&SearchError::LimitTooLarge { got: opts.limit });
    }
    if let Some(k) = &opts.kind {
        if deskbook_content::Kind::parse(k).is_none() {
            return refuse(&SearchError::UnknownKind { kind: k.clone() });
        }
    }
    let scope = Scope::for_role(role);
    let opened = cache::open_org(&org, scope, cache::default_root().as_deref())?;
    for note in &opened.notes {
        errln!("warning: {}", neutralise_line(note));
    }
    if opened.problems > 0 {
        errln!(
            "warning: the content has {} problem(s); results cover the items that loaded \
             (run `deskbook check`)",
            opened.problems
        );
    }
    let results = match opened.index.search(&text, &opts) {
        Ok(r) => r,
        Err(e @ (SearchError::EmptyQuery { .. } | SearchError::QueryTooLong { .. })) => {
            return refuse(&e)
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        super::emit_json(&json(&results))?;
    } else {
        super::emit(&lines(&results))?;
    }
    if results.hits.is_empty() {
        errln!(
            "no matches for `{}`: try other words the caller used, fewer words, an event \
             number (4268) or a tool name (netsh)",
            neutralise_line(&text)
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// A query or option the search cannot run: the message alone, exit 1.
fn refuse(e: &SearchError) -> Result<ExitCode> {
    errln!("error: {}", neutralise_line(&e.to_string()));
    Ok(ExitCode::FAILURE)
}

/// The `search --json` contract: scores rounded to three decimals.
fn json(results: &Results) -> serde_json::Value {
    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "id": h.id,
                "kind": h.kind,
                "title": h.title,
                "score": (f64::from(h.score) * 1000.0).round() / 1000.0,
                "snippet": h.snippet.text,
            })
        })
        .collect();
    serde_json::json!({"query": results.query, "took_us": results.took_us, "hits": hits})
}

fn lines(results: &Results) -> String {
    let tty = super::style(std::io::stdout().is_terminal()) == Style::Ansi;
    let (bold, dim, reset) = if tty {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let id_w = results.hits.iter().map(|h| h.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for h in &results.hits {
        let _ = writeln!(
            out,
            "{bold}{:id_w$}{reset}  {dim}{:8}{reset}  {}",
            h.id,
            h.kind,
            neutralise_line(&h.title)
        );
        // Titles and passages are content: their control characters are shown, never
        // obeyed, and only the marks around matched words are styling.
        if !h.snippet.text.is_empty() {
            let _ = writeln!(
                out,
                "    {}",
                h.snippet.marked_by(bold, reset, neutralise_line)
            );
        }
    }
    out
}
