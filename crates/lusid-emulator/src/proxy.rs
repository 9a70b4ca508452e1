//! [`ConnectProxy`]: a small HTTP CONNECT proxy for tests of proxy
//! configuration (yours or the SDK's).
//!
//! It listens on a loopback port, accepts HTTP/1.1 `CONNECT host:port`
//! requests, optionally checks `Proxy-Authorization: Basic …`, connects to
//! the target and tunnels bytes both ways, so TLS (or plain HTTP) runs end
//! to end through it. Targets are limited to loopback (`127.0.0.0/8`,
//! `::1`, `localhost`): it is a test fixture, never a way out. Every
//! CONNECT is recorded with its outcome.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use lusid_emulator::Emulator;
//! use lusid_emulator::proxy::{ConnectOutcome, ConnectProxy};
//!
//! let emulator = Emulator::builder().tls(true).start().await?;
//! let proxy = ConnectProxy::builder().basic_auth("user", "p@ss:w/rd").start().await?;
//! // Point the client at proxy.url() (or proxy.url_with_credentials()),
//! // run it, then check that it went through the proxy:
//! let target = emulator.addr().to_string();
//! assert!(proxy.connects().iter().any(|c| c.target == target
//!     && c.outcome == ConnectOutcome::Tunnelled));
//! proxy.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Answers: `200 Connection Established` then the tunnel; `407 Proxy
//! Authentication Required` with `Proxy-Authenticate: Basic
//! realm="lusid-emulator"` when credentials are configured and the header
//! is missing or wrong; `403 Forbidden` for a target that is not loopback;
//! `400 Bad Request` for a CONNECT target without a port; `502 Bad Gateway`
//! when the target refuses the connection; `405 Method Not Allowed` (with
//! `Allow: CONNECT`) for any other request, such as a plain-HTTP
//! absolute-form `GET http://…` (it only tunnels).

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::error::EmulatorError;

/// The realm of the `Proxy-Authenticate` challenge.
pub const PROXY_REALM: &str = "lusid-emulator";

/// How long the proxy waits for the target to accept the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`RunningProxy::shutdown`] waits for the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry point: `ConnectProxy::builder().start().await`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectProxy;

impl ConnectProxy {
    /// A builder with the defaults: `127.0.0.1:0`, no authentication.
    pub fn builder() -> ConnectProxyBuilder {
        ConnectProxyBuilder::default()
    }
}

/// Configures and starts a [`RunningProxy`].
#[derive(Clone)]
pub struct ConnectProxyBuilder {
    addr: SocketAddr,
    credentials: Option<(String, String)>,
}

impl Default for ConnectProxyBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials: None,
        }
    }
}

impl fmt::Debug for ConnectProxyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectProxyBuilder")
            .field("addr", &self.addr)
            .field(
                "credentials",
                &self
                    .credentials
                    .as_ref()
                    .map(|(user, _)| (user, "<redacted>")),
            )
            .finish()
    }
}

impl ConnectProxyBuilder {
    /// The address to listen on. Default `127.0.0.1:0` (an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Requires `Proxy-Authorization: Basic base64(user:password)` on every
    /// CONNECT (the user must not contain `:`; the password may contain
    /// anything). Default: no authentication.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// Binds the socket and spawns the proxy on the current tokio runtime.
    pub async fn start(self) -> Result<RunningProxy, EmulatorError> {
        let bind_error = |source| EmulatorError::Bind {
            addr: self.addr,
            source,
        };
        let listener = TcpListener::bind(self.addr).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let expected = self
            .credentials
            .as_ref()
            .map(|(user, password)| format!("{user}:{password}").into_bytes());
        let shared = Arc::new(Shared {
            expected,
            log: Mutex::new(Log::default()),
        });
        let (shutdown, signal) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), signal));
        tracing::info!(%addr, auth = self.credentials.is_some(), "lusid-emulator CONNECT proxy listening");
        Ok(RunningProxy {
            addr,
            credentials: self.credentials,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// What the proxy answered a CONNECT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectOutcome {
    /// `200`: connected to the target and tunnelling.
    Tunnelled,
    /// `407`: credentials missing or wrong.
    AuthenticationRequired,
    /// `403`: the target is not a loopback address or `localhost`.
    Forbidden,
    /// `400`: the target has no port.
    BadRequest,
    /// `502`: the target could not be reached.
    BadGateway,
}

impl ConnectOutcome {
    /// The status the proxy answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::Tunnelled => 200,
            Self::AuthenticationRequired => 407,
            Self::Forbidden => 403,
            Self::BadRequest => 400,
            Self::BadGateway => 502,
        }
    }
}

/// One CONNECT request the proxy answered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyConnect {
    /// The target exactly as sent in the request line (`127.0.0.1:8443`,
    /// `localhost:8443`, `[::1]:8443`).
    pub target: String,
    /// What the proxy did.
    pub outcome: ConnectOutcome,
}

