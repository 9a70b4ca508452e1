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
/// `Display` shows the cause and, after `: `, each of its own causes, so
/// the root cause (`connection refused`, `invalid peer certificate:
/// UnknownIssuer`, `407 Proxy Authentication Required`) is always visible.
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
        write!(f, "{}", self.source)?;
        let mut cause = self.source.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}
