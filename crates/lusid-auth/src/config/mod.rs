//! [`Config`]: where LUSID is and how to authenticate, read from a secrets
//! file ([`Config::from_secrets_file`]), `FBN_*` environment variables
//! ([`Config::from_env`], [`Config::from_env_vars`]) or explicit values
//! ([`Config::builder`]).
//!
//! Each source first produces a [`Layer`]: the raw settings it holds, each
//! remembering its source and field name. [`Layer::resolve`] then checks
//! the layer (required fields, URLs) and builds the [`Config`]. Combining
//! sources with a precedence (explicit > environment > file, key by key) is
//! [`Layer::or`] followed by `resolve`.

mod builder;
mod env;
mod secrets_file;

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use url::Url;

use crate::{AccessToken, ConfigError};

pub use builder::ConfigBuilder;

/// Everything needed to call LUSID: its base URL, the credentials to get a
/// bearer token, and optional request metadata.
///
/// `Debug` shows URLs, user name and client id but masks the password,
/// client secret and tokens as `[REDACTED]`.
#[derive(Clone, Debug)]
pub struct Config {
    lusid_url: Url,
    application_name: Option<String>,
    credentials: Credentials,
    proxy: Option<ProxyConfig>,
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
    pub fn lusid_url(&self) -> &Url {
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

    /// The HTTP proxy settings, if configured. Parsed and validated, but not
    /// yet applied by this crate or the HTTP stack.
    pub fn proxy(&self) -> Option<&ProxyConfig> {
        self.proxy.as_ref()
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
}

/// The settings of the Okta password grant: the token endpoint, the LUSID
/// user and the Okta application (client) credentials.
///
/// `Debug` masks the password and the client secret.
#[derive(Clone)]
pub struct PasswordCredentials {
    token_url: Url,
    username: String,
    password: SecretString,
    client_id: String,
    client_secret: SecretString,
}

impl PasswordCredentials {
    /// Assembles password-grant credentials. `token_url` is used as given;
    /// the configuration readers check it is an absolute `http(s)` URL.
    pub fn new(
        token_url: Url,
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
    pub fn token_url(&self) -> &Url {
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
            .field("token_url", &self.token_url.as_str())
            .field("username", &self.username)
            .field("password", &Redacted)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted)
            .finish()
    }
}

/// HTTP proxy settings from the secrets file's `proxy` object or the
/// `FBN_PROXY_*` variables. Carried in [`Config`] but not yet applied.
///
/// `Debug` masks the password.
#[derive(Clone)]
pub struct ProxyConfig {
    address: Url,
    username: Option<String>,
    password: Option<SecretString>,
}

impl ProxyConfig {
    /// The proxy URL, e.g. `http://proxy.acme.com:8080`.
    pub fn address(&self) -> &Url {
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

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("address", &self.address.as_str())
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
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::SecretsFile(path) => write!(f, "secrets file {}", path.display()),
            ConfigSource::Environment => f.write_str("environment"),
            ConfigSource::Builder => f.write_str("explicit configuration"),
        }
    }
}

impl ConfigSource {
    /// How this source names a setting.
    fn field_name(&self, key: Key) -> &'static str {
        let names = match self {
            ConfigSource::SecretsFile(_) => &secrets_file::FIELD_NAMES,
            ConfigSource::Environment => &env::VARIABLE_NAMES,
            ConfigSource::Builder => &builder::FIELD_NAMES,
        };
        names[key as usize]
    }
}

/// One setting, in the order of the per-source name tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    LusidUrl,
    TokenUrl,
    Username,
    Password,
    ClientId,
    ClientSecret,
    ApplicationName,
    AccessToken,
    ProxyAddress,
    ProxyUsername,
    ProxyPassword,
}

impl Key {
    const COUNT: usize = 11;
    const PASSWORD_FLOW: [Key; 5] = [
        Key::TokenUrl,
        Key::Username,
        Key::Password,
        Key::ClientId,
        Key::ClientSecret,
    ];
}

