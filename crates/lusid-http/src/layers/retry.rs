use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use tower::Layer;

use crate::{Error, Operation, Request, Response};

/// Decides which failed attempts are sent again, how often, and after how
/// long. It is a [`tower::retry::Policy`]; each call starts with a fresh
/// attempt count.
///
/// | outcome | retried when |
/// | --- | --- |
/// | 429 Too Many Requests, 503 Service Unavailable | always (LUSID did not act on the request) |
/// | 502 Bad Gateway, 504 Gateway Timeout | the operation is idempotent |
/// | connection could not be established | always (nothing was sent) |
/// | token endpoint failed transiently (5xx, 429, timeout, connection) | always (nothing was sent to LUSID) |
/// | connection failed after sending, attempt timed out | the operation is idempotent |
/// | any other status, including 401 (the auth layer's) | never |
///
/// An operation is idempotent when its [`Operation::idempotent`] says so, or,
/// for a request without an [`Operation`], when its method is GET, HEAD, PUT,
/// DELETE or OPTIONS.
///
/// The wait before a retry is the response's `Retry-After` (whole or
/// fractional seconds, or an HTTP date), capped at
/// [`max_retry_after`](Self::max_retry_after); without one, exponential
/// backoff with full jitter: a random wait between zero and
/// `min(max_backoff, initial_backoff × 2^retry)`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retries_done: u32,
}

impl Default for RetryPolicy {
    /// 4 retries (5 attempts), backoff from 200 ms up to 20 s, `Retry-After`
    /// honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            retries_done: 0,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times one call may be retried after its first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The backoff bound before the first retry; it doubles with each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff bound, however many retries came before.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The wait before the next retry, or `None` when `result` must be
    /// returned to the caller as it is.
    fn next_wait(&self, request: &Request, result: &Result<Response, Error>) -> Option<Duration> {
        if self.retries_done >= self.max_retries {
            return None;
        }
        let idempotent = is_idempotent(request);
        let retry_after = match result {
            Ok(response) => {
                let retryable = match response.status() {
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => true,
                    StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => idempotent,
                    _ => false,
                };
                if !retryable {
                    return None;
                }
                response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, SystemTime::now()))
            }
            Err(Error::Transport {
                before_send: true, ..
            }) => None,
            Err(Error::Auth { source, .. }) if source.is_transient() => None,
            Err(Error::Transport { .. } | Error::Timeout { .. }) if idempotent => None,
            Err(_) => return None,
        };
        Some(match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(),
        })
    }

    fn backoff(&self) -> Duration {
        let bound = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(self.retries_done))
            .min(self.max_backoff);
        bound.mul_f64(fastrand::f64())
    }
}

impl tower::retry::Policy<Request, Response, Error> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request,
        result: &mut Result<Response, Error>,
    ) -> Option<Self::Future> {
        let wait = self.next_wait(request, result)?;
        self.retries_done += 1;
        tracing::debug!(
            operation = request.extensions().get::<Operation>().map(|o| o.id),
            retry = self.retries_done,
            max_retries = self.max_retries,
            wait_ms = wait.as_millis() as u64,
            outcome = %Outcome(result),
            "retrying LUSID request"
        );
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request) -> Option<Request> {
        Some(request.clone())
    }
}

fn is_idempotent(request: &Request) -> bool {
    match request.extensions().get::<Operation>() {
        Some(operation) => operation.idempotent,
        None => matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ),
    }
}

/// Reads a `Retry-After` value: whole seconds (`"3"`), fractional seconds
/// (`"0.5"`), or an HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured
/// from `now`; a date in the past means no wait). `None` when it is none of
/// these or is negative.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
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

struct Outcome<'a>(&'a Result<Response, Error>);

impl std::fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Ok(response) => write!(f, "HTTP {}", response.status()),
            Err(error) => write!(f, "{error}"),
        }
    }
}

