use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use tower::Layer;
use tower::retry::budget::{Budget, TpsBudget};

use crate::{Error, Operation, Request, Response, TimeoutKind};

/// Decides which failed attempts are sent again, how often, and after how
/// long. It is a [`tower::retry::Policy`]; each call starts with fresh
/// counts.
///
/// | outcome | retried when |
/// | --- | --- |
/// | 429 Too Many Requests | always (LUSID refused the request before acting on it), up to [`max_rate_limit_retries`](Self::max_rate_limit_retries) |
/// | 502 Bad Gateway, 503 Service Unavailable, 504 Gateway Timeout | the operation is idempotent |
/// | connection could not be established | always (nothing was sent) |
/// | token endpoint failed transiently (5xx, 429, timeout, connection) | always (nothing was sent to LUSID) |
/// | connection failed after sending, attempt timed out | the operation is idempotent |
/// | 400, 403, 404, 409, any other 4xx or 5xx | never |
/// | 401 | never here: the auth layer retries once with a new token |
///
/// An operation is idempotent when its [`Operation::idempotent`] says so
/// (GET, HEAD, PUT, DELETE, and the POSTs the generator marks: upserts and
/// read-only `$get`/`$query` calls), or, for a request without an
/// [`Operation`], when its method is GET, HEAD, PUT, DELETE or OPTIONS.
///
/// The wait before a retry is the response's `Retry-After` (whole or
/// fractional seconds, or an HTTP date), capped at
/// [`max_retry_after`](Self::max_retry_after); without one, exponential
/// backoff with full jitter: a random wait between zero and
/// `min(max_backoff, initial_backoff × 2^retry)`.
///
/// Retries also draw on a [`RetryBudget`] shared by every call through the
/// same stack: when most calls are failing, retries stop multiplying the
/// load and the failures reach the callers.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    max_rate_limit_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    budget: Option<RetryBudget>,
    retries_done: u32,
    rate_limit_retries_done: u32,
    deposited: bool,
}

/// A budget of retries shared by all calls of one stack (a token bucket over
/// a sliding window, [`tower::retry::budget::TpsBudget`]): every call adds to
/// it, every retry takes from it.
///
/// The default allows 10 retries a second at any time, plus retries worth
/// 20 % of the calls made in the last 10 seconds.
#[derive(Clone)]
pub struct RetryBudget(Arc<TpsBudget>);

impl RetryBudget {
    /// A budget allowing `min_per_second` retries a second regardless of
    /// traffic, plus `retry_ratio` (0.0 to 1000.0) retries per call made
    /// within the last `window`.
    pub fn new(window: Duration, min_per_second: u32, retry_ratio: f32) -> Self {
        Self(Arc::new(TpsBudget::new(
            window,
            min_per_second,
            retry_ratio,
        )))
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(Duration::from_secs(10), 10, 0.2)
    }
}

impl std::fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RetryBudget").field(&self.0).finish()
    }
}

