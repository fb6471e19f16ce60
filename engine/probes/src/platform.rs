//! Everything that differs between Windows and Linux, behind `cfg` in this one module.
//!
//! The rest of the crate asks here: what OS is this (and which tool-matrix column), how to
//! send an ICMP echo (sockets on Linux; the system `ping` on Windows, whose output shows
//! "Negotiating IP Security"), which DNS servers the system uses, and what a socket error
//! number means. The text parsers these functions use live in `text` and are tested on
//! every platform; only the calls into the system are here.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::text::ping_output::PingText;

/// What the `os` probe reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OsFacts {
    /// `linux` or `windows` (or another `std::env::consts::OS` value).
    pub(crate) platform: &'static str,
    /// The tool-matrix OS id, when this OS has a column.
    pub(crate) os_id: Option<&'static str>,
    /// "Debian GNU/Linux 12 (bookworm)", "Microsoft Windows XP Professional", …
    pub(crate) name: String,
    /// Distribution or Windows version.
    pub(crate) version: String,
    /// Kernel release (Linux).
    pub(crate) kernel: Option<String>,
    /// The computer's DNS domain, when known.
    pub(crate) domain: Option<String>,
    /// Where the facts came from (files read, tools run).
    pub(crate) source: String,
    /// This computer's name (`%COMPUTERNAME%`, the host name).
    pub(crate) computer: Option<String>,
    /// Who runs deskbook.
    pub(crate) user: Option<String>,
    /// Whether deskbook runs with administrator rights (Windows: an elevated
    /// administrator, as `net session` tells; Linux: root), when that can be told.
    pub(crate) admin: Option<bool>,
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Ways to send an ICMP echo, in the order tried.
// Windows uses ping.exe only (see `imp`), so the socket variants are unused there.
#[cfg_attr(windows, allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PingMethod {
    /// An unprivileged ICMP datagram socket (Linux: allowed when the process's group is
    /// within `net.ipv4.ping_group_range`).
    DatagramSocket,
    /// A raw ICMP socket (root or CAP_NET_RAW).
    RawSocket,
    /// The system `ping` program, its output parsed.
    SystemPing,
}

impl PingMethod {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PingMethod::DatagramSocket => "icmp-datagram-socket",
            PingMethod::RawSocket => "icmp-raw-socket",
            PingMethod::SystemPing => "system-ping",
        }
    }
}

/// A socket error that means the path, not the port, failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreachable {
    Host,
    Network,
}

pub(crate) use imp::*;

#[cfg(windows)]
mod imp {
    //! Windows: facts from `reg query`/`ver`, ping through `ping.exe` (an ICMP socket
    //! needs administrator rights there, and only ping.exe shows "Negotiating IP
    //! Security"), DNS servers from `ipconfig /all`.
    use super::*;
    use crate::process;
    use crate::text::{ping_output, windows};

    pub(crate) const PING_METHODS: &[PingMethod] = &[PingMethod::SystemPing];

    const TOOL_TIMEOUT: Duration = Duration::from_secs(10);

    fn tool(argv: &[&str]) -> Option<String> {
        let argv: Vec<String> = argv.iter().map(|s| (*s).to_owned()).collect();
        process::run(&argv, TOOL_TIMEOUT)
            .ok()
            .filter(|f| f.code == Some(0))
            .map(|f| f.stdout)
    }

    pub(crate) fn os_facts() -> Result<OsFacts, String> {
        let key = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
        let (v, source) = if let Some(v) =
            tool(&["reg", "query", key]).and_then(|t| windows::parse_reg_current_version(&t))
        {
            (v, format!("reg query {key}"))
        } else if let Some(v) = tool(&["systeminfo"]).and_then(|t| windows::parse_systeminfo(&t)) {
            // Slower (seconds), but present where reg.exe is not, and it shows the service
            // pack that `ver` lacks (XP SP2 has its own tool-matrix column).
            (v, "systeminfo".to_owned())
        } else if let Some(v) =
            tool(&["cmd", "/d", "/c", "ver"]).and_then(|t| windows::parse_ver(&t))
        {
            (v, "ver".to_owned())
        } else {
            return Err("neither `reg query` nor `ver` gave a Windows version".into());
        };
        Ok(OsFacts {
            platform: "windows",
            os_id: v.os_id(),
            name: v
                .product
                .clone()
                .unwrap_or_else(|| "Microsoft Windows".into()),
            version: v.version_text(),
            kernel: None,
            domain: std::env::var("USERDNSDOMAIN")
                .ok()
                .filter(|d| !d.is_empty()),
            source,
            computer: env_nonempty("COMPUTERNAME"),
            user: env_nonempty("USERNAME"),
            admin: elevated(),
        })
    }

