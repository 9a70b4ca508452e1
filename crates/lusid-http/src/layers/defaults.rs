//! [`DefaultsLayer`]: the LUSID base URL and the headers every request
//! carries, applied once per call.

use std::task::{Context, Poll};

use futures_util::future::{Either, Ready, ready};
use http::{HeaderMap, HeaderName, HeaderValue};
use tower::{Layer, Service};

use crate::{BuildError, Error, HttpService, Operation, Request, Response};

/// This crate's version, sent as `X-LUSID-SDK-Version`.
pub(crate) const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Makes relative request URIs absolute against the LUSID base URL and adds
/// the headers every LUSID request carries, unless the request already has
/// them: `User-Agent`, `X-LUSID-SDK-Language: Rust`, `X-LUSID-SDK-Version`,
/// `X-LUSID-Application` and `CorrelationId` when configured.
///
/// The base URL is the configured `lusidUrl`, which for LUSID ends in `/api`
/// (`https://<domain>.lusid.com/api`); the specification's paths start with
/// `/api/` too, so ListInstruments goes to
/// `https://<domain>.lusid.com/api/api/instruments`. A request whose URI is
/// already absolute keeps it.
///
/// It sits outside the retry layer: a call is prepared once, and every
/// attempt (and every user layer) sees the absolute URI and the headers.
#[derive(Debug, Clone)]
pub struct DefaultsLayer {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    path_prefix: String,
    headers: HeaderMap,
}

impl DefaultsLayer {
    /// A layer for `base_url` with the SDK headers.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] when the URL has no host, is not `http` or
    /// `https`, or carries a query or fragment.
    pub fn new(base_url: &http::Uri) -> Result<Self, BuildError> {
        let invalid = |reason: String| BuildError::Invalid(reason);
        // Checked first, so no message below quotes a password.
        if lusid_auth::uri::user_info(base_url).is_some() {
            return Err(invalid(
                "the LUSID URL must not carry a user name or password".to_owned(),
            ));
        }
        let scheme = match base_url.scheme_str() {
            Some("https") => http::uri::Scheme::HTTPS,
            Some("http") => http::uri::Scheme::HTTP,
            other => {
                return Err(invalid(format!(
                    "LUSID URL `{base_url}` has scheme `{}`; expected https or http",
                    other.unwrap_or("")
                )));
            }
        };
        if base_url.query().is_some() {
            return Err(invalid(format!(
                "LUSID URL `{base_url}` must not have a query or fragment"
            )));
        }
        let authority = base_url
            .authority()
            .filter(|_| lusid_auth::uri::host(base_url).is_some())
            .ok_or_else(|| invalid(format!("LUSID URL `{base_url}` has no host")))?;
        let authority = authority.clone();
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
        Ok(Self {
            scheme,
            authority,
            path_prefix: base_url.path().trim_end_matches('/').to_owned(),
            headers,
        })
    }

    /// Sends `X-LUSID-Application: <name>` with every request.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] when `name` is not a valid header value.
    pub fn application_name(self, name: &str) -> Result<Self, BuildError> {
        self.header("x-lusid-application", name, "application name")
    }

    /// Sends `CorrelationId: <id>` with every request.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] when `id` is not a valid header value.
    pub fn correlation_id(self, id: &str) -> Result<Self, BuildError> {
        self.header("correlationid", id, "correlation id")
    }

    fn header(mut self, name: &'static str, value: &str, what: &str) -> Result<Self, BuildError> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            BuildError::Invalid(format!("{what} {value:?} is not a valid HTTP header value"))
        })?;
        self.headers.insert(HeaderName::from_static(name), value);
        Ok(self)
    }

    /// Adds one more default header (replacing a default of the same name).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    fn absolute(&self, uri: &http::Uri) -> Result<http::Uri, http::Error> {
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let mut joined = String::with_capacity(self.path_prefix.len() + path_and_query.len());
        joined.push_str(&self.path_prefix);
        joined.push_str(path_and_query);
        http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(joined)
            .build()
    }
}

impl<S> Layer<S> for DefaultsLayer {
    type Service = DefaultsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DefaultsService {
            layer: std::sync::Arc::new(self.clone()),
            inner,
        }
    }
}

/// The service made by [`DefaultsLayer`].
#[derive(Clone, Debug)]
pub struct DefaultsService<S = HttpService> {
    /// Shared, so cloning the stack (every request builder does) copies no
    /// header map.
    layer: std::sync::Arc<DefaultsLayer>,
    inner: S,
}

impl<S> Service<Request> for DefaultsService<S>
where
    S: Service<Request, Response = Response, Error = Error>,
{
    type Response = Response;
    type Error = Error;
    type Future = Either<S::Future, Ready<Result<Response, Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if request.uri().scheme().is_none() {
            match self.layer.absolute(request.uri()) {
                Ok(uri) => *request.uri_mut() = uri,
                Err(e) => {
                    let operation = request.extensions().get::<Operation>().copied();
                    return Either::Right(ready(Err(Error::InvalidRequest {
                        operation,
                        reason: format!("cannot join the request path to the LUSID URL: {e}"),
                    })));
                }
            }
        }
        let headers = request.headers_mut();
        for (name, value) in &self.layer.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        Either::Left(self.inner.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(base: &str, path: &str) -> String {
        let layer = DefaultsLayer::new(&base.parse().unwrap()).unwrap();
        layer.absolute(&path.parse().unwrap()).unwrap().to_string()
    }

    #[test]
    fn joins_lusid_paths_under_the_api_base() {
        assert_eq!(
            joined("https://acme.lusid.com/api", "/api/instruments?limit=2"),
            "https://acme.lusid.com/api/api/instruments?limit=2"
        );
        assert_eq!(
            joined("http://127.0.0.1:8080/api/", "/api/instruments"),
            "http://127.0.0.1:8080/api/api/instruments"
        );
    }

    #[test]
    fn rejects_urls_that_cannot_be_a_base() {
        for bad in ["ftp://acme.lusid.com/api", "https://acme.lusid.com/api?x=1"] {
            let error = DefaultsLayer::new(&bad.parse().unwrap()).unwrap_err();
            assert!(error.to_string().contains("LUSID URL"), "{error}");
        }
        let layer = DefaultsLayer::new(&"https://acme.lusid.com/api".parse().unwrap()).unwrap();
        let error = layer.application_name("bad\nname").unwrap_err();
        assert!(error.to_string().contains("application name"), "{error}");
    }
}
