//! [`OktaClient`]: the OAuth2 password and refresh-token grants against the
//! customer's Okta token endpoint.

mod rate_limit;
mod response;

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderValue, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::transport::Transport;
use crate::{Error, PasswordCredentials, TokenSource};

pub use rate_limit::RateLimitPolicy;
pub use response::IssuedToken;
use response::Parsed;

/// The scopes requested by both grants: `offline_access` asks for a
/// refresh token.
pub const DEFAULT_SCOPE: &str = "openid client groups offline_access";

/// How long one token request may take, connecting included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Performs OAuth2 grants against an Okta token endpoint
/// ([`PasswordCredentials::token_url`]).
///
/// Each grant is one `POST` with `Content-Type:
/// application/x-www-form-urlencoded` and `Accept: application/json`; every
/// form value is percent-encoded. The client authenticates with HTTP Basic
/// (RFC 6749 §2.3.1): `Authorization: Basic
/// base64(urlencode(client_id):urlencode(client_secret))`, so the client
/// secret is never in the body. A `429` is waited out and retried as
/// [`RateLimitPolicy`] says. The client does not cache: wrap it in a
/// [`TokenCache`](crate::TokenCache) (as [`token_provider`](crate::token_provider)
/// does) to reuse tokens.
///
/// HTTP goes through a pooled hyper client over rustls (`ring`, the
/// platform's root certificates); `http://` token URLs work too, for local
/// emulators. Cloning is cheap and shares the connection pool. Must be used
/// inside a Tokio runtime.
///
/// Logs at `debug` level: grant type, token URL, status, lifetime. Never a
/// secret.
#[derive(Clone)]
pub struct OktaClient {
    credentials: PasswordCredentials,
    scope: String,
    transport: Transport,
    rate_limit: RateLimitPolicy,
}

impl fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClient")
            .field("credentials", &self.credentials)
            .field("scope", &self.scope)
            .field("timeout", &self.transport.timeout())
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

impl OktaClient {
    /// A client for these credentials with [`DEFAULT_SCOPE`] and
    /// [`DEFAULT_TIMEOUT`].
    ///
    /// Loads the platform's root certificates. If there are none, the client
    /// is still built (plain `http://` works) and HTTPS grants fail with
    /// [`Error::Transport`] explaining why.
    pub fn new(credentials: PasswordCredentials) -> Self {
        OktaClient {
            credentials,
            scope: DEFAULT_SCOPE.to_owned(),
            transport: Transport::new(DEFAULT_TIMEOUT),
            rate_limit: RateLimitPolicy::default(),
        }
    }

    /// Replaces how `429 Too Many Requests` is handled.
    pub fn with_rate_limit_policy(mut self, policy: RateLimitPolicy) -> Self {
        self.rate_limit = policy;
        self
    }

    /// How `429 Too Many Requests` is handled.
    pub fn rate_limit_policy(&self) -> RateLimitPolicy {
        self.rate_limit
    }

    /// Replaces the per-request timeout (connecting, sending and reading
    /// the whole response).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.transport = Transport::new(timeout);
        self
    }

    /// Replaces the requested scopes (space-separated).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The credentials this client uses.
    pub fn credentials(&self) -> &PasswordCredentials {
        &self.credentials
    }

    /// The token endpoint this client posts to.
    pub fn token_url(&self) -> &Url {
        self.credentials.token_url()
    }

    /// The resource-owner password grant:
    /// `grant_type=password&username=…&password=…&scope=…`, with the client
    /// credentials in `Authorization: Basic`.
    ///
    /// # Errors
    ///
    /// [`Error::GrantRejected`] (e.g. `invalid_grant` for a wrong password,
    /// `invalid_client` for a wrong client secret),
    /// [`Error::MalformedTokenResponse`], [`Error::Transport`],
    /// [`Error::Timeout`], [`Error::RateLimited`].
    pub async fn password_grant(&self) -> Result<IssuedToken, Error> {
        let body = password_grant_body(&self.credentials, &self.scope);
        self.grant("password", body, None).await
    }

    /// The refresh-token grant: `grant_type=refresh_token&refresh_token=…&scope=…`,
    /// with the client credentials in `Authorization: Basic`.
    ///
    /// # Errors
    ///
    /// As [`password_grant`](Self::password_grant); an expired or revoked
    /// refresh token gives [`Error::GrantRejected`] with `invalid_grant`.
    pub async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        let body = refresh_grant_body(refresh_token, &self.scope);
        self.grant("refresh_token", body, Some(refresh_token)).await
    }

    async fn grant(
        &self,
        grant_type: &'static str,
        body: String,
        refresh_token: Option<&SecretString>,
    ) -> Result<IssuedToken, Error> {
        let token_url = self.credentials.token_url();
        let authorization = basic_authorization(&self.credentials);
        let mut attempts: u32 = 0;
        let (status, body) = loop {
            attempts += 1;
            tracing::debug!(grant_type, %token_url, attempt = attempts, "requesting an access token");
            let (status, headers, response) = self
                .transport
                .post_form(token_url, authorization.clone(), body.clone())
                .await?;
            if status != StatusCode::TOO_MANY_REQUESTS {
                break (status, response);
            }
            let hint = rate_limit::server_hint(&headers, SystemTime::now());
            let retry = attempts - 1;
            let rate_limited = || Error::RateLimited {
                token_url: token_url.to_string(),
                retry_after: hint,
                attempts,
            };
            if retry >= self.rate_limit.max_retries() {
                tracing::debug!(grant_type, %token_url, attempts, "still rate limited; giving up");
                return Err(rate_limited());
            }
            let wait = match hint {
                Some(wait) if wait > self.rate_limit.max_wait() => {
                    tracing::debug!(grant_type, %token_url, wait_ms = wait.as_millis() as u64, "rate limited for longer than the maximum wait; giving up");
                    return Err(rate_limited());
                }
                Some(wait) => wait,
                None => self.rate_limit.backoff(retry),
            };
            tracing::debug!(grant_type, %token_url, wait_ms = wait.as_millis() as u64, "rate limited (429); waiting before retrying");
            tokio::time::sleep(wait).await;
        };
        match response::parse(status, &body) {
            Parsed::Token(issued) => {
                tracing::debug!(
                    grant_type,
                    %token_url,
                    status = status.as_u16(),
                    expires_in_secs = issued.expires_in().as_secs(),
                    refresh_token_issued = issued.refresh_token().is_some(),
                    "access token issued"
                );
                Ok(issued)
            }
            Parsed::Rejected { error, description } => {
                tracing::debug!(grant_type, %token_url, status = status.as_u16(), error = %self.scrub(&error, refresh_token), "grant rejected");
                Err(Error::GrantRejected {
                    token_url: token_url.to_string(),
                    status,
                    error: self.scrub(&error, refresh_token),
                    description: description.map(|d| self.scrub(&d, refresh_token)),
                })
            }
            Parsed::Malformed(reason) => {
                tracing::debug!(grant_type, %token_url, status = status.as_u16(), "unusable token response");
                Err(Error::MalformedTokenResponse {
                    token_url: token_url.to_string(),
                    status,
                    reason: self.scrub(&reason, refresh_token),
                })
            }
        }
    }

    /// Replaces any credential the server may have echoed back (raw or
    /// form-encoded) with `[REDACTED]`.
    fn scrub(&self, text: &str, refresh_token: Option<&SecretString>) -> String {
        let secrets = [
            Some(self.credentials.password()),
            Some(self.credentials.client_secret()),
            refresh_token,
        ];
        let mut text = text.to_owned();
        for secret in secrets.into_iter().flatten() {
            let raw = secret.expose_secret();
            if raw.is_empty() {
                continue;
            }
            let encoded: String = form_urlencoded::byte_serialize(raw.as_bytes()).collect();
            for form in [raw, encoded.as_str()] {
                if text.contains(form) {
                    text = text.replace(form, "[REDACTED]");
                }
            }
        }
        text
    }
}

