//! HTTPS: the generated CA, ALPN (`h2` and `http/1.1`), the recorded HTTP
//! versions, untrusted clients, faults over TLS and the CA file in secrets.

mod common;

use std::time::Duration;

use common::tls::{self, H1_ONLY, H2_AND_H1};
use common::{Resp, form};
use http::Version;
use lusid_emulator::{Emulator, EmulatorError, Fault, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn tls_emulator(http2: bool) -> RunningEmulator {
    Emulator::builder()
        .equities(20)
        .seed(5)
        .tls(true)
        .http2(http2)
        .start()
        .await
        .expect("start")
}

fn ca(emu: &RunningEmulator) -> &str {
    emu.ca_certificate_pem().expect("TLS emulator has a CA")
}

fn password_form(emu: &RunningEmulator) -> String {
    let c = emu.credentials().clone();
    form(&[
        ("grant_type", "password"),
        ("username", &c.username),
        ("password", &c.password),
        ("scope", "openid client groups"),
        ("client_id", &c.client_id),
        ("client_secret", &c.client_secret),
    ])
}

/// A password grant over a new TLS connection offering `alpn`.
async fn token_over_tls(emu: &RunningEmulator, alpn: &[&[u8]], h2: bool) -> (Resp, Version) {
    let stream = tls::connect(emu.addr(), ca(emu), alpn).await;
    let expected: &[u8] = if h2 { b"h2" } else { b"http/1.1" };
    assert_eq!(tls::negotiated(&stream).as_deref(), Some(expected));
    tls::send_over(
        stream,
        h2,
        "POST",
        &emu.token_url(),
        &[("content-type", "application/x-www-form-urlencoded")],
        password_form(emu),
    )
    .await
}

fn access_token(resp: &Resp) -> String {
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

#[tokio::test]
async fn urls_are_https_and_the_ca_is_a_pem() {
    let emu = tls_emulator(true).await;
    let port = emu.addr().port();
    assert_eq!(emu.base_url(), format!("https://127.0.0.1:{port}"));
    assert_eq!(emu.lusid_url(), format!("https://127.0.0.1:{port}/api"));
    assert_eq!(
        emu.token_url(),
        format!("https://127.0.0.1:{port}/oauth2/default/v1/token")
    );
    assert!(emu.is_tls());
    let pem = ca(&emu);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(pem.trim_end().ends_with("-----END CERTIFICATE-----"));

    let plain = Emulator::builder()
        .equities(1)
        .start()
        .await
        .expect("start");
    assert!(plain.base_url().starts_with("http://"));
    assert!(!plain.is_tls());
    assert_eq!(plain.ca_certificate_pem(), None);
}

#[tokio::test]
async fn h2_is_negotiated_and_recorded() {
    let emu = tls_emulator(true).await;
    let (resp, version) = token_over_tls(&emu, H2_AND_H1, true).await;
    assert_eq!(version, Version::HTTP_2);
    let token = access_token(&resp);

    let stream = tls::connect(emu.addr(), ca(&emu), H2_AND_H1).await;
    let auth = format!("Bearer {token}");
    let (resp, version) = tls::send_over(
        stream,
        true,
        "GET",
        &format!("{}/api/instruments?limit=2", emu.lusid_url()),
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(version, Version::HTTP_2);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["values"][0]["lusidInstrumentId"], "CCY_AED");
    assert!(resp.header("lusid-meta-requestId").is_some());
    // Problem `instance` links use the https base URL.
    let stream = tls::connect(emu.addr(), ca(&emu), H2_AND_H1).await;
    let (resp, _) = tls::send_over(
        stream,
        true,
        "GET",
        &format!("{}/api/instruments/Figi/BBG000NOTHERE", emu.lusid_url()),
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(resp.status, 404);
    let instance = resp.json()["instance"]
        .as_str()
        .expect("instance")
        .to_owned();
    assert!(instance.starts_with(&emu.base_url()), "{instance}");
    assert!(instance.starts_with("https://"), "{instance}");
    let metrics = emu.metrics();
    assert_eq!(metrics.http_version_count("HTTP/2"), 3);
    assert_eq!(metrics.http_version_count("HTTP/1.1"), 0);
    assert_eq!(metrics.api_count("ListInstruments", 200), 1);
    assert_eq!(metrics.grants("password"), 1);
}

#[tokio::test]
async fn http11_when_http2_is_off() {
    let emu = tls_emulator(false).await;
    // The client offers h2 too; the server picks http/1.1.
    let (resp, version) = token_over_tls(&emu, H2_AND_H1, false).await;
    assert_eq!(version, Version::HTTP_11);
    let token = access_token(&resp);
    let stream = tls::connect(emu.addr(), ca(&emu), H2_AND_H1).await;
    let auth = format!("Bearer {token}");
    let (resp, version) = tls::send_over(
        stream,
        false,
        "GET",
        &format!("{}/api/instruments?limit=1", emu.lusid_url()),
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(version, Version::HTTP_11);
    assert_eq!(resp.status, 200);
    let metrics = emu.metrics();
    assert_eq!(metrics.http_version_count("HTTP/1.1"), 2);
    assert_eq!(metrics.http_version_count("HTTP/2"), 0);
}

#[tokio::test]
async fn an_http11_only_client_gets_http11_from_an_h2_server() {
    let emu = tls_emulator(true).await;
    let (resp, version) = token_over_tls(&emu, H1_ONLY, false).await;
    assert_eq!(version, Version::HTTP_11);
    access_token(&resp);
    assert_eq!(emu.metrics().http_version_count("HTTP/1.1"), 1);
}

#[tokio::test]
async fn a_client_without_alpn_still_gets_http11() {
    let emu = tls_emulator(true).await;
    let stream = tls::connect(emu.addr(), ca(&emu), &[]).await;
    assert_eq!(tls::negotiated(&stream), None);
    let (resp, version) = tls::send_over(
        stream,
        false,
        "POST",
        &emu.token_url(),
        &[("content-type", "application/x-www-form-urlencoded")],
        password_form(&emu),
    )
    .await;
    assert_eq!(version, Version::HTTP_11);
    access_token(&resp);
}

#[tokio::test]
async fn the_certificate_is_valid_for_localhost_and_both_loopback_addresses() {
    let emu = tls_emulator(true).await;
    for name in ["localhost", "127.0.0.1", "::1"] {
        let tcp = TcpStream::connect(emu.addr()).await.expect("connect");
        let config = tls::client_config(&[ca(&emu)], H2_AND_H1);
        tls::handshake(tcp, config, name)
            .await
            .unwrap_or_else(|e| panic!("handshake as {name}: {e}"));
    }
    let tcp = TcpStream::connect(emu.addr()).await.expect("connect");
    let config = tls::client_config(&[ca(&emu)], H2_AND_H1);
    let error = tls::handshake(tcp, config, "example.com")
        .await
        .expect_err("not valid for another name");
    assert!(error.to_string().contains("certificate"), "{error}");
}

#[tokio::test]
async fn a_client_without_the_ca_fails_the_handshake() {
    let emu = tls_emulator(true).await;
    // No roots at all.
    let tcp = TcpStream::connect(emu.addr()).await.expect("connect");
    let error = tls::handshake(tcp, tls::client_config(&[], H2_AND_H1), "127.0.0.1")
        .await
        .expect_err("untrusted");
    assert!(error.to_string().contains("certificate"), "{error}");
    // Another emulator's CA: every start makes new keys.
    let other = tls_emulator(true).await;
    assert_ne!(ca(&emu), ca(&other));
    let tcp = TcpStream::connect(emu.addr()).await.expect("connect");
    let error = tls::handshake(
        tcp,
        tls::client_config(&[ca(&other)], H2_AND_H1),
        "127.0.0.1",
    )
    .await
    .expect_err("untrusted");
    assert!(error.to_string().contains("certificate"), "{error}");
    // The server is still fine for a trusting client.
    let (resp, _) = token_over_tls(&emu, H2_AND_H1, true).await;
    access_token(&resp);
    assert_eq!(emu.metrics().grants("password"), 1);
}

#[tokio::test]
async fn plain_http_to_a_tls_port_gets_nothing_useful() {
    let emu = tls_emulator(true).await;
    let mut tcp = TcpStream::connect(emu.addr()).await.expect("connect");
    tcp.write_all(b"GET /emulator/metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out))
        .await
        .expect("the server closes the connection");
    assert!(!out.starts_with(b"HTTP/1.1 200"));
    assert_eq!(emu.metrics().http_versions.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn a_drop_fault_closes_the_tls_connection() {
    for h2 in [false, true] {
        let emu = tls_emulator(true).await;
        emu.faults().push_token(Fault::Drop);
        let alpn = if h2 { H2_AND_H1 } else { H1_ONLY };
        let stream = tls::connect(emu.addr(), ca(&emu), alpn).await;
        let io = hyper_util::rt::TokioIo::new(stream);
        let result = if h2 {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .expect("h2 handshake");
            tokio::spawn(conn);
            let request = http::Request::post(emu.token_url())
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .expect("request");
            tokio::time::timeout(Duration::from_secs(5), sender.send_request(request))
                .await
                .expect("answered or closed")
                .map(|r| r.status())
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .expect("handshake");
            tokio::spawn(conn);
            let request = http::Request::post("/oauth2/default/v1/token")
                .header("host", emu.addr().to_string())
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .expect("request");
            tokio::time::timeout(Duration::from_secs(5), sender.send_request(request))
                .await
                .expect("answered or closed")
                .map(|r| r.status())
        };
        assert!(result.is_err(), "h2={h2}: {result:?}");
        assert_eq!(emu.metrics().dropped_total(), 1);
        // Later connections work.
        let (resp, _) = token_over_tls(&emu, alpn, h2).await;
        access_token(&resp);
    }
}

#[tokio::test]
async fn a_raw_fault_keeps_header_case_over_tls_http11() {
    let emu = tls_emulator(true).await;
    emu.faults().push_token(Fault::Raw {
        status: 429,
        headers: vec![("RETRY-AFTER".into(), "3".into())],
        body: String::new(),
    });
    let mut stream = tls::connect(emu.addr(), ca(&emu), H1_ONLY).await;
    let body = password_form(&emu);
    let request = format!(
        "POST /oauth2/default/v1/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        emu.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
        .await
        .expect("closed after the raw response");
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nRETRY-AFTER: 3\r\n"), "{text}");
}

#[tokio::test]
async fn a_raw_fault_over_h2_is_an_ordinary_response() {
    let emu = tls_emulator(true).await;
    emu.faults().push_token(Fault::Raw {
        status: 429,
        headers: vec![("RETRY-AFTER".into(), "3".into())],
        body: String::new(),
    });
    let stream = tls::connect(emu.addr(), ca(&emu), H2_AND_H1).await;
    let (resp, version) = tls::send_over(
        stream,
        true,
        "POST",
        &emu.token_url(),
        &[("content-type", "application/x-www-form-urlencoded")],
        password_form(&emu),
    )
    .await;
    assert_eq!(version, Version::HTTP_2);
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("3"));
    assert!(resp.header("lusid-meta-requestId").is_some());
    assert_eq!(resp.json()["status"], 429);
    assert_eq!(emu.metrics().route_count("Token", 429), 1);
}

#[tokio::test]
async fn scripted_statuses_work_over_h2() {
    let emu = tls_emulator(true).await;
    emu.faults()
        .push_token_script("503,200")
        .expect("script parses");
    let (resp, _) = token_over_tls(&emu, H2_AND_H1, true).await;
    assert_eq!(resp.status, 503);
    let (resp, _) = token_over_tls(&emu, H2_AND_H1, true).await;
    access_token(&resp);
}

#[tokio::test]
async fn the_metrics_route_reports_http_versions() {
    let emu = tls_emulator(true).await;
    let stream = tls::connect(emu.addr(), ca(&emu), H2_AND_H1).await;
    let (resp, _) = tls::send_over(
        stream,
        true,
        "GET",
        &format!("{}/emulator/metrics", emu.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["httpVersions"]["HTTP/2"], 1);
}

#[tokio::test]
async fn ca_certificate_file_is_written_at_start_and_named_in_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_path = dir.path().join("emulator-ca.pem");
    let emu = Emulator::builder()
        .equities(1)
        .tls(true)
        .ca_certificate_file(&ca_path)
        .start()
        .await
        .expect("start");
    let written = std::fs::read_to_string(&ca_path).expect("CA file");
    assert_eq!(written, ca(&emu));
    let named = emu.secrets_json()["api"]["clientCertificate"]
        .as_str()
        .expect("clientCertificate")
        .to_owned();
    assert_eq!(
        std::fs::canonicalize(&named).expect("exists"),
        std::fs::canonicalize(&ca_path).expect("exists")
    );
    assert!(std::path::Path::new(&named).is_absolute());
    // write_secrets keeps naming that file and writes no other.
    let secrets = dir.path().join("secrets.json");
    emu.write_secrets(&secrets).expect("write secrets");
    assert!(!dir.path().join("secrets-ca.pem").exists());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets).expect("read")).expect("json");
    assert_eq!(doc["api"]["clientCertificate"], named.as_str());
    assert!(
        doc["api"]["tokenUrl"]
            .as_str()
            .expect("tokenUrl")
            .starts_with("https://127.0.0.1:")
    );
}

#[tokio::test]
async fn write_secrets_writes_the_ca_beside_the_secrets_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let emu = tls_emulator(true).await;
    assert!(emu.secrets_json()["api"].get("clientCertificate").is_none());
    let secrets = dir.path().join("local.json");
    emu.write_secrets(&secrets).expect("write secrets");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets).expect("read")).expect("json");
    let named = doc["api"]["clientCertificate"]
        .as_str()
        .expect("clientCertificate");
    assert_eq!(
        std::fs::canonicalize(named).expect("exists"),
        std::fs::canonicalize(dir.path().join("local-ca.pem")).expect("exists")
    );
    assert_eq!(std::fs::read_to_string(named).expect("read"), ca(&emu));
    assert_eq!(
        emu.ca_certificate_file().as_deref(),
        Some(std::path::Path::new(named))
    );

    // write_ca_certificate moves the name.
    let moved = dir.path().join("moved.pem");
    emu.write_ca_certificate(&moved).expect("write CA");
    assert_eq!(std::fs::read_to_string(&moved).expect("read"), ca(&emu));
    let now = emu.secrets_json()["api"]["clientCertificate"]
        .as_str()
        .expect("clientCertificate")
        .to_owned();
    assert!(now.ends_with("moved.pem"), "{now}");
}

#[tokio::test]
async fn plain_emulators_have_no_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let emu = Emulator::builder()
        .equities(1)
        .ca_certificate_file(dir.path().join("ignored.pem"))
        .start()
        .await
        .expect("start");
    assert!(!dir.path().join("ignored.pem").exists());
    assert!(matches!(
        emu.write_ca_certificate(dir.path().join("ca.pem")),
        Err(EmulatorError::TlsDisabled)
    ));
    emu.write_secrets(dir.path().join("secrets.json"))
        .expect("write secrets");
    assert!(!dir.path().join("secrets-ca.pem").exists());
    assert!(emu.secrets_json()["api"].get("clientCertificate").is_none());
}

#[tokio::test]
async fn an_unwritable_ca_file_fails_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = Emulator::builder()
        .equities(1)
        .tls(true)
        .ca_certificate_file(dir.path().join("missing-dir").join("ca.pem"))
        .start()
        .await
        .expect_err("cannot write");
    assert!(
        matches!(error, EmulatorError::CaCertificate { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn plain_http_records_http11() {
    let emu = common::small_emulator().await;
    common::access_token(&emu).await;
    assert_eq!(emu.metrics().http_version_count("HTTP/1.1"), 1);
}
