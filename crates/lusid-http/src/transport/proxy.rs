//! HTTP CONNECT proxies: which destinations go through one, and the
//! connector that opens the tunnel.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine;
use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::{BoxError, BuildError};

/// An HTTP proxy that LUSID requests tunnel through with `CONNECT` (TLS runs
/// end to end inside the tunnel, so the proxy never sees a token).
///
/// Destinations whose host matches the `NO_PROXY`-style list given to
/// [`no_proxy`](Self::no_proxy) connect directly.
#[derive(Clone)]
pub struct Proxy {
    /// The proxy URL when given explicitly; `None` when read from the
    /// environment.
    url: Option<http::Uri>,
    /// The `NO_PROXY`-style list in force.
    no_proxy: String,
    matcher: Arc<Matcher>,
    authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url.as_ref().map(ToString::to_string))
            .field("no_proxy", &self.no_proxy)
            .field("authenticated", &self.authorization.is_some())
            .finish()
    }
}

impl Proxy {
    /// Every `http` and `https` destination through the proxy at `url`
    /// (such as `http://proxy.acme.com:3128`).
    ///
    /// # Errors
    /// [`BuildError::Proxy`] when `url` has no host or carries a user
    /// name or password (give those to [`basic_auth`](Self::basic_auth)).
    pub fn new(url: &http::Uri) -> Result<Self, BuildError> {
        let invalid = |reason: String| BuildError::Proxy(reason);
        if lusid_auth::uri::host(url).is_none() {
            return Err(invalid("the proxy URL has no host".to_owned()));
        }
        if lusid_auth::uri::user_info(url).is_some() {
            return Err(invalid(
                "the proxy URL must not carry credentials; configure the proxy username and password instead"
                    .to_owned(),
            ));
        }
        Ok(Self {
            matcher: Arc::new(Self::matcher(url, "")),
            url: Some(url.clone()),
            no_proxy: String::new(),
            authorization: None,
        })
    }

    /// Connects directly to loopback hosts (`localhost`, `127.0.0.0/8`,
    /// `::1`) as well as to the [`no_proxy`](Self::no_proxy) list: what a
    /// proxy taken from `HTTPS_PROXY` does, so a local emulator is never
    /// sent to a corporate proxy. An explicitly configured proxy applies to
    /// loopback destinations too, unless this is called.
    pub fn bypass_loopback(mut self) -> Self {
        if let Some(url) = &self.url {
            let list = format!("{},localhost,127.0.0.0/8,::1", self.no_proxy);
            self.matcher = Arc::new(Self::matcher(url, &list));
            self.no_proxy = list;
        }
        self
    }

    fn matcher(url: &http::Uri, no_proxy: &str) -> Matcher {
        let url = url.to_string();
        Matcher::builder()
            .http(url.clone())
            .https(url)
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

    /// [`from_env`](Self::from_env) over any variable lookup (name →
    /// value), so no process-wide state is read.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
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
        let mut builder = Matcher::builder().no(no_proxy.clone());
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
            no_proxy,
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
            self.no_proxy = list.to_owned();
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

/// Why a proxy did not open a tunnel. The proxy is named by its URL
/// (never with credentials).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy answered `407 Proxy Authentication Required`: the proxy
    /// username or password is missing or wrong.
    #[error(
        "proxy {proxy} answered 407 Proxy Authentication Required: check the proxy username and password (proxy.username/proxy.password, FBN_PROXY_USERNAME/FBN_PROXY_PASSWORD)"
    )]
    AuthenticationRequired {
        /// The proxy's URL.
        proxy: String,
    },
    /// The proxy refused to open a tunnel to the destination.
    #[error("proxy {proxy} refused to open a tunnel to {destination}: HTTP {status}")]
    Refused {
        /// The proxy's URL.
        proxy: String,
        /// The `host:port` the tunnel was asked for.
        destination: String,
        /// The proxy's status code.
        status: u16,
    },
    /// The proxy's answer to `CONNECT` was not HTTP, or too long.
    #[error("proxy {proxy} sent an unusable answer to CONNECT: {reason}")]
    Malformed {
        /// The proxy's URL.
        proxy: String,
        /// What was wrong.
        reason: String,
    },
    /// The tunnel was not open within the connect timeout.
    #[error("proxy {proxy} did not open a tunnel within {timeout:?}")]
    Timeout {
        /// The proxy's URL.
        proxy: String,
        /// The connect timeout.
        timeout: std::time::Duration,
    },
}

