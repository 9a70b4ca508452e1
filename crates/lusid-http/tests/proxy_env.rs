//! `HTTP_PROXY` from the real process environment, in a test binary of its
//! own because it sets environment variables. Which hosts an environment
//! proxy takes is unit-tested in `src/proxy.rs`, without any network.

use std::sync::Arc;

use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{Body, Proxy, RetryPolicy, StackBuilder, Transport, TransportSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// A server answering every request with `200 {}`.
async fn target() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0; 8192];
            let _ = socket.read(&mut buffer).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
    });
    base
}

async fn call(base: &str) -> Result<http::StatusCode, lusid_http::Error> {
    StackBuilder::new(
        base.parse().unwrap(),
        Arc::new(StaticTokenProvider::new(AccessToken::new("t"))),
    )
    .retry_policy(RetryPolicy::never())
    .transport(Transport::new(&TransportSettings::default().proxy(Proxy::from_env())).unwrap())
    .build()
    .unwrap()
    .oneshot(
        http::Request::get("/api/instruments")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .map(|response| response.status())
}

#[tokio::test]
async fn an_environment_proxy_never_takes_a_loopback_emulator() {
    let base = target().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_proxy = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    // SAFETY: this binary's only test changes the environment, before any
    // other thread reads it.
    unsafe {
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
            std::env::remove_var(name);
            std::env::remove_var(name.to_lowercase());
        }
    }
    assert!(Proxy::from_env().is_none());
    assert_eq!(call(&base).await.unwrap(), 200);

    // SAFETY: as above.
    unsafe { std::env::set_var("HTTP_PROXY", &dead_proxy) };
    assert!(Proxy::from_env().is_some());
    assert_eq!(
        call(&base).await.unwrap(),
        200,
        "loopback hosts (a local emulator) never go through an environment proxy"
    );
}
