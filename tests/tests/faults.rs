//! Faults the emulator injects, absorbed by the retry layer.

use futures_util::TryStreamExt;
use lusid_emulator::{Emulator, Fault};
use lusid_integration_tests::{client_for, start};

#[tokio::test]
async fn throttling_and_unavailability_are_retried_within_an_extraction() {
    let emulator = start(Emulator::builder().equities(30)).await;
    let client = client_for(&emulator);
    let faults = emulator.faults();
    faults.push_api(Fault::status_with_retry_after(503, "0"));
    faults.push_api(Fault::status_with_retry_after(429, "0.05"));
    faults.push_api(Fault::status(503));

    let instruments: Vec<_> = client
        .instruments()
        .list_instruments()
        .page_size(40)
        .into_stream()
        .try_collect()
        .await
        .expect("the retry layer absorbs the faults");

    let expected: Vec<_> = client_for(&emulator)
        .instruments()
        .list_instruments()
        .page_size(2000)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(instruments, expected);
    assert_eq!(emulator.metrics().faults_served, 3);
    assert_eq!(faults.pending_api(), 0);
}

#[tokio::test]
async fn a_persistent_outage_reaches_the_caller_with_its_status() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = lusid::Client::builder()
        .config(lusid_integration_tests::config_for(&emulator))
        .retry_policy(
            lusid::stack::RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    for _ in 0..3 {
        emulator.faults().push_api(Fault::status(503));
    }

    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(http_status(503)), "{error:?}");
    assert_eq!(error.operation(), Some("ListInstruments"));
    assert_eq!(emulator.metrics().faults_served, 3);
}

fn http_status(code: u16) -> lusid::api::StatusCode {
    lusid::api::StatusCode::from_u16(code).unwrap()
}

#[tokio::test]
async fn rate_limit_retries_from_the_secrets_file_bound_429_retries() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let mut secrets = emulator.secrets_json();
    secrets["api"]["rateLimitRetries"] = serde_json::json!(1);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), secrets.to_string()).unwrap();
    let client = lusid::Client::builder()
        .secrets_file(file.path())
        .build()
        .unwrap();
    for _ in 0..3 {
        emulator
            .faults()
            .push_api(Fault::status_with_retry_after(429, "0"));
    }

    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(http_status(429)), "{error:?}");
    assert_eq!(emulator.metrics().faults_served, 2, "one try and one retry");
}
