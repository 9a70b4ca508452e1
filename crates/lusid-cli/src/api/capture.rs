//! `--dry-run`: a tower layer that records the request the stack would
//! send and answers it itself, so nothing leaves the process, not even a
//! token request (the layer sits above the auth layer, which it never
//! calls).

use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use lusid::stack::{Body, Request, Response};

/// The request as it reached the layer: after the defaults (base URL, SDK
/// and application headers), before authentication.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The HTTP method.
    pub method: String,
    /// The absolute URL with the encoded query.
    pub url: String,
    /// Every header, in order (names in lower case).
    pub headers: Vec<(String, String)>,
    /// The body bytes, if any.
    pub body: Option<Bytes>,
}

/// Where the captured request is kept (shared by the layer and the caller).
#[derive(Debug, Clone, Default)]
pub struct CaptureLayer {
    seen: Arc<Mutex<Option<Captured>>>,
}

impl CaptureLayer {
    /// The captured request, once one was sent.
    pub fn take(&self) -> Option<Captured> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl<S> tower::Layer<S> for CaptureLayer {
    type Service = CaptureService;

    fn layer(&self, _inner: S) -> CaptureService {
        CaptureService {
            seen: Arc::clone(&self.seen),
        }
    }
}

/// See [`CaptureLayer`]: answers every request with `200 {}`.
#[derive(Debug, Clone)]
pub struct CaptureService {
    seen: Arc<Mutex<Option<Captured>>>,
}

impl tower::Service<Request> for CaptureService {
    type Response = Response;
    type Error = lusid::stack::Error;
    type Future = Ready<Result<Response, lusid::stack::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let captured = Captured {
            method: request.method().to_string(),
            url: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: request.body().as_bytes().filter(|b| !b.is_empty()).cloned(),
        };
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(captured);
        let mut response = Response::new(Body::from("{}"));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        ready(Ok(response))
    }
}
