//! [`Error`] (getting a token) and [`ConfigError`] (reading credentials).
//!
//! Neither type ever holds a secret: no password, client secret, access
//! token or refresh token appears in any message, field or source.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use crate::config::ConfigSource;

/// A boxed error from the HTTP client (hyper, rustls or I/O).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why no access token could be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token endpoint answered with an OAuth2 error, e.g.
    /// `400 {"error":"invalid_grant","error_description":"The credentials provided were invalid."}`
    /// for a wrong username or password, or `401 invalid_client` for a wrong
    /// client id or secret. Sending the same request again will not help.
    #[error("token endpoint {token_url} rejected the request (HTTP {status}): {error}{}",
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    GrantRejected {
        /// The token endpoint (`api.tokenUrl`).
        token_url: String,
        /// The HTTP status, usually 400 or 401.
        status: StatusCode,
        /// The OAuth2 error code (`error`), e.g. `invalid_grant`; for Okta's
        /// non-OAuth error shape, its `errorCode`.
        error: String,
        /// The human-readable explanation (`error_description`, or Okta's
        /// `errorSummary`), when present.
        description: Option<String>,
    },
    /// The token endpoint answered, but not with a usable token: the body is
    /// not JSON, lacks `access_token`, or is an error status without an
    /// OAuth2 error body (e.g. a proxy's HTML `502` page).
    #[error("unusable response from token endpoint {token_url} (HTTP {status}): {reason}")]
    MalformedTokenResponse {
        /// The token endpoint.
        token_url: String,
        /// The HTTP status of the response.
        status: StatusCode,
        /// What was wrong. It quotes at most a short excerpt of the body, and
        /// only when the body has no token field in it.
        reason: String,
    },
    /// The request could not be sent or the response not read: DNS, refused
    /// connection, TLS handshake, missing root certificates, broken
    /// connection. Often transient.
    #[error("could not reach token endpoint {token_url} ({attempts} attempt(s))")]
    Transport {
        /// The token endpoint.
        token_url: String,
        /// How many requests were tried, the first included.
        attempts: u32,
        /// The underlying hyper, rustls or I/O error.
        #[source]
        source: BoxError,
    },
    /// The token endpoint kept answering `429 Too Many Requests` after the
    /// client waited and retried as often as allowed (see
    /// [`RetryPolicy`](lusid_retry::RetryPolicy)). Transient.
    #[error("token endpoint {token_url} is rate limiting requests (HTTP 429 after {attempts} attempt(s)){}",
        retry_after.map(|d| format!("; it asked to wait {d:?}")).unwrap_or_default())]
    RateLimited {
        /// The token endpoint.
        token_url: String,
        /// The wait the last `429` asked for (`Retry-After` or
        /// `X-Rate-Limit-Reset`), if it said.
        retry_after: Option<Duration>,
        /// How many requests were sent, the first included.
        attempts: u32,
    },
    /// No complete response arrived within the client's timeout (connecting
    /// included). Often transient.
    #[error("token endpoint {token_url} did not answer within {timeout:?} ({attempts} attempt(s))")]
    Timeout {
        /// The token endpoint.
        token_url: String,
        /// The per-request timeout that ran out.
        timeout: Duration,
        /// How many requests were tried, the first included.
        attempts: u32,
    },
}

impl Error {
    /// The token endpoint involved.
    pub fn token_url(&self) -> &str {
        match self {
            Error::GrantRejected { token_url, .. }
            | Error::MalformedTokenResponse { token_url, .. }
            | Error::Transport { token_url, .. }
            | Error::Timeout { token_url, .. }
            | Error::RateLimited { token_url, .. } => token_url,
        }
    }

    /// Whether asking again later may succeed: transport failures, timeouts,
    /// `5xx` answers and `429 Too Many Requests`. Any other rejected grant
    /// (`4xx`) needs other credentials.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::GrantRejected { status, .. } | Error::MalformedTokenResponse { status, .. } => {
                status.is_server_error() || *status == http::StatusCode::TOO_MANY_REQUESTS
            }
        }
    }

    /// A copy of a fetch's error for one of the callers that shared the
    /// fetch. A transport error's cause is shared, not copied.
    pub(crate) fn shared(error: &Arc<Error>) -> Error {
        match &**error {
            Error::GrantRejected {
                token_url,
                status,
                error: code,
                description,
            } => Error::GrantRejected {
                token_url: token_url.clone(),
                status: *status,
                error: code.clone(),
                description: description.clone(),
            },
            Error::MalformedTokenResponse {
                token_url,
                status,
                reason,
            } => Error::MalformedTokenResponse {
                token_url: token_url.clone(),
                status: *status,
                reason: reason.clone(),
            },
            Error::Transport {
                token_url,
                attempts,
                ..
            } => Error::Transport {
                token_url: token_url.clone(),
                attempts: *attempts,
                source: Box::new(SharedCause(Arc::clone(error))),
            },
            Error::Timeout {
                token_url,
                timeout,
                attempts,
            } => Error::Timeout {
                token_url: token_url.clone(),
                timeout: *timeout,
                attempts: *attempts,
            },
            Error::RateLimited {
                token_url,
                retry_after,
                attempts,
            } => Error::RateLimited {
                token_url: token_url.clone(),
                retry_after: *retry_after,
                attempts: *attempts,
            },
        }
    }

    /// The error for callers whose shared fetch ended without a result (its
    /// task panicked or the runtime shut down). Transient.
    pub(crate) fn abandoned_fetch() -> Error {
        Error::Transport {
            token_url: "(unknown)".to_owned(),
            attempts: 0,
            source: "the token request was abandoned before it finished".into(),
        }
    }

    /// How the last token request failed without a response, for
    /// [`Error::Transport`] ([`FailureKind::Tls`](crate::FailureKind::Tls)
    /// for an untrusted certificate, [`FailureKind::Connect`](crate::FailureKind::Connect)
    /// for a refused connection, ...) and [`Error::Timeout`]; `None`
    /// otherwise.
    pub fn failure_kind(&self) -> Option<crate::FailureKind> {
        match self {
            Error::Transport { source, .. } => {
                if let Some(http) = source.downcast_ref::<crate::HttpError>() {
                    return Some(http.kind());
                }
                source
                    .downcast_ref::<SharedCause>()
                    .and_then(|shared| shared.0.failure_kind())
            }
            Error::Timeout { .. } => Some(crate::FailureKind::Timeout),
            _ => None,
        }
    }

    /// The OAuth2 error code when the endpoint rejected the grant, e.g.
    /// `Some("invalid_grant")`.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::GrantRejected { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The cause of a transport error, shared among the callers of one fetch.
