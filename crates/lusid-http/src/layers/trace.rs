use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};
use tracing::Instrument;

use crate::{Error, HttpService, Operation, Request, Response};

/// How many attempts one call made, shared between the trace layer (which
/// puts it in the request's extensions and reports it) and the retry layer
/// (which counts each retry).
#[derive(Debug, Clone)]
pub(crate) struct AttemptCounter(Arc<AtomicU32>);

impl Default for AttemptCounter {
    fn default() -> Self {
        Self(Arc::new(AtomicU32::new(1)))
    }
}

impl AttemptCounter {
    /// Counts one more attempt and returns the new total.
    pub(crate) fn increment(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// LUSID's request id: the `lusid-meta-requestId` header, or else the last
/// path segment of an error body's problem-details `instance`
/// (`https://<domain>.lusid.com/app/insights/logs/<request id>`).
fn request_id(response: &Response) -> Option<String> {
    if let Some(id) = response
        .headers()
        .get("lusid-meta-requestId")
        .and_then(|value| value.to_str().ok())
    {
        return Some(id.to_owned());
    }
    if response.status().is_success() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Problem {
        instance: Option<String>,
    }
    let problem: Problem = serde_json::from_slice(response.body()).ok()?;
    let instance = problem.instance?;
    let id = instance.trim_end_matches('/').rsplit('/').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// Wraps each call in a `lusid.request` tracing span (at debug level) with
/// the fields `operation` (operationId), `method`, `path` (the path
/// template), `attempts` (updated by the retry layer), and, when the call
/// ends, `status`, `request_id` (LUSID's `lusid-meta-requestId` header, or
/// the id in an error body's `instance`) and
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

    fn call(&mut self, mut request: Request) -> Self::Future {
        let attempts = AttemptCounter::default();
        request.extensions_mut().insert(attempts.clone());
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
        let call = self.inner.clone().oneshot(request);
        Box::pin(
            async move {
                let started = Instant::now();
                let result = call.await;
                let span = tracing::Span::current();
                span.record("elapsed_ms", started.elapsed().as_millis() as u64);
                span.record("attempts", attempts.get());
                match &result {
                    Ok(response) => {
                        span.record("status", response.status().as_u16());
                        if let Some(id) = request_id(response) {
                            span.record("request_id", id.as_str());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, header: Option<&str>, body: &str) -> Response {
        let mut builder = http::Response::builder().status(status);
        if let Some(id) = header {
            builder = builder.header("lusid-meta-requestId", id);
        }
        builder.body(bytes::Bytes::from(body.to_owned())).unwrap()
    }

    #[test]
    fn the_request_id_comes_from_the_header_or_the_problem_instance() {
        assert_eq!(
            request_id(&response(200, Some("0HA:1"), "")).as_deref(),
            Some("0HA:1")
        );
        let problem = r#"{"name":"InstrumentNotFound","instance":"https://acme.lusid.com/app/insights/logs/0HB:2"}"#;
        assert_eq!(
            request_id(&response(404, None, problem)).as_deref(),
            Some("0HB:2")
        );
        assert_eq!(
            request_id(&response(502, None, "<html>bad gateway</html>")),
            None
        );
        assert_eq!(request_id(&response(200, None, problem)), None);
    }
}
