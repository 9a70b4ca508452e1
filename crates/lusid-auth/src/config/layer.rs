//! [`Key`], [`Entry`] and [`Layer`]: the raw settings one source provided,
//! each remembering where it came from, and their key-by-key merge.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigSource, builder, env, secrets_file};
use crate::Service;

/// One setting, in the order of the per-source name tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    LusidUrl,
    TokenUrl,
    Username,
    Password,
    ClientId,
    ClientSecret,
    ApplicationName,
    AccessToken,
    AccessTokenFile,
    ClientCertificate,
    TotalTimeoutMs,
    ConnectTimeoutMs,
    ReadTimeoutMs,
    RateLimitRetries,
    CorrelationId,
    ProxyAddress,
    ProxyUsername,
    ProxyPassword,
    NoProxy,
    EnvironmentProxy,
    AccessUrl,
    HorizonUrl,
    IdentityUrl,
    InsightsUrl,
    LuminesceUrl,
    ConfigurationUrl,
    DriveUrl,
    NotificationsUrl,
    SchedulerUrl,
    WorkflowUrl,
}

impl Key {
    pub(crate) const COUNT: usize = 30;

    /// Every key, in table order.
    pub(crate) const ALL: [Key; Key::COUNT] = [
        Key::LusidUrl,
        Key::TokenUrl,
        Key::Username,
        Key::Password,
        Key::ClientId,
        Key::ClientSecret,
        Key::ApplicationName,
        Key::AccessToken,
        Key::AccessTokenFile,
        Key::ClientCertificate,
        Key::TotalTimeoutMs,
        Key::ConnectTimeoutMs,
        Key::ReadTimeoutMs,
        Key::RateLimitRetries,
        Key::CorrelationId,
        Key::ProxyAddress,
        Key::ProxyUsername,
        Key::ProxyPassword,
        Key::NoProxy,
        Key::EnvironmentProxy,
        Key::AccessUrl,
        Key::HorizonUrl,
        Key::IdentityUrl,
        Key::InsightsUrl,
        Key::LuminesceUrl,
        Key::ConfigurationUrl,
        Key::DriveUrl,
        Key::NotificationsUrl,
        Key::SchedulerUrl,
        Key::WorkflowUrl,
    ];

    /// The URL key of every service, in [`Service::ALL`] order (LUSID's is
    /// [`Key::LusidUrl`]).
    pub(crate) const SERVICE_URLS: [(Service, Key); Service::COUNT] = [
        (Service::Lusid, Key::LusidUrl),
        (Service::Access, Key::AccessUrl),
        (Service::Horizon, Key::HorizonUrl),
        (Service::Identity, Key::IdentityUrl),
        (Service::Insights, Key::InsightsUrl),
        (Service::Luminesce, Key::LuminesceUrl),
        (Service::Configuration, Key::ConfigurationUrl),
        (Service::Drive, Key::DriveUrl),
        (Service::Notifications, Key::NotificationsUrl),
        (Service::Scheduler, Key::SchedulerUrl),
        (Service::Workflow, Key::WorkflowUrl),
    ];

    /// The settings of the Okta password flow.
    pub(crate) const PASSWORD_FLOW: [Key; 5] = [
        Key::TokenUrl,
        Key::Username,
        Key::Password,
        Key::ClientId,
        Key::ClientSecret,
    ];

    /// The key of `service`'s URL.
    pub(crate) fn service_url(service: Service) -> Key {
        Key::SERVICE_URLS[service as usize].1
    }

    /// Whether the value is a secret (never shown, only `****`).
    pub(crate) fn is_secret(self) -> bool {
        matches!(
            self,
            Key::Password | Key::ClientSecret | Key::AccessToken | Key::ProxyPassword
        )
    }

    /// The setting's canonical name: its secrets-file key.
    pub(crate) fn canonical_name(self) -> &'static str {
        secrets_file::FIELD_NAMES[self as usize]
    }
}

impl ConfigSource {
    /// How this source names a setting.
    pub(crate) fn field_name(&self, key: Key) -> &'static str {
        let names = match self {
            ConfigSource::SecretsFile(_) => &secrets_file::FIELD_NAMES,
            ConfigSource::Environment => &env::VARIABLE_NAMES,
            ConfigSource::Builder | ConfigSource::Combined(_) | ConfigSource::Derived => {
                &builder::FIELD_NAMES
            }
        };
        names[key as usize]
    }

    /// Precedence rank: lower wins.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            ConfigSource::Builder | ConfigSource::Combined(_) => 0,
            ConfigSource::Environment => 1,
            ConfigSource::SecretsFile(_) => 2,
            ConfigSource::Derived => 3,
        }
    }
}

/// A raw value with its provenance. Every value is held as a secret until
/// resolution decides which ones are not.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) value: SecretString,
    pub(crate) origin: ConfigSource,
    pub(crate) field: &'static str,
}

impl Entry {
    /// The value as plain text (only for settings that are not secret).
    pub(crate) fn text(&self) -> String {
        self.value.expose_secret().to_owned()
    }

    /// The value, trimmed, as a path.
    pub(crate) fn path(&self) -> PathBuf {
        PathBuf::from(self.value.expose_secret().trim())
    }
}

/// The settings one or more sources provided, not yet checked.
#[derive(Clone)]
pub(crate) struct Layer {
    /// The sources merged into this layer, highest precedence first; their
    /// names are used for missing fields.
    pub(crate) origins: Vec<ConfigSource>,
    pub(crate) entries: [Option<Entry>; Key::COUNT],
}

impl Layer {
    pub(crate) fn new(origin: ConfigSource) -> Self {
        Layer {
            origins: vec![origin],
            entries: Default::default(),
        }
    }

    /// The source this layer was read from (the first, for a merged one).
    fn primary(&self) -> &ConfigSource {
        self.origins.first().unwrap_or(&ConfigSource::Builder)
    }

    /// Records `value` for `key` under the source's own name for it.
    /// Empty values count as absent.
    pub(crate) fn set(&mut self, key: Key, value: String) {
        let field = self.primary().field_name(key);
        self.set_named(key, field, value);
    }

    /// Records `value` for `key` under an explicit field name (for aliases
    /// such as `api.apiUrl`). Empty values count as absent.
    pub(crate) fn set_named(&mut self, key: Key, field: &'static str, value: String) {
        if value.is_empty() {
            return;
        }
        self.entries[key as usize] = Some(Entry {
            value: SecretString::from(value),
            origin: self.primary().clone(),
            field,
        });
    }

    pub(crate) fn has(&self, key: Key) -> bool {
        self.entries[key as usize].is_some()
    }

    pub(crate) fn get(&self, key: Key) -> Option<&Entry> {
        self.entries[key as usize].as_ref()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.iter().all(Option::is_none)
    }

    /// Key by key: this layer's value, else `fallback`'s (explicit >
    /// environment > file).
    pub(crate) fn or(mut self, fallback: Layer) -> Layer {
        for (mine, theirs) in self.entries.iter_mut().zip(fallback.entries) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        self.origins.extend(fallback.origins);
        self
    }

    /// The source to name in errors about the whole layer.
    pub(crate) fn origin(&self) -> ConfigSource {
        match self.origins.as_slice() {
            [single] => single.clone(),
            many => ConfigSource::Combined(many.to_vec()),
        }
    }

    /// How the merged sources name `key`, e.g. `FBN_PASSWORD or api.password`.
    pub(crate) fn field_names(&self, key: Key) -> String {
        let mut names: Vec<&str> = Vec::new();
        for origin in &self.origins {
            let name = origin.field_name(key);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join(" or ")
    }
}
