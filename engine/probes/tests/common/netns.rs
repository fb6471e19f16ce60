//! Network-namespace test hosts: a namespace joined to this one by a veth pair, with
//! addresses, optionally strongSwan's charon as an IKE responder, nftables rules, and TCP
//! listeners run by child processes inside it. Needs root, `ip`, `nft`, `setpriv`,
//! `swanctl` and `charon-systemd`; [`ready`] checks, and fails loudly when
//! DESKBOOK_NETNS_TESTS=1 says they must be there.
//!
//! Each host gets its own /24 (10.213.N.0/24): .1 on this side, .2 and .3 in the namespace.
//! charon answers on .2 with proposals that include what the probe offers, and on .3 only
//! with `aes256gcm16-prfsha512-ecp521`, which the probe does not offer.

use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use deskbook_probes::ProbeResult;

use super::child;

/// A program by name, from PATH or the sbin directories root's PATH sometimes lacks.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(PathBuf::from)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn charon_path() -> Option<PathBuf> {
    std::env::var_os("DESKBOOK_CHARON")
        .map(PathBuf::from)
        .or_else(|| which("charon-systemd"))
}

/// Whether the namespace tests can run. Missing prerequisites fail the test when
/// DESKBOOK_NETNS_TESTS=1 (CI), and skip it with a printed notice otherwise.
pub fn ready(test: &str) -> bool {
    let mut missing = Vec::new();
    match effective_uid() {
        Some(0) => {}
        Some(uid) => missing.push(format!("not running as root (uid {uid})")),
        None => missing.push("cannot tell the user id (/proc/self/status)".to_owned()),
    }
    for tool in ["ip", "nft", "setpriv", "swanctl"] {
        if which(tool).is_none() {
            missing.push(format!("`{tool}` is not installed"));
        }
    }
    if charon_path().is_none() {
        missing.push("`charon-systemd` is not installed (package charon-systemd)".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    let why = missing.join("; ");
    if std::env::var("DESKBOOK_NETNS_TESTS").as_deref() == Ok("1") {
        panic!("{test}: DESKBOOK_NETNS_TESTS=1 but the namespace tests cannot run: {why}");
    }
    // Written to stderr directly, past the test harness's capture, so the skip is seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set DESKBOOK_NETNS_TESTS=1 to make this a failure)"
    );
    false
}

/// Runs a command and panics with its output when it fails.
pub fn must(program: &str, args: &[&str]) -> Output {
    let path = which(program).unwrap_or_else(|| PathBuf::from(program));
    let out = Command::new(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A network namespace, deleted (with its veth and processes' sockets) on drop.
pub struct Namespace {
    pub name: String,
    children: Vec<Child>,
}

impl Namespace {
    /// A namespace with only loopback, up.
    pub fn new(tag: &str) -> Namespace {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("dbkp-{tag}-{}-{n}", std::process::id());
        must("ip", &["netns", "add", &name]);
        let ns = Namespace {
            name,
            children: Vec::new(),
        };
        ns.exec(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// Runs a command inside the namespace and panics when it fails.
    pub fn exec(&self, argv: &[&str]) -> Output {
        let mut full = vec!["netns", "exec", self.name.as_str()];
        let program = which(argv[0]).map(|p| p.to_string_lossy().into_owned());
        full.push(program.as_deref().unwrap_or(argv[0]));
        full.extend_from_slice(&argv[1..]);
        must("ip", &full)
    }

    /// Sets a sysctl of this namespace (through /proc, so procps is not needed).
    pub fn sysctl(&self, key: &str, value: &str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let mut child = Command::new(which("ip").unwrap_or_else(|| PathBuf::from("ip")))
            .args(["netns", "exec", &self.name, "tee", &path])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start tee");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin.write_all(value.as_bytes()).expect("write sysctl");
        }
        assert!(child.wait().expect("tee").success(), "setting {key}");
    }

    /// Loads an nftables ruleset inside the namespace.
    pub fn nft(&self, ruleset: &str) {
        let mut child = Command::new(which("ip").unwrap_or_else(|| PathBuf::from("ip")))
            .args(["netns", "exec", &self.name])
            .arg(which("nft").unwrap_or_else(|| PathBuf::from("nft")))
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nft");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin.write_all(ruleset.as_bytes()).expect("write ruleset");
        }
        let out = child.wait_with_output().expect("nft");
        assert!(
            out.status.success(),
            "nft: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A TCP listener on `addr` inside the namespace, run by a child process of this test
    /// binary; returns once it listens.
    pub fn listen_tcp(&mut self, addr: &str) {
        let mut c = child::command(Some(&self.name), false, &format!("tcp-listen {addr}"));
        c.stdout(Stdio::piped());
        let mut proc = c.spawn().expect("start the listener child");
        let stdout = proc.stdout.take().expect("child stdout");
        self.children.push(proc);
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match lines.next() {
                Some(Ok(l)) if l.starts_with(child::READY) => break,
                Some(Ok(_)) => {}
                _ => panic!("the listener child for {addr} ended before listening"),
            }
            assert!(Instant::now() < deadline, "listener for {addr} not ready");
        }
        // Keep draining its output so it never blocks on a full pipe.
        thread::spawn(move || for _ in lines {});
    }

    /// Runs a probe in a child process inside this namespace, as root or as nobody with no
    /// capabilities and no `ping` program on PATH.
    pub fn probe(&self, unprivileged: bool, probe: &str, args: &[(&str, &str)]) -> ProbeResult {
        child::run_probe(Some(&self.name), unprivileged, probe, args)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new(which("ip").unwrap_or_else(|| PathBuf::from("ip")))
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// A test host: a namespace joined to this one by a veth pair.
pub struct Target {
    pub ns: Namespace,
    /// This side of the veth.
    pub near: Ipv4Addr,
    /// charon's address that accepts the probe's proposals.
    pub accept: Ipv4Addr,
    /// charon's address that accepts none of them.
    pub strict: Ipv4Addr,
    /// charon's addresses that accept only one group each: (address, group number).
    pub single_group: [(Ipv4Addr, u16); 3],
    dir: tempfile::TempDir,
    charon: Option<Child>,
}

/// A /24 under 10.213/16 not used on this side yet.
fn free_subnet(seed: u32) -> u8 {
    let used =
        String::from_utf8_lossy(&must("ip", &["-o", "-4", "addr", "show"]).stdout).into_owned();
    (0..240u32)
        .map(|i| ((seed + i) % 240 + 10) as u8)
        .find(|n| !used.contains(&format!("10.213.{n}.")))
        .expect("a free 10.213.N.0/24")
}

impl Target {
    /// The host, without any service.
    pub fn new() -> Target {
        let ns = Namespace::new("t");
        let n = ns
            .name
            .rsplit('-')
            .next()
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        let pid = std::process::id();
        let net = free_subnet(pid.wrapping_mul(7) + n * 13);
        let near_if = format!("dbk{}h{n}", pid % 100_000);
        let far_if = format!("dbk{}t{n}", pid % 100_000);
        must(
            "ip",
            &[
                "link", "add", &near_if, "type", "veth", "peer", "name", &far_if,
            ],
        );
        must("ip", &["link", "set", &far_if, "netns", &ns.name]);
        let near = Ipv4Addr::new(10, 213, net, 1);
        let accept = Ipv4Addr::new(10, 213, net, 2);
        let strict = Ipv4Addr::new(10, 213, net, 3);
        must(
            "ip",
            &["addr", "add", &format!("{near}/24"), "dev", &near_if],
        );
        must("ip", &["link", "set", &near_if, "up"]);
        ns.exec(&["ip", "addr", "add", &format!("{accept}/24"), "dev", &far_if]);
        ns.exec(&["ip", "addr", "add", &format!("{strict}/24"), "dev", &far_if]);
        let single_group = [
            (Ipv4Addr::new(10, 213, net, 4), 19),
            (Ipv4Addr::new(10, 213, net, 5), 20),
            (Ipv4Addr::new(10, 213, net, 6), 31),
        ];
        for (a, _) in single_group {
            ns.exec(&["ip", "addr", "add", &format!("{a}/24"), "dev", &far_if]);
        }
        ns.exec(&["ip", "link", "set", &far_if, "up"]);
        let dir = tempfile::tempdir().expect("temporary directory");
        Target {
            ns,
            near,
            accept,
            strict,
            single_group,
            dir,
            charon: None,
        }
    }

    /// The host with charon answering IKE on both addresses.
    pub fn with_charon() -> Target {
        let mut t = Target::new();
        t.start_charon();
        t
    }

    fn start_charon(&mut self) {
        let dir = self.dir.path();
        let vici = dir.join("charon.vici");
        let log = dir.join("charon.log");
        // Debian's 5.9.8 needs `kdf` in the list or key derivation fails.
        let conf = format!(
            r#"charon-systemd {{
  load = random nonce openssl gmp aes sha1 sha2 hmac kdf pem pkcs1 x509 pubkey socket-default vici kernel-netlink
  install_routes = no
  # Ask for a COOKIE once two IKE_SAs are half open (the probe never completes one), so
  # the cookie exchange is exercised; never block this side for opening many.
  cookie_threshold = 2
  block_threshold = 1000
  filelog {{
    log {{
      path = {log}
      default = 1
      cfg = 2
      ike = 2
    }}
  }}
  journal {{
    default = -1
  }}
  plugins {{
    vici {{
      socket = unix://{vici}
    }}
  }}
}}
"#,
            log = log.display(),
            vici = vici.display()
        );
        let conf_path = dir.join("strongswan.conf");
        std::fs::write(&conf_path, conf).expect("write strongswan.conf");
        let swanctl = format!(
            r#"connections {{
  accept {{
    version = 0
    local_addrs = {accept}
    proposals = aes256-sha256-modp2048, aes128-sha1-modp1024, default
    local {{
      auth = psk
      id = {accept}
    }}
    remote {{
      auth = psk
    }}
  }}
  strict {{
    version = 0
    local_addrs = {strict}
    proposals = aes256gcm16-prfsha512-ecp521
    local {{
      auth = psk
      id = {strict}
    }}
    remote {{
      auth = psk
    }}
  }}
{single}}}
secrets {{
  ike-test {{
    secret = "deskbook-test-only"
  }}
}}
"#,
            accept = self.accept,
            strict = self.strict,
            single = self
                .single_group
                .iter()
                .map(|(addr, group)| {
                    let name = match group {
                        19 => "ecp256",
                        20 => "ecp384",
                        _ => "x25519",
                    };
                    format!(
                        "  only-{name} {{\n    version = 2\n    local_addrs = {addr}\n    proposals = aes128-sha256-{name}\n    local {{\n      auth = psk\n    }}\n    remote {{\n      auth = psk\n    }}\n  }}\n"
                    )
                })
                .collect::<String>()
        );
        let swanctl_path = dir.join("swanctl.conf");
        std::fs::write(&swanctl_path, swanctl).expect("write swanctl.conf");
        let charon = charon_path().expect("charon-systemd (checked by ready())");
        let child = Command::new(which("ip").unwrap_or_else(|| PathBuf::from("ip")))
            .args(["netns", "exec", &self.ns.name])
            .arg(&charon)
            .env("STRONGSWAN_CONF", &conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start charon");
        self.charon = Some(child);
        let uri = format!("unix://{}", vici.display());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let out = Command::new(which("swanctl").unwrap_or_else(|| PathBuf::from("swanctl")))
                .args(["--load-all", "--noprompt", "--uri", &uri, "--file"])
                .arg(&swanctl_path)
                .env("STRONGSWAN_CONF", &conf_path)
                .output()
                .expect("run swanctl");
            if out.status.success() {
                return;
            }
            if let Some(Ok(Some(status))) = self.charon.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "charon exited ({status}) before loading its configuration; log:\n{}",
                    self.charon_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "charon did not take its configuration: {}{}\nlog:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.charon_log()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// charon's log, for failure messages.
    pub fn charon_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("charon.log")).unwrap_or_default()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(c) = &mut self.charon {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A copy of this test binary that any user may run (the build directory may not be
/// readable by nobody), in a directory removed on drop.
pub struct PublicBinary {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl PublicBinary {
    pub fn new() -> PublicBinary {
        let me = std::env::current_exe().expect("current test binary");
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod dir");
        let path = dir.path().join(me.file_name().unwrap_or_default());
        std::fs::copy(&me, &path).expect("copy the test binary");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("chmod binary");
        PublicBinary { path, _dir: dir }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
