//! The one compact encoding of numbers in index files, shared with `site/assets/search.js`.
//!
//! Index pieces are JavaScript files (a `<script>` can load them from `file://`, where
//! `fetch` cannot), so numbers travel as text. Each number is a little-endian varint of
//! five-bit groups, one character per group from the URL-safe base64 alphabet; the sixth
//! bit says another group follows. Every character is safe inside a JSON string, and the
//! dense lists of a large site (consecutive documents, small term frequencies) cost one
//! character per entry.

/// The 64 characters; a character's index is its value.
pub const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Append `n` as a varint.
pub fn push(out: &mut String, mut n: u64) {
    loop {
        let group = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(char::from(ALPHABET[group]));
            return;
        }
        out.push(char::from(ALPHABET[group | 32]));
    }
}

/// A postings list: documents ascending, each with its term frequency. One varint per
/// entry holds the gap to the previous document (less one) and the frequency when it is
/// 1 to 7 (three bits); a larger frequency follows as a second varint (less 8). A dense
/// list (gaps under 4, frequencies under 8) costs one character an entry.
pub fn postings(entries: &[(u32, u32)]) -> String {
    let mut out = String::with_capacity(entries.len() * 2);
    let mut prev: i64 = -1;
    for &(doc, tf) in entries {
        let gap = (i64::from(doc) - prev - 1).max(0) as u64;
        prev = i64::from(doc);
        let tf = tf.max(1);
        let small = if tf >= 8 { 0 } else { u64::from(tf) };
        push(&mut out, (gap << 3) | small);
        if tf >= 8 {
            push(&mut out, u64::from(tf - 8));
        }
    }
    out
}

/// Numbers one after the other (field norm ids: the small ones cost one character).
pub fn numbers(list: impl IntoIterator<Item = u64>) -> String {
    let mut out = String::new();
    for n in list {
        push(&mut out, n);
    }
    out
}

/// Decode varints (tests, and the bytes-per-query benchmark's sanity checks).
pub fn decode(text: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    let mut value = 0u64;
    let mut shift = 0u32;
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u64;
        value |= (v & 31) << shift;
        if v & 32 == 0 {
            out.push(value);
            value = 0;
            shift = 0;
        } else {
            shift += 5;
            if shift > 60 {
                return None;
            }
        }
    }
    (shift == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let list = [0, 1, 31, 32, 1023, 1024, 65_535, 4_000_000_000];
        assert_eq!(decode(&numbers(list)), Some(list.to_vec()));
    }

    // Guards the size of a large site's index: a dense list costs one character an entry.
    #[test]
    fn dense_postings_cost_one_character_each() {
        let entries: Vec<(u32, u32)> = (0..100).map(|d| (d, 1 + d % 7)).collect();
        assert_eq!(postings(&entries).len(), 100);
    }

    #[test]
    fn postings_keep_gaps_and_large_frequencies() {
        let s = postings(&[(3, 2), (10, 9)]);
        // (3 << 3 | 2), (6 << 3 | 0), 9 - 8
        assert_eq!(decode(&s), Some(vec![26, 48, 1]));
    }
}
