//! The `FBN_*` environment variables.

use super::ConfigSource;
use super::layer::{Key, Layer};
use crate::{ConfigError, Service};

/// Variable names, indexed by [`Key`].
pub(super) const VARIABLE_NAMES: [&str; Key::COUNT] = [
    "FBN_LUSID_URL",
    "FBN_TOKEN_URL",
    "FBN_USERNAME",
    "FBN_PASSWORD",
    "FBN_CLIENT_ID",
    "FBN_CLIENT_SECRET",
    "FBN_APP_NAME",
    "FBN_ACCESS_TOKEN",
    "FBN_ACCESS_TOKEN_FILE",
    "FBN_CLIENT_CERTIFICATE",
    "FBN_TOTAL_TIMEOUT_MS",
    "FBN_CONNECT_TIMEOUT_MS",
    "FBN_READ_TIMEOUT_MS",
    "FBN_RATE_LIMIT_RETRIES",
    "FBN_CORRELATION_ID",
    "FBN_PROXY_ADDRESS",
    "FBN_PROXY_USERNAME",
    "FBN_PROXY_PASSWORD",
    "NO_PROXY",
    "HTTPS_PROXY",
    "FBN_ACCESS_URL",
    "FBN_HORIZON_URL",
    "FBN_IDENTITY_URL",
    "FBN_INSIGHTS_URL",
    "FBN_LUMINESCE_URL",
    "FBN_CONFIGURATION_URL",
    "FBN_DRIVE_URL",
    "FBN_NOTIFICATIONS_URL",
    "FBN_SCHEDULER_URL",
    "FBN_WORKFLOW_URL",
];

/// Where the environment names a proxy for `https` destinations, in order
/// of preference (the first set wins), and the `NO_PROXY` spellings.
const ENVIRONMENT_PROXY: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
const NO_PROXY: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// Reads the variables through `lookup`.
pub(super) fn read(lookup: impl Fn(&str) -> Option<String>) -> Layer {
    let mut layer = Layer::new(ConfigSource::Environment);
    // Older names first, so that the current name, read below, wins.
    for (service, key) in Key::SERVICE_URLS {
        if let Some(url) = lookup(service.older_env_var()) {
            layer.set_named(key, service.older_env_var(), url);
        }
    }
    for key in Key::ALL {
        if matches!(key, Key::NoProxy | Key::EnvironmentProxy) {
            continue;
        }
        if let Some(value) = lookup(VARIABLE_NAMES[key as usize]) {
            layer.set(key, value);
        }
    }
    for (key, names) in [
        (Key::EnvironmentProxy, &ENVIRONMENT_PROXY[..]),
        (Key::NoProxy, &NO_PROXY[..]),
    ] {
        let found = names.iter().find_map(|name| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| (*name, value))
        });
        if let Some((name, value)) = found {
            layer.set_named(key, name, value);
        }
    }
    layer
}

/// Fails if one of our variables is set to something that is not Unicode
/// (`std::env::var` would silently report it as unset).
pub(super) fn check_unicode() -> Result<(), ConfigError> {
    let names = VARIABLE_NAMES
        .iter()
        .copied()
        .chain(Service::ALL.iter().map(|service| service.older_env_var()))
        .chain(ENVIRONMENT_PROXY.iter().copied())
        .chain(NO_PROXY.iter().copied());
    for name in names {
        if let Some(value) = std::env::var_os(name) {
            if value.to_str().is_none() {
                return Err(ConfigError::NotUnicode {
                    variable: name.to_owned(),
                });
            }
        }
    }
    Ok(())
}