#[derive(Debug)]
struct SharedCause(Arc<Error>);

impl std::fmt::Display for SharedCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Error::Transport { source, .. } => std::fmt::Display::fmt(source, f),
            other => std::fmt::Display::fmt(other, f),
        }
    }
}

impl std::error::Error for SharedCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            Error::Transport { source, .. } => source.source(),
            _ => None,
        }
    }
}

/// Why credentials could not be read from a secrets file, the environment or
/// a [`ConfigBuilder`](crate::ConfigBuilder).
///
/// Every variant names where the problem is: the file path or
/// [`ConfigSource`], and the field as that source spells it
/// (`api.clientSecret`, `FBN_CLIENT_SECRET`, `client_secret`). Values are
/// never quoted, so no secret can leak through an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The secrets file does not exist or cannot be read.
    #[error("cannot read secrets file {}", path.display())]
    ReadFile {
        /// The path as given.
        path: PathBuf,
        /// The I/O error (`NotFound`, `PermissionDenied`, …).
        #[source]
        source: std::io::Error,
    },
    /// The secrets file is not valid JSON.
    #[error("secrets file {} is not valid JSON (line {line}, column {column})", path.display())]
    InvalidJson {
        /// The path as given.
        path: PathBuf,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// The parser's error (its message quotes no input).
        #[source]
        source: serde_json::Error,
    },
    /// A field has the wrong JSON type, e.g. `api.username` is a number.
    #[error("{origin}: `{field}` must be {expected}, found {found}")]
    WrongType {
        /// Where the field was read from.
        origin: ConfigSource,
        /// The field's path, e.g. `api.username`.
        field: String,
        /// The expected type, e.g. `a string`.
        expected: &'static str,
        /// The JSON type found: `a number`, `a boolean`, `an array`, `an object`.
        found: &'static str,
    },
    /// Required settings are absent or empty. Lists all of them at once.
    ///
    /// The LUSID URL is always required. Then either an access token (PAT)
    /// or all five password-flow settings (token URL, username, password,
    /// client id, client secret).
    #[error("{origin}: missing required setting(s): {}{}", fields.join(", "),
        pat_field.as_deref().map(|f| format!(" (or set {f} to use a personal access token instead of the password flow)")).unwrap_or_default())]
    MissingFields {
        /// Where the settings were looked for.
        origin: ConfigSource,
        /// The missing fields as that source names them, e.g.
        /// `["api.clientSecret", "api.password"]`.
        fields: Vec<String>,
        /// When password-flow settings are missing: the name of the access
        /// token setting that would replace them (e.g. `api.accessToken`).
        pat_field: Option<String>,
    },
    /// A URL setting is not an absolute `http`/`https` URL without embedded
    /// credentials.
    #[error("{origin}: `{field}` is not a usable URL: {reason}")]
    InvalidUrl {
        /// Where the field was read from.
        origin: ConfigSource,
        /// The field, e.g. `api.lusidUrl` or `FBN_TOKEN_URL`.
        field: String,
        /// What is wrong, e.g. `relative URL without a base`.
        reason: String,
    },
    /// A numeric setting (`api.totalTimeoutMs`, `FBN_RATE_LIMIT_RETRIES`, …)
    /// is not a whole number in range: a fraction, negative, not digits, or
    /// a zero timeout.
    #[error("{origin}: `{field}` is not a usable number: {reason}")]
    InvalidNumber {
        /// Where the field was read from.
        origin: ConfigSource,
        /// The field, e.g. `api.readTimeoutMs` or `FBN_READ_TIMEOUT_MS`.
        field: String,
        /// What is wrong, e.g. `it is a number that is not an integer`.
        reason: String,
    },
    /// A setting sent as an HTTP header (application name, correlation id)
    /// contains characters a header value cannot hold, such as a line
    /// break or another control character.
    #[error(
        "{origin}: `{field}` is not a valid HTTP header value (control characters such as line breaks are not allowed)"
    )]
    InvalidHeaderValue {
        /// Where the field was read from.
        origin: ConfigSource,
        /// The field, e.g. `api.applicationName` or `FBN_APP_NAME`.
        field: String,
    },
    /// The personal-access-token file (`FBN_ACCESS_TOKEN_FILE`) cannot be
    /// read, or holds only whitespace.
    #[error("{origin}: cannot read the access token file {} named by `{field}`", path.display())]
    ReadTokenFile {
        /// Where the field was read from.
        origin: ConfigSource,
        /// The field, e.g. `FBN_ACCESS_TOKEN_FILE`.
        field: String,
        /// The file's path.
        path: PathBuf,
        /// The I/O error; `InvalidData` for an empty file.
        #[source]
        source: std::io::Error,
    },
    /// An environment variable holds bytes that are not valid Unicode.
    #[error("environment variable {variable} is not valid Unicode")]
    NotUnicode {
        /// The variable's name.
        variable: String,
    },
}