#[async_trait::async_trait]
impl TokenSource for OktaClient {
    async fn password_grant(&self) -> Result<IssuedToken, Error> {
        OktaClient::password_grant(self).await
    }

    async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        OktaClient::refresh_grant(self, refresh_token).await
    }
}

/// The form body of the password grant.
fn password_grant_body(credentials: &PasswordCredentials, scope: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "password")
        .append_pair("username", credentials.username())
        .append_pair("password", credentials.password().expose_secret())
        .append_pair("scope", scope)
        .finish()
}

/// `Basic base64(urlencode(client_id):urlencode(client_secret))`, marked
/// sensitive (RFC 6749 §2.3.1).
fn basic_authorization(credentials: &PasswordCredentials) -> HeaderValue {
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let pair = format!(
        "{}:{}",
        encode(credentials.client_id()),
        encode(credentials.client_secret().expose_secret())
    );
    let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(pair)))
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    value.set_sensitive(true);
    value
}

/// The form body of the refresh-token grant.
fn refresh_grant_body(refresh_token: &SecretString, scope: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token.expose_secret())
        .append_pair("scope", scope)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(
        username: &str,
        password: &str,
        client_id: &str,
        secret: &str,
    ) -> PasswordCredentials {
        PasswordCredentials::new(
            Url::parse("https://acme.okta.com/oauth2/default/v1/token").expect("url"),
            username,
            password.to_owned(),
            client_id,
            secret.to_owned(),
        )
    }

    #[test]
    fn password_body_encodes_every_field() {
        let creds = credentials(
            "jane+ops@acme.com",
            "p+a&s=s%w/o?r@d: ü€",
            "0oa/client id",
            "s3cr=t&x+y%z",
        );
        assert_eq!(
            password_grant_body(&creds, DEFAULT_SCOPE),
            "grant_type=password\
             &username=jane%2Bops%40acme.com\
             &password=p%2Ba%26s%3Ds%25w%2Fo%3Fr%40d%3A+%C3%BC%E2%82%AC\
             &scope=openid+client+groups+offline_access"
        );
        let body = password_grant_body(&creds, DEFAULT_SCOPE);
        assert!(!body.contains("client_id") && !body.contains("client_secret"));
    }

    #[test]
    fn basic_authorization_encodes_id_and_secret_first() {
        let creds = credentials("u", "p", "0oa/client id", "s3cr=t&x+y%z:é");
        let value = basic_authorization(&creds);
        assert!(value.is_sensitive());
        let text = value.to_str().expect("ascii");
        let encoded = text.strip_prefix("Basic ").expect("Basic scheme");
        let decoded = String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf-8");
        assert_eq!(decoded, "0oa%2Fclient+id:s3cr%3Dt%26x%2By%25z%3A%C3%A9");
    }

    #[test]
    fn refresh_body_encodes_every_field() {
        let refresh = SecretString::from("rt/+=&? é".to_owned());
        assert_eq!(
            refresh_grant_body(&refresh, DEFAULT_SCOPE),
            "grant_type=refresh_token\
             &refresh_token=rt%2F%2B%3D%26%3F+%C3%A9\
             &scope=openid+client+groups+offline_access"
        );
    }

    #[test]
    fn scrub_removes_echoed_secrets() {
        let client = OktaClient::new(credentials("u", "hunter2!", "c", "top secret"));
        let text = client.scrub("bad password hunter2! and top+secret", None);
        assert_eq!(text, "bad password [REDACTED] and [REDACTED]");
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("top secret"),
            "{debug}"
        );
    }
}
