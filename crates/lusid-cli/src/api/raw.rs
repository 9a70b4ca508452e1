//! Responses passed through as bytes (Drive's file contents, Luminesce's
//! CSV or JSON text): the SDK's client decodes JSON, so a tower layer in
//! the stack (between retry and auth) takes a successful response of a
//! request that asks for it, keeps it in the request's [`RawSlot`], and
//! answers the client with an empty JSON object instead. Error statuses
//! pass through with their body read whole (a streamed one too: it is a
//! small problem document), so they reach the caller as the SDK's errors
//! (status, problem details, operation).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use lusid::stack::{Body, Error, Request, Response};

/// Where the raw response of one request is kept: put a clone in the
/// request's extensions, read it after the call.
#[derive(Debug, Clone, Default)]
pub struct RawSlot(Arc<Mutex<Option<Response>>>);

impl RawSlot {
    /// The kept response, once the call succeeded.
    pub fn take(&self) -> Option<Response> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn put(&self, response: Response) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(response);
    }
}

/// Where a kept response came from: its operation and URL (without the
/// query), so that a body failing mid-way names them
/// ([`super::invoke::copy_body`]). Put in the kept response's extensions.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The operation, when the request named one.
    pub operation: Option<lusid::stack::Operation>,
    /// The request URL without its query string.
    pub url: String,
}

impl Origin {
    fn of(request: &Request) -> Self {
        let url = lusid::stack::redacted_url(request.uri());
        Self {
            operation: request
                .extensions()
                .get::<lusid::stack::Operation>()
                .copied(),
            url,
        }
    }
}

/// The layer (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawLayer;

impl<S> tower::Layer<S> for RawLayer {
    type Service = RawService<S>;

    fn layer(&self, inner: S) -> RawService<S> {
        RawService { inner }
    }
}

/// The service [`RawLayer`] makes.
#[derive(Debug, Clone)]
pub struct RawService<S> {
    inner: S,
}

impl<S> tower::Service<Request> for RawService<S>
where
    S: tower::Service<Request, Response = Response, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let slot = request.extensions().get::<RawSlot>().cloned();
        let origin = slot.as_ref().map(|_| Origin::of(&request));
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            match slot {
                Some(slot) if response.status().is_success() => {
                    if let Some(origin) = origin {
                        response.extensions_mut().insert(origin);
                    }
                    slot.put(response);
                    let mut stand_in = Response::new(Body::from("{}"));
                    stand_in.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    Ok(stand_in)
                }
                Some(_) => Ok(read_whole(response).await),
                None => Ok(response),
            }
        })
    }
}

/// An error response with its body read whole, so that the SDK decodes
/// its problem details (a streamed body would reach it unread, and the
/// error would name only the status). A body that fails mid-way is
/// passed on empty: the status still says what happened.
async fn read_whole(response: Response) -> Response {
    if response.body().as_bytes().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = body.collect_bytes().await.unwrap_or_default();
    Response::from_parts(parts, Body::from(bytes))
}
