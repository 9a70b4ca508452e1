//! [`TraceLayer`]: one `lusid.request` span per call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Layer, Service};
use tracing::Span;

use crate::{Error, HttpService, Operation, Request, Response, ResponseMetadata};

/// How many attempts one call made, shared between the trace layer (which
/// puts it in the request's extensions and reports it) and the retry layer
/// (which counts each retry).
#[derive(Debug, Clone)]
pub(crate) struct AttemptCounter(Arc<AtomicU32>);

impl AttemptCounter {
    fn new() -> Self {
        Self(Arc::new(AtomicU32::new(1)))
    }

    /// The counter in `request`'s extensions, put there first if absent.
    pub(crate) fn of(request: &mut Request) -> Self {
        if let Some(counter) = request.extensions().get::<AttemptCounter>() {
            return counter.clone();
        }
        let counter = Self::new();
        request.extensions_mut().insert(counter.clone());
        counter
    }

    /// Counts one more attempt and returns the new total.
    pub(crate) fn increment(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The attempts counted so far, the first included.
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Wraps each call in a `lusid.request` tracing span (at debug level) with
/// the fields `operation` (operationId), `method`, `path` (the path
/// template), `attempts` (counted by the retry layer), and, when the call
/// ends, `status`, `request_id` (LUSID's `lusid-meta-requestId` header, or
/// the id in an error body's `instance`, from [`ResponseMetadata`]) and
/// `elapsed_ms` (the whole call, retries included). The span never holds a
/// header value other than the request id, so no token reaches the logs.
/// When debug spans are disabled the layer only forwards the call.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService { inner }
    }
}

/// The service made by [`TraceLayer`].
#[derive(Clone, Debug)]
pub struct TraceService<S = HttpService> {
    inner: S,
}

impl<S> Service<Request> for TraceService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let operation = request.extensions().get::<Operation>().copied();
        let span = tracing::debug_span!(
            "lusid.request",
            operation = operation.map(|o| o.id),
            method = %request.method(),
            path = operation.map_or_else(|| request.uri().path().to_owned(), |o| o.path_template.to_owned()),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            return TraceFuture {
                inner: self.inner.call(request),
                traced: None,
            };
        }
        let attempts = AttemptCounter::new();
        request.extensions_mut().insert(attempts.clone());
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        TraceFuture {
            inner,
            traced: Some(Traced {
                span,
                attempts,
                started: Instant::now(),
            }),
        }
    }
}

struct Traced {
    span: Span,
    attempts: AttemptCounter,
    started: Instant,
}

pin_project_lite::pin_project! {
    /// The future of [`TraceService`].
    pub struct TraceFuture<F> {
        #[pin]
        inner: F,
        traced: Option<Traced>,
    }
}

impl<F> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response, Error>>,
{
    type Output = Result<Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(traced) = this.traced.as_ref() else {
            return this.inner.poll(cx);
        };
        let _entered = traced.span.enter();
        let mut result = match this.inner.poll(cx) {
            Poll::Ready(result) => result,
            Poll::Pending => return Poll::Pending,
        };
        let span = &traced.span;
        span.record("elapsed_ms", traced.started.elapsed().as_millis() as u64);
        span.record("attempts", traced.attempts.get());
        match &mut result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(id) = ResponseMetadata::of(response).request_id() {
                    span.record("request_id", id);
                }
                tracing::debug!("LUSID call finished");
            }
            Err(error) => tracing::debug!(%error, "LUSID call failed"),
        }
        Poll::Ready(result)
    }
}
