//! The token endpoint's answer: [`IssuedToken`] on success, the OAuth2
//! error body otherwise.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::AccessToken;

/// Assumed lifetime when a successful response has no `expires_in`
/// (RFC 6749 only recommends it). Short on purpose: a wrong guess costs an
/// extra grant, not a failed LUSID call.
const ASSUMED_EXPIRES_IN: Duration = Duration::from_secs(300);

/// Longest lifetime believed; larger `expires_in` values are capped so that
/// expiry instants never overflow.
const MAX_EXPIRES_IN: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// Longest body excerpt quoted in an error, in characters.
const EXCERPT_CHARS: usize = 120;

/// A token issued by the token endpoint: the parsed
/// `{access_token, token_type, expires_in, refresh_token?, scope?, id_token?}`.
///
/// `expires_in` is a lifetime in seconds relative to when the response was
/// received; [`TokenCache`](crate::TokenCache) turns it into a monotonic
/// deadline. `id_token` is not kept. `Debug` masks both tokens.
#[derive(Clone)]
pub struct IssuedToken {
    access_token: AccessToken,
    expires_in: Duration,
    refresh_token: Option<SecretString>,
    scope: Option<String>,
}

impl IssuedToken {
    /// A token valid for `expires_in` from now, without a refresh token.
    /// Useful for [`TokenSource`](crate::TokenSource) implementations.
    pub fn new(access_token: AccessToken, expires_in: Duration) -> Self {
        IssuedToken {
            access_token,
            expires_in: expires_in.min(MAX_EXPIRES_IN),
            refresh_token: None,
            scope: None,
        }
    }

    /// Adds the refresh token issued with the access token.
    pub fn with_refresh_token(mut self, refresh_token: impl Into<SecretString>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// The bearer token for LUSID.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The lifetime granted (`expires_in`, whole or fractional seconds),
    /// counted from receipt of the response. 300 s when the response did
    /// not say; capped at 366 days.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The refresh token, issued when the scope includes `offline_access`
    /// and the Okta application allows refresh tokens.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// The granted scopes, space-separated, if the response listed them.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &self.access_token)
            .field("expires_in", &self.expires_in)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

/// What a token endpoint response means.
pub(crate) enum Parsed {
    /// A usable token.
    Token(IssuedToken),
    /// An OAuth2 (or Okta API) error body.
    Rejected {
        error: String,
        description: Option<String>,
    },
    /// Anything else; the reason quotes no token.
    Malformed(String),
}

/// Interprets a response. Never quotes a token: body excerpts appear only
/// when the body does not mention a token at all.
pub(crate) fn parse(status: StatusCode, body: &[u8]) -> Parsed {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            return Parsed::Malformed(format!("the body is not a JSON object{}", excerpt(body)));
        }
        Err(_) if body.is_empty() => return Parsed::Malformed("the body is empty".to_owned()),
        Err(_) => return Parsed::Malformed(format!("the body is not JSON{}", excerpt(body))),
    };

    let has_access_token = object.contains_key("access_token");
    if !status.is_success() || !has_access_token {
        if let Some(rejected) = oauth_error(&object) {
            return rejected;
        }
    }
    if !status.is_success() {
        return Parsed::Malformed(format!(
            "error status without an OAuth2 error body{}",
            excerpt(body)
        ));
    }

    let access_token = match object.get("access_token") {
        Some(Value::String(token)) if !token.is_empty() => AccessToken::new(token.clone()),
        Some(_) => {
            return Parsed::Malformed("`access_token` is not a non-empty string".to_owned());
        }
        None => return Parsed::Malformed(format!("no `access_token` field{}", excerpt(body))),
    };
    if let Some(token_type) = object.get("token_type") {
        let bearer = token_type
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"));
        if !bearer {
            return Parsed::Malformed("`token_type` is not Bearer".to_owned());
        }
    }
    let expires_in = match expires_in(object.get("expires_in")) {
        Ok(expires_in) => expires_in,
        Err(reason) => return Parsed::Malformed(reason),
    };
    let mut issued = IssuedToken::new(access_token, expires_in);
    if let Some(Value::String(refresh)) = object.get("refresh_token") {
        if !refresh.is_empty() {
            issued = issued.with_refresh_token(refresh.clone());
        }
    }
    issued.scope = object
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Parsed::Token(issued)
}

/// `{error, error_description}` (OAuth2) or `{errorCode, errorSummary}`
/// (Okta's API errors, e.g. for a wrong token URL path).
fn oauth_error(object: &Map<String, Value>) -> Option<Parsed> {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(error) = text("error") {
        return Some(Parsed::Rejected {
            error,
            description: text("error_description"),
        });
    }
    text("errorCode").map(|error| Parsed::Rejected {
        error,
        description: text("errorSummary"),
    })
}

fn expires_in(value: Option<&Value>) -> Result<Duration, String> {
    let invalid = || "`expires_in` is not a non-negative number of seconds".to_owned();
    let seconds = match value {
        None | Some(Value::Null) => return Ok(ASSUMED_EXPIRES_IN),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(invalid)?,
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| invalid())?,
        Some(_) => return Err(invalid()),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(invalid());
    }
    Ok(Duration::from_secs_f64(
        seconds.min(MAX_EXPIRES_IN.as_secs_f64()),
    ))
}

