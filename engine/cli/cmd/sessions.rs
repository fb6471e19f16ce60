//! `deskbook sessions list | show ID | resume ID | close ID | attach ID FILE | export ID
//! --out DIR`: the recorded calls.

use anyhow::{bail, Result};
use deskbook_content::terminal::{neutralise, neutralise_line};
use deskbook_report::{export, transcript};
use deskbook_runtime::{evidence, log, AnswersFile, ContentTasks, LiveProbes, Options};
use deskbook_store::time::{parse_bound, Bound};
use deskbook_store::{Access, Call, CallFilter, Record, Store};
use std::path::PathBuf;
use std::process::ExitCode;

use super::run::{login_name, open_store, print_summary, terminal_io};
use super::Ctx;
use crate::args::Globals;

/// Recorded calls: list, show, resume a dropped one, export an escalation packet.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: SessionsCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum SessionsCommand {
    /// Recorded calls, newest first: caller, target, agent, status, category, start time.
    List(ListArgs),
    /// One call: its ticket summary and its event log.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Replay a dropped call and go on from the first unanswered step.
    Resume {
        id: String,
        /// Answers for the steps still to come (YAML, as for `run`).
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// End an abandoned open call on purpose, with the outcome the agent gives.
    Close(CloseArgs),
    /// Attach an evidence packet from the caller's computer (`deskbook collect`) to an open
    /// call: checked, recorded, and its results pre-fill the steps for that computer.
    Attach {
        id: String,
        #[arg(value_name = "FILE")]
        packet: PathBuf,
        /// Who attaches it (default: the login name).
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
    },
    /// Write the escalation packet: a README of what Tier 2 needs (present or missing), the
    /// transcript, probe and command outputs, the call as JSON.
    Export {
        id: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// `sessions list` filters.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Calls started on or after this date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Calls started before the end of this date, or before this time.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only calls that ended with this status (fixed-understood, fixed-unclear, not-fixed).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Only calls of this category.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    /// Only calls this agent took.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// Only calls still open (dropped or running).
    #[arg(long)]
    pub open: bool,
    #[arg(long)]
    pub json: bool,
}

/// `sessions close ID --status S --category C`.
#[derive(clap::Args, Debug)]
pub struct CloseArgs {
    pub id: String,
    /// How the call ended: fixed-understood, fixed-unclear or not-fixed.
    #[arg(long, value_name = "STATUS")]
    pub status: String,
    /// The call's category (a taxonomy id, `deskbook list` shows them in kb/taxonomy.yaml).
    #[arg(long, value_name = "CATEGORY")]
    pub category: String,
    /// Who closes it (default: the login name).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
}

/// The statuses a call can end with.
const STATUSES: &[&str] = &["fixed-understood", "fixed-unclear", "not-fixed"];

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let access = match &args.command {
        SessionsCommand::Resume { .. }
        | SessionsCommand::Close(_)
        | SessionsCommand::Attach { .. } => Access::Write,
        _ => Access::Read,
    };
    if let SessionsCommand::List(list) = &args.command {
        // Bad filters are refused before the store is opened.
        let filter = filter_of(list)?;
        let store = open_store(ctx, access)?;
        return list_calls(&store, &filter, list.json);
    }
    if let SessionsCommand::Close(close) = &args.command {
        check_outcome(&close.status, &close.category, ctx)?;
    }
    let mut store = open_store(ctx, access)?;
    match args.command {
        SessionsCommand::List(_) => {}
        SessionsCommand::Close(close) => {
            let agent = close.agent.or_else(login_name);
            let (call, stamp) =
                store.close_call(&close.id, &close.status, &close.category, agent.as_deref())?;
            outln!(
                "call {} closed at {}: {}; category {}",
                call.session,
                stamp.at,
                close.status,
                close.category
            );
        }
        SessionsCommand::Attach { id, packet, agent } => {
            let agent = agent.or_else(login_name);
            let record = evidence::attach(&mut store, &id, &packet, agent.as_deref())?;
            if let Record::Attached {
                computer,
                collected,
                steps,
                ..
            } = &record
            {
                let results = steps.iter().filter(|s| s.result.is_some()).count();
                outln!(
                    "attached {} to call {id}: {results} result{} for the steps of that computer",
                    evidence::label(computer, collected),
                    if results == 1 { "" } else { "s" }
                );
            }
        }
        SessionsCommand::Show { id, json } => {
            let (call, events) = recorded(&store, &id, &ctx.content)?;
            if json {
                let v = serde_json::json!({ "call": call, "events": events });
                super::emit_json(&v)?;
                return Ok(ExitCode::SUCCESS);
            }
            let shown = transcript::transcript(&call, &events, &ctx.content);
            out!("{}", neutralise(&shown));
            outln!("\nEvent log:");
            for e in &events {
                outln!(
                    "{}",
                    neutralise(&log::json_line(&call.session, e).to_string())
                );
            }
        }
        SessionsCommand::Resume { id, answers, json } => {
            let answers = answers.as_deref().map(AnswersFile::read).transpose()?;
            let probes = LiveProbes::new(ContentTasks::new(&ctx.content));
            let opts = Options {
                answers,
                json,
                agent: login_name(),
                ..Options::default()
            };
            let scripted = opts.answers.is_some();
            let end = deskbook_runtime::resume(
                &ctx.content,
                &mut store,
                &probes,
                &id,
                opts,
                terminal_io(json),
            )?;
            print_summary(ctx, &end, json, scripted, None)?;
        }
        SessionsCommand::Export { id, out } => {
            let (call, events) = recorded(&store, &id, &ctx.content)?;
            let files = export::export(&call, &events, &ctx.content, &out)?;
            outln!(
                "escalation packet of call {} in {}:",
                call.session,
                out.display()
            );
            // The names follow the recorded caller's computer name.
            for f in files {
                outln!("  {}", neutralise_line(&f));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The filter of `sessions list`, or a message naming the bad value.
fn filter_of(a: &ListArgs) -> Result<CallFilter> {
    let since = a
        .since
        .as_deref()
        .map(|v| parse_bound("--since", v, Bound::Since))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let until = a
        .until
        .as_deref()
        .map(|v| parse_bound("--until", v, Bound::Until))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if let (Some(s), Some(u)) = (&since, &until) {
        if u <= s {
            bail!(
                "--until {} is not after --since {}: give an --until later than --since",
                a.until.as_deref().unwrap_or(""),
                a.since.as_deref().unwrap_or("")
            );
        }
    }
    if let Some(status) = &a.status {
        check_status(status)?;
    }
    Ok(CallFilter {
        since,
        until,
        status: a.status.clone(),
        category: a.category.clone(),
        agent: a.agent.clone(),
        open: a.open,
    })
}

fn check_status(status: &str) -> Result<()> {
    if !STATUSES.contains(&status) {
        bail!(
            "--status {status}: not a call status; expected one of: {}",
            STATUSES.join(", ")
        );
    }
    Ok(())
}

/// `sessions close` takes a known status and a category of the taxonomy.
fn check_outcome(status: &str, category: &str, ctx: &Ctx) -> Result<()> {
    check_status(status)?;
    let known: Vec<&str> = ctx
        .content
        .taxonomy
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    if !known.contains(&category) {
        bail!(
            "--category {category}: not a category of the taxonomy; expected one of: {}",
            known.join(", ")
        );
    }
    Ok(())
}

/// Text from the store shown in a column: control characters (ESC, BEL, …) made visible
/// before the column is measured, so the columns stay aligned.
fn cell(text: &str) -> String {
    neutralise_line(text).into_owned()
}

fn list_calls(store: &Store, filter: &CallFilter, json: bool) -> Result<ExitCode> {
    let calls = store.calls(filter)?;
    if json {
        super::emit_json(&calls)?;
        return Ok(ExitCode::SUCCESS);
    }
    if calls.is_empty() {
        let any = filter.since.is_some()
            || filter.until.is_some()
            || filter.status.is_some()
            || filter.category.is_some()
            || filter.agent.is_some()
            || filter.open;
        if any {
            outln!("no call recorded in {} fits these filters", store.name());
        } else {
            outln!("no calls recorded in {}", store.name());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let header = [
        "session",
        "started (UTC)",
        "caller",
        "target",
        "agent",
        "status",
        "category",
    ];
    let rows: Vec<[String; 7]> = calls.iter().map(row).collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:w$}  "));
            }
        }
        out.trim_end().to_string()
    };
    outln!("{}", line(&header.map(str::to_string)));
    for r in &rows {
        // Recorded text, neutralised cell by cell in `row`.
        outln!("{}", line(r));
    }
    Ok(ExitCode::SUCCESS)
}

fn row(c: &Call) -> [String; 7] {
    let started: String = c.started_at.replace('T', " ").chars().take(16).collect();
    let dash = |v: &Option<String>| cell(v.as_deref().unwrap_or("-"));
    // Every cell is recorded text (a shared database may have been written by anyone).
    [
        cell(&c.session),
        cell(&started),
        dash(&c.caller),
        dash(&c.target),
        dash(&c.agent),
        cell(c.status.as_deref().unwrap_or("open")),
        dash(&c.category),
    ]
}

/// A recorded call and its events as the role may read them: values of restricted
/// variables (recorded by a role that could see them) withheld.
fn recorded(
    store: &deskbook_store::Store,
    id: &str,
    content: &deskbook_content::Content,
) -> Result<(deskbook_store::Call, Vec<deskbook_store::Event>)> {
    use deskbook_content::vars::{redact, redact_json};
    let mut call = store.call(id)?;
    let mut events = store.events(&call.session)?;
    let (vars, role) = (&content.org.vars, content.role);
    for v in call.vars.values_mut() {
        *v = redact(v, vars, role).into_owned();
    }
    for e in &mut events {
        let mut v = serde_json::to_value(&e.record)?;
        redact_json(&mut v, vars, role);
        e.record = serde_json::from_value(v)?;
    }
    Ok((call, events))
}
