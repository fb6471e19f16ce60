//! `deskbook sessions list | show ID | resume ID | export ID --out DIR`: the recorded calls.

use anyhow::Result;
use deskbook_report::{export, transcript};
use deskbook_runtime::{log, AnswersFile, ContentTasks, LiveProbes, Options};
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
    /// Every recorded call, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
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
    /// Write the escalation packet: a README of what Tier 2 needs (present or missing), the
    /// transcript, probe and command outputs, the call as JSON.
    Export {
        id: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let mut store = open_store(ctx.db.as_deref())?;
    match args.command {
        SessionsCommand::List { json } => {
            let calls = store.calls()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&calls)?);
                return Ok(ExitCode::SUCCESS);
            }
            if calls.is_empty() {
                outln!("no calls recorded in {}", store.path().display());
                return Ok(ExitCode::SUCCESS);
            }
            let w = calls
                .iter()
                .map(|c| c.playbook.len())
                .max()
                .unwrap_or(8)
                .max(8);
            outln!(
                "{:10}  {:16}  {:w$}  {:16}  {:12}  escalate",
                "session",
                "started (UTC)",
                "playbook",
                "status",
                "category"
            );
            for c in &calls {
                let started: String = c.started_at.replace('T', " ").chars().take(16).collect();
                outln!(
                    "{:10}  {:16}  {:w$}  {:16}  {:12}  {}",
                    c.session,
                    started,
                    c.playbook,
                    c.status.as_deref().unwrap_or("open"),
                    c.category.as_deref().unwrap_or("-"),
                    c.escalate.as_deref().unwrap_or("-"),
                );
            }
        }
        SessionsCommand::Show { id, json } => {
            let (call, events) = recorded(&store, &id, &ctx.content)?;
            if json {
                let v = serde_json::json!({ "call": call, "events": events });
                outln!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            out!("{}", transcript::transcript(&call, &events, &ctx.content));
            outln!("\nEvent log:");
            for e in &events {
                outln!("{}", log::json_line(&call.session, e));
            }
        }
        SessionsCommand::Resume { id, answers, json } => {
            let answers = answers.as_deref().map(AnswersFile::read).transpose()?;
            if answers.is_some() {
                store.hold_lock()?;
            }
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
            for f in files {
                outln!("  {f}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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
        redact_json(&mut e.payload, vars, role);
    }
    Ok((call, events))
}