impl Default for RetryPolicy {
    /// 4 retries (5 attempts) of outages and failed connections, 4 retries
    /// of 429s, backoff from 200 ms up to 20 s, `Retry-After` honoured up to
    /// 60 s, and the default [`RetryBudget`].
    fn default() -> Self {
        Self {
            max_retries: 4,
            max_rate_limit_retries: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            budget: Some(RetryBudget::default()),
            retries_done: 0,
            rate_limit_retries_done: 0,
            deposited: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self::default().max_retries(0).max_rate_limit_retries(0)
    }

    /// How many times one call may be retried after outages (502, 503, 504),
    /// failed connections and timeouts.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// How many times one call may be retried after `429 Too Many Requests`
    /// (the `rateLimitRetries` setting, `FBN_RATE_LIMIT_RETRIES`).
    pub fn max_rate_limit_retries(mut self, retries: u32) -> Self {
        self.max_rate_limit_retries = retries;
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

    /// Replaces the shared retry budget; `None` retries without one.
    pub fn budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The wait before the next retry and whether it is a rate-limit retry,
    /// or `None` when `result` must be returned to the caller as it is.
    fn next_wait(
        &self,
        request: &Request,
        result: &Result<Response, Error>,
    ) -> Option<(Duration, bool)> {
        let idempotent = is_idempotent(request);
        let (retry_after, rate_limited) = match result {
            Ok(response) => {
                let rate_limited = response.status() == StatusCode::TOO_MANY_REQUESTS;
                let retryable = rate_limited
                    || (idempotent
                        && matches!(
                            response.status(),
                            StatusCode::BAD_GATEWAY
                                | StatusCode::SERVICE_UNAVAILABLE
                                | StatusCode::GATEWAY_TIMEOUT
                        ));
                if !retryable {
                    return None;
                }
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, SystemTime::now()));
                (retry_after, rate_limited)
            }
            Err(Error::Transport {
                before_send: true, ..
            }) => (None, false),
            Err(Error::Auth { source, .. }) if source.is_transient() => (None, false),
            Err(
                Error::Transport { .. }
                | Error::Timeout {
                    kind: TimeoutKind::Attempt,
                    ..
                },
            ) if idempotent => (None, false),
            Err(_) => return None,
        };
        let exhausted = if rate_limited {
            self.rate_limit_retries_done >= self.max_rate_limit_retries
        } else {
            self.retries_done >= self.max_retries
        };
        if exhausted {
            return None;
        }
        let wait = match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(),
        };
        Some((wait, rate_limited))
    }

    fn backoff(&self) -> Duration {
        let retries = self.retries_done + self.rate_limit_retries_done;
        let bound = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retries))
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
        let (wait, rate_limited) = self.next_wait(request, result)?;
        if let Some(budget) = &self.budget {
            if !budget.0.withdraw() {
                tracing::debug!("retry budget exhausted; returning the failure");
                return None;
            }
        }
        if rate_limited {
            self.rate_limit_retries_done += 1;
        } else {
            self.retries_done += 1;
        }
        let attempt = 1 + self.retries_done + self.rate_limit_retries_done;
        if let Some(counter) = request.extensions().get::<super::trace::AttemptCounter>() {
            counter.increment();
        }
        tracing::debug!(
            operation = request.extensions().get::<Operation>().map(|o| o.id),
            attempt,
            wait_ms = wait.as_millis() as u64,
            outcome = %Outcome(result),
            "retrying LUSID request"
        );
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request) -> Option<Request> {
        if !self.deposited {
            if let Some(budget) = &self.budget {
                budget.0.deposit();
            }
            self.deposited = true;
        }
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
            Some((Duration::from_secs(2), true))
        );
        assert_eq!(
            policy.next_wait(&get, &response(503, Some("3600"))),
            Some((Duration::from_secs(5), false))
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
        assert!(policy.next_wait(&post, &response(503, None)).is_none());
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

    #[tokio::test]
    async fn an_exhausted_budget_stops_retries() {
        use tower::retry::Policy;

        let budget = RetryBudget::new(Duration::from_secs(10), 0, 0.0);
        let mut policy = RetryPolicy::default().budget(Some(budget));
        let mut get = request(Method::GET, Some(true));
        let _first = policy.clone_request(&get);
        assert!(policy.retry(&mut get, &mut response(503, None)).is_none());

        let mut unbudgeted = RetryPolicy::default().budget(None);
        assert!(
            unbudgeted
                .retry(&mut get, &mut response(503, None))
                .is_some()
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
            let (wait, _) = policy.next_wait(&get, &response(503, None)).unwrap();
            assert!(wait <= Duration::from_millis(150), "{wait:?}");
            policy.retries_done += 1;
        }
        assert_eq!(policy.next_wait(&get, &response(503, None)), None);
        assert!(
            policy.next_wait(&get, &response(429, None)).is_some(),
            "429s have their own bound"
        );
    }
}
