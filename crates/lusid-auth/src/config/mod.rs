//! [`Config`]: where LUSID is and how to authenticate, read from a secrets
//! file ([`Config::from_secrets_file`]), `FBN_*` environment variables
//! ([`Config::from_env`], [`Config::from_env_vars`]) or explicit values
//! ([`Config::builder`]).
//!
//! [`ConfigBuilder::with_env`] and [`ConfigBuilder::with_secrets_file`]
//! combine sources, key by key: explicit values, then environment, then the
//! secrets file.
//!
//! Each source first produces a `Layer`: the raw settings it holds, each
//! remembering its source and field name (`layer.rs`). Layers merge key by
//! key, and `Layer::resolve` (`resolve.rs`) checks the result (required
//! fields, URLs, numbers, header values; `validate.rs`) and builds the
//! [`Config`], which keeps a [`Setting`] per value for display.

mod builder;
mod env;
mod layer;
mod resolve;
mod secrets_file;
mod settings;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http::Uri;
use secrecy::SecretString;

use crate::{AccessToken, ConfigError, Service, ServiceUrl};

pub use builder::ConfigBuilder;
pub use settings::Setting;

/// Everything needed to call LUSID: its base URL, the credentials to get a
/// bearer token, and optional request metadata.
///
/// `Debug` shows URLs, user name and client id but masks the password,
/// client secret and tokens as `[REDACTED]`.
#[derive(Clone, Debug)]
pub struct Config {
    lusid_url: Uri,
    application_name: Option<String>,
    credentials: Credentials,
    proxy: Option<ProxyConfig>,
    environment_proxy: Option<ProxyConfig>,
    no_proxy: Option<String>,
    client_certificate: Option<PathBuf>,
    total_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    rate_limit_retries: Option<u32>,
    correlation_id: Option<String>,
    settings: Vec<Setting>,
    /// Indexed by `Service as usize`.
    service_urls: Vec<ServiceUrl>,
}

