use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};

use crate::{Error, HttpService, Operation, Request, Response};

/// Makes relative request URIs absolute against the LUSID base URL.
///
/// The base URL is the configured `lusidUrl`, which for LUSID ends in `/api`
/// (`https://<domain>.lusid.com/api`); the specification's paths start with
/// `/api/` too, so ListInstruments goes to
/// `https://<domain>.lusid.com/api/api/instruments`. A request whose URI is
/// already absolute passes unchanged.
#[derive(Debug, Clone)]
pub struct BaseUrlLayer {
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    path_prefix: String,
}

impl BaseUrlLayer {
    /// A layer for `base_url`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the URL has no host, is not `http` or
    /// `https`, or carries a query or fragment.
    pub fn new(base_url: &url::Url) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidRequest {
            operation: None,
            reason,
        };
        let scheme = match base_url.scheme() {
            "https" => http::uri::Scheme::HTTPS,
            "http" => http::uri::Scheme::HTTP,
            other => {
                return Err(invalid(format!(
                    "LUSID URL `{base_url}` has scheme `{other}`; expected https or http"
                )));
            }
        };
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(invalid(format!(
                "LUSID URL `{base_url}` must not have a query or fragment"
            )));
        }
        let host = base_url
            .host_str()
            .ok_or_else(|| invalid(format!("LUSID URL `{base_url}` has no host")))?;
        let authority = match base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let authority = authority
            .parse()
            .map_err(|e| invalid(format!("LUSID URL `{base_url}` has an invalid host: {e}")))?;
        Ok(Self {
            scheme,
            authority,
            path_prefix: base_url.path().trim_end_matches('/').to_owned(),
        })
    }

    fn absolute(&self, uri: &http::Uri) -> Result<http::Uri, http::Error> {
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        http::Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(format!("{}{}", self.path_prefix, path_and_query))
            .build()
    }
}

impl<S> Layer<S> for BaseUrlLayer {
    type Service = BaseUrlService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BaseUrlService {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service made by [`BaseUrlLayer`].
#[derive(Clone)]
pub struct BaseUrlService<S = HttpService> {
    layer: BaseUrlLayer,
    inner: S,
}

impl<S> Service<Request> for BaseUrlService<S>
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
        if request.uri().scheme().is_none() {
            match self.layer.absolute(request.uri()) {
                Ok(uri) => *request.uri_mut() = uri,
                Err(e) => {
                    let operation = request.extensions().get::<Operation>().copied();
                    return Box::pin(async move {
                        Err(Error::InvalidRequest {
                            operation,
                            reason: format!("cannot join the request path to the LUSID URL: {e}"),
                        })
                    });
                }
            }
        }
        Box::pin(self.inner.clone().oneshot(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(base: &str, path: &str) -> String {
        let layer = BaseUrlLayer::new(&base.parse().unwrap()).unwrap();
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
            let error = BaseUrlLayer::new(&bad.parse().unwrap()).unwrap_err();
            assert!(error.to_string().contains("LUSID URL"), "{error}");
        }
    }
}
