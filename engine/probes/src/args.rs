//! Each probe's arguments: which exist, which are required, and what a value must look like.
//!
//! Parsing here is the only way to get the typed parameters a probe runs with, so nothing
//! reaches a socket or a process unchecked. `deskbook check` calls the same code on the
//! literal arguments of playbook steps (through [`crate::validate`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use regex::Regex;

use crate::error::{shown, ProbeError};
use crate::names::{parse_addr, parse_dns_name, parse_host, Host};
use crate::wire::dns::QType;

/// The arguments of each probe: `(name, required)`.
fn spec(probe: &str) -> Option<&'static [(&'static str, bool)]> {
    Some(match probe {
        "os" => &[],
        "ping" => &[("host", true), ("count", false), ("timeout_ms", false)],
        "resolve" => &[
            ("name", true),
            ("server", false),
            ("type", false),
            ("timeout_ms", false),
        ],
        "tcp" => &[("host", true), ("port", true), ("timeout_ms", false)],
        "udp" => &[
            ("host", true),
            ("port", false),
            ("protocol", true),
            ("name", false),
            ("timeout_ms", false),
        ],
        "ike" => &[
            ("host", true),
            ("port", false),
            ("version", false),
            ("os", false),
            ("timeout_ms", false),
            ("source_port", false),
        ],
        // `command` also takes placeholder values (`domain=…`) for its task's `{{ name }}`.
        "command" => &[
            ("task", false),
            ("argv", false),
            ("timeout_ms", false),
            ("regex", false),
            ("os", false),
        ],
        "file" => &[("path", true), ("pattern", false), ("tail", false)],
        _ => return None,
    })
}

/// The tool-matrix OS ids (content-format.md).
pub(crate) const OS_IDS: &[&str] = &[
    "win2000",
    "winxp",
    "winxp-sp2",
    "win2003",
    "windows",
    "linux",
];

/// Longest value accepted for most arguments.
const MAX_VALUE: usize = 1024;
/// Longest `argv` or `path`.
const MAX_LONG_VALUE: usize = 4096;

/// UDP protocols the `udp` probe speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UdpProtocol {
    Dns,
    Cldap,
}

impl UdpProtocol {
    pub(crate) fn default_port(self) -> u16 {
        match self {
            UdpProtocol::Dns => 53,
            UdpProtocol::Cldap => 389,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UdpProtocol::Dns => "dns",
            UdpProtocol::Cldap => "cldap",
        }
    }
}

/// Which IKE versions the `ike` probe tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IkeVersions {
    V1,
    V2,
    Both,
}

impl IkeVersions {
    /// The versions to try, and why: an explicit `version` wins; otherwise the version the
    /// target's OS (`os`, a tool-matrix id) speaks. Windows 2000, XP and Server 2003 speak
    /// IKEv1 only; later Windows negotiates isolation with IKEv1 (and AuthIP) and VPNs with
    /// IKEv2; Linux peers (strongSwan, libreswan) default to IKEv2.
    pub(crate) fn choose(
        version: Option<IkeVersions>,
        os: Option<&str>,
    ) -> (IkeVersions, Option<String>) {
        if let Some(v) = version {
            return (v, None);
        }
        match os {
            Some(os @ ("win2000" | "winxp" | "winxp-sp2" | "win2003")) => {
                let name = match os {
                    "win2000" => "Windows 2000",
                    "win2003" => "Windows Server 2003",
                    _ => "Windows XP",
                };
                (
                    IkeVersions::V1,
                    Some(format!("the target runs {name}, which speaks IKEv1 only")),
                )
            }
            Some("windows") => (
                IkeVersions::Both,
                Some(
                    "the target runs Windows Vista or later, which speaks IKEv1 (isolation) and IKEv2"
                        .to_owned(),
                ),
            ),
            Some("linux") => (
                IkeVersions::V2,
                Some("the target runs Linux, whose IKE daemons default to IKEv2".to_owned()),
            ),
            _ => (
                IkeVersions::V2,
                Some("the target's OS is not known; `os` picks the version it speaks".to_owned()),
            ),
        }
    }
}

