//! The token lifecycle against the emulator's token endpoint: single flight,
//! refresh ahead, rejected refresh, failure and recovery, shared 401
//! recovery, and credentials that need encoding.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lusid::auth::{AccessToken, Credentials, OktaClient, TokenCache, TokenProvider};
use lusid_emulator::{Emulator, EmulatorCredentials, Fault};
use lusid_integration_tests::{client_for, config_for, start};
use tokio::task::JoinSet;
use tokio::time::timeout;

const NO_HANG: Duration = Duration::from_secs(20);

fn okta_client(config: &lusid::auth::Config) -> OktaClient {
    match config.credentials() {
        Credentials::Password(credentials) => {
            OktaClient::new(credentials.clone(), lusid_integration_tests::token_http())
        }
        other => panic!("expected the password flow, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_a_cold_cache_cause_exactly_one_token_request() {
    let emulator = start(Emulator::builder().equities(5)).await;
    // A slow token endpoint keeps every caller waiting on the same fetch.
    emulator
        .faults()
        .set_token_latency(Duration::from_millis(200));
    let provider = lusid_integration_tests::token_provider(&config_for(&emulator));
    let mut tasks = JoinSet::new();
    for _ in 0..1000 {
        let provider = Arc::clone(&provider);
        tasks.spawn(async move { provider.access_token().await });
    }
    let mut tokens = Vec::new();
    let all = async {
        while let Some(result) = tasks.join_next().await {
            tokens.push(result.expect("task").expect("a token"));
        }
    };
    timeout(NO_HANG, all).await.expect("no hang");
    assert_eq!(tokens.len(), 1000);
    assert!(tokens.iter().all(|token| *token == tokens[0]));
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    assert_eq!(metrics.grants("refresh_token"), 0, "{metrics:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_keep_the_valid_token_while_one_refresh_runs_in_the_background() {
    // 4 s tokens are refreshed from 2 s on (half their lifetime).
    let emulator = start(
        Emulator::builder()
            .equities(5)
            .token_ttl(Duration::from_secs(4)),
    )
    .await;
    let provider = lusid_integration_tests::token_provider(&config_for(&emulator));
    let first = provider.access_token().await.expect("first token");
    tokio::time::sleep(Duration::from_millis(2300)).await;
    // The refresh now takes a second; nobody may wait for it.
    emulator
        .faults()
        .set_token_latency(Duration::from_millis(1000));
    let started = Instant::now();
    for _ in 0..50 {
        let token = timeout(Duration::from_millis(100), provider.access_token())
            .await
            .expect("answered without waiting for the refresh")
            .expect("a token");
        assert_eq!(token, first, "the still-valid token");
    }
    assert!(started.elapsed() < Duration::from_millis(900));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let refreshed = provider.access_token().await.expect("refreshed token");
    assert_ne!(refreshed, first);
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    assert_eq!(
        metrics.grants("refresh_token"),
        1,
        "exactly one background refresh: {metrics:?}"
    );
}

#[tokio::test]
async fn a_rejected_refresh_falls_back_to_one_password_grant() {
    let emulator = start(
        Emulator::builder()
            .equities(5)
            .token_ttl(Duration::from_secs(2)),
    )
    .await;
    let provider = lusid_integration_tests::token_provider(&config_for(&emulator));
    let first = provider.access_token().await.expect("first token");
    emulator.revoke_all_tokens(); // the refresh token too
    tokio::time::sleep(Duration::from_millis(2100)).await; // expired
    let second = timeout(NO_HANG, provider.access_token())
        .await
        .expect("no hang")
        .expect("a new token from the password grant");
    assert_ne!(first, second);
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 2, "{metrics:?}");
    assert_eq!(metrics.grants("refresh_token"), 0, "{metrics:?}");
    assert_eq!(
        metrics.token_failures.get("invalid_grant"),
        Some(&1),
        "{metrics:?}"
    );
}

#[tokio::test]
async fn a_failed_fetch_then_recovery_without_hanging() {
    let emulator = start(Emulator::builder().equities(5)).await;
    let config = config_for(&emulator);
    // No retries: each token request's failure reaches the caller.
    let provider = lusid::auth::token_provider(
        &config,
        lusid_integration_tests::token_http(),
        lusid::retry::RetryPolicy::never(),
    );
    emulator.faults().push_token(Fault::status(503));
    emulator.faults().push_token(Fault::Response {
        status: 200,
        headers: vec![("content-type".to_owned(), "text/html".to_owned())],
        body: "<html>gateway</html>".to_owned(),
    });
    let outage = timeout(NO_HANG, provider.access_token())
        .await
        .expect("no hang")
        .expect_err("503");
    assert!(outage.is_transient(), "{outage:?}");
    let malformed = timeout(NO_HANG, provider.access_token())
        .await
        .expect("no hang")
        .expect_err("not JSON");
    assert!(
        matches!(malformed, lusid::auth::Error::MalformedTokenResponse { .. }),
        "{malformed:?}"
    );
    let token = timeout(NO_HANG, provider.access_token())
        .await
        .expect("no hang")
        .expect("recovered");
    assert!(!token.expose_secret().is_empty());
    assert_eq!(emulator.metrics().grants("password"), 1);
}

#[tokio::test]
async fn a_token_endpoint_outage_is_retried_inside_the_token_client_only() {
    let emulator = start(Emulator::builder().equities(5)).await;
    let provider = lusid_integration_tests::token_provider(&config_for(&emulator));
    emulator.faults().push_token(Fault::status(503));
    emulator.faults().push_token(Fault::Response {
        status: 200,
        headers: vec![("content-type".to_owned(), "text/html".to_owned())],
        body: "<html>gateway</html>".to_owned(),
    });
    // The 503 is retried; the malformed 200 after it is not.
    let malformed = timeout(NO_HANG, provider.access_token())
        .await
        .expect("no hang")
        .expect_err("not JSON");
    assert!(
        matches!(malformed, lusid::auth::Error::MalformedTokenResponse { .. }),
        "{malformed:?}"
    );
    let metrics = emulator.metrics();
    assert_eq!(metrics.faults_served, 2, "{metrics:?}");
    provider.access_token().await.expect("recovered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_share_one_new_token_and_retry_once() {
    let emulator = start(Emulator::builder().equities(20)).await;
    let client = client_for(&emulator);
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("first call");
    emulator.revoke_all_tokens();
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        tasks.spawn(async move {
            client
                .instruments()
                .list_instruments()
                .limit(2)
                .send()
                .await
        });
    }
    let all = async {
        while let Some(result) = tasks.join_next().await {
            let page = result.expect("task").expect("recovered after one 401");
            assert_eq!(page.values.len(), 2);
        }
    };
    timeout(NO_HANG, all).await.expect("no hang");
    let metrics = emulator.metrics();
    assert!(
        (1..=20).contains(&metrics.unauthorized),
        "each request saw at most one 401: {metrics:?}"
    );
    assert_eq!(
        metrics.grants("password"),
        2,
        "one new token shared by all requests that saw the 401: {metrics:?}"
    );
    assert_eq!(
        metrics.api_total("ListInstruments"),
        21 + metrics.unauthorized
    );
}

#[tokio::test]
async fn a_token_rejected_twice_is_not_retried_a_third_time() {
    let emulator = start(Emulator::builder().equities(5)).await;
    let provider =
        lusid::auth::StaticTokenProvider::new(AccessToken::new("not-a-token-the-emulator-issued"));
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .token_provider(Arc::new(provider))
        .build()
        .expect("client");
    let error = client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect_err("401 twice");
    assert!(error.to_string().contains("401"), "{error}");
    assert_eq!(emulator.metrics().unauthorized, 2, "one retry, never more");
}

#[tokio::test]
async fn credentials_that_need_encoding_authenticate_with_both_grants() {
    let awkward = EmulatorCredentials {
        username: "jane+ops&qa=1%/?@:x y ü@acme.com".to_owned(),
        password: "p+a&s=s%w/o?r@d: ü€ ".to_owned(),
        client_id: "0oa:cli+ent/id?&=% é".to_owned(),
        client_secret: "s3cr=t&x+y%z:/?@ ñ".to_owned(),
    };
    let emulator = start(
        Emulator::builder()
            .equities(5)
            .credentials(awkward.clone())
            .token_ttl(Duration::from_secs(2)),
    )
    .await;
    let config = config_for(&emulator);
    let okta = okta_client(&config);
    let issued = okta.password_grant().await.expect("password grant");
    let refresh = issued
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .clone();
    okta.refresh_grant(&refresh).await.expect("refresh grant");

    // And through the cache and the whole stack, across a refresh.
    let client = client_for(&emulator);
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("authenticated call");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("authenticated call after a refresh");
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 2, "{metrics:?}");
    assert_eq!(metrics.grants("refresh_token"), 2, "{metrics:?}");
    assert!(metrics.token_failures.is_empty(), "{metrics:?}");
}

#[tokio::test]
async fn a_token_cache_over_an_okta_client_survives_a_dropped_caller() {
    let emulator = start(Emulator::builder().equities(5)).await;
    emulator
        .faults()
        .set_token_latency(Duration::from_millis(300));
    let cache = TokenCache::new(okta_client(&config_for(&emulator)));
    let dropped = timeout(Duration::from_millis(50), cache.access_token()).await;
    assert!(dropped.is_err(), "the first caller gave up");
    let token = timeout(NO_HANG, cache.access_token())
        .await
        .expect("no hang")
        .expect("the fetch the first caller started");
    assert!(!token.expose_secret().is_empty());
    assert_eq!(emulator.metrics().grants("password"), 1);
}
