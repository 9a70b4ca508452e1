//! [`TransportSettings`]: how the one transport connects.

use std::path::PathBuf;
use std::time::Duration;

use super::Proxy;

/// The default TCP connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default idle timeout between chunks of a streamed response: 60 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How the [`Transport`](super::Transport) connects: plain values, resolved
/// by whoever builds it (the `lusid` facade reads them from the secrets
/// file and `FBN_*` variables).
#[derive(Debug, Clone)]
pub struct TransportSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) proxy: Option<Proxy>,
    pub(crate) ca_bundle: Option<PathBuf>,
    pub(crate) http2: bool,
}

impl Default for TransportSettings {
    /// Connect timeout [`DEFAULT_CONNECT_TIMEOUT`], idle pooled connections
    /// kept 90 s, streamed bodies' idle timeout [`DEFAULT_IDLE_TIMEOUT`], no
    /// proxy, the platform's roots only, HTTP/2 offered by ALPN.
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: Duration::from_secs(90),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            proxy: None,
            ca_bundle: None,
            http2: true,
        }
    }
}

impl TransportSettings {
    /// How long opening a TCP connection (and a proxy tunnel) may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The longest gap between chunks of a streamed response body (file
    /// downloads), instead of one deadline over the whole body.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Tunnels requests through this proxy (`None`: connect directly).
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = proxy;
        self
    }

    /// A PEM file of CA certificates to trust in addition to the platform's
    /// roots (the `clientCertificate` setting: a TLS-inspecting proxy's CA).
    pub fn ca_bundle(mut self, path: Option<PathBuf>) -> Self {
        self.ca_bundle = path;
        self
    }

    /// Whether HTTP/2 is offered by ALPN (default `true`); `false` speaks
    /// HTTP/1.1 only.
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }
}
