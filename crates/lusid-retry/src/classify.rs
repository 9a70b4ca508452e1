//! Which outcomes of an attempt may be retried.

use http::{HeaderMap, StatusCode};

/// How a request failed without producing a response, as far as retrying
/// is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// No connection could be made (refused, DNS, connect timeout, a proxy
    /// that would not open the tunnel): nothing was sent, so even a
    /// non-idempotent request may be sent again.
    Connect,
    /// The connection broke after the request was (perhaps partly) sent.
    Send,
    /// The attempt took longer than its per-attempt timeout.
    Timeout,
    /// The TLS handshake failed (an untrusted or expired certificate, a
    /// name mismatch): the same server will fail the same way.
    Tls,
    /// Anything else (an invalid request, a body that cannot be replayed).
    Other,
}

/// What one attempt ended with.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// A response arrived, with this status and these headers.
    Response {
        /// The response status.
        status: StatusCode,
        /// The response headers (`Retry-After`, `X-Rate-Limit-Reset`).
        headers: &'a HeaderMap,
    },
    /// LUSID rejected the bearer token (`401`) and the token was
    /// invalidated: one more attempt with a fresh token may succeed.
    Unauthorized,
    /// No response arrived.
    Failed(FailureKind),
    /// An outcome that must reach the caller as it is (for example, no
    /// token could be obtained: the token client has already retried).
    Final,
}

/// What [`classify`] makes of an [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Classification {
    /// Success, or a failure that retrying cannot fix.
    Final,
    /// `429 Too Many Requests`: retried within the rate-limit bound.
    RateLimited,
    /// An outage or a broken connection: retried within the retry bound.
    Transient,
    /// A rejected token: retried once, at once.
    Unauthorized,
}

/// Classifies one attempt's outcome for a request that is (or is not)
/// idempotent: safe to send twice.
///
/// | outcome | classification |
/// | --- | --- |
/// | `429` | [`RateLimited`](Classification::RateLimited): the server refused before acting |
/// | `500`, `502`, `503`, `504` | [`Transient`](Classification::Transient) when idempotent |
/// | [`FailureKind::Connect`] | [`Transient`](Classification::Transient): nothing was sent |
/// | [`FailureKind::Send`], [`FailureKind::Timeout`] | [`Transient`](Classification::Transient) when idempotent |
/// | [`Outcome::Unauthorized`] | [`Unauthorized`](Classification::Unauthorized) |
/// | [`FailureKind::Tls`], [`FailureKind::Other`], [`Outcome::Final`], any other status | [`Final`](Classification::Final) |
///
/// `500` counts as transient for idempotent requests, as the AWS SDKs'
/// standard retry mode does: LUSID answers `500` for failures of its own
/// that a second identical read usually does not meet.
pub fn classify(outcome: &Outcome<'_>, idempotent: bool) -> Classification {
    match outcome {
        Outcome::Response { status, .. } => match *status {
            StatusCode::TOO_MANY_REQUESTS => Classification::RateLimited,
            StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
                if idempotent =>
            {
                Classification::Transient
            }
            _ => Classification::Final,
        },
        Outcome::Unauthorized => Classification::Unauthorized,
        Outcome::Failed(FailureKind::Connect) => Classification::Transient,
        Outcome::Failed(FailureKind::Send | FailureKind::Timeout) if idempotent => {
            Classification::Transient
        }
        Outcome::Failed(_) | Outcome::Final => Classification::Final,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, idempotent: bool) -> Classification {
        let headers = HeaderMap::new();
        let status = StatusCode::from_u16(code).expect("a status");
        classify(
            &Outcome::Response {
                status,
                headers: &headers,
            },
            idempotent,
        )
    }

    #[test]
    fn statuses_by_idempotency() {
        for code in [500, 502, 503, 504] {
            assert_eq!(status(code, true), Classification::Transient, "{code}");
            assert_eq!(status(code, false), Classification::Final, "{code}");
        }
        assert_eq!(status(429, false), Classification::RateLimited);
        for code in [200, 201, 400, 401, 403, 404, 409, 501] {
            assert_eq!(status(code, true), Classification::Final, "{code}");
        }
    }

    #[test]
    fn failures_by_when_they_happened() {
        let failed = |kind, idempotent| classify(&Outcome::Failed(kind), idempotent);
        assert_eq!(
            failed(FailureKind::Connect, false),
            Classification::Transient
        );
        assert_eq!(failed(FailureKind::Send, false), Classification::Final);
        assert_eq!(failed(FailureKind::Send, true), Classification::Transient);
        assert_eq!(
            failed(FailureKind::Timeout, true),
            Classification::Transient
        );
        assert_eq!(failed(FailureKind::Tls, true), Classification::Final);
        assert_eq!(failed(FailureKind::Other, true), Classification::Final);
        assert_eq!(classify(&Outcome::Final, true), Classification::Final);
        assert_eq!(
            classify(&Outcome::Unauthorized, false),
            Classification::Unauthorized
        );
    }
}
