//! The SDK as a new user meets it: the README's code, the prelude, the
//! re-exports, a client for an in-process emulator in one line, hooks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use lusid::prelude::*;
use lusid_emulator::{Emulator, Fault};
use lusid_integration_tests::start;

fn workspace_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fenced block after `marker` in `text`.
fn block_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text.find(marker).unwrap_or_else(|| panic!("no {marker:?}"));
    let body = &text[start + marker.len()..];
    let body = &body[body.find('\n').expect("a newline") + 1..];
    &body[..body.find("```").expect("a closing fence")]
}

#[test]
fn the_readme_rust_example_is_the_compiled_example() {
    let readme = workspace_file("README.md");
    let section = &readme[readme
        .find("## The first instrument, in Rust")
        .expect("the section")..];
    let code = block_after(section, "```rust");
    assert_eq!(code, workspace_file("crates/lusid/examples/readme.rs"));
    // Every crate the code names is in the README's [dependencies] block.
    let dependencies = block_after(section, "```toml");
    assert!(
        dependencies.starts_with("[dependencies]\n"),
        "{dependencies}"
    );
    let declared: Vec<&str> = dependencies
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(declared, ["lusid", "tokio"]);
    for line in code.lines() {
        let line = line.trim_start();
        if let Some(path) = line.strip_prefix("use ") {
            let root = path.split("::").next().expect("a path");
            assert!(declared.contains(&root) || root == "std", "{line}");
        }
        if let Some(attribute) = line.strip_prefix("#[") {
            let root = attribute.split("::").next().expect("a path");
            assert!(declared.contains(&root), "{line}");
        }
    }
}

#[tokio::test]
async fn a_client_for_an_in_process_emulator_in_one_line() {
    let emulator = start(Emulator::builder().equities(3)).await;
    let client = lusid::Client::for_emulator(&emulator).expect("a client");
    let luids: Vec<String> = client
        .instruments()
        .list_instruments()
        .into_stream()
        .map_ok(|instrument| instrument.lusid_instrument_id)
        .try_collect()
        .await
        .expect("the master");
    assert_eq!(luids.len(), 181);
    assert_eq!(luids[0], "CCY_AED");
}

#[tokio::test]
async fn a_client_for_an_https_emulator_trusts_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = start(
        Emulator::builder()
            .equities(1)
            .tls(true)
            .ca_certificate_file(dir.path().join("ca.pem")),
    )
    .await;
    let client = lusid::Client::for_emulator(&emulator).expect("a client");
    let page = client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("HTTPS with the emulator's CA");
    assert_eq!(page.values[0].lusid_instrument_id, "CCY_AED");
}

#[tokio::test]
async fn hooks_see_every_attempt_and_response_but_no_token() {
    let emulator = start(Emulator::builder().equities(1)).await;
    emulator
        .faults()
        .push_api(Fault::status_with_retry_after(429, "0"));
    let attempts = Arc::new(AtomicU64::new(0));
    let statuses = Arc::new(std::sync::Mutex::new(Vec::new()));
    let client = {
        let attempts = attempts.clone();
        let statuses = statuses.clone();
        lusid::Client::builder()
            .emulator(&emulator)
            .expect("a configuration")
            .on_request(move |request| {
                attempts.fetch_add(1, Ordering::Relaxed);
                assert!(request.headers().get("authorization").is_none());
                request
                    .headers_mut()
                    .insert("x-job", http::HeaderValue::from_static("nightly"));
            })
            .on_response(move |response| {
                statuses.lock().unwrap().push(response.status().as_u16());
            })
            .build()
            .expect("a client")
    };
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(attempts.load(Ordering::Relaxed), 2);
    assert_eq!(*statuses.lock().unwrap(), [429, 200]);
}

#[test]
fn time_is_re_exported_for_as_at_values() {
    let as_at: lusid::time::OffsetDateTime = lusid::time::macros::datetime!(2024-01-31 09:30 UTC);
    assert_eq!(as_at.year(), 2024);
}

#[tokio::test]
async fn one_error_type_with_a_kind_and_the_root_cause_in_its_message() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let credentials = emulator.credentials();
    let config = lusid::auth::Config::builder()
        .with_env_vars(|_| None)
        .lusid_url(emulator.lusid_url())
        .token_url(emulator.token_url())
        .username(credentials.username.clone())
        .password("not-the-password")
        .client_id(credentials.client_id.clone())
        .client_secret(credentials.client_secret.clone())
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    let error = client
        .instruments()
        .get_instrument("Figi", "BBG000BLNNH6")
        .send()
        .await
        .expect_err("a wrong password");
    assert_eq!(error.kind(), lusid::ErrorKind::Auth);
    let message = error.to_string();
    assert!(
        message.starts_with("GetInstrument: could not get an access token: "),
        "{message}"
    );
    assert!(
        message.ends_with("invalid_grant: The credentials provided were invalid."),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");

    let client = lusid::Client::for_emulator(&emulator).unwrap();
    let error = client
        .instruments()
        .get_instrument("Figi", "BBG00NOTHERE1")
        .send()
        .await
        .expect_err("no such instrument");
    match error.kind() {
        lusid::ErrorKind::Api { status, code } => {
            assert_eq!(status.as_u16(), 404);
            assert!(code.is_some(), "{error}");
        }
        other => panic!("{other:?}: {error}"),
    }

    // Building and calling share the error type.
    async fn job() -> Result<(), lusid::Error> {
        let client = lusid::Client::builder()
            .secrets_file("/nonexistent/secrets.json")
            .build()?;
        client.instruments().list_instruments().send().await?;
        Ok(())
    }
    let error = job().await.expect_err("no secrets file");
    assert_eq!(error.kind(), lusid::ErrorKind::Configuration);
    assert!(
        error.to_string().contains("/nonexistent/secrets.json"),
        "{error}"
    );
}

#[tokio::test]
async fn a_failure_without_a_response_says_how_many_attempts_were_made() {
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = lusid::auth::Config::builder()
        .with_env_vars(|_| None)
        .lusid_url(format!("http://127.0.0.1:{port}/api"))
        .access_token("a-personal-access-token")
        .build()
        .unwrap();
    let client = lusid::Client::builder()
        .config(config)
        .retry_policy(
            lusid::retry::RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(std::time::Duration::from_millis(1))
                .budget(None),
        )
        .build()
        .unwrap();
    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .expect_err("connection refused");
    assert_eq!(error.kind(), lusid::ErrorKind::Transport);
    assert_eq!(error.attempts(), Some(3));
    let message = error.to_string();
    assert!(message.contains("after 3 attempt(s)"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}
