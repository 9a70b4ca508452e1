//! [`Error`]: why a LUSID call failed.

use std::fmt;

use http::StatusCode;

use crate::problem::ProblemDetails;

/// At most this many bytes of a body are kept in an error.
const EXCERPT_LIMIT: usize = 2048;

/// Why a LUSID call failed. Every variant names the operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No response: no token, a transport failure, a timeout, or an invalid
    /// request as the HTTP stack saw it. The message ends with the root
    /// cause (such as `invalid_grant: The credentials provided were
    /// invalid.` or `invalid peer certificate: UnknownIssuer`).
    #[error("{error}{root}", error = .0, root = RootCause(.0))]
    Http(#[from] lusid_http::Error),

    /// The client could not be built from its configuration (a
    /// `lusid::BuildError`: a missing or malformed secrets file, variable or
    /// CA bundle), so no call was made. The message names the file or
    /// setting.
    #[error("the LUSID client could not be configured: {0}")]
    Configuration(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// LUSID answered with an error status (4xx or 5xx).
    #[error("{operation}: HTTP {status}{}", StatusDetail { problem: problem.as_deref(), request_id: request_id.as_deref() })]
    Status {
        /// The operationId, such as `GetInstrument`.
        operation: &'static str,
        /// The response status.
        status: StatusCode,
        /// LUSID's request id: the `lusid-meta-requestId` header, or else the
        /// last segment of the problem's `instance`.
        request_id: Option<String>,
        /// The problem details, when the body was one.
        problem: Option<Box<ProblemDetails>>,
        /// The start of the body (at most 2 KiB, invalid UTF-8 replaced).
        body_excerpt: String,
    },

    /// A 2xx response whose body did not decode as the operation's type.
    #[error("{operation}: could not decode the response at `{path}`: {source}")]
    Decode {
        /// The operationId.
        operation: &'static str,
        /// Where in the JSON document decoding failed, such as
        /// `values[0].version.effectiveFrom`.
        path: String,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
        /// The start of the body (at most 2 KiB, invalid UTF-8 replaced).
        body_excerpt: String,
    },

    /// The request body could not be encoded as JSON.
    #[error("{operation}: could not encode the request body: {source}")]
    Encode {
        /// The operationId.
        operation: &'static str,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },

    /// A paginated call's `nextPage` named a page token that was already
    /// followed: following it again would repeat pages forever, so the
    /// pagination stops. Every page before it was delivered.
    #[error(
        "{operation}: the server returned the page token {token:?} again after {pages} page(s); \
         stopping instead of repeating pages"
    )]
    RepeatedPageToken {
        /// The operationId.
        operation: &'static str,
        /// The repeated `nextPage` token.
        token: String,
        /// Pages received, including the one naming the token again.
        pages: u64,
    },

    /// A parameter value cannot be sent, such as an empty path parameter.
    #[error("{operation}: invalid parameter `{parameter}`: {reason}")]
    InvalidParameter {
        /// The operationId.
        operation: &'static str,
        /// The parameter's wire name, such as `identifier`.
        parameter: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
}

impl Error {
    /// Builds [`Error::Status`] from an error response.
    pub(crate) fn from_response(
        operation: &'static str,
        response: &mut lusid_http::Response,
    ) -> Self {
        let status = response.status();
        let metadata = lusid_http::ResponseMetadata::of(response);
        let problem = metadata
            .problem()
            .and_then(ProblemDetails::from_json)
            .map(Box::new);
        let request_id = metadata.request_id().map(str::to_owned);
        let body = response
            .body()
            .as_bytes()
            .map_or(&[][..], |bytes| &bytes[..]);
        Error::Status {
            operation,
            status,
            request_id,
            problem,
            body_excerpt: body_excerpt(body),
        }
    }

    /// The HTTP status, for [`Error::Status`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// LUSID's request id, for [`Error::Status`] when LUSID sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Status { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// LUSID's problem details, for [`Error::Status`] when the body held them.
    pub fn problem(&self) -> Option<&ProblemDetails> {
        match self {
            Error::Status { problem, .. } => problem.as_deref(),
            _ => None,
        }
    }

    /// The start of the response body (at most 2 KiB, as text), for
    /// [`Error::Status`] and [`Error::Decode`]: LUSID's JSON, or whatever a
    /// proxy or gateway sent instead.
    pub fn body_excerpt(&self) -> Option<&str> {
        match self {
            Error::Status { body_excerpt, .. } | Error::Decode { body_excerpt, .. } => {
                Some(body_excerpt)
            }
            _ => None,
        }
    }

    /// Where in the response JSON decoding failed, such as
    /// `values[3].version.effectiveFrom`, for [`Error::Decode`].
    pub fn json_path(&self) -> Option<&str> {
        match self {
            Error::Decode { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Whether the same call may succeed later: a transient transport
    /// failure or timeout (after the stack's own retries ran out), or a
    /// 429, 502, 503 or 504 status.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Http(error) => error.is_transient(),
            Error::Status { status, .. } => matches!(status.as_u16(), 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// What kind of failure this is, for matching without knowing the
    /// layers: [`ErrorKind::Auth`] (no token), [`ErrorKind::Api`] (LUSID's
    /// error status and problem code), [`ErrorKind::Timeout`],
    /// [`ErrorKind::Transport`], [`ErrorKind::Decode`],
    /// [`ErrorKind::Configuration`] or [`ErrorKind::InvalidRequest`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Http(lusid_http::Error::Auth { .. }) => ErrorKind::Auth,
            Error::Http(lusid_http::Error::Timeout { .. }) => ErrorKind::Timeout,
            Error::Http(lusid_http::Error::Transport { .. }) => ErrorKind::Transport,
            Error::Http(lusid_http::Error::InvalidRequest { .. }) => ErrorKind::InvalidRequest,
            Error::Http(_) => ErrorKind::Other,
            Error::Configuration(_) => ErrorKind::Configuration,
            Error::Status {
                status, problem, ..
            } => ErrorKind::Api {
                status: *status,
                code: problem.as_ref().map(|problem| problem.code()),
            },
            Error::Decode { .. } | Error::RepeatedPageToken { .. } => ErrorKind::Decode,
            Error::Encode { .. } | Error::InvalidParameter { .. } => ErrorKind::InvalidRequest,
        }
    }

    /// How many attempts the call made, when it failed without a response
    /// (a transport failure or a timeout).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Http(
                lusid_http::Error::Transport { attempts, .. }
                | lusid_http::Error::Timeout { attempts, .. },
            ) => Some(*attempts),
            _ => None,
        }
    }

    /// The operationId of the failed call, when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Configuration(_) => None,
            Error::Http(error) => error.operation().map(|operation| operation.id),
            Error::Status { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Encode { operation, .. }
            | Error::InvalidParameter { operation, .. }
            | Error::RepeatedPageToken { operation, .. } => Some(operation),
        }
    }
}

