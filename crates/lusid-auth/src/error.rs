//! [`Error`] (getting a token) and [`ConfigError`] (reading credentials).
//!
//! Neither type ever holds a secret: no password, client secret, access
//! token or refresh token appears in any message, field or source.

use std::path::PathBuf;
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
    #[error("could not reach token endpoint {token_url}")]
    Transport {
        /// The token endpoint.
        token_url: String,
        /// The underlying hyper, rustls or I/O error.
        #[source]
        source: BoxError,
    },
    /// No complete response arrived within the client's timeout (connecting
    /// included). Often transient.
    #[error("token endpoint {token_url} did not answer within {timeout:?}")]
    Timeout {
        /// The token endpoint.
        token_url: String,
        /// The timeout that ran out.
        timeout: Duration,
    },
}

impl Error {
    /// The token endpoint involved.
    pub fn token_url(&self) -> &str {
        match self {
            Error::GrantRejected { token_url, .. }
            | Error::MalformedTokenResponse { token_url, .. }
            | Error::Transport { token_url, .. }
            | Error::Timeout { token_url, .. } => token_url,
        }
    }

    /// Whether asking again later may succeed: transport failures, timeouts,
    /// `5xx` answers and `429 Too Many Requests`. Any other rejected grant
    /// (`4xx`) needs other credentials.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::GrantRejected { status, .. } | Error::MalformedTokenResponse { status, .. } => {
                status.is_server_error() || *status == http::StatusCode::TOO_MANY_REQUESTS
            }
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
    /// An environment variable holds bytes that are not valid Unicode.
    #[error("environment variable {variable} is not valid Unicode")]
    NotUnicode {
        /// The variable's name.
        variable: String,
    },
}
