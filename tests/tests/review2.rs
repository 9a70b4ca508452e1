//! Second adversarial review of the SDK against the in-process emulator.
//!
//! Tests whose name starts with `bug_` document a defect and FAIL today
//! (the comment above each names the bug); the others pin behaviour that
//! works and must keep working. Every test runs its own emulator (or fake
//! server) on an ephemeral loopback port and finishes in a few seconds.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use lusid::auth::{Config, Credentials};
use lusid_emulator::{Emulator, Fault, RunningEmulator};
use lusid_integration_tests::{client_for, config_for, definition, quick_client, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A fresh access token from the emulator's token endpoint, as text.
async fn token_for(emulator: &RunningEmulator) -> String {
    let provider = lusid_integration_tests::token_provider(&config_for(emulator));
    provider
        .access_token()
        .await
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// One raw HTTP/1.1 exchange with `Connection: close`.
async fn raw_http(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer))
        .await
        .expect("the emulator answers")
        .unwrap();
    String::from_utf8_lossy(&buffer).into_owned()
}

/// A fake LUSID on an ephemeral port: answers every request with
/// `response` and closes the connection; sends each request head it read.
async fn fake_lusid(
    response: &'static str,
) -> (
    std::net::SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let _ = tx.send(String::from_utf8_lossy(&buffer[..end]).into_owned());
                        let _ = stream.write_all(response.as_bytes()).await;
                        return;
                    }
                }
            });
        }
    });
    (addr, rx)
}

// ---------------------------------------------------------------- bugs

// Regression (found in review): a call that fails because the *token endpoint* is down (503, 429,
// timeout) reports `is_transient() == false`. `lusid_auth::Error` says these
// are transient ("so lusid-http may retry the whole call later") and the
// retry layer itself retries them, but `lusid_http::Error::is_transient`
// only looks at `Transport` and attempt `Timeout`, so `Error::Auth { source }`
// with a transient source is reported as permanent to the caller, whose own
// outer retry loop (a scheduler, a batch job) then gives up on an outage.
#[tokio::test]
async fn a_token_endpoint_outage_is_reported_as_transient() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = quick_client(&emulator, 2);
    for _ in 0..10 {
        emulator.faults().push_token(Fault::status(503));
    }

    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(error, lusid::Error::Http(lusid::stack::Error::Auth { .. })),
        "{error:?}"
    );
    assert_eq!(
        emulator.metrics().route_count("Token", 503),
        3,
        "the stack itself treated it as transient and retried twice"
    );
    assert!(
        error.is_transient(),
        "a 503 from the token endpoint is transient: {error:?}"
    );
}

// Regression (found in review): a LUSID URL with a query string passes configuration validation
// (`Config::build` and `lusid config show` accept it) but every client
// built from it fails (`BuildError::Stack(InvalidRequest)` with no
// field or source named). The configuration should reject it as
// `ConfigError::InvalidUrl` naming `lusid_url`/`api.lusidUrl`, like the
// other URL rules in docs/configuration.md.
#[tokio::test]
async fn a_lusid_url_with_a_query_is_a_configuration_error() {
    let config = Config::builder()
        .lusid_url("https://acme.lusid.com/api?tenant=x")
        .access_token("pat")
        .build();
    match config {
        Err(error) => {
            assert!(error.to_string().contains("lusid_url"), "{error}");
        }
        Ok(config) => {
            let built = lusid::Client::builder().config(config).build();
            assert!(
                built.is_ok(),
                "the configuration was accepted, so the client should build: {:?}",
                built.err()
            );
        }
    }
}

