//! [`ConfigBuilder`]: a [`Config`] from explicit values.

use super::{Config, ConfigSource, Key, Layer};
use crate::ConfigError;

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
    "proxy_address",
    "proxy_username",
    "proxy_password",
];

/// Builds a [`Config`] from explicit values, e.g. command-line flags.
///
/// The same rules as for a secrets file apply: `lusid_url` is required;
/// then either `access_token` or all of `token_url`, `username`,
/// `password`, `client_id`, `client_secret`. Empty strings count as unset;
/// setting a value twice keeps the last one.
///
/// ```
/// let config = lusid_auth::Config::builder()
///     .lusid_url("https://acme.lusid.com/api")
///     .access_token("my-personal-access-token")
///     .application_name("nightly-load")
///     .build()?;
/// assert_eq!(config.lusid_url().as_str(), "https://acme.lusid.com/api");
/// # Ok::<(), lusid_auth::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ConfigBuilder {
    layer: Layer,
}

impl std::fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: Vec<&str> = FIELD_NAMES
            .iter()
            .zip(&self.layer.entries)
            .filter(|(_, entry)| entry.is_some())
            .map(|(name, _)| *name)
            .collect();
        f.debug_struct("ConfigBuilder").field("set", &set).finish()
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

impl ConfigBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        ConfigBuilder {
            layer: Layer::new(ConfigSource::Builder),
        }
    }

    setters! {
        /// The LUSID API base URL, e.g. `https://acme.lusid.com/api`. Required.
        lusid_url => LusidUrl;
        /// The Okta token endpoint (password flow).
        token_url => TokenUrl;
        /// The LUSID user name (password flow).
        username => Username;
        /// The LUSID user's password (password flow).
        password => Password;
        /// The Okta client id (password flow).
        client_id => ClientId;
        /// The Okta client secret (password flow).
        client_secret => ClientSecret;
        /// The application name reported to LUSID. Optional.
        application_name => ApplicationName;
        /// A personal access token; when set, the password-flow values are
        /// not needed and are ignored.
        access_token => AccessToken;
        /// The HTTP proxy URL. Optional; carried but not yet applied.
        proxy_address => ProxyAddress;
        /// The HTTP proxy user name. Optional.
        proxy_username => ProxyUsername;
        /// The HTTP proxy password. Optional.
        proxy_password => ProxyPassword;
    }

    /// Checks the values and builds the [`Config`].
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingFields`] (all missing values, by setter name)
    /// and [`ConfigError::InvalidUrl`], with [`ConfigSource::Builder`].
    pub fn build(self) -> Result<Config, ConfigError> {
        self.layer.resolve()
    }
}
