use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;

use crate::{Error, HttpService, Operation, Request, Response};

/// Wraps each call in a `lusid.request` tracing span (at debug level) with
/// the fields `operation` (operationId), `method`, `path` (the path
/// template), `attempts` (updated by the retry layer), and, when the call
/// ends, `status`, `request_id` (LUSID's `lusid-meta-requestId` header) and
/// `elapsed_ms` (the whole call, retries included). The span never holds a
/// header value other than the request id, so no token reaches the logs.
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
            attempts = 1u32,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let call = self.inner.clone().oneshot(request);
        Box::pin(
            async move {
                let started = Instant::now();
                let result = call.await;
                let span = tracing::Span::current();
                span.record("elapsed_ms", started.elapsed().as_millis() as u64);
                match &result {
                    Ok(response) => {
                        span.record("status", response.status().as_u16());
                        if let Some(id) = response
                            .headers()
                            .get("lusid-meta-requestId")
                            .and_then(|v| v.to_str().ok())
                        {
                            span.record("request_id", id);
                        }
                        tracing::debug!("LUSID call finished");
                    }
                    Err(error) => tracing::debug!(%error, "LUSID call failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
