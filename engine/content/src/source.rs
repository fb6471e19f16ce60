//! Source files as read from a layer: a display path and the text.

/// One file's text and the path shown in diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    /// 1-based line of the first line matching `pred`, if any.
    pub fn find_line(&self, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.text.lines().position(pred).map(|i| i + 1)
    }

    /// Line and column of the first occurrence of `needle` at or after line `from_line`.
    pub fn locate(&self, needle: &str, from_line: usize) -> Option<(usize, usize)> {
        for (i, line) in self
            .text
            .lines()
            .enumerate()
            .skip(from_line.saturating_sub(1))
        {
            if let Some(byte) = line.find(needle) {
                return Some((i + 1, line[..byte].chars().count() + 1));
            }
        }
        None
    }
}

/// FNV-1a, 64 bits, folded into `hash` (start from [`FNV_START`]): stable across versions
/// and platforms, unlike `DefaultHasher`; for fingerprints of content, not for security.
pub fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// The FNV-1a offset basis.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;
