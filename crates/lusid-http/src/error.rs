use std::time::Duration;

use crate::{BoxError, Operation};

/// Why a request did not produce an HTTP response.
///
/// A response with an error status is not an `Error` here: it travels up the
/// stack as a [`Response`](crate::Response) and the API crate turns it into
/// its own error with the status and LUSID's problem details.
///
/// No variant ever holds a credential: token failures carry
/// [`lusid_auth::Error`], which masks every secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No bearer token could be obtained for the request.
    #[error("{}: could not get an access token", OperationName(.operation))]
    Auth {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// What the credential source or token endpoint said.
        #[source]
        source: lusid_auth::Error,
    },
    /// Connecting, sending the request or reading the response failed.
    #[error("{}: request to {url} failed", OperationName(.operation))]
    Transport {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// The request URL without its query string.
        url: String,
        /// Whether the failure happened before any byte of the request was
        /// written (a refused connection, a failed TLS handshake), which makes
        /// even a non-idempotent request safe to send again.
        before_send: bool,
        /// The underlying hyper or I/O error.
        #[source]
        source: BoxError,
    },
    /// An attempt, or the whole call, took longer than its timeout.
    #[error("{}: {kind} timeout of {timeout:?} ran out", OperationName(.operation))]
    Timeout {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// Which timeout ran out.
        kind: TimeoutKind,
        /// Its duration.
        timeout: Duration,
    },
    /// The request could not be built: an invalid base URL, path or header.
    #[error("{}: invalid request: {reason}", OperationName(.operation))]
    InvalidRequest {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// What was wrong.
        reason: String,
    },
    /// An error raised by a user layer added with
    /// [`StackBuilder::layer`](crate::StackBuilder::layer).
    #[error("a custom layer failed")]
    Layer(#[source] BoxError),
}

impl Error {
    /// The operation the failed request belonged to, when known.
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::Auth { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::InvalidRequest { operation, .. } => operation.as_ref(),
            Error::Layer(_) => None,
        }
    }

    /// Whether sending the same request again may succeed: transport
    /// failures, per-attempt timeouts, and token-endpoint failures that are
    /// themselves transient ([`lusid_auth::Error::is_transient`]: 5xx, 429,
    /// timeouts, connection failures). Whether it is also *safe* depends on
    /// the operation, see [`Operation::idempotent`].
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. }
            | Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            } => true,
            Error::Auth { source, .. } => source.is_transient(),
            _ => false,
        }
    }
}

impl From<BoxError> for Error {
    fn from(error: BoxError) -> Self {
        match error.downcast::<Error>() {
            Ok(error) => *error,
            Err(other) => Error::Layer(other),
        }
    }
}

/// Which timeout ran out, in [`Error::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt: sending the request and reading the whole response. A
    /// timed-out attempt of an idempotent operation is retried.
    Attempt,
    /// The whole call, every retry and wait included. Never retried.
    Total,
}

impl std::fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutKind::Attempt => "per-attempt",
            TimeoutKind::Total => "total",
        })
    }
}

/// Displays an operation id, or a placeholder when the request carried none.
struct OperationName<'a>(&'a Option<Operation>);

impl std::fmt::Display for OperationName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(operation) => f.write_str(operation.id),
            None => f.write_str("request"),
        }
    }
}
