//! Child processes of a test binary: the same binary re-run with one ignored test selected
//! (`child_process_entry`) and DESKBOOK_PROBES_CHILD saying what to do. The namespace
//! tests use them to listen inside a namespace and to run probes as an unprivileged user.

#[cfg(target_os = "linux")]
use std::process::Command;

use deskbook_probes::NoTasks;
#[cfg(target_os = "linux")]
use deskbook_probes::ProbeResult;

/// What the child prints before its JSON result.
pub const RESULT: &str = "DESKBOOK-RESULT ";
/// What a listener child prints once it listens.
pub const READY: &str = "DESKBOOK-READY";

const VAR: &str = "DESKBOOK_PROBES_CHILD";

/// The body of the `child_process_entry` test: does what DESKBOOK_PROBES_CHILD says.
///
/// - `tcp-listen ADDR`: accept connections on ADDR until killed.
/// - `probe NAME\tK=V\t…`: run a probe and print its result as JSON after [`RESULT`].
pub fn main() {
    let Ok(task) = std::env::var(VAR) else {
        panic!("this entry point is for child processes started by the namespace tests ({VAR} is not set)");
    };
    if let Some(addr) = task.strip_prefix("tcp-listen ") {
        let listener =
            std::net::TcpListener::bind(addr).unwrap_or_else(|e| panic!("listen on {addr}: {e}"));
        println!("{READY}");
        for conn in listener.incoming() {
            drop(conn);
        }
        return;
    }
    if let Some(spec) = task.strip_prefix("probe ") {
        let mut parts = spec.split('\t');
        let name = parts.next().unwrap_or_default();
        let args = parts
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let r = deskbook_probes::run(name, &args, &NoTasks);
        println!(
            "{RESULT}{}",
            serde_json::to_string(&r).expect("serialisable")
        );
        return;
    }
    panic!("unknown child task {task:?}");
}

/// The command that starts a child doing `task`, inside namespace `ns` when given, and as
/// nobody (uid and gid 65534, no capabilities, no `ping` on PATH) when `unprivileged`.
#[cfg(target_os = "linux")]
pub fn command(ns: Option<&str>, unprivileged: bool, task: &str) -> Command {
    use super::netns::{which, PublicBinary};
    use std::sync::OnceLock;
    static BINARY: OnceLock<PublicBinary> = OnceLock::new();
    let binary = BINARY.get_or_init(PublicBinary::new);
    let mut argv: Vec<String> = Vec::new();
    if let Some(ns) = ns {
        argv.extend([
            which("ip").expect("ip").to_string_lossy().into_owned(),
            "netns".into(),
            "exec".into(),
            ns.into(),
        ]);
    }
    if unprivileged {
        argv.extend([
            which("setpriv")
                .expect("setpriv")
                .to_string_lossy()
                .into_owned(),
            "--reuid=65534".into(),
            "--regid=65534".into(),
            "--clear-groups".into(),
            "--inh-caps=-all".into(),
            "--bounding-set=-all".into(),
        ]);
    }
    argv.push(binary.path().to_string_lossy().into_owned());
    argv.extend(
        [
            "--exact",
            "child_process_entry",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ]
        .map(String::from),
    );
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..]).env(VAR, task);
    if unprivileged {
        // No `ping` to fall back on: the probe must say why it cannot send.
        c.env("PATH", "/nonexistent");
    }
    c
}

/// Runs a probe in a child and returns its result.
#[cfg(target_os = "linux")]
pub fn run_probe(
    ns: Option<&str>,
    unprivileged: bool,
    probe: &str,
    args: &[(&str, &str)],
) -> ProbeResult {
    let mut task = format!("probe {probe}");
    for (k, v) in args {
        task.push_str(&format!("\t{k}={v}"));
    }
    let out = command(ns, unprivileged, &task)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT))
        .unwrap_or_else(|| {
            panic!(
                "the child printed no result: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(line).expect("a ProbeResult")
}