    /// Whether this process has an administrator's rights: `whoami /groups` where it lists
    /// SIDs (Server 2003 and later); otherwise `net session`, which lists sessions only for
    /// an (elevated) administrator and says "Access is denied" to anyone else. `None` when
    /// neither tells (Wine's tools, for one, answer neither way).
    fn elevated() -> Option<bool> {
        if let Some(admin) =
            tool(&["whoami", "/groups"]).and_then(|t| windows::parse_whoami_groups(&t))
        {
            return Some(admin);
        }
        let argv = ["net".to_owned(), "session".to_owned()];
        let f = process::run(&argv, TOOL_TIMEOUT).ok()?;
        if f.stdout.contains("NET command") {
            return None; // a `net` that does not know `session` printed its usage
        }
        Some(f.code == Some(0))
    }

    pub(crate) fn system_ping_argv(addr: IpAddr, count: u32, timeout: Duration) -> Vec<String> {
        vec![
            "ping".into(),
            "-n".into(),
            count.to_string(),
            "-w".into(),
            timeout.as_millis().to_string(),
            addr.to_string(),
        ]
    }

    pub(crate) fn parse_system_ping(text: &str) -> PingText {
        ping_output::parse_windows(text)
    }

    /// Windows has no ping group range.
    pub(crate) fn ping_group_range() -> Option<String> {
        None
    }

    /// Not needed on Windows: ping.exe needs no privilege.
    pub(crate) fn ids() -> Option<(u32, u32)> {
        None
    }

    /// The hosts file the system resolver reads first.
    pub(crate) fn hosts_file() -> std::path::PathBuf {
        let root = std::env::var_os("SystemRoot").unwrap_or_else(|| r"C:\Windows".into());
        std::path::Path::new(&root).join(r"System32\drivers\etc\hosts")
    }

    pub(crate) fn system_nameservers() -> Result<Vec<SocketAddr>, String> {
        let text = tool(&["ipconfig", "/all"]).ok_or("`ipconfig /all` did not run")?;
        let servers = windows::parse_ipconfig_dns_servers(&text);
        if servers.is_empty() {
            return Err("`ipconfig /all` lists no DNS servers".into());
        }
        Ok(servers
            .into_iter()
            .map(|a| SocketAddr::new(a, 53))
            .collect())
    }

    pub(crate) fn unreachable(e: &std::io::Error) -> Option<Unreachable> {
        match e.raw_os_error() {
            Some(10065) => Some(Unreachable::Host),    // WSAEHOSTUNREACH
            Some(10051) => Some(Unreachable::Network), // WSAENETUNREACH
            _ => None,
        }
    }
}

#[cfg(not(windows))]
mod imp {
    //! Linux (and, as far as it goes, other Unixes): facts from /etc/os-release and /proc,
    //! ICMP through sockets first, iputils `ping` last, DNS servers from /etc/resolv.conf.
    use super::*;
    use crate::process;
    use crate::text::ping_output;

    pub(crate) const PING_METHODS: &[PingMethod] = &[
        PingMethod::DatagramSocket,
        PingMethod::RawSocket,
        PingMethod::SystemPing,
    ];

    /// A `KEY=value` field of os-release(5), unquoted.
    fn os_release_field(text: &str, key: &str) -> Option<String> {
        text.lines().find_map(|l| {
            let v = l.strip_prefix(key)?.strip_prefix('=')?;
            Some(v.trim().trim_matches('"').trim_matches('\'').to_owned())
        })
    }

