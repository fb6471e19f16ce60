//! One file per command; each has an `execute` that calls the library and prints.

/// `println!` for command output: a reader that went away (`deskbook list | head -1`) is not
/// a crash. Only inside functions that return `anyhow::Result`.
macro_rules! outln {
    () => {
        $crate::cmd::emit("\n")?
    };
    ($($t:tt)*) => {
        $crate::cmd::emit(&format!("{}\n", format_args!($($t)*)))?
    };
}

/// `print!` for command output, as [`outln!`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cmd::emit(&format!($($t)*))?
    };
}

mod check;
mod list;
mod probe;
mod run;
mod search;
mod sessions;
mod show;
mod test;

use anyhow::Result;
use deskbook_content::{Content, Item, LayerSpec};
use std::process::ExitCode;

use crate::args::{Cli, Command, Role};

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let specs = layer_specs(&cli.content);
    let ctx = match cli.command {
        // Search opens its cached index without loading the content (it loads only to build).
        Command::Search {
            query,
            limit,
            kind,
            json,
        } => {
            let args = search::Args {
                query,
                limit,
                kind,
                json,
            };
            return search::execute(&specs, cli.role, args);
        }
        _ => Ctx::load(&cli),
    };
    match cli.command {
        Command::Check { json } => check::execute(&ctx, json),
        Command::List { kind, json } => list::execute(&ctx, kind.as_deref(), json),
        Command::Show { id, json } => show::execute(&ctx, &id, json),
        Command::Run {
            playbook,
            vars,
            answers,
            agent,
            json,
            dry_run,
            summary_format,
        } => run::execute(
            &ctx,
            cli.db.as_deref(),
            run::Args {
                playbook,
                vars,
                answers,
                agent,
                json,
                dry_run,
                summary_format,
            },
        ),
        Command::Test { json } => test::execute(&ctx, json),
        Command::Probe { name, args, json } => probe::execute(&ctx, &name, &args, json),
        Command::Sessions { command } => sessions::execute(&ctx, cli.db.as_deref(), command),
        // Handled above, before the content is loaded.
        Command::Search { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// What every command works on: the effective content and the caller's role.
pub struct Ctx {
    pub content: Content,
    pub role: Role,
}

impl Ctx {
    fn load(cli: &Cli) -> Ctx {
        Ctx {
            content: deskbook_content::load(&layer_specs(&cli.content)),
            role: cli.role,
        }
    }

    /// Whether the role may see this item.
    pub fn visible(&self, item: &Item) -> bool {
        self.role != Role::Tier1 || item.meta.audience == deskbook_content::model::Audience::Public
    }
}

/// The layers of this run: the built-in content, then each `--content` folder in order.
fn layer_specs(content: &[std::path::PathBuf]) -> Vec<LayerSpec> {
    let mut specs = vec![LayerSpec::BuiltIn];
    specs.extend(content.iter().cloned().map(LayerSpec::Dir));
    specs
}

/// Write `out` to stdout. A reader that went away (`deskbook search ... | head -1`) is not an
/// error: it has what it wanted.
pub fn emit(out: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
