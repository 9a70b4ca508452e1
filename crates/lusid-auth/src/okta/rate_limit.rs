//! [`RateLimitPolicy`]: how the token client waits out `429 Too Many
//! Requests` from Okta.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// How [`OktaClient`](crate::OktaClient) handles `429 Too Many Requests`
/// from the token endpoint.
///
/// After a `429` the client waits and sends the same grant again, at most
/// [`max_retries`](Self::max_retries) times. The wait is, in order of
/// preference:
///
/// 1. `Retry-After`: seconds (`Retry-After: 5`) or an HTTP date;
/// 2. `X-Rate-Limit-Reset`: the Unix time (seconds) at which Okta's limit
///    resets;
/// 3. otherwise exponential backoff with jitter: a random wait between half
///    and all of `base_delay × 2^retry`, at most `max_wait`.
///
/// If the server asks for a longer wait than [`max_wait`](Self::max_wait),
/// the client does not wait at all and fails at once with
/// [`Error::RateLimited`](crate::Error::RateLimited), which carries the wait
/// asked for. So does the last `429` once the retries are used up.
///
/// Default: 3 retries, 30 s maximum wait, 1 s base delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitPolicy {
    max_retries: u32,
    max_wait: Duration,
    base_delay: Duration,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        RateLimitPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
            base_delay: Duration::from_secs(1),
        }
    }
}

impl RateLimitPolicy {
    /// Retries after a `429`; 0 fails on the first one.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The longest single wait.
    pub fn with_max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The first backoff when the server gives no hint.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Retries after a `429`.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The longest single wait.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// The first backoff when the server gives no hint.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The jittered backoff before retry number `retry` (0-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        let full = self.base_delay.saturating_mul(factor).min(self.max_wait);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// The wait a `429` response asks for: `Retry-After` (seconds or HTTP
/// date), else `X-Rate-Limit-Reset` (Unix seconds), relative to `now`.
pub(crate) fn server_hint(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(date) = httpdate::parse_http_date(value) {
            return Some(date.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    if let Some(value) = header("x-rate-limit-reset") {
        if let Ok(epoch) = value.parse::<u64>() {
            let reset = UNIX_EPOCH + Duration::from_secs(epoch);
            return Some(reset.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    const NOW_EPOCH: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_EPOCH)
    }

    #[test]
    fn retry_after_in_seconds() {
        let hint = server_hint(&headers(&[("retry-after", "7")]), now());
        assert_eq!(hint, Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(12));
        let hint = server_hint(&headers(&[("retry-after", &date)]), now());
        assert_eq!(hint, Some(Duration::from_secs(12)));
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(12));
        let hint = server_hint(&headers(&[("retry-after", &past)]), now());
        assert_eq!(hint, Some(Duration::ZERO));
    }

    #[test]
    fn x_rate_limit_reset_in_epoch_seconds() {
        let reset = (NOW_EPOCH + 4).to_string();
        let hint = server_hint(&headers(&[("x-rate-limit-reset", &reset)]), now());
        assert_eq!(hint, Some(Duration::from_secs(4)));
    }

    #[test]
    fn retry_after_wins_and_garbage_is_no_hint() {
        let reset = (NOW_EPOCH + 4).to_string();
        let both = headers(&[("retry-after", "2"), ("x-rate-limit-reset", &reset)]);
        assert_eq!(server_hint(&both, now()), Some(Duration::from_secs(2)));
        let garbage = headers(&[("retry-after", "soon"), ("x-rate-limit-reset", "later")]);
        assert_eq!(server_hint(&garbage, now()), None);
        assert_eq!(server_hint(&HeaderMap::new(), now()), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RateLimitPolicy::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_wait(Duration::from_millis(1000));
        for _ in 0..50 {
            let first = policy.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(2);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.backoff(30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
    }
}
