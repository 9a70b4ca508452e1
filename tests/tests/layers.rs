//! A user's tower layer in the facade's stack, against the emulator.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use lusid::stack::{Error, HttpService, Operation, Request, Response};
use lusid_emulator::{Emulator, Fault};
use lusid_integration_tests::{config_for, start};
use tower::{Layer, Service, ServiceExt};

/// What the layer saw of one attempt.
#[derive(Debug, Clone)]
struct Seen {
    operation: Option<&'static str>,
    authorization: bool,
    status: Option<u16>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Layer<HttpService> for Recorder {
    type Service = RecorderService;
    fn layer(&self, inner: HttpService) -> RecorderService {
        RecorderService {
            seen: self.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
struct RecorderService {
    seen: Recorder,
    inner: HttpService,
}

impl Service<Request> for RecorderService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = self.seen.clone();
        let operation = request.extensions().get::<Operation>().map(|o| o.id);
        let authorization = request.headers().contains_key(http::header::AUTHORIZATION);
        let call = self.inner.clone().oneshot(request);
        Box::pin(async move {
            let result = call.await;
            seen.0.lock().unwrap().push(Seen {
                operation,
                authorization,
                status: result.as_ref().ok().map(|r| r.status().as_u16()),
            });
            result
        })
    }
}

#[tokio::test]
async fn a_user_layer_sees_every_attempt_of_a_retried_call_and_no_token() {
    let emulator = start(Emulator::builder().equities(3)).await;
    let recorder = Recorder::default();
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .layer(recorder.clone())
        .build()
        .unwrap();
    emulator
        .faults()
        .push_api(Fault::status_with_retry_after(429, "0"));
    emulator.faults().push_api(Fault::status(503));

    let page = client
        .instruments()
        .list_instruments()
        .limit(2)
        .send()
        .await
        .unwrap();

    assert_eq!(page.values.len(), 2);
    let seen = recorder.0.lock().unwrap().clone();
    let statuses: Vec<_> = seen.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Some(429), Some(503), Some(200)]);
    assert!(seen.iter().all(|s| s.operation == Some("ListInstruments")));
    assert!(seen.iter().all(|s| !s.authorization), "{seen:?}");
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_clients() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let client = lusid::Client::builder()
        .config(config_for(&emulator))
        .build()
        .unwrap();
    // Warm the token cache, so only the API call is slow.
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .unwrap();
    emulator
        .faults()
        .set_api_latency(std::time::Duration::from_millis(400));

    let error = client
        .instruments()
        .list_instruments()
        .limit(1)
        .total_timeout(std::time::Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();

    match &error {
        lusid::Error::Http(lusid::stack::Error::Timeout { kind, timeout, .. }) => {
            assert_eq!(*kind, lusid::stack::TimeoutKind::Total);
            assert_eq!(*timeout, std::time::Duration::from_millis(100));
        }
        other => panic!("expected a total timeout, got {other:?}"),
    }
    assert!(error.to_string().contains("ListInstruments"), "{error}");
}
