use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};

use crate::{Error, HttpService, Operation, Request, Response};

/// Bounds one attempt, from sending the request to having read the whole
/// response body, failing it with [`Error::Timeout`].
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
        let timeout = self.timeout;
        let operation = request.extensions().get::<Operation>().copied();
        let attempt = self.inner.clone().oneshot(request);
        Box::pin(async move {
            tokio::time::timeout(timeout, attempt)
                .await
                .unwrap_or(Err(Error::Timeout { operation, timeout }))
        })
    }
}
