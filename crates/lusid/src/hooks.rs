//! [`HookLayer`]: closures called on every attempt, for the common cases
//! that do not need a whole tower layer (counting, tagging, logging).

use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::{BoxFuture, FutureExt};
use lusid_http::{Error, HttpService, Request, Response};
use tower::{Layer, Service};

type OnRequest = Arc<dyn Fn(&mut Request) + Send + Sync>;
type OnResponse = Arc<dyn Fn(&Response) + Send + Sync>;

/// Calls `on_request` before every attempt and `on_response` after every
/// attempt that got a response (any status), between the retry and auth
/// layers, so it never sees the bearer token. Made by
/// [`ClientBuilder::on_request`](crate::ClientBuilder::on_request) and
/// [`ClientBuilder::on_response`](crate::ClientBuilder::on_response).
#[derive(Clone, Default)]
pub(crate) struct HookLayer {
    pub(crate) on_request: Option<OnRequest>,
    pub(crate) on_response: Option<OnResponse>,
}

impl Layer<HttpService> for HookLayer {
    type Service = HookService;

    fn layer(&self, inner: HttpService) -> Self::Service {
        HookService {
            hooks: self.clone(),
            inner,
        }
    }
}

/// The service of [`HookLayer`].
#[derive(Clone)]
pub(crate) struct HookService {
    hooks: HookLayer,
    inner: HttpService,
}

impl Service<Request> for HookService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if let Some(hook) = &self.hooks.on_request {
            hook(&mut request);
        }
        let call = self.inner.call(request);
        match self.hooks.on_response.clone() {
            Some(hook) => call
                .map(move |result| {
                    if let Ok(response) = &result {
                        hook(response);
                    }
                    result
                })
                .boxed(),
            None => call,
        }
    }
}
