//! Checks on single values: URLs, the token URL's scheme and Okta issuer
//! form, whole numbers, header values. Errors name the source and the field
//! and never quote the value.

use std::time::Duration;

use http::Uri;
use secrecy::ExposeSecret;

use super::layer::Entry;
use crate::ConfigError;
use crate::uri;

fn invalid_url(entry: &Entry, reason: impl Into<String>) -> ConfigError {
    ConfigError::InvalidUrl {
        origin: entry.origin.clone(),
        field: entry.field.to_owned(),
        reason: reason.into(),
    }
}

/// Parses an absolute URL. The parser's own message never quotes the value
/// (which may hold a password).
fn absolute(entry: &Entry, text: &str) -> Result<Uri, ConfigError> {
    let text = text.trim();
    if !text.contains("://") {
        return Err(invalid_url(
            entry,
            "it is a relative URL: it must be absolute, with a scheme and a host (such as https://acme.lusid.com/...)",
        ));
    }
    if text.contains('#') {
        return Err(invalid_url(entry, "it must not have a fragment (`#...`)"));
    }
    let url: Uri = text
        .parse()
        .map_err(|error: http::uri::InvalidUri| invalid_url(entry, error.to_string()))?;
    if url.scheme().is_none() || url.authority().is_none() {
        return Err(invalid_url(
            entry,
            "it must be an absolute URL, with a scheme and a host (such as https://acme.lusid.com/...)",
        ));
    }
    Ok(url)
}

/// Parses an absolute `http`/`https` URL with a host and without user info.
pub(super) fn http_url(entry: &Entry) -> Result<Uri, ConfigError> {
    let url = absolute(entry, entry.value.expose_secret())?;
    if !matches!(url.scheme_str(), Some("http" | "https")) {
        return Err(invalid_url(entry, "the scheme must be http or https"));
    }
    if uri::user_info(&url).is_some() {
        return Err(invalid_url(
            entry,
            "it must not contain a user name or password",
        ));
    }
    if uri::host(&url).is_none() {
        return Err(invalid_url(entry, "it has no host"));
    }
    Ok(url)
}

/// The base URL of LUSID or another service: an [`http_url`] without a query or fragment,
/// since request paths are appended to it.
pub(super) fn base_url(entry: &Entry) -> Result<Uri, ConfigError> {
    let url = http_url(entry)?;
    if url.scheme_str() != Some("https") && !uri::is_loopback(&url) {
        return Err(invalid_url(
            entry,
            "a LUSID or service URL must use https: every request carries a bearer token, which plain http \
             would send in clear text (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
        ));
    }
    if url.query().is_some() {
        return Err(invalid_url(
            entry,
            "a LUSID or service URL must not have a query or fragment: request paths are appended to it",
        ));
    }
    Ok(url)
}

/// A proxy URL from `HTTPS_PROXY`/`ALL_PROXY`: absolute `http` or `https`
/// with a host; a user name and password in it are allowed (that is how
/// these variables carry proxy credentials).
pub(super) fn environment_proxy_url(entry: &Entry) -> Result<Uri, ConfigError> {
    let text = entry.value.expose_secret().trim();
    // A bare `host:port`, as some tools write it, means `http://host:port`.
    let url = if text.contains("://") {
        absolute(entry, text)?
    } else {
        absolute(entry, &format!("http://{text}"))?
    };
    if !matches!(url.scheme_str(), Some("http" | "https")) {
        return Err(invalid_url(entry, "the proxy scheme must be http or https"));
    }
    if uri::host(&url).is_none() {
        return Err(invalid_url(entry, "it has no host"));
    }
    Ok(url)
}

/// The token URL: an absolute URL that is `https` (or `http` to a loopback
/// host, for the emulator). An Okta issuer URL,
/// `https://<org>.okta.com/oauth2/<id>`, gets `/v1/token` appended.
pub(super) fn token_url(entry: &Entry) -> Result<Uri, ConfigError> {
    let url = http_url(entry)?;
    if url.scheme_str() != Some("https") && !uri::is_loopback(&url) {
        return Err(invalid_url(
            entry,
            "the token URL must use https (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
        ));
    }
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    if let [first, id] = segments.as_slice() {
        if *first == "oauth2" && url.query().is_none() {
            let path = format!("/oauth2/{id}/v1/token");
            return uri::with_path(&url, &path)
                .ok_or_else(|| invalid_url(entry, "its Okta issuer path cannot take /v1/token"));
        }
    }
    Ok(url)
}

/// A whole number (ASCII digits only) from `min` to `max`.
pub(super) fn whole_number(entry: &Entry, min: u64, max: u64) -> Result<u64, ConfigError> {
    let text = entry.value.expose_secret().trim();
    let invalid = |reason: String| ConfigError::InvalidNumber {
        origin: entry.origin.clone(),
        field: entry.field.to_owned(),
        reason,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "it must be a whole number from {min} to {max}"
        )));
    }
    match text.parse::<u64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(invalid(format!(
            "it must be a whole number from {min} to {max}"
        ))),
    }
}

/// Largest timeout accepted, in milliseconds: 24 hours.
const MAX_TIMEOUT_MS: u64 = 24 * 60 * 60 * 1000;

/// A timeout in whole milliseconds, at least 1.
pub(super) fn timeout_ms(entry: &Entry) -> Result<Duration, ConfigError> {
    whole_number(entry, 1, MAX_TIMEOUT_MS).map(Duration::from_millis)
}

/// A number of retries.
pub(super) fn retries(entry: &Entry) -> Result<u32, ConfigError> {
    let value = whole_number(entry, 0, 1000)?;
    Ok(u32::try_from(value).unwrap_or(u32::MAX))
}

/// A value that will be sent as an HTTP header: visible characters, spaces
/// and tabs, no control characters.
pub(super) fn header_value(entry: &Entry) -> Result<String, ConfigError> {
    let text = entry.text();
    match http::HeaderValue::from_str(&text) {
        Ok(_) => Ok(text),
        Err(_) => Err(ConfigError::InvalidHeaderValue {
            origin: entry.origin.clone(),
            field: entry.field.to_owned(),
        }),
    }
}
