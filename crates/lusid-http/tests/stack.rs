//! The stack's layers working together, over a scripted in-memory transport.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use lusid_auth::{AccessToken, TokenProvider};
use lusid_http::{
    Body, Error, HttpService, Operation, Request, Response, RetryPolicy, StackBuilder,
};
use tower::{Layer, Service, ServiceExt};

/// Hands out `token-1`, `token-2`, ... one per call, and counts invalidations.
#[derive(Debug, Default)]
struct CountingTokens {
    issued: AtomicUsize,
    invalidated: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl TokenProvider for CountingTokens {
    async fn access_token(&self) -> Result<AccessToken, lusid_auth::Error> {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(format!("token-{n}")))
    }

    fn invalidate(&self, rejected: &AccessToken) {
        self.invalidated
            .lock()
            .unwrap()
            .push(rejected.expose_secret().to_owned());
    }
}

/// What the transport saw of one attempt.
#[derive(Debug, Clone)]
struct Seen {
    uri: String,
    authorization: Option<String>,
    headers: http::HeaderMap,
    body: Bytes,
}

/// Answers each attempt with the next scripted step and records the request.
#[derive(Clone, Default)]
struct ScriptedTransport {
    steps: Arc<Mutex<VecDeque<Step>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Clone)]
enum Step {
    Status(u16, Option<&'static str>),
    Hang,
}

impl ScriptedTransport {
    fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: Arc::new(Mutex::new(steps.into_iter().collect())),
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn service(&self) -> HttpService {
        let this = self.clone();
        HttpService::new(tower::service_fn(move |request: Request| {
            let this = this.clone();
            async move {
                this.seen.lock().unwrap().push(Seen {
                    uri: request.uri().to_string(),
                    authorization: request
                        .headers()
                        .get(http::header::AUTHORIZATION)
                        .map(|v| v.to_str().unwrap().to_owned()),
                    headers: request.headers().clone(),
                    body: request
                        .body()
                        .as_bytes()
                        .cloned()
                        .expect("a replayable body"),
                });
                let step = this.steps.lock().unwrap().pop_front();
                match step.unwrap_or(Step::Status(200, None)) {
                    Step::Status(status, retry_after) => {
                        let mut response = http::Response::builder().status(status);
                        if let Some(value) = retry_after {
                            response = response.header("Retry-After", value);
                        }
                        Ok(response.body(Body::from("{}")).unwrap())
                    }
                    Step::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        unreachable!("the attempt timeout ends this first")
                    }
                }
            }
        }))
    }
}

fn stack(transport: &ScriptedTransport, tokens: Arc<CountingTokens>) -> StackBuilder {
    StackBuilder::new("http://127.0.0.1:9/api".parse().unwrap(), tokens)
        .transport(transport.service())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
}

fn list_instruments() -> Request {
    let mut request = http::Request::get("/api/instruments?limit=2")
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(Operation {
        id: "ListInstruments",
        path_template: "/api/instruments",
        idempotent: true,
    });
    request
}

#[tokio::test]
async fn each_retried_attempt_reads_a_current_token() {
    let transport = ScriptedTransport::new([Step::Status(503, None), Step::Status(200, None)]);
    let tokens = Arc::new(CountingTokens::default());
    let service = stack(&transport, tokens.clone()).build().unwrap();

    let response = service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(response.status(), 200);
    let seen = transport.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer token-1"));
    assert_eq!(seen[1].authorization.as_deref(), Some("Bearer token-2"));
}

