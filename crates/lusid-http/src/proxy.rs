//! HTTP CONNECT proxies: which destinations go through one, and the
//! connector that opens the tunnel.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine;
use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::{BoxError, Error};

/// An HTTP proxy that LUSID requests tunnel through with `CONNECT` (TLS runs
/// end to end inside the tunnel, so the proxy never sees a token).
///
/// Destinations whose host matches the `NO_PROXY`-style list given to
/// [`no_proxy`](Self::no_proxy) connect directly.
#[derive(Clone)]
pub struct Proxy {
    /// The proxy URL when given explicitly; `None` when read from the
    /// environment.
    url: Option<url::Url>,
    matcher: Arc<Matcher>,
    authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("matcher", &self.matcher)
            .field("authenticated", &self.authorization.is_some())
            .finish()
    }
}

impl Proxy {
    /// Every `http` and `https` destination through the proxy at `url`
    /// (such as `http://proxy.acme.com:3128`).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when `url` has no host or carries a user
    /// name or password (give those to [`basic_auth`](Self::basic_auth)).
    pub fn new(url: &url::Url) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidRequest {
            operation: None,
            reason,
        };
        if url.host_str().is_none() {
            return Err(invalid("the proxy URL has no host".to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "the proxy URL must not carry credentials; configure the proxy username and password instead"
                    .to_owned(),
            ));
        }
        Ok(Self {
            matcher: Arc::new(Self::matcher(url, "")),
            url: Some(url.clone()),
            authorization: None,
        })
    }

    fn matcher(url: &url::Url, no_proxy: &str) -> Matcher {
        Matcher::builder()
            .http(url.as_str())
            .https(url.as_str())
            .no(no_proxy)
            .build()
    }

    /// The proxy named by the `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
    /// environment variables (either case; credentials in the URL are used),
    /// or `None` when none is set.
    pub fn from_env() -> Option<Self> {
        let matcher = Matcher::from_env();
        let probe: [Uri; 2] = [
            Uri::from_static("https://lusid.invalid"),
            Uri::from_static("http://lusid.invalid"),
        ];
        probe
            .iter()
            .any(|uri| matcher.intercept(uri).is_some())
            .then(|| Self {
                url: None,
                matcher: Arc::new(matcher),
                authorization: None,
            })
    }

    /// Connects directly to hosts in `list`, a `NO_PROXY` value: comma
    /// separated host names, domain suffixes (`.acme.com`), IP addresses or
    /// CIDR blocks, or `*`. (A proxy from [`from_env`](Self::from_env)
    /// already follows `NO_PROXY`.)
    pub fn no_proxy(mut self, list: &str) -> Self {
        if let Some(url) = &self.url {
            self.matcher = Arc::new(Self::matcher(url, list));
        }
        self
    }

    /// Authenticates to the proxy with HTTP Basic (`Proxy-Authorization`);
    /// the user name and password may contain any character.
    pub fn basic_auth(mut self, username: &str, password: &str) -> Self {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        self.authorization = HeaderValue::try_from(format!("Basic {credentials}"))
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            });
        self
    }
}

/// Connects directly, or through a [`Proxy`]'s tunnel when the proxy
/// applies to the destination.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxy: Option<Proxy>,
}

impl ProxyConnector {
    pub(crate) fn new(direct: HttpConnector, proxy: Option<Proxy>) -> Self {
        Self { direct, proxy }
    }
}

type Connecting =
    Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, BoxError>> + Send + 'static>>;

impl tower::Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let intercept = self
            .proxy
            .as_ref()
            .and_then(|proxy| Some((proxy, proxy.matcher.intercept(&destination)?)));
        match intercept {
            Some((proxy, intercept)) => {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), self.direct.clone());
                if let Some(auth) = proxy
                    .authorization
                    .clone()
                    .or_else(|| intercept.basic_auth().cloned())
                {
                    tunnel = tunnel.with_auth(auth);
                }
                Box::pin(async move {
                    tower::ServiceExt::oneshot(tunnel, destination)
                        .await
                        .map_err(BoxError::from)
                })
            }
            None => {
                let mut direct = self.direct.clone();
                Box::pin(async move {
                    tower::Service::call(&mut direct, destination)
                        .await
                        .map_err(BoxError::from)
                })
            }
        }
    }
}
