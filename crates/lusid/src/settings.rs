//! From a resolved [`Config`] to the plain values the transport and the
//! stack are built from.

use std::time::Duration;

use lusid_auth::{Config, ProxyConfig};
use lusid_http::{BuildError, Proxy, RetryPolicy, TransportSettings};

/// The settings the builder changes, each `None` when the configuration
/// (or the default) stands.
#[derive(Debug, Default, Clone)]
pub(crate) struct Overrides {
    pub retry: Option<RetryPolicy>,
    pub attempt_timeout: Option<Duration>,
    pub total_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub proxy: Option<Option<Proxy>>,
    pub ca_bundle: Option<std::path::PathBuf>,
    pub http2: Option<bool>,
}

/// The transport's settings: the builder's overrides, else the
/// configuration's proxy (the explicit `proxy` object or `FBN_PROXY_*`,
/// else `HTTPS_PROXY`/`ALL_PROXY`, which never takes loopback hosts; both
/// honour `NO_PROXY`), CA bundle (`clientCertificate`) and connect timeout.
pub(crate) fn transport(
    config: &Config,
    overrides: &Overrides,
) -> Result<TransportSettings, BuildError> {
    let proxy = match &overrides.proxy {
        Some(proxy) => proxy.clone(),
        None => configured_proxy(config)?,
    };
    let mut settings = TransportSettings::default().proxy(proxy).ca_bundle(
        overrides
            .ca_bundle
            .clone()
            .or_else(|| config.client_certificate().map(ToOwned::to_owned)),
    );
    if let Some(timeout) = overrides.connect_timeout.or(config.connect_timeout()) {
        settings = settings.connect_timeout(timeout);
    }
    if let Some(http2) = overrides.http2 {
        settings = settings.http2(http2);
    }
    Ok(settings)
}

fn configured_proxy(config: &Config) -> Result<Option<Proxy>, BuildError> {
    let no_proxy = config.no_proxy().unwrap_or_default();
    let proxy = |settings: &ProxyConfig| -> Result<Proxy, BuildError> {
        let mut proxy = Proxy::new(settings.address())?;
        if let Some(username) = settings.username() {
            let password = settings
                .password()
                .map(lusid_auth::secrecy::ExposeSecret::expose_secret)
                .unwrap_or_default();
            proxy = proxy.basic_auth(username, password);
        }
        Ok(proxy.no_proxy(no_proxy))
    };
    if let Some(explicit) = config.proxy() {
        return proxy(explicit).map(Some);
    }
    match config.environment_proxy() {
        Some(environment) => proxy(environment).map(|proxy| Some(proxy.bypass_loopback())),
        None => Ok(None),
    }
}

/// The retry policy: the builder's, else the default with the
/// configuration's `rateLimitRetries` as the 429 bound.
pub(crate) fn retry(config: &Config, overrides: &Overrides) -> RetryPolicy {
    match &overrides.retry {
        Some(policy) => policy.clone(),
        None => {
            let policy = RetryPolicy::default();
            match config.rate_limit_retries() {
                Some(retries) => policy.max_rate_limit_retries(retries),
                None => policy,
            }
        }
    }
}