/// Applies a [`RetryPolicy`] with [`tower::retry::Retry`].
#[derive(Debug, Clone, Default)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    /// A layer retrying by `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = tower::retry::Retry<RetryPolicy, S>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::retry::Retry::new(self.policy.clone(), inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, retry_after: Option<&str>) -> Result<Response, Error> {
        let mut builder = http::Response::builder().status(status);
        if let Some(value) = retry_after {
            builder = builder.header("retry-after", value);
        }
        Ok(builder.body(bytes::Bytes::new()).unwrap())
    }

    fn request(method: Method, idempotent: Option<bool>) -> Request {
        let mut request = http::Request::builder()
            .method(method)
            .uri("/api/instruments")
            .body(bytes::Bytes::new())
            .unwrap();
        if let Some(idempotent) = idempotent {
            request.extensions_mut().insert(Operation {
                id: "Test",
                path_template: "/api/instruments",
                idempotent,
            });
        }
        request
    }

    #[test]
    fn retry_after_accepts_seconds_fractions_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.25 ", now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn honours_retry_after_up_to_the_cap() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        let get = request(Method::GET, Some(true));
        assert_eq!(
            policy.next_wait(&get, &response(429, Some("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy.next_wait(&get, &response(503, Some("3600"))),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn classifies_statuses_by_idempotency() {
        let policy = RetryPolicy::default();
        let get = request(Method::GET, Some(true));
        let post = request(Method::POST, Some(false));
        for status in [429, 502, 503, 504] {
            assert!(
                policy.next_wait(&get, &response(status, None)).is_some(),
                "{status}"
            );
        }
        assert!(policy.next_wait(&post, &response(429, None)).is_some());
        assert!(policy.next_wait(&post, &response(503, None)).is_some());
        assert!(policy.next_wait(&post, &response(502, None)).is_none());
        assert!(policy.next_wait(&post, &response(504, None)).is_none());
        for status in [200, 400, 401, 403, 404, 409, 500] {
            assert!(
                policy.next_wait(&get, &response(status, None)).is_none(),
                "{status}"
            );
        }
    }

    #[test]
    fn classifies_transport_failures_by_when_they_happened() {
        let policy = RetryPolicy::default();
        let failure = |before_send| -> Result<Response, Error> {
            Err(Error::Transport {
                operation: None,
                url: "http://127.0.0.1/api".into(),
                before_send,
                source: "boom".into(),
            })
        };
        let post = request(Method::POST, Some(false));
        let get = request(Method::GET, None);
        assert!(policy.next_wait(&post, &failure(true)).is_some());
        assert!(policy.next_wait(&post, &failure(false)).is_none());
        assert!(policy.next_wait(&get, &failure(false)).is_some());
    }

    #[test]
    fn retries_a_token_endpoint_outage_but_not_a_rejected_grant() {
        let policy = RetryPolicy::default();
        let post = request(Method::POST, Some(false));
        let token_failure = |status: u16, error: &str| -> Result<Response, Error> {
            Err(Error::Auth {
                operation: None,
                source: lusid_auth::Error::GrantRejected {
                    token_url: "https://acme.okta.com/oauth2/default/v1/token".into(),
                    status: http::StatusCode::from_u16(status).unwrap(),
                    error: error.into(),
                    description: None,
                },
            })
        };
        assert!(
            policy
                .next_wait(&post, &token_failure(503, "server_error"))
                .is_some()
        );
        assert!(
            policy
                .next_wait(&post, &token_failure(429, "too_many_requests"))
                .is_some()
        );
        assert!(
            policy
                .next_wait(&post, &token_failure(400, "invalid_grant"))
                .is_none()
        );
    }

    #[test]
    fn stops_after_max_retries_and_bounds_backoff() {
        let mut policy = RetryPolicy::default()
            .max_retries(2)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(150));
        let get = request(Method::GET, Some(true));
        for _ in 0..2 {
            let wait = policy.next_wait(&get, &response(503, None)).unwrap();
            assert!(wait <= Duration::from_millis(150), "{wait:?}");
            policy.retries_done += 1;
        }
        assert_eq!(policy.next_wait(&get, &response(503, None)), None);
    }
}
