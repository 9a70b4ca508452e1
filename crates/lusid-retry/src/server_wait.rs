//! The wait a response asks for: `Retry-After` or Okta's
//! `X-Rate-Limit-Reset`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The wait `headers` ask for, measured from `now`:
///
/// 1. `Retry-After`: whole seconds (`5`), fractional seconds (`0.5`) or an
///    HTTP date (a date in the past means no wait);
/// 2. otherwise `X-Rate-Limit-Reset`: the Unix time in seconds at which
///    Okta's rate limit resets.
///
/// `None` when neither is present or parses (negative values included).
/// Header names match in any case.
pub fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(wait) = header("retry-after").and_then(|value| parse_retry_after(value, now)) {
        return Some(wait);
    }
    let epoch = header("x-rate-limit-reset")?.trim().parse::<u64>().ok()?;
    let reset = UNIX_EPOCH + Duration::from_secs(epoch);
    Some(reset.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Reads one `Retry-After` value: whole seconds (`"3"`), fractional seconds
/// (`"0.5"`), or an HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured
/// from `now`; a date in the past means no wait). `None` when it is none of
/// these or is negative.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_EPOCH: u64 = 1_445_412_470;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_EPOCH)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("a header value"));
        }
        map
    }

    #[test]
    fn retry_after_accepts_seconds_fractions_and_dates() {
        assert_eq!(parse_retry_after("3", now()), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.25 ", now()),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now()), None);
        assert_eq!(parse_retry_after("soon", now()), None);
    }

    #[test]
    fn okta_reset_is_used_when_retry_after_is_absent_or_garbage() {
        let reset = (NOW_EPOCH + 4).to_string();
        let okta = headers(&[("x-rate-limit-reset", &reset)]);
        assert_eq!(server_wait(&okta, now()), Some(Duration::from_secs(4)));
        let both = headers(&[("retry-after", "2"), ("x-rate-limit-reset", &reset)]);
        assert_eq!(server_wait(&both, now()), Some(Duration::from_secs(2)));
        let garbage = headers(&[("Retry-After", "soon"), ("x-rate-limit-reset", &reset)]);
        assert_eq!(server_wait(&garbage, now()), Some(Duration::from_secs(4)));
        let past = headers(&[("x-rate-limit-reset", "1")]);
        assert_eq!(server_wait(&past, now()), Some(Duration::ZERO));
        assert_eq!(server_wait(&HeaderMap::new(), now()), None);
    }
}
