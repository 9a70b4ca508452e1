//! [`Client`]: the LUSID client.

use std::sync::Arc;

use lusid_auth::TokenProvider;

use crate::ClientBuilder;

/// A LUSID client: one method per API group (such as
/// [`instruments`](Self::instruments), with the feature of its tag), over
/// the stack and transport built from your configuration.
///
/// Cloning is cheap; clones share the connection pool, the token cache and
/// the retry budget.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) api: lusid_api::Client,
    tokens: Option<Arc<dyn TokenProvider>>,
}

impl Client {
    /// A builder reading configuration from a secrets file, `FBN_*`
    /// environment variables or an explicit [`lusid_auth::Config`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client whose configuration comes from the `FBN_*` environment
    /// variables.
    ///
    /// # Errors
    /// See [`ClientBuilder::build`].
    pub fn from_env() -> Result<Self, crate::BuildError> {
        Self::builder().from_env().build()
    }

    /// A client for an in-process [`lusid_emulator`] (feature `emulator`):
    /// its LUSID and token URLs, its credentials, and its CA certificate
    /// when it serves HTTPS (written to a file first, with
    /// `write_ca_certificate` or `EmulatorBuilder::ca_certificate_file`).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = lusid_emulator::Emulator::builder().start().await?;
    /// let client = lusid::Client::for_emulator(&emulator)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// See [`ClientBuilder::build`].
    #[cfg(feature = "emulator")]
    pub fn for_emulator(
        emulator: &lusid_emulator::RunningEmulator,
    ) -> Result<Self, crate::BuildError> {
        Self::builder().emulator(emulator)?.build()
    }

    /// Wraps an API client built some other way (for example over a mock
    /// service in tests).
    pub fn from_api(api: lusid_api::Client) -> Self {
        Self { api, tokens: None }
    }

    pub(crate) fn new(api: lusid_api::Client, tokens: Arc<dyn TokenProvider>) -> Self {
        Self {
            api,
            tokens: Some(tokens),
        }
    }

    /// The token provider the stack reads bearer tokens from (the token
    /// cache over the Okta client, or a personal access token), for code
    /// that needs a token itself, such as `lusid token`. `None` for a
    /// client made by [`from_api`](Self::from_api).
    pub fn token_provider(&self) -> Option<&Arc<dyn TokenProvider>> {
        self.tokens.as_ref()
    }

    /// The API client of `lusid-api` this client wraps, for code written
    /// against that crate.
    pub fn api(&self) -> &lusid_api::Client {
        &self.api
    }
}