/// What the `command` probe runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CommandSpec {
    Task(String),
    Argv(Vec<String>),
}

/// A probe's checked parameters.
#[derive(Debug, Clone)]
pub(crate) enum Params {
    Os,
    Ping {
        host: Host,
        count: u32,
        timeout: Duration,
    },
    Resolve {
        name: Host,
        server: Option<SocketAddr>,
        qtype: Option<QType>,
        timeout: Duration,
    },
    Tcp {
        host: Host,
        port: u16,
        timeout: Duration,
    },
    Udp {
        host: Host,
        port: u16,
        protocol: UdpProtocol,
        name: Option<Host>,
        timeout: Duration,
    },
    Ike {
        host: Host,
        port: u16,
        versions: IkeVersions,
        /// Why these versions (shown with the result); `None` when `version` asked for them.
        choice: Option<String>,
        timeout: Duration,
        source_port: u16,
    },
    Command {
        spec: CommandSpec,
        timeout: Duration,
        regex: Option<Regex>,
        os: Option<String>,
        vars: BTreeMap<String, String>,
    },
    File {
        path: String,
        pattern: Option<Regex>,
        tail: Option<usize>,
    },
}

impl Params {
    /// The longest this probe may take, for the watchdog of [`crate::run_many`].
    pub(crate) fn budget(&self) -> Duration {
        const NAME_LOOKUP: Duration = Duration::from_secs(5);
        match self {
            Params::Os => Duration::from_secs(15),
            Params::Ping { count, timeout, .. } => {
                NAME_LOOKUP + (*timeout + crate::probes::ping::INTERVAL) * *count
            }
            // Up to three servers, each possibly retried over TCP.
            Params::Resolve { timeout, .. } => *timeout * 6,
            Params::Tcp { timeout, .. } | Params::Udp { timeout, .. } => NAME_LOOKUP + *timeout,
            // Two versions, each with up to three exchanges (cookie, KE group, final).
            Params::Ike { timeout, .. } => NAME_LOOKUP + *timeout * 6,
            Params::Command { timeout, .. } => *timeout + Duration::from_secs(1),
            Params::File { .. } => Duration::from_secs(10),
        }
    }
}