/// `"; body starts with: …"`, or a note that the body was withheld because
/// it mentions a token.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.to_ascii_lowercase().contains("token") {
        return format!(
            " ({} bytes, not quoted because it mentions a token)",
            body.len()
        );
    }
    let mut cleaned = String::new();
    for word in text.split_whitespace() {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.extend(word.chars().map(|c| if c.is_control() { ' ' } else { c }));
        if cleaned.chars().count() > EXCERPT_CHARS {
            break;
        }
    }
    if cleaned.is_empty() {
        return String::new();
    }
    let truncated = cleaned.chars().count() > EXCERPT_CHARS;
    let mut quoted: String = cleaned.chars().take(EXCERPT_CHARS).collect();
    if truncated {
        quoted.push('…');
    }
    format!("; body starts with: {quoted}")
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn token(parsed: Parsed) -> IssuedToken {
        match parsed {
            Parsed::Token(token) => token,
            Parsed::Rejected { error, .. } => panic!("rejected: {error}"),
            Parsed::Malformed(reason) => panic!("malformed: {reason}"),
        }
    }

    fn malformed(parsed: Parsed) -> String {
        match parsed {
            Parsed::Malformed(reason) => reason,
            Parsed::Token(_) => panic!("unexpected token"),
            Parsed::Rejected { error, .. } => panic!("rejected: {error}"),
        }
    }

    #[test]
    fn parses_a_full_okta_response() {
        let body = br#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-1","scope":"openid offline_access","refresh_token":"rt-1","id_token":"id-1"}"#;
        let issued = token(parse(StatusCode::OK, body));
        assert_eq!(issued.access_token().expose_secret(), "at-1");
        assert_eq!(issued.expires_in(), Duration::from_secs(3600));
        assert_eq!(
            issued.refresh_token().map(|t| t.expose_secret().to_owned()),
            Some("rt-1".to_owned())
        );
        assert_eq!(issued.scope(), Some("openid offline_access"));
        let debug = format!("{issued:?}");
        assert!(
            !debug.contains("at-1") && !debug.contains("rt-1"),
            "{debug}"
        );
    }

    #[test]
    fn accepts_string_and_missing_expires_in() {
        let issued = token(parse(
            StatusCode::OK,
            br#"{"access_token":"a","expires_in":"120"}"#,
        ));
        assert_eq!(issued.expires_in(), Duration::from_secs(120));
        let issued = token(parse(StatusCode::OK, br#"{"access_token":"a"}"#));
        assert_eq!(issued.expires_in(), ASSUMED_EXPIRES_IN);
        assert!(issued.refresh_token().is_none());
        let issued = token(parse(
            StatusCode::OK,
            br#"{"access_token":"a","expires_in":1e300}"#,
        ));
        assert_eq!(issued.expires_in(), MAX_EXPIRES_IN);
    }

    #[test]
    fn rejects_bad_fields_without_quoting_tokens() {
        let reason = malformed(parse(
            StatusCode::OK,
            br#"{"access_token":"secret-at","token_type":"MAC"}"#,
        ));
        assert!(reason.contains("token_type"), "{reason}");
        assert!(!reason.contains("secret-at"));
        let reason = malformed(parse(
            StatusCode::OK,
            br#"{"access_token":"secret-at","expires_in":-5}"#,
        ));
        assert!(reason.contains("expires_in") && !reason.contains("secret-at"));
        let reason = malformed(parse(StatusCode::OK, br#"{"refresh_token":"secret-rt"}"#));
        assert!(reason.contains("no `access_token`") && !reason.contains("secret-rt"));
        let reason = malformed(parse(StatusCode::OK, br#"{"hello":"world"}"#));
        assert!(reason.contains("world"), "{reason}");
    }

    #[test]
    fn reads_oauth_and_okta_error_shapes() {
        match parse(
            StatusCode::BAD_REQUEST,
            br#"{"error":"invalid_grant","error_description":"The credentials provided were invalid."}"#,
        ) {
            Parsed::Rejected { error, description } => {
                assert_eq!(error, "invalid_grant");
                assert_eq!(description.as_deref(), Some("The credentials provided were invalid."));
            }
            _ => panic!("expected a rejection"),
        }
        match parse(
            StatusCode::NOT_FOUND,
            br#"{"errorCode":"E0000022","errorSummary":"The endpoint does not support the provided HTTP method"}"#,
        ) {
            Parsed::Rejected { error, description } => {
                assert_eq!(error, "E0000022");
                assert!(description.is_some_and(|d| d.contains("HTTP method")));
            }
            _ => panic!("expected a rejection"),
        }
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        let body = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let reason = malformed(parse(StatusCode::BAD_GATEWAY, body.as_bytes()));
        assert!(reason.starts_with("the body is not JSON; body starts with: <html> <body>xx"));
        assert!(reason.ends_with('…'));
        assert!(reason.chars().count() < 200, "{reason}");
        let reason = malformed(parse(StatusCode::BAD_GATEWAY, b"bad token here"));
        assert!(!reason.contains("bad token"), "{reason}");
    }
}
