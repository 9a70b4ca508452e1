//! Where a command's configuration comes from: `--emulator`, or the FBN_*
//! environment variables merged key by key over `--secrets`; and the
//! client the global flags shape.

use lusid::auth::{Config, ConfigError};
use lusid_emulator::{Emulator, RunningEmulator};

use crate::cli::GlobalArgs;
use crate::error::CliError;

/// The resolved configuration, the global flags, and the in-process
/// emulator the configuration points at when `--emulator` was given (kept
/// alive for as long as the session).
pub struct Session {
    /// The resolved configuration.
    pub config: Config,
    global: GlobalArgs,
    _emulator: Option<RunningEmulator>,
}

/// A required setting missing from every source, as `lusid config show`
/// lists it.
#[derive(Debug, Clone)]
pub struct Missing {
    /// The canonical (secrets-file) name, such as `api.clientSecret`.
    pub name: &'static str,
    /// How the sources in use spell it, such as `FBN_CLIENT_SECRET or api.clientSecret`.
    pub spelled: String,
}

/// The required settings: canonical name, variable, a placeholder that
/// passes validation (used only to show an incomplete configuration).
const REQUIRED: [(&str, &str, &str, &str); 6] = [
    (
        "api.lusidUrl",
        "FBN_LUSID_URL",
        "lusid_url",
        "https://missing.invalid/api",
    ),
    (
        "api.tokenUrl",
        "FBN_TOKEN_URL",
        "token_url",
        "https://missing.invalid/oauth2/default/v1/token",
    ),
    ("api.username", "FBN_USERNAME", "username", "missing"),
    ("api.password", "FBN_PASSWORD", "password", "missing"),
    ("api.clientId", "FBN_CLIENT_ID", "client_id", "missing"),
    (
        "api.clientSecret",
        "FBN_CLIENT_SECRET",
        "client_secret",
        "missing",
    ),
];

impl Session {
    /// Resolves the configuration the global flags ask for, starting the
    /// emulator first for `--emulator`.
    ///
    /// # Errors
    /// [`CliError::NoConfiguration`] when nothing at all is configured,
    /// [`CliError::EmptySecrets`] for an empty `--secrets` file, the
    /// configuration's own errors otherwise.
    pub async fn open(global: &GlobalArgs) -> Result<Self, CliError> {
        if global.emulator {
            return Self::emulator(global).await;
        }
        let config = match Self::builder(global)?.build() {
            Ok(config) => config,
            Err(ConfigError::MissingFields { .. }) if nothing_configured(global) => {
                return Err(CliError::NoConfiguration);
            }
            Err(error) => return Err(error.into()),
        };
        Ok(Self {
            config,
            global: global.clone(),
            _emulator: None,
        })
    }

    /// Like [`open`](Self::open), but a configuration that only lacks
    /// required settings still resolves (with placeholders, never used to
    /// send anything) and the missing settings are returned, so that
    /// `lusid config show` can show what is set and what is not.
    pub async fn open_to_show(global: &GlobalArgs) -> Result<(Self, Vec<Missing>), CliError> {
        if global.emulator {
            return Ok((Self::emulator(global).await?, Vec::new()));
        }
        let fields = match Self::builder(global)?.build() {
            Ok(config) => {
                let session = Self {
                    config,
                    global: global.clone(),
                    _emulator: None,
                };
                return Ok((session, Vec::new()));
            }
            Err(ConfigError::MissingFields { fields, .. }) => fields,
            Err(error) => return Err(error.into()),
        };
        let mut missing = Vec::new();
        let mut placeholders: Vec<(&'static str, &'static str)> = Vec::new();
        for spelled in fields {
            let known = REQUIRED.iter().find(|(name, variable, field, _)| {
                spelled
                    .split(" or ")
                    .any(|part| part == *name || part == *variable || part == *field)
            });
            if let Some((name, variable, _, placeholder)) = known {
                missing.push(Missing { name, spelled });
                placeholders.push((*variable, *placeholder));
            }
        }
        let lookup = move |name: &str| {
            let real = std::env::var(name).ok().filter(|value| !value.is_empty());
            real.or_else(|| {
                placeholders
                    .iter()
                    .find(|(variable, _)| *variable == name)
                    .map(|(_, placeholder)| (*placeholder).to_owned())
            })
        };
        let mut builder = Config::builder().with_env_vars(lookup);
        if let Some(path) = &global.secrets {
            builder = builder.with_secrets_file(path);
        }
        let config = builder.build()?;
        let session = Self {
            config,
            global: global.clone(),
            _emulator: None,
        };
        Ok((session, missing))
    }

