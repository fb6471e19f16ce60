//! A generated layer of N articles with realistic front matter, bodies and cross-links, for
//! benchmarks of `check`, search and the site at sizes the built-in content does not reach.

use std::io;
use std::path::Path;

const WORDS: &[&str] = &[
    "ipsec",
    "policy",
    "kerberos",
    "ticket",
    "filter",
    "negotiation",
    "main",
    "mode",
    "quick",
    "security",
    "association",
    "domain",
    "controller",
    "refresh",
    "group",
    "membership",
    "caller",
    "target",
    "server",
    "isolation",
    "boundary",
    "exemption",
    "fragment",
    "packet",
    "loss",
    "firewall",
    "router",
    "trace",
    "event",
    "audit",
    "certificate",
    "authentication",
    "spi",
    "rekey",
    "timeout",
    "address",
    "subnet",
    "dns",
    "name",
    "resolution",
    "share",
    "access",
    "logon",
    "right",
    "service",
    "driver",
    "offload",
    "adapter",
    "wireless",
    "nat",
    "traversal",
    "the",
    "agent",
    "checks",
    "whether",
    "computer",
    "can",
    "reach",
    "after",
    "before",
    "when",
];

const TAGS: &[&str] = &[
    "policy",
    "kerberos",
    "connectivity",
    "name-resolution",
    "packet-loss",
    "events",
    "tools",
    "group-policy",
    "fragmentation",
    "nat-t",
];

const OS: &[&str] = &[
    "win2000",
    "winxp",
    "winxp-sp2",
    "win2003",
    "windows",
    "linux",
];

/// A small deterministic generator (xorshift), so corpora are identical across runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s: Vec<&str> = (0..words).map(|_| self.pick(WORDS)).collect();
        let first = s[0].to_string();
        let mut cap = first[..1].to_uppercase();
        cap.push_str(&first[1..]);
        s[0] = "";
        format!("{cap}{}.", s.join(" "))
    }
}

/// The id of generated article `i`.
pub fn article_id(i: usize) -> String {
    format!("gen-{i:05}")
}

/// The Markdown text of generated article `i` of `n`.
pub fn article(i: usize, n: usize) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let title = r.sentence(6);
    let title = title.trim_end_matches('.');
    let tags = [r.pick(TAGS), r.pick(TAGS)];
    let tags = if tags[0] == tags[1] {
        vec![tags[0]]
    } else {
        tags.to_vec()
    };
    let os = [r.pick(OS), r.pick(OS)];
    let os = if os[0] == os[1] {
        vec![os[0]]
    } else {
        os.to_vec()
    };
    let rel = article_id((i + 1 + (r.next() % 97) as usize) % n);
    let link = article_id((i + 7) % n);
    let mut body = String::new();
    for para in 0..4 {
        body.push_str(&format!("## Step {}\n\n", para + 1));
        for _ in 0..4 {
            body.push_str(&r.sentence(12));
            body.push(' ');
        }
        body.push_str("\n\n");
    }
    body.push_str(&format!("1. Run the check.\n2. Compare the result.\n\n```\nnetsh ipsec dynamic show all\n```\n\nNext: [the related page](kb:{link}).\n"));
    format!(
        "---\nid: {id}\ntitle: \"{title}\"\nsummary: \"{summary}\"\ntier: [1, 2]\nos: [{os}]\ntags: [{tags}]\naliases: [\"{alias}\"]\nrelated: [{rel}]\nsource: \"generated corpus\"\n---\n{body}",
        id = article_id(i),
        summary = r.sentence(10),
        os = os.join(", "),
        tags = tags.join(", "),
        alias = r.sentence(4).trim_end_matches('.').to_lowercase(),
    )
}

/// Write a layer folder with `n` articles under `dir/kb/articles/`.
pub fn write_corpus(dir: &Path, n: usize) -> io::Result<()> {
    let articles = dir.join("kb").join("articles");
    std::fs::create_dir_all(&articles)?;
    for i in 0..n {
        std::fs::write(
            articles.join(format!("{}.md", article_id(i))),
            article(i, n),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_are_deterministic_and_distinct() {
        assert_eq!(article(3, 10), article(3, 10));
        assert_ne!(article(3, 10), article(4, 10));
        assert!(article(9, 10).contains("(kb:gen-00006)"));
    }
}
