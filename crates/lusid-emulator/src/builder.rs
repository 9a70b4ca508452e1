//! [`Emulator::builder`] and its knobs.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::domains::drive::Drive;
use crate::domains::instruments::seed::seed_data;
use crate::domains::instruments::{InstrumentRecord, Store};
use crate::error::EmulatorError;
use crate::fault_profile::FaultProfile;
use crate::faults::Fault;
use crate::persist;
use crate::running::RunningEmulator;
use crate::state::{AppState, Config};

/// Default Okta username.
pub const DEFAULT_USERNAME: &str = "emulator-user";
/// Default Okta password.
pub const DEFAULT_PASSWORD: &str = "emulator-password";
/// Default OAuth client id.
pub const DEFAULT_CLIENT_ID: &str = "emulator-client";
/// Default OAuth client secret.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";
/// Default `applicationName` in secrets.
pub const DEFAULT_APPLICATION_NAME: &str = "lusid-emulator";
/// Default number of synthetic equities.
pub const DEFAULT_EQUITIES: usize = 1000;
/// Default data seed.
pub const DEFAULT_SEED: u64 = 1;
/// Default access-token lifetime (one hour, as Okta's default).
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The credentials the emulator's token endpoint accepts. It is a local
/// emulator: the defaults are fixed and public.
#[derive(Clone, PartialEq, Eq)]
pub struct EmulatorCredentials {
    /// Okta username (`password` grant). Default [`DEFAULT_USERNAME`].
    pub username: String,
    /// Okta password. Default [`DEFAULT_PASSWORD`].
    pub password: String,
    /// OAuth client id. Default [`DEFAULT_CLIENT_ID`].
    pub client_id: String,
    /// OAuth client secret. Default [`DEFAULT_CLIENT_SECRET`].
    pub client_secret: String,
}

impl Default for EmulatorCredentials {
    fn default() -> Self {
        Self {
            username: DEFAULT_USERNAME.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
        }
    }
}