    /// The environment, then the secrets file (checked for emptiness).
    fn builder(global: &GlobalArgs) -> Result<lusid::auth::ConfigBuilder, CliError> {
        let mut builder = Config::builder().with_env();
        if let Some(path) = &global.secrets {
            if let Ok(bytes) = std::fs::read(path) {
                let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                if text.iter().all(u8::is_ascii_whitespace) {
                    return Err(CliError::EmptySecrets(path.clone()));
                }
            }
            builder = builder.with_secrets_file(path);
        }
        Ok(builder)
    }

    /// A session on a fresh in-process emulator.
    async fn emulator(global: &GlobalArgs) -> Result<Self, CliError> {
        let emulator = Emulator::builder().start().await?;
        tracing::info!(lusid_url = %emulator.lusid_url(), "started an in-process LUSID emulator");
        let credentials = emulator.credentials();
        let config = Config::builder()
            .lusid_url(emulator.lusid_url().to_string())
            .token_url(emulator.token_url().to_string())
            .username(credentials.username.clone())
            .password(credentials.password.clone())
            .client_id(credentials.client_id.clone())
            .client_secret(credentials.client_secret.clone())
            .application_name("lusid-cli")
            .build()?;
        Ok(Self {
            config,
            global: global.clone(),
            _emulator: Some(emulator),
        })
    }

    /// A client over this session's configuration, with `--timeout`,
    /// `--attempt-timeout` and `--retries` applied.
    pub fn client(&self) -> Result<lusid::Client, CliError> {
        self.client_with(|builder| builder)
    }

    /// Like [`client`](Self::client), with `shape` applied to the builder
    /// last (such as a layer of its own).
    pub fn client_with(
        &self,
        shape: impl FnOnce(lusid::ClientBuilder) -> lusid::ClientBuilder,
    ) -> Result<lusid::Client, CliError> {
        let mut builder = lusid::Client::builder().config(self.config.clone());
        if let Some(timeout) = self.global.timeout {
            builder = builder.total_timeout(timeout);
        }
        if let Some(timeout) = self.global.attempt_timeout {
            builder = builder.attempt_timeout(timeout);
        }
        if let Some(retries) = self.global.retries {
            let mut policy = lusid::retry::RetryPolicy::default().max_retries(retries);
            if let Some(rate_limit) = self.config.rate_limit_retries() {
                policy = policy.max_rate_limit_retries(rate_limit);
            }
            builder = builder.retry_policy(policy);
        }
        Ok(shape(builder).build()?)
    }

    /// `error`, with a hint when its likely cause is the configuration:
    /// a 404 from a LUSID URL that does not end in `/api`.
    pub fn explain(&self, error: CliError) -> CliError {
        fn api(error: &CliError) -> Option<&lusid::Error> {
            match error {
                CliError::Api(error) => Some(error),
                CliError::Interrupted { source, .. } => api(source),
                _ => None,
            }
        }
        let url = self.config.lusid_url();
        let not_found = api(&error).is_some_and(|e| e.status().is_some_and(|s| s.as_u16() == 404));
        if !not_found || url.path().trim_end_matches('/').ends_with("/api") {
            return error;
        }
        let path = format!("{}/api", url.path().trim_end_matches('/'));
        let suggested = lusid::auth::uri::with_path(url, &path).unwrap_or_else(|| url.clone());
        CliError::Hinted {
            error: Box::new(error),
            hint: format!(
                "the LUSID URL {url} does not end in /api, where LUSID serves its REST API: try {suggested} (api.lusidUrl in the secrets file, or FBN_LUSID_URL)"
            ),
        }
    }
}

/// Whether no source configures anything: no `--secrets` and no `FBN_*`
/// variable with a value.
fn nothing_configured(global: &GlobalArgs) -> bool {
    global.secrets.is_none()
        && !std::env::vars_os().any(|(name, value)| {
            name.to_str().is_some_and(|name| name.starts_with("FBN_")) && !value.is_empty()
        })
}
