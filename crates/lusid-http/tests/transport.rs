//! The real transport (hyper over TCP) against a scripted loopback server.

use std::io::Write;
use std::sync::{Arc, Mutex};

use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{Body, FailureKind, Request, StackBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves one canned response per connection and records each request head.
async fn serve(response_head: &'static str, body: Vec<u8>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let record = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0; 8192];
            let read = socket.read(&mut buffer).await.unwrap();
            record
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buffer[..read]).into_owned());
            let head = format!(
                "{response_head}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(&body).await.unwrap();
        }
    });
    (base, heads)
}

fn get(path: &str) -> Request {
    http::Request::get(path).body(Body::empty()).unwrap()
}

fn stack(base: &str) -> lusid_http::HttpService {
    StackBuilder::new(
        base.parse().unwrap(),
        Arc::new(StaticTokenProvider::new(AccessToken::new("test-token"))),
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn gzip_responses_are_requested_and_decoded() {
    let json = br#"{"values":[],"nextPage":null}"#;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(json).unwrap();
    let (base, heads) = serve(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip",
        gzip.finish().unwrap(),
    )
    .await;

    let response = stack(&base).oneshot(get("/api/instruments")).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_bytes().unwrap().as_ref(), json);
    let head = heads.lock().unwrap()[0].to_lowercase();
    assert!(head.starts_with("get /api/api/instruments "), "{head}");
    assert!(head.contains("accept-encoding:"), "{head}");
    // gzip only: brotli would add a decoder to every user's build, and
    // LUSID serves gzip.
    let accept = head
        .lines()
        .find(|line| line.starts_with("accept-encoding:"))
        .unwrap();
    assert_eq!(accept.trim(), "accept-encoding: gzip", "{head}");
    assert!(head.contains("authorization: bearer test-token"), "{head}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_before_sending() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);

    let error = StackBuilder::new(
        base.parse().unwrap(),
        Arc::new(StaticTokenProvider::new(AccessToken::new("test-token"))),
    )
    .retry_policy(lusid_http::RetryPolicy::never())
    .build()
    .unwrap()
    .oneshot(get("/api/instruments"))
    .await
    .unwrap_err();

    match &error {
        lusid_http::Error::Transport {
            kind,
            url,
            attempts,
            ..
        } => {
            assert_eq!(*kind, FailureKind::Connect, "nothing was sent");
            assert_eq!(*attempts, 1, "RetryPolicy::never() sends once");
            assert!(url.ends_with("/api/api/instruments"), "{url}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(error.is_transient());
    assert!(!format!("{error:?}").contains("test-token"));
}
