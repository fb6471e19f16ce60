//! `os`: the platform, its version and the tool-matrix OS id (`win2000` … `windows`,
//! `linux`) that decides which command a `command` task runs; also this computer's name,
//! who runs deskbook and whether with administrator rights (what `deskbook collect`
//! records in its packet).

use std::sync::OnceLock;

use crate::platform::{self, OsFacts};
use crate::result::{ProbeResult, Report};

/// The facts, detected once per process: the OS does not change under a running help desk
/// session, and Windows detection runs a tool.
pub(crate) fn facts() -> &'static Result<OsFacts, String> {
    static FACTS: OnceLock<Result<OsFacts, String>> = OnceLock::new();
    FACTS.get_or_init(platform::os_facts)
}

pub(crate) fn run(mut r: Report) -> ProbeResult {
    let f = match facts() {
        Ok(f) => f,
        Err(e) => return r.error(format!("cannot tell which OS this is: {e}")),
    };
    r.set("platform", f.platform);
    r.set("os_id", f.os_id);
    r.set("name", f.name.as_str());
    r.set("version", f.version.as_str());
    r.set("kernel", f.kernel.clone());
    r.set("domain", f.domain.clone());
    r.set("arch", std::env::consts::ARCH);
    r.set("source", f.source.as_str());
    r.set("computer", f.computer.clone());
    r.set("user", f.user.clone());
    r.set("admin", f.admin);
    let mut summary = f.name.clone();
    if let Some(k) = &f.kernel {
        summary.push_str(&format!(", kernel {k}"));
    } else if !f.version.is_empty() && !f.name.contains(&f.version) {
        summary.push_str(&format!(" {}", f.version));
    }
    match f.os_id {
        Some(id) => r.ok(format!("{summary} (tool matrix: {id})")),
        None => r.ok(format!("{summary} (no tool-matrix column for this OS)")),
    }
}
