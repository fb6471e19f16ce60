//! Showing a long article in a pager while the agent is at a terminal: `$PAGER` (split into
//! words, never run through a shell) or `less -R -F -X`, which prints a short text and
//! returns at once. When no pager runs, the caller prints the text itself.

use std::io::Write;
use std::process::{Command, Stdio};

/// Show `text` in the pager and wait for the agent to leave it; `false` when no pager could
/// be started (or `PAGER` is empty or `cat`), so the text still needs printing.
pub fn page(text: &str) -> bool {
    let spec = std::env::var("PAGER").unwrap_or_else(|_| "less -R -F -X".to_string());
    let Ok(words) = shell_words::split(&spec) else {
        return false;
    };
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    if program == "cat" {
        return false;
    }
    let Ok(mut child) = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The agent may quit the pager before it read everything: not an error.
        let _ = stdin.write_all(text.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    child.wait().is_ok()
}
