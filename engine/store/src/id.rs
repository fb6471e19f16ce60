//! Session ids: short enough to read over the phone, random enough not to collide.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Ten lowercase hex digits. `RandomState` is seeded from the operating system's random
/// source, and the clock, process id and a counter are mixed in, so two processes starting
/// in the same instant still differ. The store retries on the rare collision.
pub(crate) fn new_session_id() -> String {
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:010x}", h.finish() >> 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ten_hex_digits_and_differ() {
        let a = new_session_id();
        let b = new_session_id();
        assert_eq!(a.len(), 10, "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
