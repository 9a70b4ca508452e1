//! The secrets file exported by the LUSID web app.

use std::path::Path;

use serde_json::{Map, Value};

use super::ConfigSource;
use super::layer::{Key, Layer};
use crate::ConfigError;

/// Field names in the file, indexed by [`Key`].
pub(super) const FIELD_NAMES: [&str; Key::COUNT] = [
    "api.lusidUrl",
    "api.tokenUrl",
    "api.username",
    "api.password",
    "api.clientId",
    "api.clientSecret",
    "api.applicationName",
    "api.accessToken",
    "api.accessTokenFile",
    "api.clientCertificate",
    "api.totalTimeoutMs",
    "api.connectTimeoutMs",
    "api.readTimeoutMs",
    "api.rateLimitRetries",
    "api.correlationId",
    "proxy.address",
    "proxy.username",
    "proxy.password",
    // Read from the environment only; their canonical names are the
    // variables'.
    "NO_PROXY",
    "HTTPS_PROXY",
    "api.accessUrl",
    "api.horizonUrl",
    "api.identityUrl",
    "api.insightsUrl",
    "api.luminesceUrl",
    "api.configurationUrl",
    "api.driveUrl",
    "api.notificationsUrl",
    "api.schedulerUrl",
    "api.workflowUrl",
];

/// `api` string keys other than the services' URLs, which have older names.
const API_KEYS: [(&str, Key); 10] = [
    ("tokenUrl", Key::TokenUrl),
    ("username", Key::Username),
    ("password", Key::Password),
    ("clientId", Key::ClientId),
    ("clientSecret", Key::ClientSecret),
    ("applicationName", Key::ApplicationName),
    ("accessToken", Key::AccessToken),
    ("accessTokenFile", Key::AccessTokenFile),
    ("clientCertificate", Key::ClientCertificate),
    ("correlationId", Key::CorrelationId),
];

/// `api` keys holding whole numbers (a JSON integer, or a string of digits).
const API_NUMBER_KEYS: [(&str, Key); 4] = [
    ("totalTimeoutMs", Key::TotalTimeoutMs),
    ("connectTimeoutMs", Key::ConnectTimeoutMs),
    ("readTimeoutMs", Key::ReadTimeoutMs),
    ("rateLimitRetries", Key::RateLimitRetries),
];

const PROXY_KEYS: [(&str, Key); 3] = [
    ("address", Key::ProxyAddress),
    ("username", Key::ProxyUsername),
    ("password", Key::ProxyPassword),
];

/// Reads and parses the file at `path`.
pub(super) fn read(path: &Path) -> Result<Layer, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &bytes)
}

/// Parses file contents; `path` is only used to name the file in errors.
fn parse(path: &Path, bytes: &[u8]) -> Result<Layer, ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Parse to a `Value` first: serde_json's syntax errors never quote the
    // input, while typed deserialisation errors could quote a secret.
    let root: Value = serde_json::from_slice(bytes).map_err(|source| ConfigError::InvalidJson {
        path: path.to_owned(),
        line: source.line(),
        column: source.column(),
        source,
    })?;
    let origin = ConfigSource::SecretsFile(path.to_owned());
    let mut layer = Layer::new(origin.clone());
    let root = object(&origin, "(top level)", &root)?
        .ok_or_else(|| wrong_type(&origin, "(top level)", "an object", &Value::Null))?;

    if let Some(api) = root.get("api") {
        if let Some(api) = object(&origin, "api", api)? {
            // A service's URL key (`lusidUrl`, `driveUrl`) wins over its older
            // name (`apiUrl`, `lusid_driveUrl`); both are type-checked.
            for (service, key) in Key::SERVICE_URLS {
                if let (Some(field), Some(older)) =
                    (service.older_secrets_field(), service.older_secrets_key())
                {
                    if let Some(url) = string(&origin, field, api.get(older))? {
                        layer.set_named(key, field, url);
                    }
                }
                let field = FIELD_NAMES[key as usize];
                if let Some(url) = string(&origin, field, api.get(service.secrets_key()))? {
                    layer.set(key, url);
                }
            }
            for (name, key) in API_KEYS {
                let field = FIELD_NAMES[key as usize];
                if let Some(value) = string(&origin, field, api.get(name))? {
                    layer.set(key, value);
                }
            }
            for (name, key) in API_NUMBER_KEYS {
                let field = FIELD_NAMES[key as usize];
                if let Some(value) = whole_number(&origin, field, api.get(name))? {
                    layer.set(key, value);
                }
            }
        }
    }
    if let Some(proxy) = root.get("proxy") {
        if let Some(proxy) = object(&origin, "proxy", proxy)? {
            for (name, key) in PROXY_KEYS {
                let field = FIELD_NAMES[key as usize];
                if let Some(value) = string(&origin, field, proxy.get(name))? {
                    layer.set(key, value);
                }
            }
        }
    }
    Ok(layer)
}

/// An object, or `None` for `null`.
fn object<'a>(
    origin: &ConfigSource,
    field: &str,
    value: &'a Value,
) -> Result<Option<&'a Map<String, Value>>, ConfigError> {
    match value {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(None),
        other => Err(wrong_type(origin, field, "an object", other)),
    }
}

/// A string, or `None` when absent or `null`.
fn string(
    origin: &ConfigSource,
    field: &str,
    value: Option<&Value>,
) -> Result<Option<String>, ConfigError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(wrong_type(origin, field, "a string", other)),
    }
}

/// A whole number as text, or `None` when absent or `null`. A JSON integer
/// or a string (checked when the configuration is resolved); a fraction or
/// a negative number is [`ConfigError::InvalidNumber`].
fn whole_number(
    origin: &ConfigSource,
    field: &str,
    value: Option<&Value>,
) -> Result<Option<String>, ConfigError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => match number.as_u64() {
            Some(whole) => Ok(Some(whole.to_string())),
            None => Err(ConfigError::InvalidNumber {
                origin: origin.clone(),
                field: field.to_owned(),
                reason: if number.is_f64() {
                    "it is a number that is not an integer".to_owned()
                } else {
                    "it must not be negative".to_owned()
                },
            }),
        },
        Some(other) => Err(wrong_type(origin, field, "an integer", other)),
    }
}

fn wrong_type(
    origin: &ConfigSource,
    field: &str,
    expected: &'static str,
    found: &Value,
) -> ConfigError {
    ConfigError::WrongType {
        origin: origin.clone(),
        field: field.to_owned(),
        expected,
        found: match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        },
    }
}
