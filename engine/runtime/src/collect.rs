//! `deskbook collect`: the collect-diagnostics playbook run unattended on the caller's own
//! computer, as the source material's debug script is, writing one evidence packet.
//!
//! It is a collector run (DESIGN.md, Probes): the probes and the `do` steps' commands are
//! for this very computer, so they run here. Without administrator rights it says so,
//! runs the probes (they only look) and marks every command that changes the computer as
//! missing. The questions that are for the agent and the caller (is the problem still
//! there?) end the unattended part. Everything changed is restored at the end, or on
//! Ctrl-C, and the packet then records what ran, what each step found and what is missing
//! and why. `--dry-run` lists every command and changes nothing.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use deskbook_content::Content;
use deskbook_evidence::{neutralise, Manifest, OsInfo, PacketWriter, StepRecord, FORMAT};
use deskbook_playbook::{
    ActionRequest, Engine, EngineEvent, Pending, ProbeRequest, Reply, RunError,
};
use deskbook_probes::{ProbeResult, Status};
use serde_json::{json, Value};

use crate::probing::Probes;
use crate::RuntimeError;
use deskbook_evidence::table73::{comp_name, file_stem, unique};

/// The playbook a collector runs.
pub const PLAYBOOK: &str = "collect-diagnostics";

/// Table 7.3 names that the probe or command alone does not tell (by step id of the
/// collect-diagnostics playbook); the rest follow the escalation packet's naming.
const TABLE_7_3: &[(&str, &str)] = &[("regdefault", "RegDefault.txt")];

/// What `deskbook collect` is given.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// The computer the caller cannot reach (`<SrvName>`).
    pub target: Option<String>,
    /// The packet file; default `<CompName>_deskbook.zip` in the current folder.
    pub out: Option<PathBuf>,
    /// List what would run; run nothing, write nothing.
    pub dry_run: bool,
    /// The deskbook and content versions, for the manifest.
    pub version: String,
    pub content_version: String,
}

/// How a collection ended.
#[derive(Debug, Clone)]
pub struct Collected {
    /// The packet written (`None` under `--dry-run`).
    pub packet: Option<PathBuf>,
    pub manifest: Manifest,
    /// Under `--dry-run`: every command line, in order.
    pub would_run: Vec<String>,
    /// Ctrl-C (or a stop signal) cut the run short; what ran is restored and recorded.
    pub interrupted: bool,
}

