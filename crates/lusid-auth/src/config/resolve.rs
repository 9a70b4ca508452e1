//! [`Layer::resolve`]: checks a (possibly merged) layer and builds the
//! [`Config`].

use http::Uri;
use secrecy::SecretString;

use super::layer::{Entry, Key, Layer};
use super::settings::Setting;
use super::{
    AccessTokenFile, Config, ConfigSource, Credentials, PasswordCredentials, ProxyConfig, validate,
};
use crate::{AccessToken, ConfigError, Service, ServiceUrl};

impl Layer {
    /// Which personal-access-token setting wins, if any: the one from the
    /// higher-precedence source; from the same source, `accessToken`.
    fn pat_key(&self) -> Option<Key> {
        match (self.get(Key::AccessToken), self.get(Key::AccessTokenFile)) {
            (Some(token), Some(file)) if file.origin.rank() < token.origin.rank() => {
                Some(Key::AccessTokenFile)
            }
            (Some(_), _) => Some(Key::AccessToken),
            (None, Some(_)) => Some(Key::AccessTokenFile),
            (None, None) => None,
        }
    }

    /// Checks required fields and values and builds the [`Config`].
    pub(crate) fn resolve(self) -> Result<Config, ConfigError> {
        let pat_key = self.pat_key();
        let mut missing: Vec<Key> = Vec::new();
        if !self.has(Key::LusidUrl) {
            missing.push(Key::LusidUrl);
        }
        if pat_key.is_none() {
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
                .then(|| self.field_names(Key::AccessToken));
            return Err(ConfigError::MissingFields {
                fields: missing.iter().map(|key| self.field_names(*key)).collect(),
                origin: self.origin(),
                pat_field,
            });
        }

        let lusid_url = validate::base_url(self.required(Key::LusidUrl)?)?;
        let service_urls = self.service_urls(&lusid_url)?;
        let (credentials, token_url) = match pat_key {
            Some(Key::AccessTokenFile) => {
                let entry = self.required(Key::AccessTokenFile)?;
                let path = entry.path();
                let token = crate::file_token::read_token(&path).map_err(|source| {
                    ConfigError::ReadTokenFile {
                        origin: entry.origin.clone(),
                        field: entry.field.to_owned(),
                        path: path.clone(),
                        source,
                    }
                })?;
                (
                    Credentials::AccessTokenFile(AccessTokenFile { path, token }),
                    None,
                )
            }
            Some(_) => {
                let entry = self.required(Key::AccessToken)?;
                (
                    Credentials::AccessToken(AccessToken::from(entry.value.clone())),
                    None,
                )
            }
            None => {
                let token_url = validate::token_url(self.required(Key::TokenUrl)?)?;
                let credentials = PasswordCredentials {
                    token_url: token_url.clone(),
                    username: self.text(Key::Username),
                    password: self.secret(Key::Password),
                    client_id: self.text(Key::ClientId),
                    client_secret: self.secret(Key::ClientSecret),
                };
                (Credentials::Password(credentials), Some(token_url))
            }
        };
        if pat_key.is_some() && Key::PASSWORD_FLOW.iter().any(|key| self.has(*key)) {
            tracing::debug!(
                "a personal access token is configured; ignoring the password-flow settings"
            );
        }
        let proxy = match self.get(Key::ProxyAddress) {
            Some(address) => Some(ProxyConfig {
                address: validate::http_url(address)?,
                username: self.get(Key::ProxyUsername).map(Entry::text),
                password: self.get(Key::ProxyPassword).map(|e| e.value.clone()),
            }),
            None => None,
        };
        let environment_proxy = self
            .get(Key::EnvironmentProxy)
            .map(|entry| validate::environment_proxy_url(entry).map(ProxyConfig::from_url))
            .transpose()?;
        let timeout = |key| self.get(key).map(validate::timeout_ms).transpose();
        let header = |key| self.get(key).map(validate::header_value).transpose();
        let config = Config {
            application_name: header(Key::ApplicationName)?,
            correlation_id: header(Key::CorrelationId)?,
            client_certificate: self.get(Key::ClientCertificate).map(Entry::path),
            total_timeout: timeout(Key::TotalTimeoutMs)?,
            connect_timeout: timeout(Key::ConnectTimeoutMs)?,
            read_timeout: timeout(Key::ReadTimeoutMs)?,
            rate_limit_retries: self
                .get(Key::RateLimitRetries)
                .map(validate::retries)
                .transpose()?,
            settings: self.settings(
                pat_key,
                token_url.as_ref().map(ToString::to_string).as_deref(),
                &service_urls,
            ),
            service_urls,
            lusid_url,
            credentials,
            proxy,
            environment_proxy,
            no_proxy: self.get(Key::NoProxy).map(Entry::text),
        };
        Ok(config)
    }

