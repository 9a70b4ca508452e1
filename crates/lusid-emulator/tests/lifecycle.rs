//! Faults, metrics, secrets and shutdown.

mod common;

use std::time::{Duration, Instant};

use common::*;
use lusid_emulator::{DEFAULT_CLIENT_ID, DEFAULT_USERNAME, Emulator, Fault};

#[tokio::test]
async fn scripted_503_is_served_once_then_normal_behaviour_resumes() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let faults = emu.faults();
    faults.push_api(Fault::status_with_retry_after(503, "1"));
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("retry-after"), Some("1"));
    assert!(resp.header("lusid-meta-requestId").is_some());
    assert_eq!(resp.json()["status"], 503);
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 200);

    // Operation-specific faults wait for their operation.
    faults.push_api_for("GetInstrument", Fault::status(429));
    assert_eq!(
        api(&emu, &token, "GET", "/api/instruments?limit=1", None)
            .await
            .status,
        200
    );
    let resp = api(&emu, &token, "GET", "/api/instruments/Currency/USD", None).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.json()["name"], "ApiRateLimitViolation");
    assert_eq!(
        api(&emu, &token, "GET", "/api/instruments/Currency/USD", None)
            .await
            .status,
        200
    );

    // Faults apply before authentication, like a gateway's.
    faults.push_api(Fault::Response {
        status: 502,
        headers: vec![("content-type".to_owned(), "text/html".to_owned())],
        body: "<html>Bad Gateway</html>".to_owned(),
    });
    let resp = api(&emu, "not-a-token", "GET", "/api/instruments", None).await;
    assert_eq!(resp.status, 502);
    assert_eq!(resp.header("content-type"), Some("text/html"));

    // Token endpoint faults.
    faults.push_token(Fault::status(429));
    let resp = password_grant(&emu, "openid").await;
    assert_eq!(resp.status, 429);
    assert_eq!(password_grant(&emu, "openid").await.status, 200);

    let metrics = emu.metrics();
    assert_eq!(metrics.faults_served, 4);
    assert_eq!(metrics.api_count("ListInstruments", 503), 1);
    assert_eq!(metrics.api_count("ListInstruments", 200), 2);
    assert_eq!(metrics.api_count("GetInstrument", 429), 1);
    assert_eq!(metrics.token_failures.get("fault"), Some(&1));
    assert_eq!(faults.pending_api(), 0);
}

#[tokio::test]
async fn latency_and_delay_faults_slow_responses() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let faults = emu.faults();
    faults.push_api(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    faults.set_api_latency(Duration::from_millis(200));
    let started = Instant::now();
    api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    faults.clear();
    let started = Instant::now();
    api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn secrets_json_has_the_web_app_export_shape() {
    let emu = Emulator::builder()
        .equities(0)
        .application_name("my-tests")
        .start()
        .await
        .expect("start");
    let secrets = emu.secrets_json();
    let api_section = &secrets["api"];
    assert_eq!(api_section["username"], DEFAULT_USERNAME);
    assert_eq!(api_section["clientId"], DEFAULT_CLIENT_ID);
    assert_eq!(api_section["applicationName"], "my-tests");
    assert_eq!(api_section["lusidUrl"], emu.lusid_url().as_str());
    assert_eq!(api_section["apiUrl"], emu.lusid_url().as_str());
    assert_eq!(api_section["tokenUrl"], emu.token_url().as_str());
    assert_eq!(api_section["driveUrl"], emu.drive_url().as_str());
    assert!(emu.drive_url().ends_with("/drive"));
    assert!(emu.lusid_url().starts_with("http://127.0.0.1:"));
    assert!(emu.lusid_url().ends_with("/api"));
    assert!(emu.token_url().ends_with("/oauth2/default/v1/token"));
    for key in ["password", "clientSecret"] {
        assert!(api_section[key].is_string());
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secrets.json");
    emu.write_secrets(&path).expect("write");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(written, secrets);
}

#[tokio::test]
async fn shutdown_stops_serving_and_seeds_are_deterministic() {
    let a = Emulator::builder()
        .equities(20)
        .seed(99)
        .start()
        .await
        .expect("start");
    let b = Emulator::builder()
        .equities(20)
        .seed(99)
        .start()
        .await
        .expect("start");
    let token_a = access_token(&a).await;
    let token_b = access_token(&b).await;
    let mut list_a = api(&a, &token_a, "GET", "/api/instruments", None)
        .await
        .json();
    let mut list_b = api(&b, &token_b, "GET", "/api/instruments", None)
        .await
        .json();
    for list in [&mut list_a, &mut list_b] {
        list["href"] = serde_json::Value::Null;
        for value in list["values"].as_array_mut().expect("values") {
            value["href"] = serde_json::Value::Null;
        }
    }
    assert_eq!(list_a, list_b);

    let addr = a.addr();
    a.shutdown().await.expect("shutdown");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    drop(b);
}

#[tokio::test]
async fn serve_until_returns_when_the_signal_fires() {
    let emu = Emulator::builder()
        .equities(0)
        .start()
        .await
        .expect("start");
    let addr = emu.addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(emu.serve_until(async move {
        let _ = rx.await;
    }));
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    tx.send(()).expect("send");
    server.await.expect("join").expect("serve");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
