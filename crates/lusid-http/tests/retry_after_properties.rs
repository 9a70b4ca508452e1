//! Property tests of `Retry-After` handling, through the public stack over a
//! scripted transport on Tokio's paused clock: a 429 carrying any header
//! value is retried once and never panics; the wait is the value's (whole
//! seconds, fractions, HTTP dates), capped, or else a bounded backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{HttpService, Operation, Request, Response, RetryPolicy, StackBuilder};
use proptest::prelude::*;
use tower::ServiceExt;

const CAP: Duration = Duration::from_secs(30);
const BACKOFF: Duration = Duration::from_millis(100);

/// Answers the first attempt 429 with `retry_after`, every later one 200.
fn transport(retry_after: http::HeaderValue, attempts: Arc<AtomicUsize>) -> HttpService {
    HttpService::new(tower::service_fn(move |_request: Request| {
        let retry_after = retry_after.clone();
        let attempt = attempts.fetch_add(1, Ordering::SeqCst);
        async move {
            let mut builder = http::Response::builder();
            builder = if attempt == 0 {
                builder
                    .status(429)
                    .header(http::header::RETRY_AFTER, retry_after)
            } else {
                builder.status(200)
            };
            Ok::<Response, lusid_http::Error>(builder.body(Bytes::new()).expect("a response"))
        }
    }))
}

/// Sends one idempotent GET through the stack; returns the status, the
/// attempts and the time waited on the paused clock.
fn call(retry_after: http::HeaderValue) -> (u16, usize, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let attempts = Arc::new(AtomicUsize::new(0));
        let tokens = Arc::new(StaticTokenProvider::new(AccessToken::new("t".to_owned())));
        let stack = StackBuilder::new("http://127.0.0.1:9/api".parse().expect("url"), tokens)
            .transport(transport(retry_after, attempts.clone()))
            .retry_policy(
                RetryPolicy::default()
                    .initial_backoff(BACKOFF)
                    .max_backoff(BACKOFF)
                    .max_retry_after(CAP)
                    .budget(None),
            )
            .build()
            .expect("the stack builds");
        let mut request = http::Request::get("/api/instruments")
            .body(Bytes::new())
            .expect("a request");
        request.extensions_mut().insert(Operation {
            id: "ListInstruments",
            path_template: "/api/instruments",
            idempotent: true,
        });
        let started = tokio::time::Instant::now();
        let response = stack.oneshot(request).await.expect("retried to a 200");
        (
            response.status().as_u16(),
            attempts.load(Ordering::SeqCst),
            started.elapsed(),
        )
    })
}

fn assert_close(waited: Duration, expected: Duration) {
    let slack = Duration::from_millis(2);
    assert!(
        waited + slack >= expected && waited <= expected + slack,
        "waited {waited:?}, expected {expected:?}"
    );
}

/// Header values of every shape: digits, signs, fractions, exponents,
/// dates, words and arbitrary visible text.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,25}",
        "-?[0-9]{0,6}\\.?[0-9]{0,6}([eE][+-]?[0-9]{1,4})?",
        "(inf|-inf|NaN|infinity|\\+1|0x10| 7 |1_000)",
        "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Oct|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_retry_after_is_retried_once_within_bounds(value in any_value()) {
        let Ok(header) = http::HeaderValue::from_str(&value) else {
            return Ok(());
        };
        let (status, attempts, waited) = call(header);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(attempts, 2);
        prop_assert!(waited <= CAP.max(BACKOFF) + Duration::from_millis(2), "{:?}", waited);
    }

    #[test]
    fn whole_seconds_are_waited_up_to_the_cap(seconds in 0u64..100_000) {
        let (_, attempts, waited) = call(http::HeaderValue::from(seconds));
        prop_assert_eq!(attempts, 2);
        assert_close(waited, Duration::from_secs(seconds).min(CAP));
    }

    #[test]
    fn fractional_seconds_are_waited(millis in 0u64..40_000) {
        let text = format!("{}.{:03}", millis / 1000, millis % 1000);
        let (_, attempts, waited) = call(http::HeaderValue::from_str(&text).expect("ascii"));
        prop_assert_eq!(attempts, 2);
        assert_close(waited, Duration::from_millis(millis).min(CAP));
    }

    #[test]
    fn http_dates_are_waited_from_now(seconds in 0u64..60, past in any::<bool>()) {
        let now = SystemTime::now();
        let at = if past { now - Duration::from_secs(seconds) } else { now + Duration::from_secs(seconds) };
        let text = httpdate::fmt_http_date(at);
        let (_, attempts, waited) = call(http::HeaderValue::from_str(&text).expect("ascii"));
        prop_assert_eq!(attempts, 2);
        // The date has whole seconds: the wait is within a second of it.
        let expected = if past { Duration::ZERO } else { Duration::from_secs(seconds).min(CAP) };
        prop_assert!(waited <= expected + Duration::from_millis(2), "{:?} > {:?}", waited, expected);
        prop_assert!(waited + Duration::from_secs(1) >= expected, "{:?} < {:?}", waited, expected);
    }
}