/// Runs the collector on this computer. `progress` gets one line per step.
pub fn collect(
    content: &Content,
    probes: &dyn Probes,
    opts: &CollectOptions,
    progress: &mut dyn Write,
) -> Result<Collected, RuntimeError> {
    let started = deskbook_store::time::now();
    let clock = Instant::now();
    let os = probes.run(&ProbeRequest::here("os", BTreeMap::new()));
    let field = |k: &str| os.data.get(k).and_then(Value::as_str).map(str::to_owned);
    let computer = field("computer").unwrap_or_else(|| "UNKNOWN".to_owned());
    let comp = comp_name(&computer);
    let admin = os
        .data
        .get("admin")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut vars = BTreeMap::from([("caller".to_owned(), computer.clone())]);
    if let Some(t) = &opts.target {
        vars.insert("target".to_owned(), t.clone());
    }
    // Checked before anything is shown or run.
    let mut engine = Engine::start(content, PLAYBOOK, vars).map_err(|e| match e {
        RunError::BadInput {
            name,
            value,
            reason,
            ..
        } if name == "target" => RuntimeError::Collect(format!("--target {value}: {reason}")),
        e => e.into(),
    })?;
    let mut say = |line: &str| {
        let _ = writeln!(progress, "{}", neutralise(line));
    };
    if opts.dry_run {
        say(&format!(
            "dry run on {computer}: every command is listed, none runs, no packet is written"
        ));
    } else {
        say(&format!("collecting diagnostics on {computer} for Tier 2"));
    }
    if !admin {
        say("not running as an administrator: the probes run, but the steps that change this computer (logging, ticket purge, policy refresh, IPsec restart) are skipped and marked missing; run it again as an administrator for a full packet");
    }

    let mut g = Gathered {
        comp: comp.clone(),
        dry_run: opts.dry_run,
        ..Gathered::default()
    };
    let mut interrupted = false;
    let mut first = true;
    while let Some(p) = engine.pending() {
        if crate::interrupt::requested() {
            interrupted = true;
            g.steps.push(missing(
                p.step(),
                "",
                None,
                "interrupted (Ctrl-C) before this step",
            ));
            break;
        }
        let step = p.step().to_owned();
        let reply: Vec<Reply> = match &p {
            // The first question asks whether this runs on the caller's computer itself: a
            // collector always does.
            Pending::Ask { choices, .. } if first && choices.iter().any(|c| c == "yes") => {
                vec![Reply::Answer("yes".into())]
            }
            Pending::Ask { text, .. } => {
                say(&format!(
                    "stopping at `{step}`: a question for the call, not for this computer"
                ));
                g.steps.push(missing(
                    &step,
                    "ask",
                    None,
                    &format!("a question for the agent and caller: {}", one_line(text)),
                ));
                break;
            }
            Pending::Input { text, .. } => {
                g.steps.push(missing(
                    &step,
                    "ask",
                    None,
                    &format!("a question for the agent: {}", one_line(text)),
                ));
                vec![Reply::Answer("(not collected: unattended run)".into())]
            }
            Pending::Probe { request, .. } => {
                let line = describe_probe(probes, request);
                let needs_target = request.args.values().any(String::is_empty);
                // A probe left out: the manifest says why, the run goes on with an error.
                let mut not_run = |why: &str, manifest: &str| {
                    g.steps.push(record_probe(
                        &step,
                        request,
                        &line,
                        None,
                        Vec::new(),
                        Some(manifest.into()),
                    ));
                    vec![Reply::Probe(ProbeResult::error(&request.name, why))]
                };
                if needs_target {
                    say(&format!("[{step}] {line}: not run, no --target given"));
                    not_run("not run: no --target given", "no --target given")
                } else if opts.dry_run {
                    say(&format!("  would run: {line}"));
                    g.would_run.push(line.clone());
                    not_run("not run: --dry-run", "not run: --dry-run")
                } else {
                    say(&format!("[{step}] {line}"));
                    let result = probes.run(request);
                    say(&format!("  {}: {}", result.status, result.summary));
                    // A probe that could not run (no tool on this OS, no rights) leaves
                    // no file: the manifest says why it is missing.
                    let (made, why) = if result.status == Status::Error {
                        (Vec::new(), Some(result.summary.clone()))
                    } else {
                        let payload = json!({"request": request});
                        (vec![g.output(&step, &payload, &result)], None)
                    };
                    g.steps.push(record_probe(
                        &step,
                        request,
                        &line,
                        Some(result.clone()),
                        made,
                        why,
                    ));
                    vec![Reply::Probe(result)]
                }
            }
            Pending::Confirm {
                text,
                command,
                choices,
                ..
            } => {
                let done = choices.first().cloned().unwrap_or_else(|| "done".into());
                match command {
                    None => {
                        g.steps.push(missing(
                            &step,
                            "do",
                            None,
                            &format!("a manual step: {}", one_line(text)),
                        ));
                        vec![Reply::Answer(done)]
                    }
                    Some(action) => {
                        let line = probes.describe(action);
                        if opts.dry_run {
                            say(&format!("  would run: {line}"));
                            g.would_run.push(line.clone());
                            g.steps
                                .push(missing(&step, "do", Some(&line), "not run: --dry-run"));
                            // As the runner's dry run: a result that says it did not run, so
                            // the step's restore is listed at the end too.
                            g.armed.insert(step.clone());
                            vec![
                                Reply::Probe(ProbeResult::error("command", "not run: --dry-run")),
                                Reply::Answer(done),
                            ]
                        } else if !admin {
                            g.steps.push(missing(
                                &step,
                                "do",
                                Some(&line),
                                "not run: needs administrator rights",
                            ));
                            vec![Reply::Answer(done)]
                        } else {
                            say(&format!("[{step}] {line}"));
                            let result = probes.run(&action.probe_request());
                            say(&format!("  {}: {}", result.status, result.summary));
                            let mut rec = missing(&step, "do", Some(&line), "");
                            if result.status == Status::Error {
                                rec.missing = Some(result.summary.clone());
                            } else {
                                let payload = json!({"command": line, "action": action});
                                rec.missing = None;
                                rec.files = vec![g.output(&step, &payload, &result)];
                            }
                            rec.result = Some(result.clone());
                            g.steps.push(rec);
                            // Only what really changed is restored.
                            if result.status != Status::Error {
                                g.armed.insert(step.clone());
                            }
                            let answer = if result.status == Status::Ok {
                                done
                            } else {
                                choices
                                    .iter()
                                    .find(|c| c.contains("fail"))
                                    .cloned()
                                    .unwrap_or(done)
                            };
                            vec![Reply::Probe(result), Reply::Answer(answer)]
                        }
                    }
                }
            }
        };
        first = false;
        for r in reply {
            let events = engine.submit(r)?;
            for ev in events {
                if let EngineEvent::Restore { action } = ev {
                    g.restore(probes, &action, &mut say);
                }
            }
        }
    }
    for action in engine.restores() {
        g.restore(probes, &action, &mut say);
    }
    let manifest = Manifest {
        format: FORMAT,
        deskbook: opts.version.clone(),
        content: opts.content_version.clone(),
        playbook: PLAYBOOK.into(),
        computer: computer.clone(),
        user: field("user").unwrap_or_else(|| "(unknown)".into()),
        admin,
        os: OsInfo {
            name: field("name").unwrap_or_default(),
            version: field("version").unwrap_or_default(),
            os_id: field("os_id"),
        },
        target: opts.target.clone(),
        started,
        ended: deskbook_store::time::now(),
        steps: g.steps,
    };
    if opts.dry_run {
        return Ok(Collected {
            packet: None,
            manifest,
            would_run: g.would_run,
            interrupted,
        });
    }
    let path = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{comp}_deskbook.zip")));
    let packet = write_packet(&path, &manifest, &g.files, &os)?;
    say(&format!(
        "packet written: {} ({} files, {} steps missing, {:.1} s)",
        packet.display(),
        g.files.len(),
        manifest
            .steps
            .iter()
            .filter(|s| s.missing.is_some())
            .count(),
        clock.elapsed().as_secs_f64()
    ));
    Ok(Collected {
        packet: Some(packet),
        manifest,
        would_run: g.would_run,
        interrupted,
    })
}

