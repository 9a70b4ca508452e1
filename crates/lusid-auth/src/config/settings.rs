//! [`Setting`]: one resolved configuration value and where it came from,
//! for `lusid config show` and diagnostics.

use std::fmt;

use super::ConfigSource;

/// One value of a resolved [`Config`](crate::Config), with its provenance.
///
/// Secrets (password, client secret, access token, proxy password) carry no
/// value at all: [`value`](Self::value) is `None` and
/// [`display_value`](Self::display_value) is `****`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub(crate) name: &'static str,
    pub(crate) value: Option<String>,
    pub(crate) secret: bool,
    pub(crate) origin: ConfigSource,
    pub(crate) field: &'static str,
    pub(crate) used: bool,
}

impl Setting {
    /// The setting's canonical name, its secrets-file key, e.g.
    /// `api.tokenUrl`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The value as resolved (e.g. a token URL with `/v1/token` appended),
    /// or `None` for a secret.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Whether the value is a secret.
    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// The value for display: `****` for a secret (no length, no
    /// characters), otherwise the value.
    pub fn display_value(&self) -> &str {
        match (&self.value, self.secret) {
            (Some(value), false) => value,
            _ => "****",
        }
    }

    /// The source the value was taken from.
    pub fn origin(&self) -> &ConfigSource {
        &self.origin
    }

    /// The name the source gives it: `api.password`, `FBN_PASSWORD` or
    /// `password` (the builder setter).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Whether the value takes part in the configuration. `false` for the
    /// password-flow settings when a personal access token wins, and for the
    /// losing one of `accessToken` and `accessTokenFile`.
    pub fn is_used(&self) -> bool {
        self.used
    }

    /// Where the value came from, for people: `environment variable
    /// FBN_PASSWORD`, `secrets file secrets.json (api.password)` or
    /// `explicit configuration (password)`.
    pub fn source_description(&self) -> String {
        SourceDescription(self).to_string()
    }
}

struct SourceDescription<'a>(&'a Setting);

impl fmt::Display for SourceDescription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let setting = self.0;
        match &setting.origin {
            ConfigSource::Environment => write!(f, "environment variable {}", setting.field),
            other => write!(f, "{other} ({})", setting.field),
        }
    }
}
