use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};

use crate::{CallOptions, Error, HttpService, Operation, Request, Response, TimeoutKind};

/// Bounds each attempt or each whole call, failing it with
/// [`Error::Timeout`] of the layer's [`TimeoutKind`]. A request's
/// [`CallOptions`] (`attempt_timeout` or `total_timeout`, by kind) overrides
/// the layer's duration.
///
/// The per-attempt layer sits inside the retry layer, so each attempt gets
/// the full duration, from sending the request to having read the whole
/// response body; the total layer sits outside it.
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
#[derive(Clone)]
pub struct TimeoutService<S = HttpService> {
    layer: TimeoutLayer,
    inner: S,
}

impl<S> Service<Request> for TimeoutService<S>
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
        let timeout = self.layer.timeout_for(&request);
        let kind = self.layer.kind;
        let operation = request.extensions().get::<Operation>().copied();
        let call = self.inner.clone().oneshot(request);
        Box::pin(async move {
            tokio::time::timeout(timeout, call)
                .await
                .unwrap_or(Err(Error::Timeout {
                    operation,
                    kind,
                    timeout,
                }))
        })
    }
}
