//! Helpers shared by the workspace integration tests in `tests/tests/`.
//!
//! Each test starts its own emulator in-process on an ephemeral loopback
//! port, so tests run in parallel and need no network.

use std::time::Duration;

use lusid::auth::Config;
use lusid::models::{InstrumentDefinition, InstrumentIdValue};
use lusid_emulator::{EmulatorBuilder, RunningEmulator};

/// Starts an emulator built by `builder` on `127.0.0.1:0`.
///
/// # Panics
/// When the emulator cannot start (a test failure).
pub async fn start(builder: EmulatorBuilder) -> RunningEmulator {
    builder.start().await.expect("the emulator starts")
}

/// The password-flow configuration the emulator accepts.
///
/// # Panics
/// When the emulator's own URLs do not make a valid configuration.
pub fn config_for(emulator: &RunningEmulator) -> Config {
    let credentials = emulator.credentials();
    Config::builder()
        .lusid_url(emulator.lusid_url())
        .token_url(emulator.token_url())
        .username(credentials.username.clone())
        .password(credentials.password.clone())
        .client_id(credentials.client_id.clone())
        .client_secret(credentials.client_secret.clone())
        .application_name("lusid-integration-tests")
        .build()
        .expect("the emulator's configuration is valid")
}

/// A client for the emulator with the default stack.
///
/// # Panics
/// When the client cannot be built.
pub fn client_for(emulator: &RunningEmulator) -> lusid::Client {
    lusid::Client::builder()
        .config(config_for(emulator))
        .build()
        .expect("the client builds")
}

/// A client that retries quickly (5 ms backoff up to 20 ms, `retries`
/// retries), so failure tests stay fast.
///
/// # Panics
/// When the client cannot be built.
pub fn quick_client(emulator: &RunningEmulator, retries: u32) -> lusid::Client {
    lusid::Client::builder()
        .config(config_for(emulator))
        .retry_policy(
            lusid::stack::RetryPolicy::default()
                .max_retries(retries)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .expect("the client builds")
}

/// An instrument definition named `name` with `(identifier type, value)`
/// pairs, for upserts.
pub fn definition(name: &str, ids: &[(&str, &str)]) -> InstrumentDefinition {
    let identifiers = ids
        .iter()
        .map(|(kind, value)| ((*kind).to_owned(), InstrumentIdValue::new(*value)))
        .collect();
    InstrumentDefinition::new(name, identifiers)
}

/// The HTTP client token requests go through: the SDK's transport with
/// default settings.
///
/// # Panics
/// When the transport cannot be built.
pub fn token_http() -> lusid::auth::HttpClient {
    lusid::stack::Transport::new(&lusid::stack::TransportSettings::default())
        .expect("the transport builds")
        .token_client()
}

/// The token provider `config` implies, sending through [`token_http`] and
/// retrying by the default policy with the configured `rateLimitRetries`,
/// as a client built from it would.
pub fn token_provider(config: &Config) -> std::sync::Arc<dyn lusid::auth::TokenProvider> {
    let mut retry = lusid::retry::RetryPolicy::default();
    if let Some(retries) = config.rate_limit_retries() {
        retry = retry.max_rate_limit_retries(retries);
    }
    lusid::auth::token_provider(config, token_http(), retry)
}
