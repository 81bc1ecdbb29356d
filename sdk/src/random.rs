//! Random numbers for the `random` nonce of each signature and the jitter of retry delays,
//! from the operating system's source (`getrandom`, the crate ring already uses for rustls).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// A random `u32`.
pub(crate) fn u32() -> u32 {
    (u64() >> 32) as u32
}

/// A random number in `[0, 1)`, uniform over the 2^53 values an `f64` has there.
pub(crate) fn unit_f64() -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (u64() >> 11) as f64 * SCALE
}

/// A random `u64` from the OS. Should the OS source fail (practically never), a value that still
/// differs from call to call instead of a panic: neither a nonce nor a jitter is a secret, they
/// need only be distinct and spread.
fn u64() -> u64 {
    let mut bytes = [0; 8];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => u64::from_ne_bytes(bytes),
        Err(_) => fallback(),
    }
}

/// The clock, a process-wide counter and the thread, hashed: distinct for every call.
fn fallback() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = DefaultHasher::new();
    SystemTime::now().hash(&mut hasher);
    CALLS.fetch_add(1, Ordering::Relaxed).hash(&mut hasher);
    std::thread::current().id().hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn draws_differ() {
        let drawn: HashSet<u64> = (0..1000).map(|_| u64()).collect();
        assert_eq!(drawn.len(), 1000);
        let drawn: HashSet<u32> = (0..100).map(|_| u32()).collect();
        // 100 draws of 2^32 values collide with a probability of about one in a million.
        assert!(drawn.len() >= 99, "{drawn:?}");
    }

    #[test]
    fn the_fallback_differs_from_call_to_call() {
        let drawn: HashSet<u64> = (0..1000).map(|_| fallback()).collect();
        assert_eq!(drawn.len(), 1000);
    }

    #[test]
    fn unit_floats_cover_zero_to_one() {
        let drawn: Vec<f64> = (0..10_000).map(|_| unit_f64()).collect();
        assert!(drawn.iter().all(|x| (0.0..1.0).contains(x)));
        // Each tenth of the interval gets some: the draws are spread, not stuck.
        for tenth in 0..10 {
            let low = f64::from(tenth) / 10.0;
            assert!(
                drawn.iter().any(|x| (low..low + 0.1).contains(x)),
                "nothing in [{low}, {})",
                low + 0.1
            );
        }
    }
}
