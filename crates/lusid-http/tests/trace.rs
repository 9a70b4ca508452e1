//! The `lusid.request` span, in a test binary of its own: a process-wide
//! tracing subscriber cannot race other tests' callsites here.

use std::sync::{Arc, Mutex};

use lusid_auth::{AccessToken, StaticTokenProvider};
use lusid_http::{Body, HttpService, Operation, Request, StackBuilder};
use tower::ServiceExt;

/// Answers 503 once, then 200 with a request id.
fn flaky_transport() -> HttpService {
    let calls = Arc::new(Mutex::new(0));
    HttpService::new(tower::service_fn(move |_request: Request| {
        let calls = calls.clone();
        async move {
            let mut calls = calls.lock().unwrap();
            *calls += 1;
            let status = if *calls == 1 { 503 } else { 200 };
            Ok(http::Response::builder()
                .status(status)
                .header("lusid-meta-requestId", "0HTEST:00000001")
                .body(Body::empty())
                .unwrap())
        }
    }))
}

fn list_instruments() -> Request {
    let mut request = http::Request::get("/api/instruments")
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(Operation {
        id: "ListInstruments",
        path_template: "/api/instruments",
        idempotent: true,
    });
    request
}

/// A `MakeWriter` collecting everything a test subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_call_span_names_operation_attempts_status_and_request_id_but_no_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let service = StackBuilder::new(
        "http://127.0.0.1:9/api".parse().unwrap(),
        Arc::new(StaticTokenProvider::new(AccessToken::new("secret-token-1"))),
    )
    .transport(flaky_transport())
    .retry_policy(
        lusid_http::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(1)),
    )
    .build()
    .unwrap();

    let response = service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(response.status(), 200);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let finished = logs
        .lines()
        .find(|line| line.contains("LUSID call finished"))
        .unwrap_or_else(|| panic!("no finish event in:\n{logs}"));
    for field in [
        "operation=\"ListInstruments\"",
        "method=GET",
        "path=\"/api/instruments\"",
        "attempts=2",
        "status=200",
        "request_id=\"0HTEST:00000001\"",
        "elapsed_ms=",
    ] {
        assert!(finished.contains(field), "{field} missing from: {finished}");
    }
    assert_eq!(finished.matches("attempts=").count(), 1, "{finished}");
    assert!(logs.contains("retrying LUSID request"), "{logs}");
    assert!(!logs.contains("secret-token-1"), "{logs}");
}