/// Checks `args` for probe `probe` and returns the typed parameters.
pub(crate) fn parse(probe: &str, args: &BTreeMap<String, String>) -> Result<Params, ProbeError> {
    let spec = spec(probe).ok_or_else(|| ProbeError::UnknownProbe(shown(probe)))?;
    let mut vars = BTreeMap::new();
    for (k, v) in args {
        if !spec.iter().any(|(name, _)| name == k) {
            if probe == "command" && is_placeholder_name(k) {
                vars.insert(k.clone(), placeholder_value(k, v)?);
                continue;
            }
            let known: Vec<&str> = spec.iter().map(|(n, _)| *n).collect();
            let known = if known.is_empty() {
                "no arguments".to_owned()
            } else if probe == "command" {
                format!(
                    "{}, and values for the task's placeholders",
                    known.join(", ")
                )
            } else {
                known.join(", ")
            };
            return Err(ProbeError::UnknownArg {
                probe: probe.to_owned(),
                arg: shown(k),
                known,
            });
        }
    }
    for (name, required) in spec {
        if *required && !args.contains_key(*name) {
            return Err(ProbeError::MissingArg {
                probe: probe.to_owned(),
                arg: (*name).to_owned(),
            });
        }
    }
    let a = Args(args);
    Ok(match probe {
        "os" => Params::Os,
        "ping" => Params::Ping {
            host: a.host("host")?,
            count: a.number("count", 1, 100)?.map_or(4, |n| n as u32),
            timeout: a.timeout(1000, 60_000)?,
        },
        "resolve" => Params::Resolve {
            name: a.dns_name("name")?,
            server: a.server("server")?,
            qtype: a.qtype("type")?,
            timeout: a.timeout(2000, 60_000)?,
        },
        "tcp" => Params::Tcp {
            host: a.host("host")?,
            port: a.port("port", 1)?.unwrap_or(0),
            timeout: a.timeout(3000, 60_000)?,
        },
        "udp" => {
            let protocol = a.udp_protocol("protocol")?;
            let name = match a.get("name")? {
                Some(_) if protocol != UdpProtocol::Dns => {
                    return Err(ProbeError::Conflict {
                        probe: probe.to_owned(),
                        reason: "takes `name` only with protocol=dns (the name to query)".into(),
                    })
                }
                Some(_) => Some(a.dns_name("name")?),
                None => None,
            };
            Params::Udp {
                host: a.host("host")?,
                port: a.port("port", 1)?.unwrap_or(protocol.default_port()),
                protocol,
                name,
                timeout: a.timeout(2000, 60_000)?,
            }
        }
        "ike" => {
            let (versions, choice) =
                IkeVersions::choose(a.ike_versions("version")?, a.os_id("os")?.as_deref());
            Params::Ike {
                host: a.host("host")?,
                port: a.port("port", 1)?.unwrap_or(500),
                versions,
                choice,
                timeout: a.timeout(3000, 60_000)?,
                source_port: a.port("source_port", 0)?.unwrap_or(0),
            }
        }
        "command" => {
            let spec = match (a.get("task")?, a.get("argv")?) {
                (Some(_), Some(_)) => {
                    return Err(ProbeError::Conflict {
                        probe: probe.to_owned(),
                        reason: "takes either `task` or `argv`, not both".into(),
                    })
                }
                (None, None) => {
                    return Err(ProbeError::Conflict {
                        probe: probe.to_owned(),
                        reason: "needs `task` (a tool-matrix task) or `argv` (a command)".into(),
                    })
                }
                (Some(t), None) => CommandSpec::Task(task_name(t)?),
                (None, Some(v)) => CommandSpec::Argv(parse_argv(v)?),
            };
            Params::Command {
                spec,
                timeout: a.timeout(10_000, 300_000)?,
                regex: a.regex("regex")?,
                os: a.os_id("os")?,
                vars,
            }
        }
        "file" => Params::File {
            path: a.path("path")?,
            pattern: a.regex("pattern")?,
            tail: a.number("tail", 1, 100_000)?.map(|n| n as usize),
        },
        _ => return Err(ProbeError::UnknownProbe(shown(probe))),
    })
}

/// Rejects what no argument may hold: control characters (newlines above all) and
/// oversized text.
fn plain(arg: &str, value: &str, max: usize) -> Result<(), ProbeError> {
    if value.len() > max {
        return Err(ProbeError::bad(
            arg,
            value,
            format!("too long: {} bytes (at most {max})", value.len()),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ProbeError::bad(
            arg,
            value,
            "control characters (such as a newline) are not allowed",
        ));
    }
    Ok(())
}

struct Args<'a>(&'a BTreeMap<String, String>);