/// A raw value with its provenance. Every value is held as a secret until
/// resolution decides which ones are not.
#[derive(Clone)]
struct Entry {
    value: SecretString,
    origin: ConfigSource,
    field: &'static str,
}

impl Entry {
    fn text(&self) -> String {
        secrecy::ExposeSecret::expose_secret(&self.value).to_owned()
    }
}

/// The settings one source provided, not yet checked.
#[derive(Clone)]
struct Layer {
    /// The source whose names are used for missing fields.
    origin: ConfigSource,
    entries: [Option<Entry>; Key::COUNT],
}

impl Layer {
    fn new(origin: ConfigSource) -> Self {
        Layer {
            origin,
            entries: Default::default(),
        }
    }

    /// Records `value` for `key` under the source's own name for it.
    /// Empty values count as absent.
    fn set(&mut self, key: Key, value: String) {
        let field = self.origin.field_name(key);
        self.set_named(key, field, value);
    }

    /// Records `value` for `key` under an explicit field name (for aliases
    /// such as `api.apiUrl`). Empty values count as absent.
    fn set_named(&mut self, key: Key, field: &'static str, value: String) {
        if value.is_empty() {
            return;
        }
        self.entries[key as usize] = Some(Entry {
            value: SecretString::from(value),
            origin: self.origin.clone(),
            field,
        });
    }

    fn has(&self, key: Key) -> bool {
        self.entries[key as usize].is_some()
    }

    fn get(&self, key: Key) -> Option<&Entry> {
        self.entries[key as usize].as_ref()
    }

    /// Key by key: this layer's value, else `fallback`'s. The seam for
    /// precedence merging (explicit > environment > file).
    #[cfg_attr(not(test), allow(dead_code))]
    fn or(mut self, fallback: Layer) -> Layer {
        for (mine, theirs) in self.entries.iter_mut().zip(fallback.entries) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        self
    }

    /// Checks required fields and URLs and builds the [`Config`].
    fn resolve(self) -> Result<Config, ConfigError> {
        let use_pat = self.has(Key::AccessToken);
        let mut missing: Vec<Key> = Vec::new();
        if !self.has(Key::LusidUrl) {
            missing.push(Key::LusidUrl);
        }
        if !use_pat {
            missing.extend(Key::PASSWORD_FLOW.iter().filter(|key| !self.has(**key)));
        }
        let proxy_wanted = self.has(Key::ProxyUsername) || self.has(Key::ProxyPassword);
        if proxy_wanted && !self.has(Key::ProxyAddress) {
            missing.push(Key::ProxyAddress);
        }
        if !missing.is_empty() {
            let pat_field = missing
                .iter()
                .any(|key| Key::PASSWORD_FLOW.contains(key))
                .then(|| self.origin.field_name(Key::AccessToken).to_owned());
            return Err(ConfigError::MissingFields {
                fields: missing
                    .iter()
                    .map(|key| self.origin.field_name(*key).to_owned())
                    .collect(),
                origin: self.origin,
                pat_field,
            });
        }

        let lusid_url = self.required_url(Key::LusidUrl)?;
        let credentials = if let Some(token) = self.get(Key::AccessToken) {
            if Key::PASSWORD_FLOW.iter().any(|key| self.has(*key)) {
                tracing::debug!(
                    "an access token is configured; ignoring the password-flow settings"
                );
            }
            Credentials::AccessToken(AccessToken::from(token.value.clone()))
        } else {
            Credentials::Password(PasswordCredentials {
                token_url: self.required_url(Key::TokenUrl)?,
                username: self.required_text(Key::Username),
                password: self.required_secret(Key::Password),
                client_id: self.required_text(Key::ClientId),
                client_secret: self.required_secret(Key::ClientSecret),
            })
        };
        let proxy = match self.get(Key::ProxyAddress) {
            Some(address) => Some(ProxyConfig {
                address: parse_http_url(address)?,
                username: self.get(Key::ProxyUsername).map(Entry::text),
                password: self.get(Key::ProxyPassword).map(|e| e.value.clone()),
            }),
            None => None,
        };
        Ok(Config {
            lusid_url,
            application_name: self.get(Key::ApplicationName).map(Entry::text),
            credentials,
            proxy,
        })
    }