// ---------------------------------------------------------------- working

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_a_cold_client_share_one_password_grant() {
    let emulator = start(Emulator::builder().equities(3)).await;
    emulator
        .faults()
        .set_token_latency(Duration::from_millis(100));
    let client = client_for(&emulator);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let client = client.clone();
        tasks.spawn(async move {
            client
                .instruments()
                .list_instruments()
                .limit(1)
                .send()
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    assert_eq!(metrics.api_count("ListInstruments", 200), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_after_revocation_cost_one_refresh_and_one_password_grant() {
    let emulator = start(Emulator::builder().equities(3)).await;
    let client = client_for(&emulator);
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();
    emulator.revoke_all_tokens();
    emulator
        .faults()
        .set_token_latency(Duration::from_millis(100));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let client = client.clone();
        tasks.spawn(async move {
            client
                .instruments()
                .list_instruments()
                .limit(1)
                .send()
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().expect("recovered after one 401");
    }
    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 2, "{metrics:?}");
    assert_eq!(
        metrics.route_count("Token", 400),
        1,
        "one rejected refresh: {metrics:?}"
    );
    assert!((1..=32).contains(&metrics.unauthorized), "{metrics:?}");
}

#[tokio::test]
async fn a_non_idempotent_post_is_retried_after_a_429_but_not_a_503_or_a_drop() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = quick_client(&emulator, 3);
    let delete = || {
        client
            .instruments()
            .delete_instruments(vec!["LUID_X".to_owned()])
            .send()
    };

    emulator.faults().push_api(Fault::status(503));
    let error = delete().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.operation(), Some("DeleteInstruments"));
    assert!(error.is_transient());

    emulator.faults().push_api(Fault::Drop);
    let error = delete().await.unwrap_err();
    assert!(
        matches!(
            error,
            lusid::Error::Http(lusid::stack::Error::Transport {
                kind: lusid::stack::FailureKind::Send,
                attempts: 1,
                ..
            })
        ),
        "{error:?}"
    );

    emulator
        .faults()
        .push_api(Fault::status_with_retry_after(429, "0"));
    let error = delete().await.unwrap_err();
    // The 429 was retried; the retry reached the emulator's 501.
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error:?}");
    let metrics = emulator.metrics();
    assert_eq!(metrics.api_count("DeleteInstruments", 503), 1);
    assert_eq!(metrics.api_count("DeleteInstruments", 429), 1);
    assert_eq!(metrics.api_count("DeleteInstruments", 501), 1);
    assert_eq!(metrics.dropped_total(), 1);

    // UpsertInstruments is an idempotent POST: a dropped connection is retried.
    emulator.faults().push_api(Fault::Drop);
    client
        .instruments()
        .upsert_instruments(BTreeMap::new())
        .send()
        .await
        .expect("retried after the drop");
}

#[tokio::test]
async fn per_call_timeouts_override_the_clients_and_bound_a_long_retry_after() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .total_timeout(Duration::from_millis(400))
        .build()
        .unwrap();

    // A 30 s Retry-After is cut short by a 500 ms per-call total timeout.
    emulator
        .faults()
        .push_api(Fault::status_with_retry_after(429, "30"));
    let started = Instant::now();
    let error = client
        .instruments()
        .list_instruments()
        .total_timeout(Duration::from_millis(500))
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            error,
            lusid::Error::Http(lusid::stack::Error::Timeout {
                kind: lusid::stack::TimeoutKind::Total,
                ..
            })
        ),
        "{error:?}"
    );

    // A slow attempt: a per-call attempt timeout retries it, and a per-call
    // total longer than the client's 400 ms lets the retry finish.
    emulator
        .faults()
        .push_api(Fault::Delay(Duration::from_secs(3)));
    let page = client
        .instruments()
        .list_instruments()
        .limit(1)
        .attempt_timeout(Duration::from_millis(300))
        .total_timeout(Duration::from_secs(3))
        .send()
        .await
        .expect("the second attempt is fast");
    assert_eq!(page.values.len(), 1);
}

