//! [`ConfigBuilder`]: a [`Config`] from explicit values, optionally merged
//! with the environment and a secrets file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::layer::{Key, Layer};
use super::{Config, ConfigSource, env, secrets_file};
use crate::{ConfigError, Service};

/// Field names in errors, indexed by [`Key`]: the setter names.
pub(super) const FIELD_NAMES: [&str; Key::COUNT] = [
    "lusid_url",
    "token_url",
    "username",
    "password",
    "client_id",
    "client_secret",
    "application_name",
    "access_token",
    "access_token_file",
    "client_certificate",
    "total_timeout",
    "connect_timeout",
    "read_timeout",
    "rate_limit_retries",
    "correlation_id",
    "proxy_address",
    "proxy_username",
    "proxy_password",
    "no_proxy",
    "environment_proxy",
    "service_url(Access)",
    "service_url(Horizon)",
    "service_url(Identity)",
    "service_url(Insights)",
    "service_url(Luminesce)",
    "service_url(Configuration)",
    "service_url(Drive)",
    "service_url(Notifications)",
    "service_url(Scheduler)",
    "service_url(Workflow)",
];

/// A variable lookup: name → value.
type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where environment variables are read from.
#[derive(Clone)]
enum EnvSource {
    /// The current process ([`std::env::var`]).
    Process,
    /// A lookup function (tests, embedders).
    Lookup(Lookup),
}

/// Builds a [`Config`] from explicit values, e.g. command-line flags, and
/// optionally from the environment and a secrets file.
///
/// The same rules as for a secrets file apply: `lusid_url` is required;
/// then either a personal access token (`access_token` or
/// `access_token_file`) or all of `token_url`, `username`, `password`,
/// `client_id`, `client_secret`. Empty strings count as unset; setting a
/// value twice keeps the last one.
///
/// ```
/// let config = lusid_auth::Config::builder()
///     .lusid_url("https://acme.lusid.com/api")
///     .access_token("my-personal-access-token")
///     .application_name("nightly-load")
///     .build()?;
/// assert_eq!(config.lusid_url(), "https://acme.lusid.com/api");
/// # Ok::<(), lusid_auth::ConfigError>(())
/// ```
///
/// # Combining sources
///
/// [`with_env`](Self::with_env) (or [`with_env_vars`](Self::with_env_vars))
/// and [`with_secrets_file`](Self::with_secrets_file) add the `FBN_*`
/// variables and a secrets file. [`build`](Self::build) then merges **key by
/// key**: an explicit value wins over a variable, which wins over the file.
/// A personal access token from any source selects the token flow.
///
/// ```no_run
/// let config = lusid_auth::Config::builder()
///     .with_env()
///     .with_secrets_file("secrets.json")
///     .build()?;
/// for setting in config.settings() {
///     println!("{} = {} ({})", setting.name(), setting.display_value(), setting.source_description());
/// }
/// # Ok::<(), lusid_auth::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ConfigBuilder {
    layer: Layer,
    env: Option<EnvSource>,
    secrets_file: Option<PathBuf>,
}

impl std::fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<&str> = FIELD_NAMES
            .iter()
            .zip(&self.layer.entries)
            .filter(|(_, entry)| entry.is_some())
            .map(|(name, _)| *name)
            .collect();
        f.debug_struct("ConfigBuilder")
            .field("set", &set)
            .field("env", &self.env.is_some())
            .field("secrets_file", &self.secrets_file)
            .finish()
    }
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident => $key:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.layer.set(Key::$key, value.into());
                self
            }
        )*
    };
}

/// Whole milliseconds, rounding a non-zero sub-millisecond duration up to 1.
fn millis(duration: Duration) -> String {
    let ms = duration.as_millis();
    let ms = if ms == 0 && !duration.is_zero() {
        1
    } else {
        ms
    };
    ms.to_string()
}

impl ConfigBuilder {
    /// An empty builder that reads no other source.
    pub fn new() -> Self {
        ConfigBuilder {
            layer: Layer::new(ConfigSource::Builder),
            env: None,
            secrets_file: None,
        }
    }

    setters! {
        /// The LUSID API base URL, e.g. `https://acme.lusid.com/api`. Required.
        lusid_url => LusidUrl;
        /// The Okta token endpoint (password flow). Must be `https`, except
        /// for loopback hosts; an issuer URL (`…/oauth2/<id>`) gets
        /// `/v1/token` appended.
        token_url => TokenUrl;
        /// The LUSID user name (password flow).
        username => Username;
        /// The LUSID user's password (password flow).
        password => Password;
        /// The Okta client id (password flow).
        client_id => ClientId;
        /// The Okta client secret (password flow).
        client_secret => ClientSecret;
        /// The application name reported to LUSID (`X-LUSID-Application`).
        /// Optional; must be a valid HTTP header value.
        application_name => ApplicationName;
        /// A personal access token; when set, the password-flow values are
        /// not needed and are ignored.
        access_token => AccessToken;
        /// A correlation id sent with every request. Optional; must be a
        /// valid HTTP header value.
        correlation_id => CorrelationId;
        /// The HTTP proxy URL. Optional.
        proxy_address => ProxyAddress;
        /// The HTTP proxy user name. Optional.
        proxy_username => ProxyUsername;
        /// The HTTP proxy password. Optional.
        proxy_password => ProxyPassword;
        /// Hosts that connect directly instead of through the proxy, as
        /// `NO_PROXY` lists them: comma-separated host names, domain
        /// suffixes (`.acme.com`), IP addresses or CIDR blocks, or `*`.
        /// Optional.
        no_proxy => NoProxy;
    }

