use crate::ClientBuilder;

/// A LUSID client: the generated endpoint methods of [`lusid_api::Client`]
/// (reached through `Deref`, such as `client.instruments()`) over a stack
/// built from your configuration.
///
/// Cloning is cheap and clones share the connection pool and token cache.
#[derive(Clone, Debug)]
pub struct Client {
    api: lusid_api::Client,
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

    /// Wraps an API client built some other way (for example over a mock
    /// service in tests).
    pub fn from_api(api: lusid_api::Client) -> Self {
        Self { api }
    }

    /// The generated API client.
    pub fn api(&self) -> &lusid_api::Client {
        &self.api
    }

    /// Gives up the wrapper, keeping the generated API client.
    pub fn into_api(self) -> lusid_api::Client {
        self.api
    }
}

impl std::ops::Deref for Client {
    type Target = lusid_api::Client;

    fn deref(&self) -> &Self::Target {
        &self.api
    }
}