#[tokio::test]
async fn retry_after_in_every_form_is_honoured_or_safely_ignored() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = client_for(&emulator);
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();
    for (value, min_wait) in [
        ("0.3", Duration::from_millis(280)),
        ("-1", Duration::ZERO),
        ("garbage", Duration::ZERO),
        ("NaN", Duration::ZERO),
        ("inf", Duration::ZERO),
    ] {
        emulator
            .faults()
            .push_api(Fault::status_with_retry_after(503, value));
        let started = Instant::now();
        client
            .instruments()
            .list_instruments()
            .limit(1)
            .total_timeout(Duration::from_secs(3))
            .send()
            .await
            .unwrap_or_else(|error| panic!("Retry-After {value:?}: {error}"));
        assert!(started.elapsed() >= min_wait, "{value}");
    }
    emulator.faults().push_api(Fault::Raw {
        status: 429,
        headers: vec![("RETRY-AFTER".to_owned(), "1".to_owned())],
        body: String::new(),
    });
    let started = Instant::now();
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn a_page_token_from_another_query_is_invalid_but_the_limit_may_change() {
    let emulator = start(Emulator::builder().equities(20)).await;
    let client = client_for(&emulator);
    let first = client
        .instruments()
        .list_instruments()
        .limit(5)
        .send()
        .await
        .unwrap();
    let token = first.next_page.clone().expect("more pages");

    let next = client
        .instruments()
        .list_instruments()
        .limit(7)
        .page(token.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(next.values.len(), 7);
    assert_ne!(
        next.values[0].lusid_instrument_id,
        first.values[0].lusid_instrument_id
    );

    let error = client
        .instruments()
        .list_instruments()
        .limit(5)
        .page(token.clone())
        .filter("Name startswith 'A'")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let problem = error.problem().expect("a problem");
    assert_eq!(problem.name(), "InvalidPageToken");
    assert_eq!(problem.code(), 689);
    assert!(
        problem
            .errors()
            .is_some_and(|errors| errors.contains_key("page"))
    );
    assert!(error.request_id().is_some());

    let error = client
        .instruments()
        .list_instruments()
        .page(token)
        .sort_by(["-Name"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.problem().map(|p| p.name().to_owned()).as_deref(),
        Some("InvalidPageToken")
    );
}

#[tokio::test]
async fn the_state_file_survives_a_restart_and_new_luids_do_not_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let emulator = start(Emulator::builder().equities(5).state_file(&state)).await;
    let client = client_for(&emulator);
    let mut body = BTreeMap::new();
    body.insert(
        "a".to_owned(),
        definition("Alpha", &[("ClientInternal", "R2-A")]),
    );
    body.insert(
        "b".to_owned(),
        definition("Beta", &[("ClientInternal", "R2-B")]),
    );
    let upserted = client
        .instruments()
        .upsert_instruments(body)
        .send()
        .await
        .unwrap();
    let first_luids: Vec<String> = upserted
        .values
        .unwrap()
        .values()
        .map(|i| i.lusid_instrument_id.clone())
        .collect();
    client
        .instruments()
        .delete_instrument("ClientInternal", "R2-B")
        .send()
        .await
        .unwrap();
    let all_states = "State eq 'Active' or State eq 'Deleted'";
    type Key = (String, String, String, String);
    let key = |values: Vec<lusid::models::Instrument>| -> Vec<Key> {
        values
            .into_iter()
            .map(|i| {
                (
                    i.lusid_instrument_id,
                    i.name,
                    format!("{:?}", i.state),
                    format!("{:?}", i.version.as_at_version_number),
                )
            })
            .collect()
    };
    let before = key(client
        .instruments()
        .list_instruments()
        .filter(all_states)
        .into_stream()
        .try_collect()
        .await
        .unwrap());
    emulator.shutdown().await.unwrap();

    let emulator = start(Emulator::builder().equities(5).state_file(&state)).await;
    let client = client_for(&emulator);
    let after = key(client
        .instruments()
        .list_instruments()
        .filter(all_states)
        .into_stream()
        .try_collect()
        .await
        .unwrap());
    assert_eq!(before, after);
    let error = client
        .instruments()
        .get_instrument("ClientInternal", "R2-B")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));

    let mut body = BTreeMap::new();
    body.insert(
        "c".to_owned(),
        definition("Gamma", &[("ClientInternal", "R2-C")]),
    );
    let upserted = client
        .instruments()
        .upsert_instruments(body)
        .send()
        .await
        .unwrap();
    let new_luid = &upserted.values.unwrap()["c"].lusid_instrument_id;
    assert!(!first_luids.contains(new_luid), "{new_luid} reused");
}