impl Args<'_> {
    fn get(&self, arg: &str) -> Result<Option<&str>, ProbeError> {
        match self.0.get(arg) {
            None => Ok(None),
            Some(v) => {
                let max = if arg == "argv" || arg == "path" {
                    MAX_LONG_VALUE
                } else {
                    MAX_VALUE
                };
                plain(arg, v, max)?;
                Ok(Some(v.as_str()))
            }
        }
    }

    fn host(&self, arg: &str) -> Result<Host, ProbeError> {
        let v = self.get(arg)?.unwrap_or("");
        parse_host(v).map_err(|reason| ProbeError::bad(arg, v, reason))
    }

    fn dns_name(&self, arg: &str) -> Result<Host, ProbeError> {
        let v = self.get(arg)?.unwrap_or("");
        parse_dns_name(v).map_err(|reason| ProbeError::bad(arg, v, reason))
    }

    fn number(&self, arg: &str, min: u64, max: u64) -> Result<Option<u64>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        let range = || format!("expected a whole number from {min} to {max}");
        if v.is_empty() || v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProbeError::bad(arg, v, range()));
        }
        match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ProbeError::bad(arg, v, range())),
        }
    }

    fn port(&self, arg: &str, min: u64) -> Result<Option<u16>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        let n = self.number(arg, min, 65_535).map_err(|_| {
            ProbeError::bad(
                arg,
                v,
                format!("expected a port number from {min} to 65535"),
            )
        })?;
        Ok(n.and_then(|n| u16::try_from(n).ok()))
    }

    fn timeout(&self, default_ms: u64, max_ms: u64) -> Result<Duration, ProbeError> {
        Ok(Duration::from_millis(
            self.number("timeout_ms", 1, max_ms)?.unwrap_or(default_ms),
        ))
    }

    fn server(&self, arg: &str) -> Result<Option<SocketAddr>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        let bad = || {
            ProbeError::bad(
                arg,
                v,
                "expected a DNS server's IP address, optionally with a port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)",
            )
        };
        if let Some(a) = parse_addr(v) {
            return Ok(Some(SocketAddr::new(a, 53)));
        }
        v.parse::<SocketAddr>()
            .ok()
            .filter(|s| s.port() != 0)
            .map(Some)
            .ok_or_else(bad)
    }

    fn qtype(&self, arg: &str) -> Result<Option<QType>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        QType::parse(v).map(Some).ok_or_else(|| {
            ProbeError::bad(
                arg,
                v,
                "expected a record type: A, AAAA, PTR, SRV, CNAME, MX, NS, TXT, SOA or ANY",
            )
        })
    }

    fn udp_protocol(&self, arg: &str) -> Result<UdpProtocol, ProbeError> {
        let v = self.get(arg)?.unwrap_or("");
        match v {
            "dns" => Ok(UdpProtocol::Dns),
            "cldap" => Ok(UdpProtocol::Cldap),
            _ => Err(ProbeError::bad(
                arg,
                v,
                "expected `dns` (a DNS query) or `cldap` (an LDAP rootDSE query over UDP, as portqry sends)",
            )),
        }
    }

    fn ike_versions(&self, arg: &str) -> Result<Option<IkeVersions>, ProbeError> {
        match self.get(arg)? {
            None => Ok(None),
            Some("2") => Ok(Some(IkeVersions::V2)),
            Some("1") => Ok(Some(IkeVersions::V1)),
            Some("both") => Ok(Some(IkeVersions::Both)),
            Some(v) => Err(ProbeError::bad(
                arg,
                v,
                "expected `1` (IKEv1 main mode), `2` (IKEv2) or `both`",
            )),
        }
    }

    fn regex(&self, arg: &str) -> Result<Option<Regex>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        regex::RegexBuilder::new(v)
            .size_limit(1 << 20)
            .build()
            .map(Some)
            .map_err(|e| {
                let detail = e
                    .to_string()
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("error:"))
                    .map(|l| l.trim_start_matches("error:").trim().to_owned())
                    .unwrap_or_else(|| "too large or malformed".to_owned());
                ProbeError::bad(arg, v, format!("not a valid regular expression: {detail}"))
            })
    }

    fn os_id(&self, arg: &str) -> Result<Option<String>, ProbeError> {
        let Some(v) = self.get(arg)? else {
            return Ok(None);
        };
        if OS_IDS.contains(&v) {
            Ok(Some(v.to_owned()))
        } else {
            Err(ProbeError::bad(
                arg,
                v,
                "expected an OS id: win2000, winxp, winxp-sp2, win2003, windows or linux",
            ))
        }
    }

    fn path(&self, arg: &str) -> Result<String, ProbeError> {
        let v = self.get(arg)?.unwrap_or("");
        if v.is_empty() {
            return Err(ProbeError::bad(arg, v, "expected a file path"));
        }
        Ok(v.to_owned())
    }
}