impl fmt::Debug for EmulatorCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Entry point: `Emulator::builder().start().await`.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: `127.0.0.1:0`, 1000 equities, seed 1,
    /// one-hour tokens, the default credentials.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorBuilder {
    addr: SocketAddr,
    equities: usize,
    seed: u64,
    token_ttl: Duration,
    credentials: EmulatorCredentials,
    application_name: String,
    state_path: Option<PathBuf>,
    fault_profile: Option<FaultProfile>,
    api_script: Vec<Fault>,
    token_script: Vec<Fault>,
    tls: bool,
    http2: bool,
    ca_certificate_file: Option<PathBuf>,
    property_definitions: Vec<String>,
    drive_dir: Option<PathBuf>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            equities: DEFAULT_EQUITIES,
            seed: DEFAULT_SEED,
            token_ttl: DEFAULT_TOKEN_TTL,
            credentials: EmulatorCredentials::default(),
            application_name: DEFAULT_APPLICATION_NAME.to_owned(),
            state_path: None,
            fault_profile: None,
            api_script: Vec::new(),
            token_script: Vec::new(),
            tls: false,
            http2: true,
            ca_certificate_file: None,
            property_definitions: Vec::new(),
            drive_dir: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on. Default `127.0.0.1:0` (an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How many synthetic equities to seed. Default 1000.
    pub fn equities(mut self, count: usize) -> Self {
        self.equities = count;
        self
    }

    /// The seed of the synthetic data (equal seeds give identical data,
    /// and identical LUIDs for new instruments upserted in the same order).
    /// Default 1.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Access-token lifetime. Default one hour.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The accepted credentials. Default [`EmulatorCredentials::default`].
    pub fn credentials(mut self, credentials: EmulatorCredentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// The `applicationName` written to secrets. Default `lusid-emulator`.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// Persists instruments, property definitions, portfolios,
    /// transactions and quotes (every version) to `path` (versioned JSON,
    /// written atomically after every successful write) and, if the file
    /// exists, starts from what it holds; a malformed file is
    /// [`EmulatorError::State`] naming it. Default: in memory only.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_path = Some(path.into());
        self
    }

    /// Property definitions that exist from the start, by key
    /// `Domain/scope/code` (domain `Instrument`, `Transaction` or
    /// `Portfolio`), each of data type `system/string`, perpetual, display
    /// name the code, as if created with `CreatePropertyDefinition` before
    /// the first request. The emulator, like LUSID, refuses a property value
    /// without a definition (`PropertyNotDefined`); this is the explicit
    /// opt-in for programs that upsert properties without creating their
    /// definitions. Default: none. A malformed key is
    /// [`EmulatorError::PropertyDefinition`] at [`Self::start`].
    pub fn property_definitions<S: Into<String>>(
        mut self,
        keys: impl IntoIterator<Item = S>,
    ) -> Self {
        self.property_definitions
            .extend(keys.into_iter().map(Into::into));
        self
    }

    /// Random, seeded faults from the start (see [`FaultProfile`]); also
    /// settable later with [`crate::Faults::set_profile`].
    pub fn fault_profile(mut self, profile: FaultProfile) -> Self {
        self.fault_profile = Some(profile);
        self
    }

    /// Faults queued for the first API requests (e.g. from
    /// [`Fault::parse_script`]`("429,429,200")`).
    pub fn api_faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.api_script.extend(faults);
        self
    }

    /// Faults queued for the first token requests.
    pub fn token_faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.token_script.extend(faults);
        self
    }

    /// Serves HTTPS instead of HTTP. At start the emulator generates a
    /// self-signed CA and a server certificate it signs for `localhost`,
    /// `127.0.0.1` and `::1` (new keys every start); the URLs become
    /// `https://…` and [`RunningEmulator::ca_certificate_pem`] gives the CA
    /// for clients to trust. ALPN offers `h2` and `http/1.1` (see
    /// [`Self::http2`]). Default off.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Whether TLS connections may negotiate HTTP/2: when `false`, ALPN
    /// offers only `http/1.1`. Plain-HTTP connections are always HTTP/1.1.
    /// Default `true`.
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// With [`Self::tls`], writes the CA certificate (PEM) to `path` at
    /// start; secrets documents then name it in `api.clientCertificate`.
    /// Ignored without TLS.
    pub fn ca_certificate_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_certificate_file = Some(path.into());
        self
    }

    /// Seeds the data, reads the state file if any, generates the TLS
    /// Keeps Drive's folders and files in `dir` (created if missing): the
    /// tree in `dir/drive.json`, each file's contents in
    /// `dir/objects/<id>`, streamed in and out, so they survive a restart
    /// and a file is never held in memory whole. Without it, Drive is kept
    /// in memory and starts empty.
    pub fn drive_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.drive_dir = Some(dir.into());
        self
    }

    /// certificates (with [`Self::tls`]) and writes the CA file if asked,
    /// binds the socket and spawns the server on the current tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, EmulatorError> {
        // Seed equities are generated lazily; only the currencies (and a
        // state file's instruments) are materialised.
        let (currencies, equities) = seed_data(self.seed, self.equities);
        let mut luid_seed = self.seed ^ 0x5eed_1d5e_ed1d_5eed;
        let mut materialised = currencies;
        let mut ledger = None;
        if let Some(path) = &self.state_path {
            if let Some(saved) = persist::load(path)? {
                if saved.seed != self.seed || saved.equities != self.equities {
                    tracing::warn!(
                        path = %path.display(),
                        saved_seed = saved.seed,
                        saved_equities = saved.equities,
                        "the state file was written with another seed or equity count; using it anyway"
                    );
                }
                luid_seed = saved.luid_rng;
                // Saved instruments replace the seeded currencies they share a LUID with.
                materialised.extend(
                    saved
                        .instruments
                        .into_iter()
                        .map(InstrumentRecord::into_history),
                );
                ledger = Some(crate::domains::Ledger::from_file(saved.ledger));
            }
        }
        let store = Store::with_base(materialised, Some(equities));
        let drive = match &self.drive_dir {
            Some(dir) => Drive::in_directory(dir)?,
            None => Drive::in_memory(),
        };
        let listener =
            TcpListener::bind(self.addr)
                .await
                .map_err(|source| EmulatorError::Bind {
                    addr: self.addr,
                    source,
                })?;
        let local = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.addr,
                source,
            })?;
        let tls = if self.tls {
            Some(crate::tls::generate(self.http2)?)
        } else {
            None
        };
        let ca_file = match (&tls, self.ca_certificate_file) {
            (Some(tls), Some(path)) => Some(crate::running::write_ca_file(&path, &tls.ca_pem)?),
            _ => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", url_authority(local));
        let config = Config {
            credentials: self.credentials,
            application_name: self.application_name,
            token_ttl: self.token_ttl,
            state_path: self.state_path,
            seed: self.seed,
            equities: self.equities,
        };
        let state = Arc::new(AppState::new(config, base_url, store, drive, luid_seed));
        if let Some(ledger) = ledger {
            if let Some(latest) = ledger.latest_as_at() {
                state.clock.advance_to(latest);
            }
            *state.write_ledger() = ledger;
        }
        seed_property_definitions(&state, &self.property_definitions)?;
        if let Some(profile) = self.fault_profile {
            state.faults.set_profile(profile);
        }
        for fault in self.api_script {
            state.faults.push_api(fault);
        }
        for fault in self.token_script {
            state.faults.push_token(fault);
        }
        if state.config.state_path.is_some() {
            let writer = Arc::clone(&state);
            tokio::task::spawn_blocking(move || writer.persist())
                .await
                .map_err(|error| EmulatorError::Task(error.to_string()))??;
        }
        tracing::info!(addr = %local, tls = tls.is_some(), instruments = state.read_store().len(), "lusid-emulator listening");
        Ok(RunningEmulator::spawn(state, listener, local, tls, ca_file))
    }
}

/// Creates the definitions of [`EmulatorBuilder::property_definitions`].
fn seed_property_definitions(state: &AppState, keys: &[String]) -> Result<(), EmulatorError> {
    let mut ledger = state.write_ledger();
    for key in keys {
        let (key, record) =
            crate::domains::property_definitions::PropertyDefinitionRecord::seeded(key)
                .map_err(EmulatorError::PropertyDefinition)?;
        let as_at = state.clock.tick();
        if ledger.property_definitions.get(&key, as_at).is_none() {
            let provenance = crate::model::Provenance {
                user_id: crate::model::okta_user_id("emulator"),
                request_id: "emulator-start".to_owned(),
            };
            ledger
                .property_definitions
                .put(key, record, as_at, provenance);
        }
    }
    Ok(())
}

/// `host:port` for URLs: unspecified addresses become loopback.
fn url_authority(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}