#[derive(Debug, Default)]
struct Log {
    connects: Vec<ProxyConnect>,
    refused: Vec<String>,
}

#[derive(Debug)]
struct Shared {
    /// `user:password`, if authentication is required.
    expected: Option<Vec<u8>>,
    log: Mutex<Log>,
}

impl Shared {
    fn record(&self, target: &str, outcome: ConnectOutcome) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .connects
            .push(ProxyConnect {
                target: target.to_owned(),
                outcome,
            });
    }

    fn authorized(&self, value: Option<&HeaderValue>) -> bool {
        let Some(expected) = &self.expected else {
            return true;
        };
        let Some((scheme, encoded)) = value
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
        else {
            return false;
        };
        scheme.eq_ignore_ascii_case("basic")
            && base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .is_ok_and(|decoded| decoded == *expected)
    }
}

/// A serving [`ConnectProxy`]. Dropping it stops the proxy (open tunnels
/// are closed); [`RunningProxy::shutdown`] stops it and waits.
pub struct RunningProxy {
    addr: SocketAddr,
    credentials: Option<(String, String)>,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningProxy")
            .field("addr", &self.addr)
            .field("auth", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl RunningProxy {
    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the proxy URL without credentials.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy URL with the configured credentials as percent-encoded
    /// user info (`http://user:p%40ss%3Aw%2Frd@127.0.0.1:PORT`), the form
    /// `HTTPS_PROXY` and most clients take; [`Self::url`] without
    /// authentication.
    pub fn url_with_credentials(&self) -> String {
        match &self.credentials {
            Some((user, password)) => format!(
                "http://{}:{}@{}",
                encode_userinfo(user),
                encode_userinfo(password),
                self.addr
            ),
            None => self.url(),
        }
    }

    /// Every CONNECT answered so far, in order.
    pub fn connects(&self) -> Vec<ProxyConnect> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .connects
            .clone()
    }

    /// The targets tunnelled to so far, in order (`host:port` as sent).
    pub fn tunnelled_targets(&self) -> Vec<String> {
        self.connects()
            .into_iter()
            .filter(|c| c.outcome == ConnectOutcome::Tunnelled)
            .map(|c| c.target)
            .collect()
    }

    /// Requests other than CONNECT, refused with 405, as `METHOD URI`
    /// (`GET http://127.0.0.1:8080/api/...`).
    pub fn refused_requests(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refused
            .clone()
    }

    /// Stops accepting connections, closes open tunnels and waits for the
    /// proxy to end.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(EmulatorError::Task(error.to_string())),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_userinfo(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The accept loop; on shutdown, waits for every connection (and tunnel)
/// task to end, which they do as soon as they see the stop signal.
async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: oneshot::Receiver<()>) {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, Arc::clone(&shared), stop_rx.clone()));
                }
                Err(error) => {
                    tracing::debug!(%error, "proxy accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    stop_tx.closed().await;
}

/// Serves one client connection (HTTP/1.1, with upgrades for CONNECT).
async fn connection(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let tunnel_stop = stop.clone();
    let service = hyper::service::service_fn(move |request| {
        handle(request, Arc::clone(&shared), tunnel_stop.clone())
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::select! {
        result = conn => {
            if let Err(error) = result {
                tracing::debug!(%error, "proxy connection ended with an error");
            }
        }
        _ = stop.changed() => {}
    }
}

/// A response with a short text body.
fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{body}\n"))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Answers one request: CONNECT is checked and tunnelled, the rest 405.
async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::CONNECT {
        let line = format!("{} {}", request.method(), request.uri());
        tracing::debug!(request = %line, "proxy: refusing a request that is not CONNECT");
        shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refused
            .push(line);
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "This proxy only tunnels (CONNECT).",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("CONNECT"));
        return Ok(response);
    }
    let target = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_else(|| request.uri().to_string());

    if !shared.authorized(request.headers().get(header::PROXY_AUTHORIZATION)) {
        shared.record(&target, ConnectOutcome::AuthenticationRequired);
        let mut response = text(
            StatusCode::PROXY_AUTHENTICATION_REQUIRED,
            "Proxy authentication required.",
        );
        response.headers_mut().insert(
            header::PROXY_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"lusid-emulator\""),
        );
        return Ok(response);
    }

    let Some((host, port)) = request
        .uri()
        .authority()
        .and_then(|a| a.port_u16().map(|port| (a.host().to_owned(), port)))
    else {
        shared.record(&target, ConnectOutcome::BadRequest);
        return Ok(text(
            StatusCode::BAD_REQUEST,
            "CONNECT needs a host:port target.",
        ));
    };
    let Some(target_host) = loopback_host(&host) else {
        shared.record(&target, ConnectOutcome::Forbidden);
        return Ok(text(
            StatusCode::FORBIDDEN,
            "This proxy only tunnels to loopback addresses and localhost.",
        ));
    };
    let upstream = match tokio::time::timeout(CONNECT_TIMEOUT, connect(target_host, port)).await {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(error)) => {
            tracing::debug!(%target, %error, "proxy: target unreachable");
            shared.record(&target, ConnectOutcome::BadGateway);
            return Ok(text(
                StatusCode::BAD_GATEWAY,
                &format!("Could not connect to {target}."),
            ));
        }
        Err(_) => {
            shared.record(&target, ConnectOutcome::BadGateway);
            return Ok(text(
                StatusCode::BAD_GATEWAY,
                &format!("Timed out connecting to {target}."),
            ));
        }
    };
    shared.record(&target, ConnectOutcome::Tunnelled);
    tokio::spawn(tunnel(request, upstream, target, stop));
    Ok(Response::new(Full::new(Bytes::new())))
}