    fn read_trimmed(path: &str) -> Option<String> {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn os_facts() -> Result<OsFacts, String> {
        let mut sources = Vec::new();
        let release = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok().map(|t| (p, t)));
        let (name, version) = match &release {
            Some((path, text)) => {
                sources.push((**path).to_owned());
                (
                    os_release_field(text, "PRETTY_NAME")
                        .or_else(|| os_release_field(text, "NAME"))
                        .unwrap_or_else(|| "Linux".into()),
                    os_release_field(text, "VERSION_ID").unwrap_or_default(),
                )
            }
            None => (std::env::consts::OS.to_owned(), String::new()),
        };
        let kernel = match read_trimmed("/proc/sys/kernel/osrelease") {
            Some(k) => {
                sources.push("/proc/sys/kernel/osrelease".into());
                Some(k)
            }
            None => process::run(&["uname".into(), "-r".into()], Duration::from_secs(5))
                .ok()
                .filter(|f| f.code == Some(0))
                .map(|f| f.stdout.trim().to_owned())
                .inspect(|_| sources.push("uname -r".into())),
        };
        let domain = read_trimmed("/proc/sys/kernel/domainname").filter(|d| d != "(none)");
        if release.is_none() && kernel.is_none() {
            return Err("found neither /etc/os-release nor a kernel release".into());
        }
        Ok(OsFacts {
            platform: std::env::consts::OS,
            os_id: cfg!(target_os = "linux").then_some("linux"),
            name,
            version,
            kernel,
            domain,
            source: sources.join(", "),
            computer: read_trimmed("/proc/sys/kernel/hostname")
                .or_else(|| env_nonempty("HOSTNAME")),
            user: env_nonempty("USER")
                .or_else(|| env_nonempty("LOGNAME"))
                .or_else(user_of_uid),
            admin: ids().map(|(uid, _)| uid == 0),
        })
    }

    /// The login name of this process's user, from /etc/passwd.
    fn user_of_uid() -> Option<String> {
        let (uid, _) = ids()?;
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
        })
    }

    pub(crate) fn system_ping_argv(addr: IpAddr, count: u32, timeout: Duration) -> Vec<String> {
        // iputils' -W takes whole seconds (fractions only in recent versions).
        let secs = timeout.as_millis().div_ceil(1000).max(1);
        vec![
            "ping".into(),
            "-n".into(),
            "-c".into(),
            count.to_string(),
            "-W".into(),
            secs.to_string(),
            addr.to_string(),
        ]
    }

    pub(crate) fn parse_system_ping(text: &str) -> PingText {
        ping_output::parse_iputils(text)
    }

    /// `net.ipv4.ping_group_range` of this network namespace, e.g. "1 0" (nobody may open
    /// an ICMP datagram socket, the kernel default) or "0 2147483647" (everyone may).
    pub(crate) fn ping_group_range() -> Option<String> {
        read_trimmed("/proc/sys/net/ipv4/ping_group_range")
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// The effective user and group ids, from /proc (no libc needed).
    pub(crate) fn ids() -> Option<(u32, u32)> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let effective = |key: &str| -> Option<u32> {
            let line = status.lines().find(|l| l.starts_with(key))?;
            line.split_whitespace().nth(2)?.parse().ok()
        };
        Some((effective("Uid:")?, effective("Gid:")?))
    }

    /// The hosts file the system resolver reads first.
    pub(crate) fn hosts_file() -> std::path::PathBuf {
        "/etc/hosts".into()
    }

    pub(crate) fn system_nameservers() -> Result<Vec<SocketAddr>, String> {
        let text = std::fs::read_to_string("/etc/resolv.conf")
            .map_err(|e| format!("cannot read /etc/resolv.conf: {e}"))?;
        let servers: Vec<SocketAddr> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|v| v.split_whitespace().next())
            .filter_map(|v| v.split('%').next()?.parse::<IpAddr>().ok())
            .map(|a| SocketAddr::new(a, 53))
            .collect();
        if servers.is_empty() {
            return Err("/etc/resolv.conf lists no nameserver".into());
        }
        Ok(servers)
    }

    pub(crate) fn unreachable(e: &std::io::Error) -> Option<Unreachable> {
        match e.raw_os_error() {
            Some(113) => Some(Unreachable::Host),    // EHOSTUNREACH
            Some(101) => Some(Unreachable::Network), // ENETUNREACH
            _ => None,
        }
    }
}
