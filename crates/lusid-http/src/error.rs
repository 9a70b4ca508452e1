use std::path::PathBuf;
use std::time::Duration;

use lusid_retry::FailureKind;

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
    /// Connecting (TLS and proxy tunnel included), sending the request or
    /// reading the response failed.
    #[error("{}: request to {url} failed ({}) after {attempts} attempt(s)", OperationName(.operation), FailureText(*.kind))]
    Transport {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// The request URL without its query string (it names the host).
        url: String,
        /// What kind of failure it was: [`FailureKind::Connect`] (nothing
        /// was sent, so even a non-idempotent request may be sent again),
        /// [`FailureKind::Tls`] (an untrusted certificate: never retried),
        /// [`FailureKind::Send`] (the connection broke after sending).
        kind: FailureKind,
        /// How many attempts the call made, the first included.
        attempts: u32,
        /// The underlying hyper, rustls, proxy or I/O error.
        #[source]
        source: BoxError,
    },
    /// An attempt, or the whole call, took longer than its timeout.
    #[error("{}: {kind} timeout of {timeout:?} ran out after {attempts} attempt(s)", OperationName(.operation))]
    Timeout {
        /// The operation the request belonged to, when known.
        operation: Option<Operation>,
        /// Which timeout ran out.
        kind: TimeoutKind,
        /// Its duration.
        timeout: Duration,
        /// How many attempts the call made, the first included.
        attempts: u32,
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

    /// Whether the same call may succeed later: connection failures
    /// (not TLS certificate failures or a proxy's refusal), timeouts, and
    /// token-endpoint failures that are themselves transient
    /// ([`lusid_auth::Error::is_transient`]). The stack has already retried
    /// what was safe to retry.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => {
                matches!(
                    kind,
                    FailureKind::Connect | FailureKind::Send | FailureKind::Timeout
                )
            }
            Error::Timeout { .. } => true,
            Error::Auth { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// The failure kind the retry classifier sees.
    pub(crate) fn failure_kind(&self) -> FailureKind {
        match self {
            Error::Transport { kind, .. } => *kind,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            } => FailureKind::Timeout,
            _ => FailureKind::Other,
        }
    }

    /// Records how many attempts the call made.
    pub(crate) fn set_attempts(&mut self, count: u32) {
        if let Error::Transport { attempts, .. } | Error::Timeout { attempts, .. } = self {
            *attempts = count;
        }
    }

    /// The underlying cause, for handing to the token client.
    pub(crate) fn into_root(self) -> BoxError {
        match self {
            Error::Transport { source, .. } => source,
            other => Box::new(other),
        }
    }
}

/// Why the stack (or its transport) could not be built. Names the file or
/// setting at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The CA bundle (`clientCertificate`, `FBN_CLIENT_CERTIFICATE`) is
    /// missing, unreadable, not PEM, or holds no usable certificate.
    #[error("CA bundle {}: {reason}", path.display())]
    CaBundle {
        /// The file as configured.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls could not be set up.
    #[error("TLS cannot be set up: {0}")]
    Tls(String),
    /// The proxy URL cannot be used.
    #[error("proxy: {0}")]
    Proxy(String),
    /// The LUSID URL, application name or correlation id cannot be used.
    #[error("{0}")]
    Invalid(String),
}

/// Describes a [`FailureKind`] in a message.
struct FailureText(FailureKind);

impl std::fmt::Display for FailureText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            FailureKind::Connect => "could not connect",
            FailureKind::Send => "the connection broke",
            FailureKind::Timeout => "timed out",
            FailureKind::Tls => "TLS handshake failed",
            _ => "refused",
        })
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