/// What kind of failure an [`Error`] is ([`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No bearer token could be obtained: rejected credentials, or a token
    /// endpoint that stayed unavailable.
    Auth,
    /// LUSID answered with an error status; `code` is LUSID's problem code
    /// (such as 151 for `InstrumentNotFound`) when the body held one.
    Api {
        /// The response status.
        status: StatusCode,
        /// LUSID's numeric error code.
        code: Option<i64>,
    },
    /// An attempt or the whole call ran out of time.
    Timeout,
    /// No connection, a TLS failure, a proxy refusal or a broken connection.
    Transport,
    /// A response did not decode as the operation's type.
    Decode,
    /// The client's configuration is unusable.
    Configuration,
    /// A request could not be built or sent as given.
    InvalidRequest,
    /// A failure raised by a custom layer.
    Other,
}

/// `: <root cause>` of an error with causes, nothing otherwise: the deepest
/// cause's message, so the one-line message ends with what went wrong.
struct RootCause<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for RootCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut root = None;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            root = Some(error);
            cause = error.source();
        }
        match root {
            Some(root) => write!(f, ": {root}"),
            None => Ok(()),
        }
    }
}

/// The text after the status in [`Error::Status`]'s message: the problem's
/// name and detail, each field's validation messages, and the request id.
struct StatusDetail<'a> {
    problem: Option<&'a ProblemDetails>,
    request_id: Option<&'a str>,
}

impl fmt::Display for StatusDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(problem) = self.problem {
            write!(f, ": {}", problem.name())?;
            if let Some(text) = problem.detail().or(problem.title()) {
                write!(f, ": {text}")?;
            }
            for (field, messages) in problem.errors().into_iter().flatten() {
                write!(f, "; {field}: {}", messages.join(" "))?;
            }
        }
        if let Some(request_id) = self.request_id {
            write!(f, " (request {request_id})")?;
        }
        Ok(())
    }
}

/// The first [`EXCERPT_LIMIT`] bytes of a body as text, cut at a character
/// boundary, invalid UTF-8 replaced, with `…` when cut.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    if body.len() <= EXCERPT_LIMIT {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut end = EXCERPT_LIMIT;
    // Step back over UTF-8 continuation bytes (0b10xx_xxxx).
    while end > EXCERPT_LIMIT - 3 && body[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    let mut excerpt = String::from_utf8_lossy(&body[..end]).into_owned();
    excerpt.push('…');
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_bodies_and_cuts_long_ones_at_a_character() {
        assert_eq!(body_excerpt(b"plain text"), "plain text");
        let long = "é".repeat(EXCERPT_LIMIT);
        let excerpt = body_excerpt(long.as_bytes());
        assert!(excerpt.ends_with('…'));
        assert!(!excerpt.contains('\u{FFFD}'));
        assert!(excerpt.len() <= EXCERPT_LIMIT + '…'.len_utf8());
    }
}