/// What a collection has gathered so far: the manifest's steps, the packet's files (each
/// name used once), the commands a dry run lists, and the steps whose changes are to be
/// restored.
#[derive(Default)]
struct Gathered {
    /// The computer's name as packet file names start (`<CompName>`).
    comp: String,
    dry_run: bool,
    steps: Vec<StepRecord>,
    files: Vec<(String, Vec<u8>)>,
    used: BTreeSet<String>,
    armed: HashSet<String>,
    would_run: Vec<String>,
}

impl Gathered {
    /// Keep a step's result as a packet file, named as Table 7.3 names it or else after
    /// the escalation packet's naming; returns the file's name.
    fn output(&mut self, step: &str, payload: &Value, result: &ProbeResult) -> String {
        let stem = match TABLE_7_3.iter().find(|(id, _)| *id == step) {
            Some((_, name)) => format!("{}_{name}", self.comp),
            None => file_stem(&self.comp, payload, result),
        };
        let name = unique(&mut self.used, &stem);
        self.files
            .push((name.clone(), format!("{result}").into_bytes()));
        name
    }

    /// Undo what a `do` step changed, when it really changed something (once).
    fn restore(&mut self, probes: &dyn Probes, action: &ActionRequest, say: &mut dyn FnMut(&str)) {
        if !self.armed.remove(&action.step) {
            return;
        }
        let line = probes.describe(action);
        let id = format!("{}/restore", action.step);
        if self.dry_run {
            say(&format!("  would restore: {line}"));
            self.would_run.push(line.clone());
            self.steps
                .push(missing(&id, "do", Some(&line), "not run: --dry-run"));
            return;
        }
        say(&format!("[restore {}] {line}", action.step));
        let result = probes.run(&action.probe_request());
        say(&format!("  {}: {}", result.status, result.summary));
        let mut rec = missing(&id, "do", Some(&line), "");
        if result.status == Status::Error {
            rec.missing = Some(format!("the restore could not run: {}", result.summary));
        } else {
            let name = unique(&mut self.used, &format!("{}_restore.txt", self.comp));
            self.files
                .push((name.clone(), format!("{line}\n{result}").into_bytes()));
            rec.missing = None;
            rec.files = vec![name];
        }
        rec.result = Some(result);
        self.steps.push(rec);
    }
}

fn one_line(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 160 {
        format!("{}…", t.chars().take(159).collect::<String>())
    } else {
        t
    }
}

fn missing(step: &str, kind: &str, command: Option<&str>, why: &str) -> StepRecord {
    StepRecord {
        id: step.to_owned(),
        kind: kind.to_owned(),
        probe: None,
        args: BTreeMap::new(),
        command: command.map(str::to_owned),
        result: None,
        files: Vec::new(),
        missing: Some(why.to_owned()),
    }
}

fn record_probe(
    step: &str,
    request: &ProbeRequest,
    line: &str,
    result: Option<ProbeResult>,
    files: Vec<String>,
    missing: Option<String>,
) -> StepRecord {
    StepRecord {
        id: step.to_owned(),
        kind: "probe".into(),
        probe: Some(request.name.clone()),
        args: request.args.clone(),
        command: Some(line.to_owned()),
        result,
        files,
        missing,
    }
}

