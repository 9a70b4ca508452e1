use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;

use crate::{Error, HttpService, Operation, Request, Response};

/// Wraps each call in a `lusid.request` tracing span with the operation id,
/// method and path template, and records the outcome (status or error) and
/// the elapsed time in milliseconds. The span never holds a header value, so
/// no token reaches the logs.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService { inner }
    }
}

/// The service made by [`TraceLayer`].
#[derive(Clone)]
pub struct TraceService<S = HttpService> {
    inner: S,
}

impl<S> Service<Request> for TraceService<S>
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
        let operation = request.extensions().get::<Operation>().copied();
        let span = tracing::debug_span!(
            "lusid.request",
            operation = operation.map(|o| o.id),
            method = %request.method(),
            path = operation.map_or_else(|| request.uri().path().to_owned(), |o| o.path_template.to_owned()),
        );
        let call = self.inner.clone().oneshot(request);
        Box::pin(
            async move {
                let started = Instant::now();
                let result = call.await;
                let elapsed_ms = started.elapsed().as_millis() as u64;
                match &result {
                    Ok(response) => tracing::debug!(
                        status = response.status().as_u16(),
                        request_id = response
                            .headers()
                            .get("lusid-meta-requestId")
                            .and_then(|v| v.to_str().ok()),
                        elapsed_ms,
                        "LUSID call finished"
                    ),
                    Err(error) => tracing::debug!(%error, elapsed_ms, "LUSID call failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
