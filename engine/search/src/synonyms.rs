//! Caller vocabulary: words people say on the phone, and the words the content uses for
//! the same thing.
//!
//! Callers say "my laptop", "the box", "AD", "the DC"; articles say "computer", "Active
//! Directory", "domain controller". Each entry adds the content's words to a query at a
//! lower weight than the words typed, so the typed words still decide between close hits.
//! Keep this list short and general; an item's own `aliases` are the place for phrasings
//! that belong to one problem.

/// Word as typed (lowercase) → the content's words for it.
const TABLE: &[(&str, &str)] = &[
    ("pc", "computer"),
    ("pcs", "computers"),
    ("laptop", "computer"),
    ("laptops", "computers"),
    ("desktop", "computer"),
    ("workstation", "computer"),
    ("machine", "computer"),
    ("machines", "computers"),
    ("box", "computer"),
    ("boxes", "computers"),
    ("ad", "active directory"),
    ("dc", "domain controller"),
    ("dcs", "domain controllers"),
    ("nic", "network adapter"),
    ("nics", "network adapters"),
    ("wifi", "wireless"),
    ("gather", "collect"),
    ("grab", "collect"),
    ("latest", "current"),
    ("newest", "current"),
    ("fw", "firewall"),
    ("encrypted", "encryption"),
    ("unencrypted", "clear text"),
    ("plaintext", "clear text"),
    ("cert", "certificate"),
    ("certs", "certificates"),
    ("creds", "credentials"),
    ("sa", "security association"),
    ("sas", "security associations"),
    ("gpo", "group policy"),
    ("gp", "group policy"),
];

/// Every entry: word as typed, the content's words for it.
pub fn table() -> &'static [(&'static str, &'static str)] {
    TABLE
}

/// The content's words for `word` (lowercase, as typed), if the table has them.
pub fn lookup(word: &str) -> Option<&'static str> {
    TABLE.iter().find(|(w, _)| *w == word).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicate_words() {
        let mut words: Vec<&str> = TABLE.iter().map(|(w, _)| *w).collect();
        words.sort_unstable();
        let before = words.len();
        words.dedup();
        assert_eq!(before, words.len());
    }

    #[test]
    fn lookup_finds_caller_words() {
        assert_eq!(lookup("laptop"), Some("computer"));
        assert_eq!(lookup("dc"), Some("domain controller"));
        assert_eq!(lookup("computer"), None);
    }
}
