//! [`OktaClient`]: the OAuth2 password and refresh-token grants against the
//! customer's Okta token endpoint.

mod response;

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::transport::Transport;
use crate::{Error, PasswordCredentials, TokenSource};

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
/// form value is percent-encoded. The client does not cache: wrap it in a
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
}

impl fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaClient")
            .field("credentials", &self.credentials)
            .field("scope", &self.scope)
            .field("timeout", &self.transport.timeout())
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
        }
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
    /// `grant_type=password&username=…&password=…&scope=…&client_id=…&client_secret=…`.
    ///
    /// # Errors
    ///
    /// [`Error::GrantRejected`] (e.g. `invalid_grant` for a wrong password,
    /// `invalid_client` for a wrong client secret),
    /// [`Error::MalformedTokenResponse`], [`Error::Transport`],
    /// [`Error::Timeout`].
    pub async fn password_grant(&self) -> Result<IssuedToken, Error> {
        let body = password_grant_body(&self.credentials, &self.scope);
        self.grant("password", body, None).await
    }

    /// The refresh-token grant:
    /// `grant_type=refresh_token&refresh_token=…&scope=…&client_id=…&client_secret=…`.
    ///
    /// # Errors
    ///
    /// As [`password_grant`](Self::password_grant); an expired or revoked
    /// refresh token gives [`Error::GrantRejected`] with `invalid_grant`.
    pub async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        let body = refresh_grant_body(&self.credentials, refresh_token, &self.scope);
        self.grant("refresh_token", body, Some(refresh_token)).await
    }

    async fn grant(
        &self,
        grant_type: &'static str,
        body: String,
        refresh_token: Option<&SecretString>,
    ) -> Result<IssuedToken, Error> {
        let token_url = self.credentials.token_url();
        tracing::debug!(grant_type, %token_url, "requesting an access token");
        let (status, body) = self.transport.post_form(token_url, body).await?;
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
        .append_pair("client_id", credentials.client_id())
        .append_pair("client_secret", credentials.client_secret().expose_secret())
        .finish()
}

/// The form body of the refresh-token grant.
fn refresh_grant_body(
    credentials: &PasswordCredentials,
    refresh_token: &SecretString,
    scope: &str,
) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token.expose_secret())
        .append_pair("scope", scope)
        .append_pair("client_id", credentials.client_id())
        .append_pair("client_secret", credentials.client_secret().expose_secret())
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
             &scope=openid+client+groups+offline_access\
             &client_id=0oa%2Fclient+id\
             &client_secret=s3cr%3Dt%26x%2By%25z"
        );
    }

    #[test]
    fn refresh_body_encodes_every_field() {
        let creds = credentials("u", "p", "cid:1", "cs?&");
        let refresh = SecretString::from("rt/+=&? é".to_owned());
        assert_eq!(
            refresh_grant_body(&creds, &refresh, DEFAULT_SCOPE),
            "grant_type=refresh_token\
             &refresh_token=rt%2F%2B%3D%26%3F+%C3%A9\
             &scope=openid+client+groups+offline_access\
             &client_id=cid%3A1\
             &client_secret=cs%3F%26"
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
