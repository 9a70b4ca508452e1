//! Property tests of `Retry-After` handling, through the public stack over a
//! scripted transport on Tokio's paused clock: a 429 carrying any header
//! value never panics; it is retried once after the value's wait (whole
//! seconds, fractions, HTTP dates) or, for a value that is none of these, a
//! bounded backoff; a value asking for longer than the cap is not retried at
//! all (the 429 reaches the caller at once: a retry before the server's time
//! would only be refused again).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{Body, HttpService, Operation, Request, Response, RetryPolicy, StackBuilder};
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
            Ok::<Response, lusid_http::Error>(builder.body(Body::empty()).expect("a response"))
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
            .body(Body::empty())
            .expect("a request");
        request.extensions_mut().insert(Operation {
            id: "ListInstruments",
            path_template: "/api/instruments",
            idempotent: true,
        });
        let started = tokio::time::Instant::now();
        let response = stack.oneshot(request).await.expect("a response");
        (
            response.status().as_u16(),
            attempts.load(Ordering::SeqCst),
            started.elapsed(),
        )
    })
}

/// What one call did: retried once to a 200 after `waited`, or handed the
/// 429 back at once.
fn assert_outcome(outcome: (u16, usize, Duration), expected_wait: Option<Duration>) {
    let (status, attempts, waited) = outcome;
    match expected_wait {
        Some(wait) => {
            assert_eq!((status, attempts), (200, 2), "retried once");
            assert_close(waited, wait);
        }
        None => {
            assert_eq!((status, attempts), (429, 1), "not retried");
            assert_eq!(waited, Duration::ZERO);
        }
    }
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
        let asked = lusid_http::retry::parse_retry_after(&value, SystemTime::now());
        let (status, attempts, waited) = call(header);
        // Whether the value parsed (and to how long) decides the outcome;
        // a date may be a second nearer by the time the stack reads it.
        let beyond_cap = asked.is_some_and(|asked| asked > CAP + Duration::from_secs(1));
        let within_cap = asked.is_none_or(|asked| asked <= CAP);
        if status == 200 {
            prop_assert_eq!(attempts, 2);
            prop_assert!(!beyond_cap, "{:?} asked {:?}, yet retried", value, asked);
            prop_assert!(waited <= CAP.max(BACKOFF) + Duration::from_millis(2), "{:?}", waited);
        } else {
            prop_assert_eq!(status, 429);
            prop_assert_eq!(attempts, 1);
            prop_assert_eq!(waited, Duration::ZERO);
            prop_assert!(!within_cap, "{:?} asked {:?}, yet not retried", value, asked);
        }
    }

    #[test]
    fn whole_seconds_are_waited_up_to_the_cap(seconds in 0u64..100_000) {
        let wait = Duration::from_secs(seconds);
        assert_outcome(call(http::HeaderValue::from(seconds)), (wait <= CAP).then_some(wait));
    }

    #[test]
    fn fractional_seconds_are_waited(millis in 0u64..40_000) {
        let text = format!("{}.{:03}", millis / 1000, millis % 1000);
        let wait = Duration::from_millis(millis);
        let outcome = call(http::HeaderValue::from_str(&text).expect("ascii"));
        assert_outcome(outcome, (wait <= CAP).then_some(wait));
    }

    #[test]
    fn http_dates_are_waited_from_now(seconds in 0u64..60, past in any::<bool>()) {
        let now = SystemTime::now();
        let at = if past { now - Duration::from_secs(seconds) } else { now + Duration::from_secs(seconds) };
        let text = httpdate::fmt_http_date(at);
        let (status, attempts, waited) = call(http::HeaderValue::from_str(&text).expect("ascii"));
        // The date has whole seconds: the wait is within a second below
        // `seconds`. A date up to the cap is retried, one more than a second
        // beyond it is not; at the boundary, either.
        let expected = if past { Duration::ZERO } else { Duration::from_secs(seconds) };
        if expected <= CAP {
            prop_assert_eq!((status, attempts), (200, 2));
        } else if expected > CAP + Duration::from_secs(1) {
            prop_assert_eq!((status, attempts), (429, 1));
        }
        if status == 200 {
            prop_assert!(waited <= expected + Duration::from_millis(2), "{:?} > {:?}", waited, expected);
            prop_assert!(waited + Duration::from_secs(1) >= expected, "{:?} < {:?}", waited, expected);
        } else {
            prop_assert_eq!(waited, Duration::ZERO);
        }
    }
}
