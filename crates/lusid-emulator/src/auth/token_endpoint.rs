//! The Okta-style token endpoint: `POST /oauth2/default/v1/token`.
//!
//! Grants: `password` (username, password, scope) and `refresh_token`.
//! Client authentication: `client_id`/`client_secret` form fields or HTTP
//! Basic (`base64(urlencode(id):urlencode(secret))`, RFC 6749 §2.3.1), not
//! both. Errors use Okta's `{"error", "error_description"}` body.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::tokens::Principal;
use crate::model::okta_user_id;
use crate::problem::json_response;
use crate::state::SharedState;

/// Path of the token endpoint.
pub(crate) const TOKEN_PATH: &str = "/oauth2/default/v1/token";

/// Scopes the emulated authorization server knows.
const KNOWN_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "groups",
    "client",
    "offline_access",
];

/// Scope granted when the request names none.
pub(crate) const DEFAULT_SCOPE: &str = "openid client groups";

/// A successful token response.
#[derive(Debug, Serialize)]
struct TokenResponse {
    token_type: &'static str,
    expires_in: u64,
    access_token: String,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

/// An OAuth error: status, `error`, `error_description`.
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }

    fn into_response(self) -> Response {
        let mut response = json_response(
            self.status,
            &json!({"error": self.error, "error_description": self.description}),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"lusid-emulator\""),
            );
        }
        response
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a
/// space, `%XX` a byte; malformed escapes are kept literally.
pub(crate) fn form_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Client credentials from an `Authorization: Basic` header, if present.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            OAuthError::invalid_client("The Basic authorization header is not valid base64.")
        })?;
    let (id, secret) = decoded.split_once(':').ok_or_else(|| {
        OAuthError::invalid_client("The Basic authorization header has no ':' separator.")
    })?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// Form fields, first value wins.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// `POST /oauth2/default/v1/token`.
pub(crate) async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let grant_type = form_grant_type(&body);
    match handle(&state, &headers, &body) {
        Ok(response) => {
            state.metrics.grant(&grant_type);
            let mut response = json_response(StatusCode::OK, &response);
            no_store(&mut response);
            response
        }
        Err(error) => {
            state.metrics.token_failure(error.error);
            tracing::debug!(error = error.error, description = %error.description, "token request refused");
            let mut response = error.into_response();
            no_store(&mut response);
            response
        }
    }
}

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn form_grant_type(body: &Bytes) -> String {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn handle(
    state: &SharedState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<TokenResponse, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::bad_request(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded.",
        ));
    }
    let form = Form(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    authenticate_client(state, headers, &form)?;

    let grant_type = form.get("grant_type").ok_or_else(|| {
        OAuthError::bad_request(
            "invalid_request",
            "The token request must specify a 'grant_type'. Valid values: [password, refresh_token]",
        )
    })?;
    let (principal, requested_scope) = match grant_type {
        "password" => password_grant(state, &form)?,
        "refresh_token" => refresh_grant(state, &form)?,
        other => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                format!(
                    "The authorization server does not support the grant type '{other}'. Supported: [password, refresh_token]"
                ),
            ));
        }
    };
    let scopes: Vec<&str> = requested_scope.split_whitespace().collect();
    let principal = Principal {
        scope: scopes.join(" "),
        ..principal
    };
    let ttl = state.config.token_ttl;
    let access_token = state.tokens.issue_access(&principal, ttl);
    let refresh_token = if grant_type == "refresh_token" {
        form.get("refresh_token").map(str::to_owned)
    } else if scopes.contains(&"offline_access") {
        Some(state.tokens.issue_refresh(&principal))
    } else {
        None
    };
    let id_token = scopes
        .contains(&"openid")
        .then(|| id_token(state, &principal, ttl.as_secs()));
    Ok(TokenResponse {
        token_type: "Bearer",
        expires_in: ttl.as_secs_f64().ceil() as u64,
        access_token,
        scope: principal.scope,
        refresh_token,
        id_token,
    })
}

