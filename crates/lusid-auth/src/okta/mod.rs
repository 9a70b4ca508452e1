//! [`OktaClient`]: the OAuth2 password and refresh-token grants against the
//! customer's Okta token endpoint.

mod response;

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::Uri;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, StatusCode};
use lusid_retry::{FailureKind, Outcome, RetryPolicy, server_wait};
use secrecy::{ExposeSecret, SecretString};
use tower::ServiceExt;

use crate::{Error, HttpClient, PasswordCredentials, TokenSource};

pub use response::IssuedToken;
use response::Parsed;

/// The scopes requested by both grants: `offline_access` asks for a
/// refresh token.
pub const DEFAULT_SCOPE: &str = "openid client groups offline_access";

/// How long one token request may take, connecting included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest response body accepted from the token endpoint, in bytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

const USER_AGENT_VALUE: &str = concat!("lusid-rs/", env!("CARGO_PKG_VERSION"), " (lusid-auth)");

/// Performs OAuth2 grants against an Okta token endpoint
/// ([`PasswordCredentials::token_url`]).
///
/// Each grant is one `POST` with `Content-Type:
/// application/x-www-form-urlencoded` and `Accept: application/json`; every
/// form value is percent-encoded. The client authenticates with HTTP Basic
/// (RFC 6749 §2.3.1): `Authorization: Basic
/// base64(urlencode(client_id):urlencode(client_secret))`, so the client
/// secret is never in the body. The client does not cache: wrap it in a
/// [`TokenCache`](crate::TokenCache) (as [`token_provider`](crate::token_provider)
/// does) to reuse tokens.
///
/// Requests go through the [`HttpClient`] it is given (the SDK's one
/// transport). Failed requests are retried here, and only here, by the
/// shared [`RetryPolicy`]: `429` (waiting what `Retry-After` or
/// `X-Rate-Limit-Reset` asks, up to the policy's cap) within
/// `max_rate_limit_retries`, `5xx`, broken connections and timeouts within
/// `max_retries`. Under a token endpoint that answers `429` forever, one
/// grant sends at most `max_rate_limit_retries + 1` requests. Each request
/// is bounded by [`with_timeout`](Self::with_timeout) (default
/// [`DEFAULT_TIMEOUT`]). Cloning is cheap. Must be used inside a Tokio
/// runtime.
///
/// Logs at `debug` level: grant type, token URL, status, attempt,
/// lifetime. Never a secret.
#[derive(Clone)]
pub struct OktaClient {
    credentials: PasswordCredentials,
    scope: String,
    http: HttpClient,
    retry: RetryPolicy,
    timeout: Duration,
}

impl fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClient")
            .field("credentials", &self.credentials)
            .field("scope", &self.scope)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl OktaClient {
    /// A client for these credentials sending through `http`, with
    /// [`DEFAULT_SCOPE`], [`DEFAULT_TIMEOUT`] and [`RetryPolicy::default`].
    pub fn new(credentials: PasswordCredentials, http: HttpClient) -> Self {
        OktaClient {
            credentials,
            scope: DEFAULT_SCOPE.to_owned(),
            http,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Replaces the retry policy (share the API stack's, so one budget
    /// covers token and API retries).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Replaces the per-request timeout (connecting, sending and reading
    /// the whole response).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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
    pub fn token_url(&self) -> &Uri {
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

    /// The form request of one grant.
    fn request(&self, body: String) -> Result<http::Request<Bytes>, Error> {
        http::Request::builder()
            .method(Method::POST)
            .uri(self.credentials.token_url().clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, USER_AGENT_VALUE)
            .header(AUTHORIZATION, basic_authorization(&self.credentials))
            .body(Bytes::from(body))
            .map_err(|error| Error::Transport {
                token_url: self.credentials.token_url().to_string(),
                attempts: 0,
                source: Box::new(error),
            })
    }

    /// Sends one grant, retrying by the policy, and reads its answer.
    async fn grant(
        &self,
        grant_type: &'static str,
        body: String,
        refresh_token: Option<&SecretString>,
    ) -> Result<IssuedToken, Error> {
        let token_url = self.credentials.token_url();
        let request = self.request(body)?;
        let mut retry = self.retry.start();
        let (status, body) = loop {
            let attempts = retry.attempts();
            tracing::debug!(grant_type, %token_url, attempt = attempts, "requesting an access token");
            let sent =
                tokio::time::timeout(self.timeout, self.http.clone().oneshot(request.clone()));
            let (failure, error) = match sent.await {
                Ok(Ok(response)) => {
                    let status = response.status();
                    let outcome = Outcome::Response {
                        status,
                        headers: response.headers(),
                    };
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !retryable {
                        break (status, response.into_body());
                    }
                    if let Some(wait) = retry.next_wait(&outcome, true) {
                        tracing::debug!(grant_type, %token_url, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "token endpoint unavailable; waiting before retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        tracing::debug!(grant_type, %token_url, attempts, "still rate limited; giving up");
                        return Err(Error::RateLimited {
                            token_url: token_url.to_string(),
                            retry_after: server_wait(
                                response.headers(),
                                std::time::SystemTime::now(),
                            ),
                            attempts,
                        });
                    }
                    break (status, response.into_body());
                }
                Ok(Err(error)) => (
                    error.kind(),
                    Error::Transport {
                        token_url: token_url.to_string(),
                        attempts,
                        source: Box::new(error),
                    },
                ),
                Err(_elapsed) => (
                    FailureKind::Timeout,
                    Error::Timeout {
                        token_url: token_url.to_string(),
                        timeout: self.timeout,
                        attempts,
                    },
                ),
            };
            match retry.next_wait(&Outcome::Failed(failure), true) {
                Some(wait) => {
                    tracing::debug!(grant_type, %token_url, error = %error, wait_ms = wait.as_millis() as u64, "token request failed; waiting before retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(error),
            }
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(Error::MalformedTokenResponse {
                token_url: token_url.to_string(),
                status,
                reason: format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            });
        }
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
            "https://acme.okta.com/oauth2/default/v1/token"
                .parse()
                .expect("url"),
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
        let http = HttpClient::new(tower::service_fn(|_: http::Request<Bytes>| async {
            Err::<http::Response<Bytes>, _>(crate::HttpError::new(FailureKind::Connect, "unused"))
        }));
        let client = OktaClient::new(credentials("u", "hunter2!", "c", "top secret"), http);
        let text = client.scrub("bad password hunter2! and top+secret", None);
        assert_eq!(text, "bad password [REDACTED] and [REDACTED]");
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("top secret"),
            "{debug}"
        );
    }
}