#[tokio::test]
async fn requests_go_to_the_base_url_with_the_sdk_headers() {
    let transport = ScriptedTransport::new([]);
    let tokens = Arc::new(CountingTokens::default());
    let service = stack(&transport, tokens)
        .application_name(Some("portfolio-sync"))
        .correlation_id(Some("nightly-2024-01-31"))
        .build()
        .unwrap();

    service.oneshot(list_instruments()).await.unwrap();

    let seen = &transport.seen()[0];
    assert_eq!(seen.uri, "http://127.0.0.1:9/api/api/instruments?limit=2");
    assert_eq!(seen.headers["x-lusid-sdk-language"], "Rust");
    assert_eq!(
        seen.headers["x-lusid-sdk-version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(seen.headers["x-lusid-application"], "portfolio-sync");
    assert_eq!(seen.headers["correlationid"], "nightly-2024-01-31");
    assert!(
        seen.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("lusid-rs/")
    );
}

#[tokio::test]
async fn a_401_invalidates_the_token_and_is_retried_once() {
    let transport = ScriptedTransport::new([Step::Status(401, None), Step::Status(401, None)]);
    let tokens = Arc::new(CountingTokens::default());
    let service = stack(&transport, tokens.clone()).build().unwrap();

    let response = service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(response.status(), 401, "a second 401 reaches the caller");
    let seen = transport.seen();
    assert_eq!(seen.len(), 2, "never more than one 401 retry");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer token-1"));
    assert_eq!(seen[1].authorization.as_deref(), Some("Bearer token-2"));
    // The auth layer invalidates every rejected token (the retry layer, not
    // the auth layer, sends the second attempt), so the next call does not
    // reuse token-2 either.
    assert_eq!(
        *tokens.invalidated.lock().unwrap(),
        vec!["token-1", "token-2"]
    );
}

#[tokio::test]
async fn a_401_then_a_fresh_token_succeeds_even_for_a_non_idempotent_call() {
    let transport = ScriptedTransport::new([Step::Status(401, None), Step::Status(201, None)]);
    let tokens = Arc::new(CountingTokens::default());
    let service = stack(&transport, tokens.clone()).build().unwrap();
    let mut create = http::Request::post("/api/portfolios")
        .body(Body::from(r#"{"code":"P1"}"#))
        .unwrap();
    create.extensions_mut().insert(Operation {
        id: "CreatePortfolio",
        path_template: "/api/portfolios",
        idempotent: false,
    });

    let response = service.oneshot(create).await.unwrap();

    assert_eq!(response.status(), 201);
    let seen = transport.seen();
    assert_eq!(seen.len(), 2, "a 401 means nothing was done: resent once");
    assert_eq!(seen[1].authorization.as_deref(), Some("Bearer token-2"));
    assert_eq!(seen[1].body, seen[0].body);
    assert_eq!(*tokens.invalidated.lock().unwrap(), vec!["token-1"]);
}

#[tokio::test]
async fn a_500_is_retried_for_an_idempotent_call_only() {
    let transport = ScriptedTransport::new([Step::Status(500, None), Step::Status(200, None)]);
    let service = stack(&transport, Arc::default()).build().unwrap();
    let response = service.oneshot(list_instruments()).await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "an idempotent GET is retried after 500"
    );
    assert_eq!(transport.seen().len(), 2);

    let transport = ScriptedTransport::new([Step::Status(500, None), Step::Status(200, None)]);
    let service = stack(&transport, Arc::default()).build().unwrap();
    let mut create = http::Request::post("/api/portfolios")
        .body(Body::from("{}"))
        .unwrap();
    create.extensions_mut().insert(Operation {
        id: "CreatePortfolio",
        path_template: "/api/portfolios",
        idempotent: false,
    });
    let response = service.oneshot(create).await.unwrap();
    assert_eq!(
        response.status(),
        500,
        "a non-idempotent POST is not resent"
    );
    assert_eq!(transport.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn waits_for_retry_after_before_the_next_attempt() {
    let transport = ScriptedTransport::new([Step::Status(429, Some("2")), Step::Status(200, None)]);
    let service = stack(&transport, Arc::default()).build().unwrap();
    let started = tokio::time::Instant::now();

    let response = service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn gives_up_after_the_bounded_number_of_retries() {
    let transport = ScriptedTransport::new(std::iter::repeat_n(Step::Status(503, None), 10));
    let service = stack(&transport, Arc::default())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();

    let response = service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(response.status(), 503);
    assert_eq!(transport.seen().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_hung_attempt_times_out_and_an_idempotent_call_is_retried() {
    let transport = ScriptedTransport::new([Step::Hang, Step::Status(200, None)]);
    let service = stack(&transport, Arc::default())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let response = service.oneshot(list_instruments()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(transport.seen().len(), 2);

    let transport = ScriptedTransport::new([Step::Hang]);
    let service = stack(&transport, Arc::default())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut create = list_instruments();
    *create.method_mut() = http::Method::POST;
    create.extensions_mut().insert(Operation {
        id: "CreatePortfolio",
        path_template: "/api/portfolios",
        idempotent: false,
    });
    let error = service.oneshot(create).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("CreatePortfolio: "),
        "{error}"
    );
    assert_eq!(
        transport.seen().len(),
        1,
        "a non-idempotent POST is not resent"
    );
}

/// A user layer counting the attempts it sees and whether they carried a token.
#[derive(Clone, Default)]
struct CountAttempts {
    attempts: Arc<AtomicUsize>,
    saw_token: Arc<AtomicUsize>,
}

impl Layer<HttpService> for CountAttempts {
    type Service = CountAttemptsService;
    fn layer(&self, inner: HttpService) -> Self::Service {
        CountAttemptsService {
            counts: self.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
struct CountAttemptsService {
    counts: CountAttempts,
    inner: HttpService,
}

impl Service<Request> for CountAttemptsService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.counts.attempts.fetch_add(1, Ordering::SeqCst);
        if request.headers().contains_key(http::header::AUTHORIZATION) {
            self.counts.saw_token.fetch_add(1, Ordering::SeqCst);
        }
        Box::pin(self.inner.clone().oneshot(request))
    }
}

#[tokio::test]
async fn a_user_layer_sees_every_attempt_but_no_token() {
    let transport = ScriptedTransport::new([
        Step::Status(503, None),
        Step::Status(429, Some("0")),
        Step::Status(200, None),
    ]);
    let counter = CountAttempts::default();
    let service = stack(&transport, Arc::default())
        .layer(counter.clone())
        .build()
        .unwrap();

    service.oneshot(list_instruments()).await.unwrap();

    assert_eq!(counter.attempts.load(Ordering::SeqCst), 3);
    assert_eq!(counter.saw_token.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_throttled_upsert_is_resent_with_the_same_body() {
    let transport = ScriptedTransport::new([Step::Status(429, Some("0")), Step::Status(201, None)]);
    let service = stack(&transport, Arc::default()).build().unwrap();
    let body = Bytes::from_static(br#"{"request-1":{"name":"Acme","identifiers":{}}}"#);
    let mut upsert = http::Request::post("/api/instruments")
        .body(Body::from(body.clone()))
        .unwrap();
    upsert.extensions_mut().insert(Operation {
        id: "UpsertInstruments",
        path_template: "/api/instruments",
        idempotent: true,
    });

    let response = service.oneshot(upsert).await.unwrap();

    assert_eq!(response.status(), 201);
    let seen = transport.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|attempt| attempt.body == body));
}

#[tokio::test(start_paused = true)]
async fn the_total_timeout_counts_every_attempt_made() {
    let transport = ScriptedTransport::new(std::iter::repeat_n(Step::Status(503, Some("1")), 10));
    let service = stack(&transport, Arc::default())
        .total_timeout(Duration::from_millis(2500))
        .build()
        .unwrap();

    let error = service.oneshot(list_instruments()).await.unwrap_err();

    // Attempts at 0 s, 1 s and 2 s; the total timeout ends the wait after
    // the third.
    assert_eq!(transport.seen().len(), 3);
    match error {
        Error::Timeout {
            kind,
            timeout,
            attempts,
            ..
        } => {
            assert_eq!(kind, lusid_http::TimeoutKind::Total);
            assert_eq!(timeout, Duration::from_millis(2500));
            assert_eq!(attempts, 3, "the error counts the attempts made");
        }
        other => panic!("expected the total timeout, got {other:?}"),
    }
}