#[tokio::test]
async fn an_access_token_file_is_trimmed_and_reread_after_a_401_even_with_the_same_stamp() {
    let emulator = start(Emulator::builder().equities(2)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    let first = token_for(&emulator).await;
    std::fs::write(&path, format!("\n  {first}\r\n\t")).unwrap();
    let config = Config::builder()
        .lusid_url(emulator.lusid_url())
        .access_token_file(&path)
        .build()
        .unwrap();
    assert!(matches!(
        config.credentials(),
        Credentials::AccessTokenFile(_)
    ));
    let client = lusid::Client::builder().config(config).build().unwrap();
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("the trimmed token works");

    // Rotate to a token of the same length and put the old mtime back: only
    // the 401 tells the provider to re-read.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    emulator.revoke_all_tokens();
    let second = token_for(&emulator).await;
    assert_eq!(first.len(), second.len());
    std::fs::write(&path, format!("\n  {second}\r\n\t")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("re-read after the 401");
    assert_eq!(emulator.metrics().unauthorized, 1);

    // Being rewritten (empty, then missing): the last token is kept.
    std::fs::write(&path, "").unwrap();
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("the last token is kept while the file is empty");
    std::fs::remove_file(&path).unwrap();
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect("the last token is kept while the file is missing");

    // Whitespace only is an empty token file for the configuration.
    std::fs::write(&path, "  \n").unwrap();
    let error = Config::builder()
        .lusid_url(emulator.lusid_url())
        .access_token_file(&path)
        .build()
        .unwrap_err();
    assert!(
        matches!(error, lusid::auth::ConfigError::ReadTokenFile { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unimplemented_operation_is_a_501_naming_it_and_metrics_count_everything() {
    let emulator = start(Emulator::builder().equities(2)).await;
    let client = client_for(&emulator);
    let error = client
        .instruments()
        .get_instrument_identifier_types()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501));
    assert_eq!(
        error.problem().map(|p| p.name().to_owned()).as_deref(),
        Some("NotImplemented")
    );
    assert!(error.to_string().contains("GetInstrumentIdentifierTypes"));

    let token = token_for(&emulator).await;
    let head = |method: &str, path: &str, token: Option<&str>| {
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n")
    };
    let calendars = raw_http(
        emulator.addr(),
        &head("GET", "/api/api/calendars/generic", Some(&token)),
    )
    .await;
    assert!(calendars.starts_with("HTTP/1.1 501"), "{calendars}");
    assert!(calendars.contains("ListCalendars"), "{calendars}");
    let unauthorised = raw_http(
        emulator.addr(),
        &head("GET", "/api/api/calendars/generic", None),
    )
    .await;
    assert!(unauthorised.starts_with("HTTP/1.1 401"), "{unauthorised}");
    let unknown = raw_http(
        emulator.addr(),
        &head("GET", "/api/api/instruments/Figi", Some(&token)),
    )
    .await;
    assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");
    let wrong_method = raw_http(
        emulator.addr(),
        &head("PATCH", "/api/api/instruments", Some(&token)),
    )
    .await;
    assert!(wrong_method.starts_with("HTTP/1.1 405"), "{wrong_method}");

    let metrics_http = raw_http(emulator.addr(), &head("GET", "/emulator/metrics", None)).await;
    assert!(metrics_http.starts_with("HTTP/1.1 200"), "{metrics_http}");
    let json: serde_json::Value =
        serde_json::from_str(metrics_http.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json["apiRequests"]["ListCalendars"]["501"], 1, "{json}");
    assert_eq!(json["apiRequests"]["ListCalendars"]["401"], 1, "{json}");
    assert_eq!(json["unauthorized"], 1, "{json}");
    let metrics = emulator.metrics();
    assert_eq!(metrics.api_count("GetInstrumentIdentifierTypes", 501), 1);
    assert_eq!(metrics.api_count("Unknown", 404), 1);
    assert_eq!(metrics.api_count("Unknown", 405), 1);
}

#[tokio::test]
async fn every_call_carries_the_application_name_correlation_id_and_token() {
    let (addr, mut heads) = fake_lusid(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{\"values\":[]}",
    )
    .await;
    // A trailing slash on the LUSID URL does not double it.
    for url in [format!("http://{addr}/api"), format!("http://{addr}/api/")] {
        let config = Config::builder()
            .lusid_url(url.clone())
            .access_token("PAT-VALUE")
            .application_name("nightly-load")
            .correlation_id("corr-1")
            .build()
            .unwrap();
        let client = lusid::Client::builder().config(config).build().unwrap();
        client
            .instruments()
            .list_instruments()
            .limit(1)
            .send()
            .await
            .unwrap();
        let head = heads.recv().await.unwrap().to_ascii_lowercase();
        assert!(
            head.starts_with("get /api/api/instruments?limit=1 "),
            "{url}: {head}"
        );
        for line in [
            "authorization: bearer pat-value",
            "x-lusid-application: nightly-load",
            "correlationid: corr-1",
        ] {
            assert!(head.contains(line), "{url}: no {line} in {head}");
        }
    }
}