/// A task name: the content vocabulary's form (`show-active-policy`).
fn task_name(v: &str) -> Result<String, ProbeError> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(ProbeError::bad(
            "task",
            v,
            "expected a tool-matrix task name such as `show-active-policy` (a-z, 0-9, -)",
        ))
    }
}

/// `argv` is a JSON array of strings (`["klist","purge"]`, one element per argument: what
/// the playbook runtime passes, so a variable can never split into two arguments) or a
/// command line split like POSIX shell words (quotes group; no variables, pipes or
/// redirections: those characters stay literal text inside an argument).
pub fn parse_argv(v: &str) -> Result<Vec<String>, ProbeError> {
    let words: Vec<String> = if v.trim_start().starts_with('[') {
        serde_json::from_str(v).map_err(|_| {
            ProbeError::bad(
                "argv",
                v,
                "expected a JSON array of strings, such as [\"klist\", \"purge\"]",
            )
        })?
    } else {
        shell_words::split(v)
            .map_err(|_| ProbeError::bad("argv", v, "unbalanced quotes in the command line"))?
    };
    match words.first() {
        None => {
            return Err(ProbeError::bad(
                "argv",
                v,
                "expected a command, got nothing",
            ))
        }
        Some(p) if p.is_empty() || p.starts_with('-') => {
            return Err(ProbeError::bad(
                "argv",
                v,
                "the first word must name a program, not an option",
            ))
        }
        Some(_) => {}
    }
    for w in &words {
        plain("argv", w, MAX_LONG_VALUE)?;
    }
    if let Some(why) = crate::interpreters::script_runner(&words) {
        return Err(ProbeError::bad("argv", v, why));
    }
    Ok(words)
}

/// A placeholder argument of `command` (`domain`, `host`, …).
fn is_placeholder_name(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 32
        && k.as_bytes()[0].is_ascii_lowercase()
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a value destined for a `{{ name }}` placeholder of a task's command line. Host-like
/// names must be hosts and `port` a port; any other value is restricted to characters that
/// mean nothing to a shell or a Windows batch file, and may not start like an option.
fn placeholder_value(k: &str, v: &str) -> Result<String, ProbeError> {
    plain(k, v, 255)?;
    match k {
        "host" | "target" | "caller" | "server" | "dc" | "computer" => {
            parse_host(v).map_err(|reason| ProbeError::bad(k, v, reason))?;
        }
        // `name`: what the `resolve` probe looks up, for the task a person runs in its stead.
        "domain" | "name" => {
            parse_dns_name(v).map_err(|reason| ProbeError::bad(k, v, reason))?;
        }
        "port" => {
            let ok = v.parse::<u16>().is_ok_and(|p| p > 0);
            if !ok {
                return Err(ProbeError::bad(
                    k,
                    v,
                    "expected a port number from 1 to 65535",
                ));
            }
        }
        _ => {
            if v.is_empty() {
                return Err(ProbeError::bad(k, v, "expected a value, got nothing"));
            }
            if v.starts_with('-') || v.starts_with('/') {
                return Err(ProbeError::bad(
                    k,
                    v,
                    "a placeholder value may not start with `-` or `/` (it would read as an option)",
                ));
            }
            if let Some(c) = v.chars().find(|c| {
                !(c.is_alphanumeric()
                    || matches!(
                        c,
                        '.' | '_' | '-' | ':' | '@' | '\\' | '/' | '=' | '+' | ','
                    ))
            }) {
                return Err(ProbeError::bad(
                    k,
                    v,
                    format!(
                        "a placeholder value may contain letters, digits and . _ - : @ \\ / = + , only, not `{}`",
                        crate::error::shown(&c.to_string())
                    ),
                ));
            }
        }
    }
    Ok(v.to_owned())
}
