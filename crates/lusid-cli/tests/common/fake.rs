//! A service faked with axum on an ephemeral loopback port, on its own
//! runtime, and `lusid` commands pointed at it with `FBN_LUSID_URL` (its
//! `/api`, so every other service's URL is derived from its origin) and
//! `FBN_ACCESS_TOKEN`.

use std::process::Command;

/// The bearer token the fakes expect.
pub const TOKEN: &str = "fake-token";

/// A running fake.
pub struct Fake {
    pub runtime: tokio::runtime::Runtime,
    pub origin: String,
}

/// Serves `router` on 127.0.0.1, port 0.
pub fn start(router: axum::Router) -> Fake {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, router).await });
    Fake { runtime, origin }
}

impl Fake {
    /// `lusid ARGS` against this fake.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = super::command(args);
        command
            .env("FBN_LUSID_URL", format!("{}/api", self.origin))
            .env("FBN_ACCESS_TOKEN", TOKEN);
        command
    }
}

/// Whether a request carries the fake's bearer token.
pub fn authorised(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"))
}
