//! The CONNECT proxy fixture: tunnels to a plain and a TLS emulator,
//! Basic credentials with reserved characters, 407, 403, 405, and the
//! record of every CONNECT.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::tls::{self, H2_AND_H1};
use common::{Resp, form};
use http::Version;
use lusid_emulator::proxy::{ConnectOutcome, ConnectProxy, RunningProxy};
use lusid_emulator::{Emulator, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USER: &str = "proxy-user";
const PASSWORD: &str = "p@ss:w/rd";

async fn proxy() -> RunningProxy {
    ConnectProxy::builder()
        .basic_auth(USER, PASSWORD)
        .start()
        .await
        .expect("proxy starts")
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

/// Reads a response head byte by byte (so nothing after it is consumed).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("proxy answers")
            .expect("read");
        assert_eq!(n, 1, "closed mid-head: {}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    String::from_utf8(head).expect("ASCII head")
}

fn status_of(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {head}"))
}

/// Sends `CONNECT target` (with `authorization` as Proxy-Authorization if
/// given) and returns the response head and the stream (a tunnel on 200).
async fn connect(
    proxy: &RunningProxy,
    target: &str,
    authorization: Option<&str>,
) -> (u16, String, TcpStream) {
    let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(value) = authorization {
        request.push_str(&format!("Proxy-Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let head = read_head(&mut stream).await;
    (status_of(&head), head, stream)
}

fn password_form(emu: &RunningEmulator) -> String {
    let c = emu.credentials().clone();
    form(&[
        ("grant_type", "password"),
        ("username", &c.username),
        ("password", &c.password),
        ("client_id", &c.client_id),
        ("client_secret", &c.client_secret),
    ])
}

async fn token_through(stream: TcpStream, emu: &RunningEmulator, h2: bool) -> (Resp, Version) {
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

#[tokio::test]
async fn plain_http_through_the_tunnel() {
    let emu = common::small_emulator().await;
    let proxy = proxy().await;
    let target = emu.addr().to_string();
    let (status, head, stream) = connect(&proxy, &target, Some(&basic(USER, PASSWORD))).await;
    assert_eq!(status, 200, "{head}");
    let (resp, version) = token_through(stream, &emu, false).await;
    assert_eq!(version, Version::HTTP_11);
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert!(resp.json()["access_token"].is_string());
    let connects = proxy.connects();
    assert_eq!(connects.len(), 1);
    assert_eq!(connects[0].target, target);
    assert_eq!(connects[0].outcome, ConnectOutcome::Tunnelled);
    assert_eq!(proxy.tunnelled_targets(), [target]);
    assert_eq!(emu.metrics().grants("password"), 1);
}

#[tokio::test]
async fn tls_through_the_tunnel_with_h2() {
    let emu = Emulator::builder()
        .equities(5)
        .tls(true)
        .start()
        .await
        .expect("start");
    let proxy = proxy().await;
    let target = emu.addr().to_string();
    let (status, head, stream) = connect(&proxy, &target, Some(&basic(USER, PASSWORD))).await;
    assert_eq!(status, 200, "{head}");
    let config = tls::client_config(&[emu.ca_certificate_pem().expect("CA")], H2_AND_H1);
    let stream = tls::handshake(stream, config, "127.0.0.1")
        .await
        .expect("TLS through the tunnel");
    assert_eq!(tls::negotiated(&stream).as_deref(), Some(&b"h2"[..]));
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
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert!(proxy.tunnelled_targets().contains(&target));
    assert_eq!(emu.metrics().http_version_count("HTTP/2"), 1);
}

#[tokio::test]
async fn localhost_targets_are_tunnelled_as_sent() {
    let emu = common::small_emulator().await;
    let proxy = ConnectProxy::builder().start().await.expect("start");
    let target = format!("localhost:{}", emu.addr().port());
    let (status, head, stream) = connect(&proxy, &target, None).await;
    assert_eq!(status, 200, "{head}");
    let (resp, _) = token_through(stream, &emu, false).await;
    assert_eq!(resp.status, 200);
    assert_eq!(proxy.tunnelled_targets(), [target]);
}

#[tokio::test]
async fn a_wrong_password_gets_407() {
    let emu = common::small_emulator().await;
    let proxy = proxy().await;
    let target = emu.addr().to_string();
    for authorization in [
        basic(USER, "p@ss:w/rd "),
        basic(USER, "p@ss"),
        basic("someone", PASSWORD),
        format!("Bearer {}", basic(USER, PASSWORD)),
        "Basic not-base64!".to_owned(),
    ] {
        let (status, head, _) = connect(&proxy, &target, Some(&authorization)).await;
        assert_eq!(status, 407, "{authorization}: {head}");
        assert!(
            head.contains("proxy-authenticate: Basic realm=\"lusid-emulator\"\r\n"),
            "{head}"
        );
    }
    let connects = proxy.connects();
    assert_eq!(connects.len(), 5);
    assert!(
        connects
            .iter()
            .all(|c| c.outcome == ConnectOutcome::AuthenticationRequired && c.target == target)
    );
    assert_eq!(ConnectOutcome::AuthenticationRequired.status(), 407);
    assert!(proxy.tunnelled_targets().is_empty());
    assert_eq!(emu.metrics().http_versions.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn no_credentials_get_407_and_a_retry_on_the_same_connection_works() {
    let emu = common::small_emulator().await;
    let proxy = proxy().await;
    let target = emu.addr().to_string();
    let (status, head, mut stream) = connect(&proxy, &target, None).await;
    assert_eq!(status, 407, "{head}");
    assert!(head.contains("Basic realm=\"lusid-emulator\""), "{head}");
    // The 407 has a body with a length; read it, then answer the challenge
    // on the same connection, as curl does.
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .trim()
        .parse()
        .expect("length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.expect("body");
    let request = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: {}\r\n\r\n",
        basic(USER, PASSWORD)
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let head = read_head(&mut stream).await;
    assert_eq!(status_of(&head), 200, "{head}");
    let (resp, _) = token_through(stream, &emu, false).await;
    assert_eq!(resp.status, 200);
    let outcomes: Vec<_> = proxy.connects().into_iter().map(|c| c.outcome).collect();
    assert_eq!(
        outcomes,
        [
            ConnectOutcome::AuthenticationRequired,
            ConnectOutcome::Tunnelled
        ]
    );
}

#[tokio::test]
async fn targets_that_are_not_loopback_get_403() {
    let proxy = proxy().await;
    let auth = basic(USER, PASSWORD);
    for target in [
        "192.0.2.1:443",
        "example.com:443",
        "[2001:db8::1]:443",
        "localhost.example:80",
    ] {
        let (status, head, _) = connect(&proxy, target, Some(&auth)).await;
        assert_eq!(status, 403, "{target}: {head}");
    }
    assert!(
        proxy
            .connects()
            .iter()
            .all(|c| c.outcome == ConnectOutcome::Forbidden)
    );
    assert_eq!(proxy.connects()[2].target, "[2001:db8::1]:443");
}

#[tokio::test]
async fn an_unreachable_loopback_target_gets_502() {
    // A port that was free a moment ago.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let proxy = proxy().await;
    let target = format!("127.0.0.1:{port}");
    let (status, head, _) = connect(&proxy, &target, Some(&basic(USER, PASSWORD))).await;
    assert_eq!(status, 502, "{head}");
    assert_eq!(proxy.connects()[0].outcome, ConnectOutcome::BadGateway);
}

#[tokio::test]
async fn plain_absolute_form_requests_get_405() {
    let emu = common::small_emulator().await;
    let proxy = proxy().await;
    let mut stream = TcpStream::connect(proxy.addr()).await.expect("connect");
    let url = format!("{}/emulator/metrics", emu.base_url());
    let request = format!(
        "GET {url} HTTP/1.1\r\nHost: {}\r\nProxy-Authorization: {}\r\n\r\n",
        emu.addr(),
        basic(USER, PASSWORD)
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let head = read_head(&mut stream).await;
    assert_eq!(status_of(&head), 405, "{head}");
    assert!(head.contains("allow: CONNECT\r\n"), "{head}");
    assert_eq!(proxy.refused_requests(), [format!("GET {url}")]);
    assert!(proxy.connects().is_empty());
    assert_eq!(emu.metrics().http_versions.values().sum::<u64>(), 0);
}

#[tokio::test]
async fn urls_and_shutdown_closes_open_tunnels() {
    let emu = common::small_emulator().await;
    let proxy = proxy().await;
    let port = proxy.addr().port();
    assert_eq!(proxy.url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        proxy.url_with_credentials(),
        format!("http://proxy-user:p%40ss%3Aw%2Frd@127.0.0.1:{port}")
    );
    let open = ConnectProxy::builder().start().await.expect("start");
    assert_eq!(open.url_with_credentials(), open.url());
    drop(open);

    let (status, _, mut tunnel) = connect(
        &proxy,
        &emu.addr().to_string(),
        Some(&basic(USER, PASSWORD)),
    )
    .await;
    assert_eq!(status, 200);
    tokio::time::timeout(Duration::from_secs(5), proxy.shutdown())
        .await
        .expect("shutdown does not wait for the idle tunnel")
        .expect("clean shutdown");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), tunnel.read(&mut buf))
        .await
        .expect("the tunnel is closed");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}
