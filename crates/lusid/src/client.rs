//! [`Client`]: the LUSID client.

use std::sync::Arc;

use lusid_auth::{Config, Service, TokenProvider};

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
    /// Each service's base URL, in `Service::ALL` order, without a trailing
    /// slash (from `Config::service_url`; the base path alone for a client
    /// made by `from_api` until `with_service_url`).
    service_urls: Arc<[String; Service::COUNT]>,
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
    ///
    /// The other services' URLs are their base paths alone (`/drive`),
    /// which the stack would resolve against the LUSID URL: set them with
    /// [`with_service_url`](Self::with_service_url).
    pub fn from_api(api: lusid_api::Client) -> Self {
        Self {
            api,
            tokens: None,
            service_urls: Arc::new(Service::ALL.map(|service| service.base_path().to_owned())),
        }
    }

    pub(crate) fn new(
        api: lusid_api::Client,
        tokens: Arc<dyn TokenProvider>,
        config: &Config,
    ) -> Self {
        let service_urls = Service::ALL.map(|service| {
            config
                .service_url(service)
                .url()
                .to_string()
                .trim_end_matches('/')
                .to_owned()
        });
        Self {
            api,
            tokens: Some(tokens),
            service_urls: Arc::new(service_urls),
        }
    }

    /// The base URL of `service`'s requests, without a trailing slash: the
    /// configured one (`FBN_DRIVE_URL`, the secrets file's `driveUrl`, ...)
    /// or the LUSID URL's origin and the service's base path
    /// (`https://acme.lusid.com/drive`); see docs/services.md.
    pub fn service_url(&self, service: Service) -> &str {
        &self.service_urls[service as usize]
    }

    /// This client with `url` as `service`'s base URL (a trailing slash is
    /// ignored), for a client made by [`from_api`](Self::from_api) or a
    /// service served elsewhere (a test server).
    pub fn with_service_url(mut self, service: Service, url: impl Into<String>) -> Self {
        let url: String = url.into();
        Arc::make_mut(&mut self.service_urls)[service as usize] =
            url.trim_end_matches('/').to_owned();
        self
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
