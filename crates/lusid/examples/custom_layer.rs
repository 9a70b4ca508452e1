//! Adds your own tower layer to the stack: this one counts the attempts it
//! sees and tags each with a header.
//!
//! Runs against an in-process LUSID emulator, so it needs no credentials:
//!
//! ```sh
//! cargo run -p lusid --example custom_layer
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use futures_util::future::BoxFuture;
use lusid::stack::{Error, HttpService, Request, Response};
use tower::{Layer, Service, ServiceExt};

/// Counts every attempt and adds `X-Job: nightly-extract` to it.
#[derive(Clone, Default)]
struct CountAttempts {
    attempts: Arc<AtomicU64>,
}

impl Layer<HttpService> for CountAttempts {
    type Service = CountAttemptsService;

    fn layer(&self, inner: HttpService) -> Self::Service {
        CountAttemptsService {
            attempts: self.attempts.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
struct CountAttemptsService {
    attempts: Arc<AtomicU64>,
    inner: HttpService,
}

impl Service<Request> for CountAttemptsService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        request
            .headers_mut()
            .insert("x-job", http::HeaderValue::from_static("nightly-extract"));
        Box::pin(self.inner.clone().oneshot(request))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = lusid_emulator::Emulator::builder()
        .equities(50)
        .start()
        .await?;
    let secrets = std::env::temp_dir().join(format!("lusid-example-{}.json", std::process::id()));
    emulator.write_secrets(&secrets)?;

    let counter = CountAttempts::default();
    let client = lusid::Client::builder()
        .secrets_file(&secrets)
        .layer(counter.clone())
        .build()?;
    // One throttled answer: the retry layer sends the request again, and the
    // custom layer sees both attempts.
    emulator
        .faults()
        .push_api(lusid_emulator::Fault::status_with_retry_after(429, "0"));

    let instruments: Vec<_> = client
        .instruments()
        .list_instruments()
        .page_size(100)
        .into_stream()
        .try_collect()
        .await?;

    println!(
        "{} instruments in {} attempts",
        instruments.len(),
        counter.attempts.load(Ordering::Relaxed)
    );
    std::fs::remove_file(&secrets)?;
    Ok(())
}
