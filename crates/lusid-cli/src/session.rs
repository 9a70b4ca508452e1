//! Where a command's configuration comes from: `--emulator`, or the FBN_*
//! environment variables merged key by key over `--secrets`.

use lusid::auth::Config;
use lusid_emulator::{Emulator, RunningEmulator};

use crate::cli::Cli;
use crate::error::CliError;

/// The resolved configuration, and the in-process emulator it points at
/// when `--emulator` was given (kept alive for as long as the session).
pub struct Session {
    pub config: Config,
    _emulator: Option<RunningEmulator>,
}

impl Session {
    /// Resolves the configuration the global flags ask for, starting the
    /// emulator first for `--emulator`.
    pub async fn open(cli: &Cli) -> Result<Self, CliError> {
        if cli.emulator {
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
            return Ok(Self {
                config,
                _emulator: Some(emulator),
            });
        }
        // Environment first, then the secrets file, merged key by key.
        let mut builder = Config::builder().with_env();
        if let Some(path) = &cli.secrets {
            builder = builder.with_secrets_file(path);
        }
        let config = builder.build()?;
        Ok(Self {
            config,
            _emulator: None,
        })
    }

    /// A client over this session's configuration.
    pub fn client(&self) -> Result<lusid::Client, CliError> {
        Ok(lusid::Client::builder()
            .config(self.config.clone())
            .build()?)
    }
}
