//! The bearer-token check of API requests, and its 401 problems.

use axum::response::Response;
use http::HeaderMap;

use crate::auth::tokens::{Principal, TokenRejection};
use crate::problem::Problem;
use crate::state::SharedState;

/// The caller of an API request, or the 401 response.
pub(super) fn authenticate(
    state: &SharedState,
    headers: &HeaderMap,
    request_id: &str,
) -> Result<Principal, Box<Response>> {
    state
        .tokens
        .validate(bearer(headers))
        .map_err(|rejection| Box::new(unauthorized(state, rejection, request_id)))
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// The 401 problem for a refused bearer token.
fn unauthorized(state: &SharedState, rejection: TokenRejection, request_id: &str) -> Response {
    let (challenge, detail) = match rejection {
        TokenRejection::Missing => (
            "Bearer".to_owned(),
            "No bearer token was supplied in the Authorization header.",
        ),
        TokenRejection::Unknown => (
            "Bearer error=\"invalid_token\", error_description=\"The access token is invalid or has been revoked\"".to_owned(),
            "The access token is invalid or has been revoked.",
        ),
        TokenRejection::Expired => (
            "Bearer error=\"invalid_token\", error_description=\"The access token expired\"".to_owned(),
            "The access token expired.",
        ),
    };
    Problem::unauthorized(challenge, detail).render(&state.base_url, request_id)
}
