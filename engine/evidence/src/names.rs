//! Member names: a packet is a flat set of plain file names, checked the same way when a
//! packet is written and when one is read.

/// Longest member name.
const MAX_NAME: usize = 160;

/// Why `name` may not be a member's name, or `Ok` when it may. Allowed: ASCII letters,
/// digits, `.`, `_` and `-`, not starting with `.`, at most 160 characters; so
/// `PC-0042_srv-files-01_ping.txt` is fine, and `../x`, `/etc/x`, `C:\x`, `sub/x`, `x\y`
/// and names with control characters are not.
pub fn check_member_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("its name is empty");
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Err("its name climbs out of the packet (`..`)");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':') {
        return Err("its name is an absolute path");
    }
    if name.chars().any(char::is_control) {
        return Err("its name holds control characters");
    }
    if name.contains('/') || name.contains('\\') {
        return Err("a packet holds plain file names only, no folders");
    }
    if name.starts_with('.') {
        return Err("its name starts with `.`");
    }
    if name.len() > MAX_NAME {
        return Err("its name is longer than 160 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("its name may hold only letters, digits, `.`, `_` and `-`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_pass() {
        for ok in [
            "manifest.json",
            "PC-0042_srv-files-01_ping.txt",
            "PC-0042_oakley.log",
        ] {
            assert_eq!(check_member_name(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("../evil.txt", "its name climbs out of the packet (`..`)"),
            ("a/../../b", "its name climbs out of the packet (`..`)"),
            ("..\\evil", "its name climbs out of the packet (`..`)"),
            ("/etc/cron.d/x", "its name is an absolute path"),
            ("C:\\Windows\\x", "its name is an absolute path"),
            (
                "sub/x.txt",
                "a packet holds plain file names only, no folders",
            ),
            (".hidden", "its name starts with `.`"),
            ("a\u{1b}[2J", "its name holds control characters"),
            (
                "a b.txt",
                "its name may hold only letters, digits, `.`, `_` and `-`",
            ),
            ("", "its name is empty"),
        ] {
            assert_eq!(check_member_name(bad), Err(why), "{bad:?}");
        }
    }
}