impl Config {
    /// Reads a secrets file: the JSON the LUSID web app exports.
    ///
    /// ```json
    /// {
    ///   "api": {
    ///     "tokenUrl": "https://acme.identity.lusid.com/oauth2/aus…/v1/token",
    ///     "username": "jane@acme.com",
    ///     "password": "…",
    ///     "clientId": "0oa…",
    ///     "clientSecret": "…",
    ///     "lusidUrl": "https://acme.lusid.com/api",
    ///     "applicationName": "nightly-load"
    ///   }
    /// }
    /// ```
    ///
    /// `api.apiUrl` is accepted as the older name of `api.lusidUrl` (if
    /// both are present `lusidUrl` wins). `api.accessToken`, when present,
    /// selects a personal access token and makes the five password-flow
    /// fields optional. An optional top-level `proxy` object
    /// (`address`, `username`, `password`) is carried in
    /// [`proxy`](Self::proxy). Unknown keys are ignored; `null` and `""`
    /// count as absent. A leading UTF-8 byte-order mark is skipped.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ReadFile`], [`ConfigError::InvalidJson`] (with line
    /// and column), [`ConfigError::WrongType`], [`ConfigError::MissingFields`]
    /// (all missing fields at once, e.g. `api.clientSecret`) and
    /// [`ConfigError::InvalidUrl`], each naming the file.
    pub fn from_secrets_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        secrets_file::read(path.as_ref())?.resolve()
    }

    /// Reads the `FBN_*` environment variables of the current process:
    /// `FBN_LUSID_URL` (fallback `FBN_LUSID_API_URL`), `FBN_TOKEN_URL`,
    /// `FBN_USERNAME`, `FBN_PASSWORD`, `FBN_CLIENT_ID`, `FBN_CLIENT_SECRET`,
    /// `FBN_APP_NAME`, `FBN_ACCESS_TOKEN`, and `FBN_PROXY_ADDRESS`,
    /// `FBN_PROXY_USERNAME`, `FBN_PROXY_PASSWORD`. Empty variables count as
    /// unset.
    ///
    /// # Errors
    ///
    /// As [`from_env_vars`](Self::from_env_vars), plus
    /// [`ConfigError::NotUnicode`] when one of these variables is not valid
    /// Unicode.
    pub fn from_env() -> Result<Config, ConfigError> {
        env::check_unicode()?;
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env) but reads variables through
    /// `lookup` (name → value), so tests and embedders need no process-wide
    /// state: `Config::from_env_vars(|k| vars.get(k).cloned())`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingFields`] (naming the variables, e.g.
    /// `FBN_CLIENT_SECRET`) and [`ConfigError::InvalidUrl`], with
    /// [`ConfigSource::Environment`].
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        env::read(lookup).resolve()
    }

    /// A builder for explicit values, e.g. from command-line flags.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::new()
    }

    /// The LUSID API base URL as configured, e.g.
    /// `https://acme.lusid.com/api`. Always absolute `http` or `https`.
    pub fn lusid_url(&self) -> &Uri {
        &self.lusid_url
    }

    /// The application name to report to LUSID (sent by the HTTP stack as
    /// the `X-LUSID-Application` header), if configured.
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// How to obtain bearer tokens.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The HTTP proxy settings (`proxy.address`, `FBN_PROXY_ADDRESS`, …),
    /// if configured: parsed and validated here, applied by the HTTP stack.
    pub fn proxy(&self) -> Option<&ProxyConfig> {
        self.proxy.as_ref()
    }

    /// The proxy the environment names for `https` destinations
    /// (`HTTPS_PROXY`, `https_proxy`, `ALL_PROXY` or `all_proxy`, the first
    /// set; credentials in its URL become [`ProxyConfig::username`] and
    /// [`ProxyConfig::password`]), when the environment was read. The HTTP
    /// stack uses it only when no explicit [`proxy`](Self::proxy) is
    /// configured, and never for loopback destinations.
    pub fn environment_proxy(&self) -> Option<&ProxyConfig> {
        self.environment_proxy.as_ref()
    }

    /// Hosts that bypass the proxy (`NO_PROXY`/`no_proxy`, or the builder's
    /// `no_proxy`): comma-separated host names, domain suffixes, IP
    /// addresses or CIDR blocks, or `*`. Applies to the explicit and the
    /// environment proxy alike.
    pub fn no_proxy(&self) -> Option<&str> {
        self.no_proxy.as_deref()
    }

    /// The CA bundle to trust in addition to the platform's root
    /// certificates (`api.clientCertificate`, `FBN_CLIENT_CERTIFICATE`): a
    /// PEM file of one or more certificates, as the official SDKs read it
    /// (a TLS-inspecting corporate proxy's CA). Carried as given (trimmed);
    /// `lusid-http` reads it when it builds the transport and reports a
    /// missing or malformed file naming it.
    pub fn client_certificate(&self) -> Option<&Path> {
        self.client_certificate.as_deref()
    }

    /// How long a whole API call may take, retries included
    /// (`api.totalTimeoutMs`, `FBN_TOTAL_TIMEOUT_MS`), if configured.
    /// Whole milliseconds, at least 1.
    pub fn total_timeout(&self) -> Option<Duration> {
        self.total_timeout
    }

    /// How long opening a connection may take (`api.connectTimeoutMs`,
    /// `FBN_CONNECT_TIMEOUT_MS`), if configured.
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// How long one attempt may wait for its response, body included
    /// (`api.readTimeoutMs`, `FBN_READ_TIMEOUT_MS`), if configured.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    /// How many times a `429 Too Many Requests` is retried
    /// (`api.rateLimitRetries`, `FBN_RATE_LIMIT_RETRIES`), if configured.
    /// [`token_provider`](crate::token_provider) applies it to the token
    /// endpoint too.
    pub fn rate_limit_retries(&self) -> Option<u32> {
        self.rate_limit_retries
    }

    /// A correlation id to send with every request (`FBN_CORRELATION_ID`,
    /// `api.correlationId`), if configured. Checked to be a valid HTTP
    /// header value.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// The base URL of `service`: [`lusid_url`](Self::lusid_url) for
    /// [`Service::Lusid`]; for another service its configured URL
    /// (`FBN_DRIVE_URL` or the older `FBN_LUSID_DRIVE_API_URL`, secrets key
    /// `api.driveUrl` or the older `api.lusid_driveUrl`, the builder's
    /// [`service_url`](ConfigBuilder::service_url); see [`Service`] for each
    /// service's names), else the LUSID URL's origin with the service's
    /// base path (`https://acme.lusid.com/api` gives
    /// `https://acme.lusid.com/drive`), marked
    /// [`is_derived`](ServiceUrl::is_derived).
    pub fn service_url(&self, service: Service) -> &ServiceUrl {
        // Resolution fills one entry per service, in `Service::ALL` order.
        &self.service_urls[service as usize]
    }

    /// Every value that was set, in a fixed order, with where it came from
    /// and secrets masked: what `lusid config show` prints. Service URLs
    /// that were not configured are listed with
    /// [`ConfigSource::Derived`].
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }
}

/// How to obtain bearer tokens for LUSID.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A personal access token, used as-is and never refreshed.
    AccessToken(AccessToken),
    /// The OAuth2 resource-owner password grant against the customer's Okta
    /// token endpoint.
    Password(PasswordCredentials),
    /// A personal access token kept in a file (`FBN_ACCESS_TOKEN_FILE`),
    /// re-read whenever the file changes.
    AccessTokenFile(AccessTokenFile),
}