fn authenticate_client(
    state: &SharedState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<(), OAuthError> {
    let basic = basic_credentials(headers)?;
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    let (id, secret) = match (basic, form_id, form_secret) {
        (Some(_), _, Some(_)) => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
            ));
        }
        (Some((id, secret)), form_id, None) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::bad_request(
                    "invalid_request",
                    "The client_id in the body does not match the Authorization header.",
                ));
            }
            (id, secret)
        }
        (None, Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
        (None, Some(_), None) => {
            return Err(OAuthError::invalid_client(
                "Client authentication failed. Either the client or the client credentials are invalid.",
            ));
        }
        (None, None, _) => {
            return Err(OAuthError::invalid_client(
                "A client_id must be provided in the request.",
            ));
        }
    };
    let expected = &state.config.credentials;
    if id != expected.client_id {
        return Err(OAuthError::invalid_client(
            "Client authentication failed. Either the client or the client credentials are invalid.",
        ));
    }
    if secret != expected.client_secret {
        return Err(OAuthError::invalid_client(
            "The client secret supplied for a confidential client is invalid.",
        ));
    }
    Ok(())
}

fn check_scope(requested: &str) -> Result<(), OAuthError> {
    if requested
        .split_whitespace()
        .any(|scope| !KNOWN_SCOPES.contains(&scope))
    {
        return Err(OAuthError::bad_request(
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    Ok(())
}

fn password_grant(state: &SharedState, form: &Form) -> Result<(Principal, String), OAuthError> {
    let username = form.get("username").ok_or_else(|| {
        OAuthError::bad_request("invalid_request", "The 'username' parameter is required.")
    })?;
    let password = form.get("password").ok_or_else(|| {
        OAuthError::bad_request("invalid_request", "The 'password' parameter is required.")
    })?;
    let scope = form.get("scope").unwrap_or(DEFAULT_SCOPE).to_owned();
    check_scope(&scope)?;
    let expected = &state.config.credentials;
    if username != expected.username || password != expected.password {
        return Err(OAuthError::bad_request(
            "invalid_grant",
            "The credentials provided were invalid.",
        ));
    }
    let principal = Principal {
        username: username.to_owned(),
        user_id: okta_user_id(username),
        scope: scope.clone(),
    };
    Ok((principal, scope))
}

fn refresh_grant(state: &SharedState, form: &Form) -> Result<(Principal, String), OAuthError> {
    let token = form.get("refresh_token").ok_or_else(|| {
        OAuthError::bad_request(
            "invalid_request",
            "The 'refresh_token' parameter is required.",
        )
    })?;
    let principal = state.tokens.refresh_principal(token).ok_or_else(|| {
        OAuthError::bad_request("invalid_grant", "The refresh token is invalid or expired.")
    })?;
    let scope = match form.get("scope") {
        None => principal.scope.clone(),
        Some(requested) => {
            check_scope(requested)?;
            let granted: BTreeSet<&str> = principal.scope.split_whitespace().collect();
            if requested.split_whitespace().any(|s| !granted.contains(s)) {
                return Err(OAuthError::bad_request(
                    "invalid_scope",
                    "The requested scope is invalid, unknown, or malformed.",
                ));
            }
            requested.to_owned()
        }
    };
    Ok((principal, scope))
}

/// An unsigned (`alg: none`) JWT with Okta-like claims.
fn id_token(state: &SharedState, principal: &Principal, ttl_secs: u64) -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let header = json!({"alg": "none", "typ": "JWT"});
    let claims = json!({
        "ver": 1,
        "sub": principal.user_id,
        "iss": format!("{}/oauth2/default", state.base_url),
        "aud": state.config.credentials.client_id,
        "iat": now,
        "exp": now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
        "name": principal.username,
        "preferred_username": principal.username,
        "amr": ["pwd"],
    });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_and_percent() {
        assert_eq!(form_decode("a+b%2Bc%3A%25"), "a b+c:%");
        assert_eq!(form_decode("bad%zz%4"), "bad%zz%4");
        assert_eq!(form_decode("%E2%82%AC"), "€");
    }
}