/// Where a CONNECT may go.
#[derive(Clone, Copy, Debug)]
enum LoopbackHost {
    /// A loopback IP address.
    Ip(IpAddr),
    /// `localhost`, resolved and checked to be loopback.
    Localhost,
}

/// The target host if it is loopback: `127.0.0.0/8`, `[::1]` (brackets as
/// in an authority) or `localhost` (any case).
fn loopback_host(host: &str) -> Option<LoopbackHost> {
    if host.eq_ignore_ascii_case("localhost") {
        return Some(LoopbackHost::Localhost);
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>()
        .ok()
        .filter(IpAddr::is_loopback)
        .map(LoopbackHost::Ip)
}

/// Connects to the target; `localhost` only to the loopback addresses it
/// resolves to.
async fn connect(host: LoopbackHost, port: u16) -> io::Result<TcpStream> {
    let candidates: Vec<SocketAddr> = match host {
        LoopbackHost::Ip(ip) => vec![SocketAddr::new(ip, port)],
        LoopbackHost::Localhost => tokio::net::lookup_host(("localhost", port))
            .await?
            .filter(|addr| addr.ip().is_loopback())
            .collect(),
    };
    let mut last = io::Error::new(
        io::ErrorKind::AddrNotAvailable,
        "localhost resolved to no loopback address",
    );
    for addr in candidates {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Waits for hyper to hand over the client connection, then copies bytes
/// both ways until either side closes or the proxy stops.
async fn tunnel(
    request: Request<Incoming>,
    mut upstream: TcpStream,
    target: String,
    mut stop: watch::Receiver<bool>,
) {
    let upgraded = tokio::select! {
        upgraded = hyper::upgrade::on(request) => match upgraded {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%target, %error, "proxy: the CONNECT upgrade failed");
                return;
            }
        },
        _ = stop.changed() => return,
    };
    let mut client = TokioIo::new(upgraded);
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => match copied {
            Ok((up, down)) => tracing::debug!(%target, up, down, "proxy: tunnel closed"),
            Err(error) => tracing::debug!(%target, %error, "proxy: tunnel ended with an error"),
        },
        _ = stop.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_only() {
        assert!(matches!(
            loopback_host("127.0.0.1"),
            Some(LoopbackHost::Ip(_))
        ));
        assert!(loopback_host("127.8.9.10").is_some());
        assert!(loopback_host("[::1]").is_some());
        assert!(matches!(
            loopback_host("LocalHost"),
            Some(LoopbackHost::Localhost)
        ));
        assert!(loopback_host("192.0.2.1").is_none());
        assert!(loopback_host("[2001:db8::1]").is_none());
        assert!(loopback_host("example.com").is_none());
        assert!(loopback_host("localhost.example.com").is_none());
    }

    #[test]
    fn userinfo_is_percent_encoded() {
        assert_eq!(encode_userinfo("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
        assert_eq!(encode_userinfo("a-b.c_d~e9"), "a-b.c_d~e9");
        assert_eq!(encode_userinfo("é"), "%C3%A9");
    }

    #[test]
    fn basic_credentials_are_checked() {
        let shared = Shared {
            expected: Some(b"user:p@ss:w/rd".to_vec()),
            log: Mutex::new(Log::default()),
        };
        let good = base64::engine::general_purpose::STANDARD.encode("user:p@ss:w/rd");
        let value = |s: String| HeaderValue::from_str(&s).expect("header");
        assert!(shared.authorized(Some(&value(format!("Basic {good}")))));
        assert!(shared.authorized(Some(&value(format!("basic  {good}")))));
        let bad = base64::engine::general_purpose::STANDARD.encode("user:wrong");
        assert!(!shared.authorized(Some(&value(format!("Basic {bad}")))));
        assert!(!shared.authorized(Some(&value(format!("Bearer {good}")))));
        assert!(!shared.authorized(None));
    }
}
