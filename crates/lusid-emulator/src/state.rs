//! State shared by the running server's handlers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use fastrand::Rng;

use crate::auth::tokens::{Principal, TokenStore};
use crate::bitemporal::AsAtClock;
use crate::builder::EmulatorCredentials;
use crate::domains::Ledger;
use crate::domains::drive::Drive;
use crate::domains::instruments::{InstrumentRecord, Store};
use crate::faults::Faults;
use crate::journal::Journal;
use crate::metrics::MetricsRecorder;
use crate::model::okta_user_id;

/// Fixed configuration of a running emulator.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) credentials: EmulatorCredentials,
    pub(crate) application_name: String,
    pub(crate) token_ttl: Duration,
    /// Where to persist the store, if anywhere.
    pub(crate) state_path: Option<std::path::PathBuf>,
    /// Data seed.
    pub(crate) seed: u64,
    /// Number of seed equities.
    pub(crate) equities: usize,
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) config: Config,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub(crate) base_url: String,
    pub(crate) store: RwLock<Store>,
    /// The domains beyond instruments (portfolios, transactions, quotes...).
    pub(crate) ledger: RwLock<Ledger>,
    /// Drive's folders and files.
    pub(crate) drive: Drive,
    /// Server `asAt` stamps of the ledger's writes.
    pub(crate) clock: AsAtClock,
    pub(crate) tokens: TokenStore,
    pub(crate) faults: Faults,
    pub(crate) metrics: MetricsRecorder,
    /// Every API and token request received (bounded).
    pub(crate) journal: Journal,
    /// Generator of new LUIDs (seeded, so upserts are reproducible).
    pub(crate) luid_rng: Mutex<Rng>,
    request_seq: AtomicU64,
    request_prefix: String,
    /// Serialises state-file writes.
    persist_lock: Mutex<()>,
}

/// Shared handle to [`AppState`].
pub(crate) type SharedState = Arc<AppState>;

/// Per-request context the middleware hands to handlers.
#[derive(Clone, Debug)]
pub(crate) struct RequestCtx {
    /// The `lusid-meta-requestId`.
    pub(crate) request_id: String,
    /// The caller, for API routes.
    pub(crate) principal: Option<Principal>,
}

impl RequestCtx {
    /// The caller's user id (or a placeholder for unauthenticated routes).
    pub(crate) fn user_id(&self) -> String {
        self.principal
            .as_ref()
            .map_or_else(|| okta_user_id("anonymous"), |p| p.user_id.clone())
    }
}

impl AppState {
    /// Builds the state around a seeded store.
    pub(crate) fn new(
        config: Config,
        base_url: String,
        store: Store,
        drive: Drive,
        luid_seed: u64,
    ) -> Self {
        let mut prefix_rng = Rng::new();
        let request_prefix: String = (0..11)
            .map(|_| char::from(b"0123456789ABCDEFGHIJKLMNOPQRSTUV"[prefix_rng.usize(..32)]))
            .collect();
        Self {
            config,
            base_url,
            store: RwLock::new(store),
            ledger: RwLock::new(Ledger::default()),
            drive,
            clock: AsAtClock::default(),
            tokens: TokenStore::default(),
            faults: Faults::default(),
            metrics: MetricsRecorder::default(),
            journal: Journal::default(),
            luid_rng: Mutex::new(Rng::with_seed(luid_seed)),
            persist_lock: Mutex::new(()),
            request_seq: AtomicU64::new(0),
            request_prefix,
        }
    }

    /// A new Kestrel-style request id, e.g. `0HN3A1B2C3D4E:00000001`.
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!("0H{}:{n:08X}", self.request_prefix)
    }

    /// Read access to the store (recovering from a poisoned lock).
    pub(crate) fn read_store(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write access to the store (recovering from a poisoned lock).
    pub(crate) fn write_store(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Read access to the ledger (recovering from a poisoned lock).
    pub(crate) fn read_ledger(&self) -> RwLockReadGuard<'_, Ledger> {
        self.ledger.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write access to the ledger (recovering from a poisoned lock).
    pub(crate) fn write_ledger(&self) -> RwLockWriteGuard<'_, Ledger> {
        self.ledger.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the state file, if one is configured (blocking; call from
    /// `spawn_blocking`). Each write holds the store's read lock while it
    /// serialises, so the file is always a consistent snapshot, and writes
    /// are serialised so the last one holds the latest state.
    pub(crate) fn persist(&self) -> Result<(), crate::error::EmulatorError> {
        let Some(path) = &self.config.state_path else {
            return Ok(());
        };
        let _guard = self
            .persist_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let luid_rng = self
            .luid_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_seed();
        // Lock order as everywhere: the store, then the ledger.
        let store = self.read_store();
        let ledger = self.read_ledger().to_file();
        let state = crate::persist::StateFile::new(
            self.config.seed,
            self.config.equities,
            luid_rng,
            store
                .materialised()
                .map(|(luid, versions)| InstrumentRecord::new(luid, versions))
                .collect(),
            ledger,
        );
        crate::persist::save(path, &state)
    }

    /// The LUSID API base URL (`…/api`).
    pub(crate) fn lusid_url(&self) -> String {
        format!("{}/api", self.base_url)
    }
}
