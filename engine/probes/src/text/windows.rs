//! Reading what Windows tools print: `ver`, `systeminfo`, `reg query` of the CurrentVersion
//! key, and `ipconfig /all`.
//!
//! These parsers are plain text functions, compiled and unit-tested on every platform
//! against captured output; only the code that runs the tools sits in `platform`.
//! English output is assumed (the field labels are localised on other Windows languages;
//! the version numbers are found either way).

use std::net::IpAddr;

/// A Windows version as the tools report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WinVersion {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) build: Option<u32>,
    /// Service pack number (XP SP2 changed IPsec: it is its own tool-matrix column).
    pub(crate) service_pack: Option<u32>,
    /// "Microsoft Windows XP Professional", "Windows 10 Pro", …
    pub(crate) product: Option<String>,
    /// The computer's DNS domain, when the tool shows it (systeminfo).
    pub(crate) domain: Option<String>,
}

impl WinVersion {
    /// The tool-matrix OS id.
    pub(crate) fn os_id(&self) -> Option<&'static str> {
        let product = self.product.as_deref().unwrap_or("");
        Some(match (self.major, self.minor) {
            (5, 0) => "win2000",
            (5, 1) if self.service_pack.unwrap_or(0) >= 2 => "winxp-sp2",
            (5, 1) => "winxp",
            // Windows XP x64 shares Server 2003 SP1's code but XP SP2's IPsec tools.
            (5, 2) if product.contains("XP") => "winxp-sp2",
            (5, 2) => "win2003",
            (m, _) if m >= 6 => "windows",
            _ => return None,
        })
    }

    /// "5.1.2600 Service Pack 2"-style text.
    pub(crate) fn version_text(&self) -> String {
        let mut s = format!("{}.{}", self.major, self.minor);
        if let Some(b) = self.build {
            s.push_str(&format!(".{b}"));
        }
        if let Some(sp) = self.service_pack {
            s.push_str(&format!(" Service Pack {sp}"));
        }
        s
    }
}

/// Parses "5.1.2600"-like text into (major, minor, build).
fn dotted(s: &str) -> Option<(u32, u32, Option<u32>)> {
    let mut parts = s.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts.next()?.trim().parse().ok()?;
    let build = parts.next().and_then(|b| b.trim().parse().ok());
    Some((major, minor, build))
}

/// `ver`: "Microsoft Windows XP [Version 5.1.2600]".
pub(crate) fn parse_ver(text: &str) -> Option<WinVersion> {
    let line = text.lines().find(|l| l.contains("[Version"))?;
    let start = line.find("[Version")? + "[Version".len();
    let end = start + line[start..].find(']')?;
    let (major, minor, build) = dotted(line[start..end].trim())?;
    let product = line[..line.find('[')?].trim();
    Some(WinVersion {
        major,
        minor,
        build,
        product: (product != "Microsoft Windows").then(|| product.to_owned()),
        ..WinVersion::default()
    })
}

/// The value of a `Label: value` line of systeminfo.
fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == label).then(|| v.trim())
    })
}

/// `systeminfo`: "OS Name:" and "OS Version: 5.1.2600 Service Pack 2 Build 2600".
pub(crate) fn parse_systeminfo(text: &str) -> Option<WinVersion> {
    let version = field(text, "OS Version")?;
    let (major, minor, build) = dotted(version.split_whitespace().next()?)?;
    Some(WinVersion {
        major,
        minor,
        build,
        service_pack: service_pack(version),
        product: field(text, "OS Name").map(str::to_owned),
        domain: field(text, "Domain").map(str::to_owned),
    })
}

/// "Service Pack 2" anywhere in the text.
fn service_pack(text: &str) -> Option<u32> {
    let i = text.find("Service Pack ")? + "Service Pack ".len();
    text[i..].split_whitespace().next()?.parse().ok()
}

/// `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"`: REG_SZ and REG_DWORD
/// values separated by spaces (current reg.exe) or tabs (Windows XP's).
pub(crate) fn parse_reg_current_version(text: &str) -> Option<WinVersion> {
    let value = |name: &str| {
        text.lines().find_map(|l| {
            let tokens: Vec<&str> = l.split_whitespace().collect();
            let i = tokens.iter().position(|t| t.starts_with("REG_"))?;
            (tokens[..i].join(" ") == name).then(|| tokens[i + 1..].join(" "))
        })
    };
    let dword = |name: &str| {
        let v = value(name)?;
        u32::from_str_radix(v.trim_start_matches("0x"), 16).ok()
    };
    // Windows 10 and later keep "6.3" in CurrentVersion for old programs; the real major
    // and minor are separate DWORDs.
    let (major, minor) = match (
        dword("CurrentMajorVersionNumber"),
        dword("CurrentMinorVersionNumber"),
    ) {
        (Some(ma), Some(mi)) => (ma, mi),
        _ => {
            let (ma, mi, _) = dotted(&value("CurrentVersion")?)?;
            (ma, mi)
        }
    };
    Some(WinVersion {
        major,
        minor,
        build: value("CurrentBuildNumber").and_then(|b| b.parse().ok()),
        service_pack: value("CSDVersion").and_then(|s| service_pack(&s)),
        product: value("ProductName"),
        domain: None,
    })
}