    /// The base URL of one FINBOURNE service, e.g.
    /// `service_url(Service::Drive, "https://acme.lusid.com/drive")`.
    /// Optional: a service without one is derived from the LUSID URL's
    /// origin and the service's base path. `Service::Lusid` sets the
    /// [`lusid_url`](Self::lusid_url).
    pub fn service_url(mut self, service: Service, url: impl Into<String>) -> Self {
        self.layer.set(Key::service_url(service), url.into());
        self
    }

    /// A file holding a personal access token (trimmed; re-read when it
    /// changes). Like [`access_token`](Self::access_token), it replaces the
    /// password flow.
    pub fn access_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.layer
            .set(Key::AccessTokenFile, path.to_string_lossy().into_owned());
        self
    }

    /// The path of a client certificate, carried for the HTTP stack.
    pub fn client_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.layer
            .set(Key::ClientCertificate, path.to_string_lossy().into_owned());
        self
    }

    /// How long a whole API call may take, retries included (whole
    /// milliseconds; zero is rejected by [`build`](Self::build)).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.layer.set(Key::TotalTimeoutMs, millis(timeout));
        self
    }

    /// How long opening a connection may take (whole milliseconds).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.layer.set(Key::ConnectTimeoutMs, millis(timeout));
        self
    }

    /// How long one attempt may wait for its response (whole milliseconds).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.layer.set(Key::ReadTimeoutMs, millis(timeout));
        self
    }

    /// How many times a `429 Too Many Requests` is retried (at most 1000).
    pub fn rate_limit_retries(mut self, retries: u32) -> Self {
        self.layer.set(Key::RateLimitRetries, retries.to_string());
        self
    }

    /// Also reads the `FBN_*` variables of the current process when
    /// [`build`](Self::build) runs; they fill in whatever was not set
    /// explicitly.
    pub fn with_env(mut self) -> Self {
        self.env = Some(EnvSource::Process);
        self
    }

    /// Like [`with_env`](Self::with_env), but reads variables through
    /// `lookup` (name → value) instead of the process environment.
    pub fn with_env_vars(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(EnvSource::Lookup(Arc::new(lookup)));
        self
    }

    /// Also reads this secrets file when [`build`](Self::build) runs; it
    /// fills in whatever neither explicit values nor the environment set.
    pub fn with_secrets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.secrets_file = Some(path.into());
        self
    }

    /// Reads the requested sources, merges them key by key (explicit >
    /// environment > secrets file), checks the values and builds the
    /// [`Config`].
    ///
    /// # Errors
    ///
    /// Every [`ConfigError`] a source can produce, naming the source and the
    /// field: [`ConfigError::ReadFile`], [`ConfigError::InvalidJson`],
    /// [`ConfigError::WrongType`], [`ConfigError::NotUnicode`],
    /// [`ConfigError::MissingFields`] (with [`ConfigSource::Combined`] when
    /// several sources were read), [`ConfigError::InvalidUrl`],
    /// [`ConfigError::InvalidNumber`], [`ConfigError::InvalidHeaderValue`],
    /// [`ConfigError::ReadTokenFile`].
    pub fn build(self) -> Result<Config, ConfigError> {
        let explicit = self.layer;
        let mut layers: Vec<Layer> = Vec::new();
        if !explicit.is_empty() || (self.env.is_none() && self.secrets_file.is_none()) {
            layers.push(explicit);
        }
        match self.env {
            Some(EnvSource::Process) => {
                env::check_unicode()?;
                layers.push(env::read(|name| std::env::var(name).ok()));
            }
            Some(EnvSource::Lookup(lookup)) => layers.push(env::read(|name| lookup(name))),
            None => {}
        }
        if let Some(path) = &self.secrets_file {
            layers.push(secrets_file::read(path)?);
        }
        // Sources that set nothing are left out, so that errors name only
        // the spellings of sources that are in use (unless none is).
        if layers.iter().any(|layer| !layer.is_empty()) {
            layers.retain(|layer| !layer.is_empty());
        }
        let mut layers = layers.into_iter();
        let first = layers
            .next()
            .unwrap_or_else(|| Layer::new(ConfigSource::Builder));
        layers.fold(first, Layer::or).resolve()
    }
}
