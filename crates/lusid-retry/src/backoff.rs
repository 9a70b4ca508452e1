//! [`Backoff`]: exponential backoff with full jitter.

use std::time::Duration;

/// Exponential backoff with full jitter: before retry number `n` (0-based)
/// a random wait between zero and `min(max, initial × 2^n)`.
///
/// Used when the server gives no `Retry-After` or `X-Rate-Limit-Reset`.
/// Default: 200 ms initial bound, 20 s largest bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(200), Duration::from_secs(20))
    }
}

impl Backoff {
    /// Backoff whose bound starts at `initial` and doubles up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// The bound before the first retry.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The largest bound.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The upper bound of the wait before retry number `retry` (0-based).
    pub fn bound(&self, retry: u32) -> Duration {
        self.initial
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max)
    }

    /// A random wait in `0..=bound(retry)`.
    pub fn wait(&self, retry: u32) -> Duration {
        self.bound(retry).mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_doubles_and_is_capped() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        assert_eq!(backoff.bound(0), Duration::from_millis(100));
        assert_eq!(backoff.bound(1), Duration::from_millis(200));
        assert_eq!(backoff.bound(2), Duration::from_millis(350));
        assert_eq!(backoff.bound(60), Duration::from_millis(350));
        for retry in 0..10 {
            assert!(backoff.wait(retry) <= backoff.bound(retry));
        }
    }
}
