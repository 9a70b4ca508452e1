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

    /// The proxy named by the `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY`
    /// environment variables (either case; credentials in the URL are used),
    /// or `None` when none is set. Hosts in `NO_PROXY`, and loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `::1`: a local emulator) always, connect
    /// directly.
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let var = |name: &str| {
            lookup(name)
                .or_else(|| lookup(&name.to_lowercase()))
                .filter(|value| !value.trim().is_empty())
        };
        let (https, http, all) = (var("HTTPS_PROXY"), var("HTTP_PROXY"), var("ALL_PROXY"));
        if https.is_none() && http.is_none() && all.is_none() {
            return None;
        }
        let mut no_proxy = var("NO_PROXY").unwrap_or_default();
        no_proxy.push_str(",localhost,127.0.0.0/8,::1");
        let mut builder = Matcher::builder().no(no_proxy);
        if let Some(all) = all {
            builder = builder.all(all);
        }
        if let Some(http) = http {
            builder = builder.http(http);
        }
        if let Some(https) = https {
            builder = builder.https(https);
        }
        Some(Self {
            url: None,
            matcher: Arc::new(builder.build()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(proxy: &Proxy, uri: &str) -> Option<String> {
        proxy
            .matcher
            .intercept(&uri.parse().unwrap())
            .map(|intercept| intercept.uri().to_string())
    }

    #[test]
    fn environment_proxies_skip_loopback_and_no_proxy_hosts() {
        let vars = |name: &str| match name {
            "https_proxy" => Some("http://proxy.acme.com:3128".to_owned()),
            "NO_PROXY" => Some(".internal.acme.com".to_owned()),
            _ => None,
        };
        let proxy = Proxy::from_vars(vars).expect("a proxy is configured");

        assert_eq!(
            routed(&proxy, "https://acme.lusid.com/api").as_deref(),
            Some("http://proxy.acme.com:3128/")
        );
        assert_eq!(routed(&proxy, "https://lusid.internal.acme.com/api"), None);
        assert_eq!(routed(&proxy, "http://127.0.0.1:8080/api"), None);
        assert_eq!(routed(&proxy, "http://localhost:8080/api"), None);
        assert_eq!(routed(&proxy, "http://[::1]:8080/api"), None);
        assert!(Proxy::from_vars(|_| None).is_none());
    }

    #[test]
    fn an_explicit_proxy_takes_every_host_but_its_no_proxy_list() {
        let proxy = Proxy::new(&"http://proxy.acme.com:3128".parse().unwrap())
            .unwrap()
            .no_proxy("127.0.0.1");
        assert!(routed(&proxy, "https://acme.lusid.com/api").is_some());
        assert!(routed(&proxy, "http://localhost:9/api").is_some());
        assert_eq!(routed(&proxy, "http://127.0.0.1:9/api"), None);
    }
}
