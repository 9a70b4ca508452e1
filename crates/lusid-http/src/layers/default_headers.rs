use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName, HeaderValue};
use tower::{Layer, Service, ServiceExt};

use crate::{Error, HttpService, Request, Response};

/// Adds headers every LUSID request carries, unless the request already has
/// them: `User-Agent`, `X-LUSID-SDK-Language: Rust`, `X-LUSID-SDK-Version`,
/// and `X-LUSID-Application` when an application name is configured.
#[derive(Debug, Clone)]
pub struct DefaultHeadersLayer {
    headers: HeaderMap,
}

/// This crate's version, sent as `X-LUSID-SDK-Version`.
pub(crate) const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

impl DefaultHeadersLayer {
    /// The SDK headers plus `X-LUSID-Application: <application_name>` when given.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the application name is not a valid
    /// header value (control characters, non-visible ASCII).
    pub fn new(application_name: Option<&str>) -> Result<Self, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(concat!("lusid-rs/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert(
            HeaderName::from_static("x-lusid-sdk-language"),
            HeaderValue::from_static("Rust"),
        );
        headers.insert(
            HeaderName::from_static("x-lusid-sdk-version"),
            HeaderValue::from_static(SDK_VERSION),
        );
        if let Some(name) = application_name {
            let value = HeaderValue::from_str(name).map_err(|_| Error::InvalidRequest {
                operation: None,
                reason: format!(
                    "application name {name:?} is not a valid X-LUSID-Application header value"
                ),
            })?;
            headers.insert(HeaderName::from_static("x-lusid-application"), value);
        }
        Ok(Self { headers })
    }

    /// Adds one more default header (replacing a default of the same name).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

impl<S> Layer<S> for DefaultHeadersLayer {
    type Service = DefaultHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DefaultHeadersService {
            headers: self.headers.clone(),
            inner,
        }
    }
}

/// The service made by [`DefaultHeadersLayer`].
#[derive(Clone)]
pub struct DefaultHeadersService<S = HttpService> {
    headers: HeaderMap,
    inner: S,
}

impl<S> Service<Request> for DefaultHeadersService<S>
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
        for (name, value) in &self.headers {
            if !request.headers().contains_key(name) {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        }
        Box::pin(self.inner.clone().oneshot(request))
    }
}
