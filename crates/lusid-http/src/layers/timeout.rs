use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};

use crate::{CallOptions, Error, HttpService, Operation, Request, Response, TimeoutKind};

/// Bounds one attempt, from sending the request to having read the whole
/// response body, failing it with [`Error::Timeout`] of kind
/// [`TimeoutKind::Attempt`]. A request's [`CallOptions::attempt_timeout`]
/// overrides the layer's duration.
///
/// It sits inside the retry layer, so each attempt gets the full duration.
#[derive(Debug, Clone, Copy)]
pub struct AttemptTimeoutLayer {
    timeout: Duration,
}

impl AttemptTimeoutLayer {
    /// A layer giving each attempt `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> Layer<S> for AttemptTimeoutLayer {
    type Service = AttemptTimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AttemptTimeoutService {
            timeout: self.timeout,
            inner,
        }
    }
}

/// The service made by [`AttemptTimeoutLayer`].
#[derive(Clone)]
pub struct AttemptTimeoutService<S = HttpService> {
    timeout: Duration,
    inner: S,
}

impl<S> Service<Request> for AttemptTimeoutService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let timeout = request
            .extensions()
            .get::<CallOptions>()
            .and_then(|options| options.attempt_timeout)
            .unwrap_or(self.timeout);
        let operation = request.extensions().get::<Operation>().copied();
        let attempt = self.inner.clone().oneshot(request);
        Box::pin(async move {
            tokio::time::timeout(timeout, attempt)
                .await
                .unwrap_or(Err(Error::Timeout {
                    operation,
                    kind: TimeoutKind::Attempt,
                    timeout,
                }))
        })
    }
}

/// Bounds a whole call, every attempt and retry wait included, failing it
/// with [`Error::Timeout`] of kind [`TimeoutKind::Total`]. A request's
/// [`CallOptions::total_timeout`] overrides the layer's duration.
///
/// It sits outside the retry layer.
#[derive(Debug, Clone, Copy)]
pub struct TotalTimeoutLayer {
    timeout: Duration,
}

impl TotalTimeoutLayer {
    /// A layer giving each call `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S> Layer<S> for TotalTimeoutLayer {
    type Service = TotalTimeoutService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TotalTimeoutService {
            timeout: self.timeout,
            inner,
        }
    }
}

/// The service made by [`TotalTimeoutLayer`].
#[derive(Clone)]
pub struct TotalTimeoutService<S = HttpService> {
    timeout: Duration,
    inner: S,
}

impl<S> Service<Request> for TotalTimeoutService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let timeout = request
            .extensions()
            .get::<CallOptions>()
            .and_then(|options| options.total_timeout)
            .unwrap_or(self.timeout);
        let operation = request.extensions().get::<Operation>().copied();
        let call = self.inner.clone().oneshot(request);
        Box::pin(async move {
            tokio::time::timeout(timeout, call)
                .await
                .unwrap_or(Err(Error::Timeout {
                    operation,
                    kind: TimeoutKind::Total,
                    timeout,
                }))
        })
    }
}