/// `ipconfig /all`: the addresses listed under "DNS Servers", continuation lines
/// included, in order, without duplicates.
pub(crate) fn parse_ipconfig_dns_servers(text: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    let mut in_list = false;
    for line in text.lines() {
        let value = match line.split_once(" : ") {
            Some((label, v)) => {
                in_list = label.trim_end_matches([' ', '.']).trim() == "DNS Servers";
                v
            }
            None if in_list && !line.trim().is_empty() && line.starts_with(' ') => line,
            None => {
                in_list = false;
                continue;
            }
        };
        if !in_list {
            continue;
        }
        let v = value.trim();
        let v = v.split('%').next().unwrap_or(v);
        if let Ok(a) = v.parse::<IpAddr>() {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// Whether `whoami /groups` shows an administrator's token: the High Mandatory Level
/// (S-1-16-12288) where integrity levels exist (Vista and later; a filtered administrator
/// token shows Medium, S-1-16-8192), else the Administrators group (S-1-5-32-544, Windows
/// 2000, XP and Server 2003). `None` when the text lists no SIDs.
// Used only by the Windows side of `platform`; tested everywhere.
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn parse_whoami_groups(text: &str) -> Option<bool> {
    if !text.contains("S-1-") {
        return None;
    }
    if text.contains("S-1-16-") {
        return Some(text.contains("S-1-16-12288") || text.contains("S-1-16-16384"));
    }
    Some(
        text.lines()
            .any(|l| l.contains("S-1-5-32-544") && !l.to_ascii_lowercase().contains("deny only")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ver_output_of_each_windows_generation_maps_to_its_os_id() {
        let cases = [
            (
                "\nMicrosoft Windows 2000 [Version 5.00.2195]\n",
                "win2000",
                "5.0.2195",
            ),
            (
                "\r\nMicrosoft Windows XP [Version 5.1.2600]\r\n",
                "winxp",
                "5.1.2600",
            ),
            (
                "Microsoft Windows [Version 5.2.3790]",
                "win2003",
                "5.2.3790",
            ),
            (
                "Microsoft Windows [Version 6.0.6002]",
                "windows",
                "6.0.6002",
            ),
            (
                "\nMicrosoft Windows [Version 10.0.19045.3803]\n",
                "windows",
                "10.0.19045",
            ),
        ];
        for (text, id, version) in cases {
            let v = parse_ver(text).expect("parses");
            assert_eq!(v.os_id(), Some(id), "{text:?}");
            assert_eq!(v.version_text(), version);
        }
        assert_eq!(parse_ver("'ver' is not recognized"), None);
    }

    const SYSTEMINFO_XP_SP2: &str = "
Host Name:                 PC-0042
OS Name:                   Microsoft Windows XP Professional
OS Version:                5.1.2600 Service Pack 2 Build 2600
OS Manufacturer:           Microsoft Corporation
OS Configuration:          Member Workstation
Domain:                    woodgrovebank.com
Logon Server:              \\\\DC1
";

    const SYSTEMINFO_2003: &str = "
Host Name:                 SRV-FILES-01
OS Name:                   Microsoft(R) Windows(R) Server 2003, Enterprise Edition
OS Version:                5.2.3790 Service Pack 1 Build 3790
Domain:                    woodgrovebank.com
";

    const SYSTEMINFO_WIN10: &str = "
Host Name:                 PC-0107
OS Name:                   Microsoft Windows 10 Enterprise
OS Version:                10.0.19045 N/A Build 19045
System Boot Time:          1/8/2024, 8:02:11 AM
Domain:                    woodgrovebank.com
";

    #[test]
    fn systeminfo_gives_service_pack_product_and_domain() {
        let xp = parse_systeminfo(SYSTEMINFO_XP_SP2).expect("parses");
        assert_eq!(xp.os_id(), Some("winxp-sp2"));
        assert_eq!(xp.service_pack, Some(2));
        assert_eq!(
            xp.product.as_deref(),
            Some("Microsoft Windows XP Professional")
        );
        assert_eq!(xp.domain.as_deref(), Some("woodgrovebank.com"));
        assert_eq!(xp.version_text(), "5.1.2600 Service Pack 2");
        let srv = parse_systeminfo(SYSTEMINFO_2003).expect("parses");
        assert_eq!(srv.os_id(), Some("win2003"));
        let ten = parse_systeminfo(SYSTEMINFO_WIN10).expect("parses");
        assert_eq!(ten.os_id(), Some("windows"));
        assert_eq!(ten.service_pack, None);
        // "System Boot Time: 1/8/2024, 8:02:11 AM" has more colons; it is not a version.
        assert_eq!(ten.build, Some(19045));
    }

    #[test]
    fn xp_x64_reports_5_2_but_uses_the_xp_sp2_tools() {
        let v = parse_systeminfo(
            "OS Name: Microsoft Windows XP Professional x64 Edition\nOS Version: 5.2.3790 Service Pack 2 Build 3790\n",
        )
        .expect("parses");
        assert_eq!(v.os_id(), Some("winxp-sp2"));
    }

    #[test]
    fn reg_query_of_windows_10_uses_the_major_version_dword_not_6_3() {
        let text = "
HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion
    SystemRoot    REG_SZ    C:\\WINDOWS
    CurrentBuild    REG_SZ    19045
    CurrentMajorVersionNumber    REG_DWORD    0xa
    CurrentMinorVersionNumber    REG_DWORD    0x0
    CurrentVersion    REG_SZ    6.3
    ProductName    REG_SZ    Windows 10 Pro
    CurrentBuildNumber    REG_SZ    19045
";
        let v = parse_reg_current_version(text).expect("parses");
        assert_eq!((v.major, v.minor, v.build), (10, 0, Some(19045)));
        assert_eq!(v.product.as_deref(), Some("Windows 10 Pro"));
        assert_eq!(v.os_id(), Some("windows"));
    }

    #[test]
    fn reg_query_of_windows_xp_with_tabs_and_service_pack() {
        let text = "\n! REG.EXE VERSION 3.0\n\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\n    CurrentBuildNumber\tREG_SZ\t2600\n    CurrentVersion\tREG_SZ\t5.1\n    ProductName\tREG_SZ\tMicrosoft Windows XP\n    CSDVersion\tREG_SZ\tService Pack 1\n";
        let v = parse_reg_current_version(text).expect("parses");
        assert_eq!(v.os_id(), Some("winxp"));
        assert_eq!(v.version_text(), "5.1.2600 Service Pack 1");
    }

    #[test]
    fn ipconfig_lists_dns_servers_across_adapters_and_continuation_lines() {
        let text = "
Windows IP Configuration

   Host Name . . . . . . . . . . . . : PC-0042
   Primary Dns Suffix  . . . . . . . : woodgrovebank.com

Ethernet adapter Local Area Connection:

   Connection-specific DNS Suffix  . : woodgrovebank.com
   IPv4 Address. . . . . . . . . . . : 192.0.2.42(Preferred)
   Default Gateway . . . . . . . . . : 192.0.2.1
   DNS Servers . . . . . . . . . . . : 192.0.2.53
                                       192.0.2.54
                                       fec0:0:0:ffff::1%1
   NetBIOS over Tcpip. . . . . . . . : Enabled

Ethernet adapter VPN:

   DNS Servers . . . . . . . . . . . : 192.0.2.53
                                       198.51.100.53
";
        let servers: Vec<String> = parse_ipconfig_dns_servers(text)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            servers,
            [
                "192.0.2.53",
                "192.0.2.54",
                "fec0:0:0:ffff::1",
                "198.51.100.53"
            ]
        );
    }

    #[test]
    fn whoami_groups_tells_an_elevated_administrator_from_a_filtered_one() {
        let elevated = "BUILTIN\\Administrators  Alias  S-1-5-32-544  Mandatory group, Enabled by default, Enabled group, Group owner\nMandatory Label\\High Mandatory Level  Label  S-1-16-12288\n";
        let filtered = "BUILTIN\\Administrators  Alias  S-1-5-32-544  Group used for deny only\nMandatory Label\\Medium Mandatory Level  Label  S-1-16-8192\n";
        let xp_admin = "BUILTIN\\Administrators  Alias  S-1-5-32-544  Mandatory group, Enabled by default, Enabled group\n";
        let xp_user = "BUILTIN\\Users  Alias  S-1-5-32-545  Mandatory group, Enabled by default, Enabled group\n";
        assert_eq!(parse_whoami_groups(elevated), Some(true));
        assert_eq!(parse_whoami_groups(filtered), Some(false));
        assert_eq!(parse_whoami_groups(xp_admin), Some(true));
        assert_eq!(parse_whoami_groups(xp_user), Some(false));
        assert_eq!(parse_whoami_groups("VM\\root\n"), None, "Wine's whoami");
    }
}
