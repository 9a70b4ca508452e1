//! `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, in a test binary of its own
//! because it sets process environment variables.

use std::sync::Arc;

use bytes::Bytes;
use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{Proxy, RetryPolicy, StackBuilder};
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
    .proxy(Proxy::from_env())
    .build()
    .unwrap()
    .oneshot(
        http::Request::get("/api/instruments")
            .body(Bytes::new())
            .unwrap(),
    )
    .await
    .map(|response| response.status())
}

#[tokio::test]
async fn the_environments_proxy_and_no_proxy_are_followed() {
    let base = target().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_proxy = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);

    assert!(
        Proxy::from_env().is_none(),
        "the test starts without proxy variables"
    );
    assert_eq!(call(&base).await.unwrap(), 200);

    // SAFETY: this binary's only test sets the variables before any other
    // thread reads the environment.
    unsafe { std::env::set_var("HTTP_PROXY", &dead_proxy) };
    assert!(Proxy::from_env().is_some());
    let error = call(&base).await.unwrap_err();
    assert!(
        matches!(
            error,
            lusid_http::Error::Transport {
                before_send: true,
                ..
            }
        ),
        "the call went to the (dead) proxy: {error:?}"
    );

    // SAFETY: as above.
    unsafe { std::env::set_var("NO_PROXY", "127.0.0.1,localhost") };
    assert_eq!(
        call(&base).await.unwrap(),
        200,
        "NO_PROXY hosts connect directly"
    );
}