    // The `required_*` helpers run after the missing-field check, so the
    // empty fallbacks below are unreachable in practice.

    fn required_url(&self, key: Key) -> Result<Url, ConfigError> {
        match self.get(key) {
            Some(entry) => parse_http_url(entry),
            None => Err(ConfigError::MissingFields {
                origin: self.origin.clone(),
                fields: vec![self.origin.field_name(key).to_owned()],
                pat_field: None,
            }),
        }
    }

    fn required_text(&self, key: Key) -> String {
        self.get(key).map(Entry::text).unwrap_or_default()
    }

    fn required_secret(&self, key: Key) -> SecretString {
        self.get(key)
            .map(|entry| entry.value.clone())
            .unwrap_or_else(|| SecretString::from(String::new()))
    }
}

/// Parses an absolute `http`/`https` URL without user info. The error never
/// quotes the value.
fn parse_http_url(entry: &Entry) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidUrl {
        origin: entry.origin.clone(),
        field: entry.field.to_owned(),
        reason,
    };
    let text = secrecy::ExposeSecret::expose_secret(&entry.value);
    let url = Url::parse(text.trim()).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not contain a user name or password".to_owned(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host".to_owned()));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(origin: ConfigSource, values: &[(Key, &str)]) -> Layer {
        let mut layer = Layer::new(origin);
        for (key, value) in values {
            layer.set(*key, (*value).to_owned());
        }
        layer
    }

    #[test]
    fn or_merges_key_by_key_with_the_first_layer_winning() {
        let explicit = layer(
            ConfigSource::Builder,
            &[(Key::LusidUrl, "https://explicit.lusid.com/api")],
        );
        let env = layer(
            ConfigSource::Environment,
            &[
                (Key::LusidUrl, "https://env.lusid.com/api"),
                (Key::AccessToken, "pat"),
            ],
        );
        let config = explicit.or(env).resolve().expect("merged config");
        assert_eq!(
            config.lusid_url().as_str(),
            "https://explicit.lusid.com/api"
        );
        assert!(
            matches!(config.credentials(), Credentials::AccessToken(t) if t.expose_secret() == "pat")
        );
    }

    #[test]
    fn url_errors_name_the_origin_of_the_value() {
        let explicit = layer(ConfigSource::Builder, &[(Key::AccessToken, "pat")]);
        let env = layer(
            ConfigSource::Environment,
            &[(Key::LusidUrl, "lusid.com/api")],
        );
        let error = explicit.or(env).resolve().expect_err("relative URL");
        match error {
            ConfigError::InvalidUrl { origin, field, .. } => {
                assert_eq!(origin, ConfigSource::Environment);
                assert_eq!(field, "FBN_LUSID_URL");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn urls_must_be_absolute_http_without_credentials() {
        for (value, reason) in [
            ("api/lusid", "relative URL"),
            ("ftp://lusid.com/api", "http or https"),
            ("https://user:pw@lusid.com/api", "user name or password"),
            ("localhost:8080/api", "http or https"),
        ] {
            let error = layer(
                ConfigSource::Builder,
                &[(Key::LusidUrl, value), (Key::AccessToken, "pat")],
            )
            .resolve()
            .expect_err(value);
            let text = error.to_string();
            assert!(text.contains(reason), "{value}: {text}");
            assert!(text.contains("`lusid_url`"), "{text}");
            assert!(!text.contains("pw@"), "{text}");
        }
    }
}
