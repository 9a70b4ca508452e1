//! Credentials and OAuth2 tokens for the LUSID API.
//!
//! Every LUSID request carries `Authorization: Bearer <token>`. The token
//! comes either from the customer's Okta token endpoint (the OAuth2
//! resource-owner *password grant*, then *refresh-token grants*) or is a
//! *personal access token* (PAT) created in the LUSID web app.
//!
//! 1. Read a [`Config`]: [`Config::from_secrets_file`] (the JSON the LUSID
//!    web app exports), [`Config::from_env`] (`FBN_*` variables),
//!    [`Config::builder`], or all three merged key by key with
//!    [`ConfigBuilder::with_env`] and [`ConfigBuilder::with_secrets_file`].
//!    A PAT wins over the password flow.
//! 2. Turn it into a [`TokenProvider`] with [`token_provider`], giving it
//!    the [`HttpClient`] to send token requests through (`lusid-http`
//!    builds one over the SDK's single transport) and the shared
//!    [`RetryPolicy`](retry::RetryPolicy): a [`StaticTokenProvider`] for a
//!    PAT, a [`TokenCache`] over an [`OktaClient`] for the password flow.
//! 3. The HTTP stack calls [`TokenProvider::access_token`] before each
//!    request and [`TokenProvider::invalidate`] after a `401`.
//!
//! This crate does no networking of its own: it depends on neither hyper
//! nor rustls nor a socket API.
//!
//! ```no_run
//! # async fn run(http: lusid_auth::HttpClient) -> Result<(), Box<dyn std::error::Error>> {
//! let config = lusid_auth::Config::from_secrets_file("secrets.json")?;
//! let retry = lusid_auth::retry::RetryPolicy::default();
//! let provider = lusid_auth::token_provider(&config, http, retry);
//! let token = provider.access_token().await?;
//! // send `Authorization: Bearer {token.expose_secret()}` to config.lusid_url()
//! # let _ = token; Ok(()) }
//! ```
//!
//! Secrets (password, client secret, access and refresh tokens) are held in
//! [`secrecy::SecretString`] and print as `[REDACTED]`; no error message
//! contains one.
//!
//! Feature `mock`: `MockTokenProvider`, a [`mockall`](https://docs.rs/mockall)
//! mock of [`TokenProvider`].

#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod cache;
mod config;
mod error;
mod file_token;
mod http_client;
mod okta;
mod provider;
mod service;
mod token;
pub mod uri;

use std::sync::Arc;

pub use cache::{DEFAULT_REFRESH_BUFFER, TokenCache, TokenSource};
pub use config::{
    AccessTokenFile, Config, ConfigBuilder, ConfigSource, Credentials, PasswordCredentials,
    ProxyConfig, Setting,
};
pub use error::{BoxError, ConfigError, Error};
pub use file_token::FileTokenProvider;
pub use http_client::{FailureKind, HttpClient, HttpError};
pub use okta::{DEFAULT_SCOPE, DEFAULT_TIMEOUT, IssuedToken, OktaClient};
#[cfg(feature = "mock")]
pub use provider::MockTokenProvider;
pub use provider::{StaticTokenProvider, TokenProvider};
pub use service::{Service, ServiceUrl, UnknownService};
pub use token::AccessToken;

/// Re-exported so callers can name [`SecretString`](secrecy::SecretString)
/// and call [`ExposeSecret`](secrecy::ExposeSecret) on
/// [`PasswordCredentials::password`] without their own dependency.
pub use secrecy;

/// The shared retry decisions ([`lusid_retry`]), re-exported so users of
/// this crate alone can configure [`OktaClient::with_retry_policy`].
pub use lusid_retry as retry;

/// Builds the token provider for `config`:
///
/// - [`Credentials::AccessToken`] → [`StaticTokenProvider`];
/// - [`Credentials::AccessTokenFile`] → [`FileTokenProvider`];
/// - [`Credentials::Password`] → [`TokenCache`] over an [`OktaClient`]
///   sending through `http` and retrying by `retry` ([`DEFAULT_SCOPE`],
///   [`DEFAULT_REFRESH_BUFFER`], and [`Config::read_timeout`] as the
///   per-request timeout, else [`DEFAULT_TIMEOUT`]).
///
/// `http` is the SDK's one transport (`lusid-http` builds it); `retry` is the
/// API stack's policy, so token and API retries share one budget and one
/// rate-limit bound ([`Config::rate_limit_retries`] is applied by whoever
/// builds the policy). Does no I/O; the first token is fetched by the first
/// [`TokenProvider::access_token`] call, which must run inside a Tokio
/// runtime.
pub fn token_provider(
    config: &Config,
    http: HttpClient,
    retry: retry::RetryPolicy,
) -> Arc<dyn TokenProvider> {
    match config.credentials() {
        Credentials::AccessToken(token) => Arc::new(StaticTokenProvider::new(token.clone())),
        Credentials::AccessTokenFile(file) => Arc::new(FileTokenProvider::new(file)),
        Credentials::Password(credentials) => {
            let client = OktaClient::new(credentials.clone(), http)
                .with_retry_policy(retry)
                .with_timeout(config.read_timeout().unwrap_or(DEFAULT_TIMEOUT));
            Arc::new(TokenCache::new(client))
        }
    }
}