/// A probe as a line a person reads: the command line for `command`, else `ping host=…`.
fn describe_probe(probes: &dyn Probes, request: &ProbeRequest) -> String {
    if request.name == "command" {
        // As the probe reads it (a JSON array or a command line); what it would refuse is
        // shown as written.
        let argv = match request
            .args
            .get("argv")
            .map(|a| (a, deskbook_probes::parse_argv(a)))
        {
            Some((_, Ok(words))) => Some(words),
            Some((written, Err(_))) => return written.clone(),
            None => None,
        };
        let action = ActionRequest {
            step: String::new(),
            task: request.args.get("task").cloned(),
            argv,
            with: request
                .args
                .iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "task" | "argv" | "timeout_ms" | "regex" | "os")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            from: request.from,
        };
        return probes.describe(&action);
    }
    let mut line = request.name.clone();
    for (k, v) in &request.args {
        line.push_str(&format!(" {k}={v}"));
    }
    line
}

fn write_packet(
    path: &Path,
    manifest: &Manifest,
    files: &[(String, Vec<u8>)],
    os: &ProbeResult,
) -> Result<PathBuf, RuntimeError> {
    let to_err = |e: deskbook_evidence::PacketError| RuntimeError::Collect(e.to_string());
    let mut w = PacketWriter::create(path).map_err(to_err)?;
    for (name, data) in files {
        w.add(name, data).map_err(to_err)?;
    }
    let readme = readme(manifest, files, os);
    w.finish(manifest, &readme).map_err(to_err)
}

/// The README for Tier 2: what the packet is, where it comes from, what is in it and
/// what is missing.
fn readme(m: &Manifest, files: &[(String, Vec<u8>)], os: &ProbeResult) -> String {
    let mut out = format!(
        "deskbook evidence packet (format {})\n\n\
         Collected on {} by {} ({}) with `deskbook collect`, deskbook {}.\n\
         Operating system: {}.\n\
         Target the caller cannot reach: {}.\n\
         Started {}, ended {}.\n\n\
         Every result here is from {} itself, where the collector ran. The file names follow\n\
         the debug script's (Table 7.3). manifest.json has every step with its probe result\n\
         as JSON, or why it is missing.\n\n\
         The help desk attaches this file to the call:\n\
         \x20 deskbook run tier1-triage --evidence {}_deskbook.zip\n\
         \x20 deskbook sessions attach CALL-ID {}_deskbook.zip\n\n\
         Files:\n",
        m.format,
        m.computer,
        m.user,
        if m.admin {
            "administrator"
        } else {
            "not an administrator"
        },
        m.deskbook,
        os.summary,
        m.target.as_deref().unwrap_or("(not given)"),
        m.started,
        m.ended,
        m.computer,
        comp_name(&m.computer),
        comp_name(&m.computer),
    );
    for (name, _) in files {
        let step = m.steps.iter().find(|s| s.files.contains(name));
        out.push_str(&format!(
            "  {name}  ({})\n",
            step.map_or("", |s| s.id.as_str())
        ));
    }
    let gaps: Vec<&StepRecord> = m.steps.iter().filter(|s| s.missing.is_some()).collect();
    if !gaps.is_empty() {
        out.push_str("\nMissing:\n");
        for s in gaps {
            out.push_str(&format!(
                "  {}: {}\n",
                s.id,
                s.missing.as_deref().unwrap_or("")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probing::LiveProbes;
    use crate::ContentTasks;

    fn command_probe(argv: &str) -> ProbeRequest {
        ProbeRequest::here("command", BTreeMap::from([("argv".into(), argv.into())]))
    }

    /// A `command` probe's `argv` is shown as the probe runs it, whether the playbook gave
    /// a JSON array (as a list in YAML becomes) or a command line with quotes.
    #[test]
    fn a_command_probe_is_shown_as_the_probe_reads_its_argv() {
        let probes = LiveProbes::new(ContentTasks::default());
        let shown = |argv: &str| describe_probe(&probes, &command_probe(argv));
        assert_eq!(shown(r#"["klist", "tickets"]"#), "klist tickets");
        assert_eq!(
            shown(r#"["reg", "query", "HKLM\\Software\\Policies"]"#),
            r"reg query 'HKLM\Software\Policies'"
        );
        assert_eq!(
            shown(r#"netsh advfirewall show "all profiles""#),
            "netsh advfirewall show 'all profiles'"
        );
        // Refused by the probe (unbalanced quotes): shown as written.
        assert_eq!(shown(r#"netsh "all"#), r#"netsh "all"#);
    }
}
