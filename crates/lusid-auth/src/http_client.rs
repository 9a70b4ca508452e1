//! [`HttpClient`]: the HTTP service token requests are sent through.

use std::fmt;

use bytes::Bytes;
pub use lusid_retry::FailureKind;

use crate::BoxError;

/// The HTTP service the token client sends its requests through: a
/// buffered `http::Request<Bytes>` in, a buffered `http::Response<Bytes>`
/// (any status) or an [`HttpError`] out.
///
/// `lusid-http` builds it over the same hyper-util client (proxy, TLS roots
/// plus the configured CA bundle, connect timeout) that LUSID calls use, so
/// token requests reach the token endpoint exactly as API calls reach
/// LUSID. It must not retry: the token client retries by its
/// [`RetryPolicy`](lusid_retry::RetryPolicy). Tests can supply any
/// `tower::Service` with [`HttpClient::new`].
pub type HttpClient =
    tower::util::BoxCloneSyncService<http::Request<Bytes>, http::Response<Bytes>, HttpError>;

/// Why an HTTP exchange produced no response: what kind of failure it was
/// (for the retry decision) and its cause.
///
/// `Display` says what kind of failure it was (`TLS handshake failed`,
/// `could not connect`, ...); [`source`](std::error::Error::source) is the
/// cause, so walking the source chain reaches the root cause
/// (`connection refused`, `invalid peer certificate: UnknownIssuer`, a
/// `lusid_http::ProxyError` for `407 Proxy Authentication Required`) and
/// `downcast_ref` finds it.
#[derive(Debug)]
pub struct HttpError {
    kind: FailureKind,
    source: BoxError,
}

impl HttpError {
    /// A failure of `kind` caused by `source`.
    pub fn new(kind: FailureKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            FailureKind::Connect => "could not connect",
            FailureKind::Send => "the connection broke",
            FailureKind::Timeout => "timed out",
            FailureKind::Tls => "TLS handshake failed",
            _ => "the request failed",
        })
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("proxy answered 407")]
    struct Root;

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Wrapper(#[source] Root);

    #[test]
    fn the_source_chain_reaches_the_root_cause() {
        let error = HttpError::new(FailureKind::Other, Wrapper(Root));
        assert_eq!(error.kind(), FailureKind::Other);
        let wrapper = error.source().expect("the cause");
        assert_eq!(wrapper.to_string(), "client error (Connect)");
        let root = wrapper.source().expect("the root cause");
        assert!(root.downcast_ref::<Root>().is_some());
        let tls = HttpError::new(FailureKind::Tls, "invalid peer certificate: UnknownIssuer");
        assert_eq!(tls.to_string(), "TLS handshake failed");
        assert_eq!(
            tls.source().map(ToString::to_string).as_deref(),
            Some("invalid peer certificate: UnknownIssuer")
        );
    }
}