impl ProxyError {
    /// Whether sending again may succeed: the proxy's own outages (`502`,
    /// `503`, `504`) and timeouts; not a rejected password or a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            ProxyError::Refused { status, .. } => matches!(status, 502..=504),
            ProxyError::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// Connects directly, or through a [`Proxy`]'s `CONNECT` tunnel when the
/// proxy applies to the destination.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxy: Option<Proxy>,
    connect_timeout: std::time::Duration,
}

impl ProxyConnector {
    pub(crate) fn new(
        direct: HttpConnector,
        proxy: Option<Proxy>,
        connect_timeout: std::time::Duration,
    ) -> Self {
        Self {
            direct,
            proxy,
            connect_timeout,
        }
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
        let mut direct = self.direct.clone();
        match intercept {
            Some((proxy, intercept)) => {
                let proxy_uri = intercept.uri().clone();
                let authorization = proxy
                    .authorization
                    .clone()
                    .or_else(|| intercept.basic_auth().cloned());
                let timeout = self.connect_timeout;
                Box::pin(async move {
                    let io = tower::Service::call(&mut direct, proxy_uri.clone()).await?;
                    let mut stream = io.into_inner();
                    let name = proxy_name(&proxy_uri);
                    let open = tunnel(&mut stream, &name, &destination, authorization.as_ref());
                    match tokio::time::timeout(timeout, open).await {
                        Ok(result) => result?,
                        Err(_) => {
                            return Err(ProxyError::Timeout {
                                proxy: name,
                                timeout,
                            }
                            .into());
                        }
                    }
                    Ok(TokioIo::new(stream))
                })
            }
            None => Box::pin(async move {
                tower::Service::call(&mut direct, destination)
                    .await
                    .map_err(BoxError::from)
            }),
        }
    }
}

/// The proxy's URL for messages: scheme, host and port.
fn proxy_name(uri: &Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!(
            "{scheme}://{}",
            authority.as_str().rsplit('@').next().unwrap_or_default()
        ),
        _ => uri.to_string(),
    }
}

/// Largest `CONNECT` answer head read, in bytes.
const MAX_CONNECT_RESPONSE: usize = 16 * 1024;

/// Sends `CONNECT host:port` over `stream` and reads the answer: `2xx` opens
/// the tunnel, anything else is a [`ProxyError`].
async fn tunnel(
    stream: &mut TcpStream,
    proxy: &str,
    destination: &Uri,
    authorization: Option<&HeaderValue>,
) -> Result<(), BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = destination.host().ok_or("the destination has no host")?;
    let port = destination
        .port_u16()
        .unwrap_or(if destination.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n").into_bytes();
    if let Some(value) = authorization {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).await?;

    let mut answer = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
        if answer.len() > MAX_CONNECT_RESPONSE {
            return Err(ProxyError::Malformed {
                proxy: proxy.to_owned(),
                reason: format!("its answer head is longer than {MAX_CONNECT_RESPONSE} bytes"),
            }
            .into());
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(ProxyError::Malformed {
                proxy: proxy.to_owned(),
                reason: "it closed the connection before answering".to_owned(),
            }
            .into());
        }
        answer.extend_from_slice(&chunk[..read]);
    }
    let status_line = answer
        .split(|byte| *byte == b'\r')
        .next()
        .unwrap_or_default();
    let status = std::str::from_utf8(status_line)
        .ok()
        .filter(|line| line.starts_with("HTTP/1."))
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| ProxyError::Malformed {
            proxy: proxy.to_owned(),
            reason: "the answer is not an HTTP/1.x status line".to_owned(),
        })?;
    match status {
        200..=299 => Ok(()),
        407 => Err(ProxyError::AuthenticationRequired {
            proxy: proxy.to_owned(),
        }
        .into()),
        status => Err(ProxyError::Refused {
            proxy: proxy.to_owned(),
            destination: target,
            status,
        }
        .into()),
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
