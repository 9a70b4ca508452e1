//! [`TimeoutLayer`]: a deadline per attempt or per call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service};

use super::trace::AttemptCounter;
use crate::{CallOptions, Error, HttpService, Operation, Request, Response, TimeoutKind};

/// Bounds each attempt or each whole call, failing it with
/// [`Error::Timeout`] of the layer's [`TimeoutKind`]. A request's
/// [`CallOptions`] (`attempt_timeout` or `total_timeout`, by kind) overrides
/// the layer's duration.
///
/// The per-attempt layer sits inside the retry layer, so each attempt gets
/// the full duration, from sending the request to having read the whole
/// response body (for a streamed body: to its head); the total layer sits
/// outside it.
#[derive(Debug, Clone, Copy)]
pub struct TimeoutLayer {
    kind: TimeoutKind,
    timeout: Duration,
}

impl TimeoutLayer {
    /// A layer giving each attempt `timeout`.
    pub fn attempt(timeout: Duration) -> Self {
        Self {
            kind: TimeoutKind::Attempt,
            timeout,
        }
    }

    /// A layer giving each whole call, retries included, `timeout`.
    pub fn total(timeout: Duration) -> Self {
        Self {
            kind: TimeoutKind::Total,
            timeout,
        }
    }

    /// The timeout for `request`: its override of this kind, or the layer's.
    fn timeout_for(&self, request: &Request) -> Duration {
        let options = request.extensions().get::<CallOptions>();
        let overridden = match self.kind {
            TimeoutKind::Attempt => options.and_then(|options| options.attempt_timeout),
            TimeoutKind::Total => options.and_then(|options| options.total_timeout),
        };
        overridden.unwrap_or(self.timeout)
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = TimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TimeoutService {
            layer: *self,
            inner,
        }
    }
}

/// The service made by [`TimeoutLayer`].
#[derive(Clone, Debug)]
pub struct TimeoutService<S = HttpService> {
    layer: TimeoutLayer,
    inner: S,
}

impl<S> Service<Request> for TimeoutService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let timeout = self.layer.timeout_for(&request);
        let operation = request.extensions().get::<Operation>().copied();
        // The total timeout ends a call that may have made several attempts:
        // the retry layer inside counts them on the call's counter (the
        // trace layer's, or one put here), so the error can say how many.
        let attempts = match self.layer.kind {
            TimeoutKind::Total => Some(AttemptCounter::of(&mut request)),
            TimeoutKind::Attempt => None,
        };
        TimeoutFuture {
            inner: tokio::time::timeout(timeout, self.inner.call(request)),
            kind: self.layer.kind,
            timeout,
            operation,
            attempts,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TimeoutService`].
    pub struct TimeoutFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        kind: TimeoutKind,
        timeout: Duration,
        operation: Option<Operation>,
        attempts: Option<AttemptCounter>,
    }
}

impl<F> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<Response, Error>>,
{
    type Output = Result<Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(_elapsed)) => Poll::Ready(Err(Error::Timeout {
                operation: *this.operation,
                kind: *this.kind,
                timeout: *this.timeout,
                attempts: this.attempts.as_ref().map_or(1, AttemptCounter::get),
            })),
            Poll::Pending => Poll::Pending,
        }
    }
}
