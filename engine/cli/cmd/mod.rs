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

/// `eprintln!` for messages on standard error: a closed standard error (`deskbook show x
/// 2>&1 | true`) is not a crash; the message is lost and the exit code still says what
/// happened.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cmd::emit_err(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `print!` for command output, as [`outln!`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cmd::emit(&format!($($t)*))?
    };
}

pub mod check;
pub mod collect;
pub mod completions;
pub mod init;
pub mod layers;
pub mod list;
pub mod man;
pub mod probe;
pub mod replay;
pub mod report;
pub mod run;
pub mod search;
pub mod sessions;
pub mod show;
pub mod site;
pub mod test;

use anyhow::Result;
use deskbook_content::markdown::Style;
use deskbook_content::{Content, Diagnostic, Item};
use std::process::ExitCode;

use crate::args::{Cli, Command, Globals};

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let g = &cli.globals;
    match cli.command {
        Command::Check(args) => check::execute(g, args),
        Command::List(args) => list::execute(g, args),
        Command::Show(args) => show::execute(g, args),
        // Search opens its cached index without loading the content (it loads only to build).
        Command::Search(args) => search::execute(g, args),
        Command::Run(args) => run::execute(g, args),
        Command::Test(args) => test::execute(g, args),
        Command::Probe(args) => probe::execute(g, args),
        Command::Sessions(args) => sessions::execute(g, args),
        Command::Collect(args) => collect::execute(g, args),
        Command::Completions(args) => completions::execute(args),
        Command::Man(args) => man::execute(args),
        Command::Layers(args) => layers::execute(g, args),
        Command::Init(args) => init::execute(g, args),
        Command::Site(args) => site::execute(g, args),
        Command::Report(args) => report::execute(g, args),
        Command::Replay(args) => replay::execute(g, args),
    }
}

/// What every command works on: the effective content, seen as the caller's role.
pub struct Ctx {
    pub content: Content,
    /// The call store: `--db` (or `DESKBOOK_DB`), else the organisation's `db:`.
    pub db: Option<String>,
}

impl Ctx {
    /// Load the effective content of the organisation and layers the global flags name.
    pub fn load(g: &Globals) -> Result<Ctx, ConfigError> {
        let org = g.org().map_err(ConfigError)?;
        let db = g.db_for(&org);
        let mut content = deskbook_content::load_org(&org);
        content.set_role(g.role);
        Ok(Ctx { content, db })
    }

    /// Whether the role may see this item.
    pub fn visible(&self, item: &Item) -> bool {
        self.content.visible(item)
    }
}

/// A deskbook.yaml that cannot be used: its problems, each at file:line:column.
#[derive(Debug)]
pub struct ConfigError(pub Vec<Diagnostic>);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|d| d.to_string()).collect();
        write!(f, "{}", shown.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

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

/// Write `text` to standard error; a reader that went away (or any other failure to write
/// there) is ignored: there is nowhere left to say it.
pub fn emit_err(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// `--json` output: pretty-printed, with the control characters JSON lets stand raw in a
/// string written as `\u` escapes (the same value; nothing in it acts on a terminal).
pub fn emit_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    emit(&format!(
        "{}\n",
        deskbook_content::terminal::json_escaped(&text)
    ))
}

/// ANSI styling when `to_terminal` and the user has not asked for none: `NO_COLOR` set to
/// anything but the empty string turns colour off (no-color.org).
pub fn style(to_terminal: bool) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if to_terminal && !no_color {
        Style::Ansi
    } else {
        Style::Plain
    }
}