/// A personal access token kept in a file, e.g. one that another process
/// rotates. The file holds only the token; surrounding whitespace is
/// trimmed.
///
/// The configuration reads it once, so that an unreadable or empty file is
/// a [`ConfigError::ReadTokenFile`]; the
/// [`FileTokenProvider`](crate::FileTokenProvider) re-reads it whenever its
/// modification time or length changes.
#[derive(Clone, Debug)]
pub struct AccessTokenFile {
    path: PathBuf,
    token: AccessToken,
}

impl AccessTokenFile {
    /// The file's path, as configured.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The token the file held when the configuration was resolved.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }
}

/// The settings of the Okta password grant: the token endpoint, the LUSID
/// user and the Okta application (client) credentials.
///
/// `Debug` masks the password and the client secret.
#[derive(Clone)]
pub struct PasswordCredentials {
    token_url: Uri,
    username: String,
    password: SecretString,
    client_id: String,
    client_secret: SecretString,
}

impl PasswordCredentials {
    /// Assembles password-grant credentials. `token_url` is used as given;
    /// the configuration readers check it is an absolute `http(s)` URL.
    pub fn new(
        token_url: Uri,
        username: impl Into<String>,
        password: impl Into<SecretString>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        PasswordCredentials {
            token_url,
            username: username.into(),
            password: password.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The Okta token endpoint, e.g.
    /// `https://acme.identity.lusid.com/oauth2/aus…/v1/token`.
    pub fn token_url(&self) -> &Uri {
        &self.token_url
    }

    /// The LUSID user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The LUSID user's password.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// The Okta application's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The Okta application's client secret.
    pub fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }
}

impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("token_url", &self.token_url.to_string())
            .field("username", &self.username)
            .field("password", &Redacted)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted)
            .finish()
    }
}

/// HTTP proxy settings from the secrets file's `proxy` object or the
/// `FBN_PROXY_*` variables, for the HTTP stack.
///
/// `Debug` masks the password.
#[derive(Clone)]
pub struct ProxyConfig {
    address: Uri,
    username: Option<String>,
    password: Option<SecretString>,
}

impl ProxyConfig {
    /// The proxy URL, e.g. `http://proxy.acme.com:8080`.
    pub fn address(&self) -> &Uri {
        &self.address
    }

    /// The proxy user name, if any.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The proxy password, if any.
    pub fn password(&self) -> Option<&SecretString> {
        self.password.as_ref()
    }
}

impl ProxyConfig {
    /// An explicit proxy: `address` without credentials, and optional
    /// Basic credentials.
    pub fn new(address: Uri, username: Option<String>, password: Option<SecretString>) -> Self {
        ProxyConfig {
            address,
            username,
            password,
        }
    }

    /// Splits a proxy URL's user info (percent-decoded) from its address.
    pub(crate) fn from_url(url: Uri) -> Self {
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8_lossy()
                .into_owned()
        };
        let (username, password) = match crate::uri::user_info(&url) {
            Some((user, password)) => (
                Some(decode(user)).filter(|name| !name.is_empty()),
                password.map(|p| SecretString::from(decode(p))),
            ),
            None => (None, None),
        };
        ProxyConfig {
            address: crate::uri::without_user_info(&url),
            username,
            password,
        }
    }

    /// The address for display: credentials shown as `user:****@`.
    pub(crate) fn display(&self) -> String {
        let Some(user) = &self.username else {
            return self.address.to_string();
        };
        // Unreserved characters (RFC 3986) stay as they are.
        const USER_INFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let encoded: String = percent_encoding::utf8_percent_encode(user, USER_INFO).collect();
        let info = if self.password.is_some() {
            format!("{encoded}:****")
        } else {
            encoded
        };
        let host = self.address.authority().map_or("", |a| a.as_str());
        crate::uri::with_authority(&self.address, &format!("{info}@{host}"))
            .map_or_else(|| self.address.to_string(), |shown| shown.to_string())
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("address", &self.address.to_string())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| Redacted))
            .finish()
    }
}

/// Prints `[REDACTED]` in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Where a configuration value came from; named in every [`ConfigError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// A secrets file at this path (as given, not canonicalised).
    SecretsFile(PathBuf),
    /// `FBN_*` environment variables.
    Environment,
    /// Explicit values given to a [`ConfigBuilder`].
    Builder,
    /// Several sources merged, highest precedence first; used for errors
    /// about the whole configuration (such as missing settings).
    Combined(Vec<ConfigSource>),
    /// Not configured: derived from the LUSID URL (a service URL from the
    /// LUSID URL's origin and the service's base path).
    Derived,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::SecretsFile(path) => write!(f, "secrets file {}", path.display()),
            ConfigSource::Environment => f.write_str("environment"),
            ConfigSource::Builder => f.write_str("explicit configuration"),
            ConfigSource::Derived => f.write_str("derived from the LUSID URL"),
            ConfigSource::Combined(sources) => {
                f.write_str("configuration (")?;
                for (index, source) in sources.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", then ")?;
                    }
                    write!(f, "{source}")?;
                }
                f.write_str(")")
            }
        }
    }
}
