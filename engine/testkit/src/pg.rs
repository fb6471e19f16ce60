//! A real PostgreSQL server for tests and benchmarks: `initdb` into a temporary folder, run
//! as an unprivileged user when this process is root (PostgreSQL refuses to run as root),
//! listening on 127.0.0.1 on a free port (no Unix socket), password authentication
//! (SCRAM) for user [`USER`], stopped and removed when dropped.
//!
//! Nothing is skipped: when the server cannot start (no PostgreSQL installed, `initdb`
//! fails) the error says why and the test that asked for it fails. Binaries come from
//! `DESKBOOK_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin` (Debian's layout), else
//! `PATH`.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The server's user (its superuser) and password.
pub const USER: &str = "deskbook";
pub const PASSWORD: &str = "deskbook-test-password";

/// How the server commits: `Fast` (no fsync: tests, where the disk is not the subject) or
/// `Durable` (PostgreSQL's defaults: an fsync per commit, for benchmark figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    Fast,
    Durable,
}

/// A running server.
pub struct PgServer {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
    commit: Commit,
    child: Mutex<Option<Child>>,
}

static SHARED: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());
static DATABASES: AtomicU64 = AtomicU64::new(0);

impl PgServer {
    /// Start a new server of its own (a test that stops it, a benchmark).
    pub fn start(commit: Commit) -> Result<PgServer, String> {
        let bin = bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("deskbook-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a folder for PostgreSQL: {e}"))?;
        let user = Unprivileged::get()?;
        if let Some(u) = &user {
            u.own(dir.path())?;
        }
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{PASSWORD}\n"))
            .map_err(|e| format!("cannot write {}: {e}", pwfile.display()))?;
        if let Some(u) = &user {
            u.own(&pwfile)?;
        }
        let data = dir.path().join("data");
        let out = command(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .arg("--no-sync")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run initdb from {}: {e}", bin.display()))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let server = PgServer {
            dir,
            port: free_port()?,
            bin,
            commit,
            child: Mutex::new(None),
        };
        server.run()?;
        Ok(server)
    }

    /// The server this test process shares (started on first use, stopped when the last
    /// test holding it lets go).
    pub fn shared() -> Result<Arc<PgServer>, String> {
        let mut slot = SHARED
            .lock()
            .map_err(|_| "the shared server's lock is poisoned")?;
        if let Some(s) = slot.upgrade() {
            return Ok(s);
        }
        let s = Arc::new(PgServer::start(Commit::Fast)?);
        *slot = Arc::downgrade(&s);
        Ok(s)
    }

    /// The path of one of the server's programs (`psql`, `createdb`, …).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://USER:PASSWORD@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database of its own; its URL.
    pub fn fresh_database(&self) -> Result<String, String> {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        );
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .arg(&name)
            .env("PGPASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run createdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "createdb {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(self.url(&name))
    }

    /// Run SQL through `psql` (for tests that damage a database on purpose).
    pub fn psql(&self, url: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Stop the server now (fast shutdown: open connections are cut), keeping its data.
    pub fn stop(&self) {
        let Ok(mut slot) = self.child.lock() else {
            return;
        };
        if let Some(mut child) = slot.take() {
            // SIGINT is PostgreSQL's fast shutdown.
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start a stopped server again, on the same port with the same data.
    pub fn restart(&self) -> Result<(), String> {
        self.stop();
        self.run()
    }

    fn run(&self) -> Result<(), String> {
        let log = self.dir.path().join("server.log");
        let file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        if let Some(u) = Unprivileged::get()? {
            u.own(&log)?;
        }
        let err = file
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut c = command(&self.bin, "postgres");
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=60"]);
        if self.commit == Commit::Fast {
            c.args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off"]);
        }
        let mut child = c
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start postgres: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut text = String::new();
            if let Ok(mut f) = std::fs::File::open(&log) {
                let _ = f.read_to_string(&mut text);
            }
            if text.contains("ready to accept connections")
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("postgres exited ({status}):\n{text}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("postgres did not start within 60 s:\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        if let Ok(mut slot) = self.child.lock() {
            *slot = Some(child);
        }
        Ok(())
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("DESKBOOK_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Ok(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output();
    match out {
        Ok(o) if o.status.success() => Ok(PathBuf::from(
            String::from_utf8_lossy(&o.stdout).trim().to_string(),
        )),
        _ => Err(
            "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin and no pg_config \
                  (install Debian's postgresql package, or set DESKBOOK_PG_BIN)"
                .into(),
        ),
    }
}

/// `bin/NAME`, run as the unprivileged user when this process is root.
fn command(bin: &Path, name: &str) -> Command {
    let program = bin.join(name);
    match Unprivileged::get().ok().flatten() {
        Some(u) => u.command(&program),
        None => Command::new(program),
    }
}

/// The user a root process runs PostgreSQL (and read-only tests) as: `nobody`.
#[derive(Debug, Clone, Copy)]
pub struct Unprivileged {
    pub uid: u32,
    pub gid: u32,
}

impl Unprivileged {
    /// `None` when this process is not root (it runs things as itself).
    pub fn get() -> Result<Option<Unprivileged>, String> {
        if !is_root() {
            return Ok(None);
        }
        let passwd = std::fs::read_to_string("/etc/passwd")
            .map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() > 3 && f[0] == "nobody" {
                if let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) {
                    return Ok(Some(Unprivileged { uid, gid }));
                }
            }
        }
        Err("no user `nobody` to run PostgreSQL as".to_string())
    }

    /// `program` run as this user (through `setpriv`, which execs it: the child's pid is
    /// the program's).
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--clear-groups")
            .arg("--")
            .arg(program);
        c
    }

    /// Give `path` to this user.
    #[cfg(unix)]
    pub fn own(&self, path: &Path) -> Result<(), String> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .map_err(|e| format!("cannot chown {}: {e}", path.display()))
    }

    #[cfg(not(unix))]
    pub fn own(&self, _path: &Path) -> Result<(), String> {
        Ok(())
    }
}

/// Whether this process runs as root (the owner of `/proc/self` is the effective user).
#[cfg(unix)]
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(not(unix))]
pub fn is_root() -> bool {
    false
}
