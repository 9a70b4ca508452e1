//! Okta `429 Too Many Requests` on the token endpoint, in each header form.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lusid::auth::{Credentials, Error, OktaClient};
use lusid::retry::RetryPolicy;
use lusid_emulator::{Emulator, Fault, RunningEmulator};
use lusid_integration_tests::{config_for, start};

const OKTA_429_BODY: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae1","errorCauses":[]}"#;

fn too_many(headers: &[(&str, String)]) -> Fault {
    Fault::Response {
        status: 429,
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect(),
        body: OKTA_429_BODY.to_owned(),
    }
}

fn okta(emulator: &RunningEmulator, policy: RetryPolicy) -> OktaClient {
    match config_for(emulator).credentials() {
        Credentials::Password(credentials) => {
            OktaClient::new(credentials.clone(), lusid_integration_tests::token_http())
                .with_retry_policy(policy)
        }
        other => panic!("expected the password flow, got {other:?}"),
    }
}

async fn grant_after_one_429(fault: Fault) -> Duration {
    let emulator = start(Emulator::builder().equities(1)).await;
    emulator.faults().push_token(fault);
    let client = okta(&emulator, RetryPolicy::default());
    let started = Instant::now();
    client
        .password_grant()
        .await
        .expect("the retry after the wait succeeds");
    let metrics = emulator.metrics();
    assert_eq!(metrics.faults_served, 1, "{metrics:?}");
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    started.elapsed()
}

#[tokio::test]
async fn retry_after_in_seconds_is_waited_for() {
    let waited = grant_after_one_429(too_many(&[("retry-after", "1".to_owned())])).await;
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_waited_for() {
    let at = SystemTime::now() + Duration::from_secs(2);
    let waited =
        grant_after_one_429(too_many(&[("retry-after", httpdate::fmt_http_date(at))])).await;
    // HTTP dates have whole seconds: the wait is between 1 and 2 s.
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn x_rate_limit_reset_is_waited_for() {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 2;
    let waited = grant_after_one_429(too_many(&[
        ("x-rate-limit-limit", "600".to_owned()),
        ("x-rate-limit-remaining", "0".to_owned()),
        ("x-rate-limit-reset", reset.to_string()),
    ]))
    .await;
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

#[tokio::test]
async fn without_a_hint_the_client_backs_off_exponentially() {
    let emulator = start(Emulator::builder().equities(1)).await;
    for _ in 0..3 {
        emulator.faults().push_token(too_many(&[]));
    }
    let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(100));
    let started = Instant::now();
    okta(&emulator, policy)
        .password_grant()
        .await
        .expect("the fourth attempt succeeds");
    let waited = started.elapsed();
    // Full jitter: at most 100 + 200 + 400 ms.
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(emulator.metrics().faults_served, 3);
}

#[tokio::test]
async fn retries_are_bounded_then_a_typed_error() {
    let emulator = start(Emulator::builder().equities(1)).await;
    for _ in 0..3 {
        emulator
            .faults()
            .push_token(too_many(&[("retry-after", "0".to_owned())]));
    }
    let error = okta(&emulator, RetryPolicy::default().max_rate_limit_retries(2))
        .password_grant()
        .await
        .expect_err("still limited after two retries");
    match &error {
        Error::RateLimited {
            retry_after,
            attempts,
            token_url,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::ZERO));
            assert_eq!(*attempts, 3);
            assert_eq!(token_url, &emulator.token_url());
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(error.is_transient());
    assert_eq!(emulator.metrics().grants("password"), 0);
    assert_eq!(emulator.faults().pending_token(), 0);
}

#[tokio::test]
async fn a_wait_longer_than_the_cap_fails_at_once() {
    let emulator = start(Emulator::builder().equities(1)).await;
    emulator
        .faults()
        .push_token(too_many(&[("retry-after", "120".to_owned())]));
    let started = Instant::now();
    let error = okta(&emulator, RetryPolicy::default())
        .password_grant()
        .await
        .expect_err("the server asks for two minutes; the cap is 60 s");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(wait), attempts: 1, .. } if wait == Duration::from_secs(120)),
        "{error:?}"
    );
    assert!(error.to_string().contains("429"), "{error}");
}

#[tokio::test]
async fn the_configured_rate_limit_retries_apply_to_the_token_endpoint() {
    let emulator = start(Emulator::builder().equities(1)).await;
    emulator
        .faults()
        .push_token(too_many(&[("retry-after", "0".to_owned())]));
    let config = lusid::auth::Config::builder()
        .with_env_vars(|_| None)
        .lusid_url(emulator.lusid_url())
        .token_url(emulator.token_url())
        .username(emulator.credentials().username.clone())
        .password(emulator.credentials().password.clone())
        .client_id(emulator.credentials().client_id.clone())
        .client_secret(emulator.credentials().client_secret.clone())
        .rate_limit_retries(0)
        .build()
        .expect("config");
    let provider = lusid_integration_tests::token_provider(&config);
    let error = provider.access_token().await.expect_err("no retries");
    assert!(
        matches!(error, Error::RateLimited { attempts: 1, .. }),
        "{error:?}"
    );
    provider
        .access_token()
        .await
        .expect("the next call succeeds");
}