    /// Every service's URL, in [`Service::ALL`] order: as configured
    /// (checked as the LUSID URL is), or derived from the LUSID URL.
    fn service_urls(&self, lusid_url: &Uri) -> Result<Vec<ServiceUrl>, ConfigError> {
        Key::SERVICE_URLS
            .iter()
            .map(|(service, key)| match (service, self.get(*key)) {
                (Service::Lusid, _) => Ok(ServiceUrl::configured(lusid_url.clone())),
                (_, Some(entry)) => validate::base_url(entry).map(ServiceUrl::configured),
                (service, None) => ServiceUrl::derived(lusid_url, *service).ok_or_else(|| {
                    ConfigError::InvalidUrl {
                        origin: ConfigSource::Derived,
                        field: key.canonical_name().to_owned(),
                        reason: format!(
                            "it cannot be derived from the LUSID URL and {}",
                            service.base_path()
                        ),
                    }
                }),
            })
            .collect()
    }

    /// Every value present, with its provenance, for display; a service
    /// URL that was not configured is shown as derived.
    fn settings(
        &self,
        pat_key: Option<Key>,
        token_url: Option<&str>,
        service_urls: &[ServiceUrl],
    ) -> Vec<Setting> {
        let lusid_field = self.get(Key::LusidUrl).map_or("", |entry| entry.field);
        Key::ALL
            .iter()
            .filter_map(|key| {
                let Some(entry) = self.get(*key) else {
                    let (service, _) = Key::SERVICE_URLS.iter().find(|(_, k)| k == key)?;
                    let url = service_urls.get(*service as usize)?;
                    return Some(Setting {
                        name: key.canonical_name(),
                        value: Some(url.url().to_string()),
                        secret: false,
                        origin: ConfigSource::Derived,
                        field: lusid_field,
                        used: true,
                    });
                };
                let used = match key {
                    Key::AccessToken | Key::AccessTokenFile => pat_key == Some(*key),
                    key if Key::PASSWORD_FLOW.contains(key) => pat_key.is_none(),
                    _ => true,
                };
                let value = if key.is_secret() {
                    None
                } else if *key == Key::EnvironmentProxy {
                    Some(validate::environment_proxy_url(entry).map_or_else(
                        |_| "(invalid)".to_owned(),
                        |url| ProxyConfig::from_url(url).display(),
                    ))
                } else if *key == Key::TokenUrl {
                    token_url.map(str::to_owned).or_else(|| Some(entry.text()))
                } else {
                    Some(entry.text())
                };
                Some(Setting {
                    name: key.canonical_name(),
                    value,
                    secret: key.is_secret(),
                    origin: entry.origin.clone(),
                    field: entry.field,
                    used,
                })
            })
            .collect()
    }

    /// A value the missing-field check has already required.
    fn required(&self, key: Key) -> Result<&Entry, ConfigError> {
        self.get(key).ok_or_else(|| ConfigError::MissingFields {
            origin: self.origin(),
            fields: vec![self.field_names(key)],
            pat_field: None,
        })
    }

    fn text(&self, key: Key) -> String {
        self.get(key).map(Entry::text).unwrap_or_default()
    }

    fn secret(&self, key: Key) -> SecretString {
        self.get(key)
            .map(|entry| entry.value.clone())
            .unwrap_or_else(|| SecretString::from(String::new()))
    }
}
