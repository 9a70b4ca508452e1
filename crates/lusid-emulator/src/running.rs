//! [`RunningEmulator`]: the handle to a serving emulator.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::token_endpoint::TOKEN_PATH;
use crate::builder::EmulatorCredentials;
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::metrics::Metrics;
use crate::server::router;
use crate::state::SharedState;
use crate::tls::TlsSetup;

/// How long [`RunningEmulator::shutdown`] waits for open connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A serving emulator. Dropping it stops the server (gracefully, in the
/// background); [`RunningEmulator::shutdown`] stops it and waits.
///
/// Its `Debug` shows where it serves, never its state (the bearer tokens
/// it issued, Drive's file contents, every instrument).
pub struct RunningEmulator {
    state: SharedState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// The CA certificate (PEM) when serving HTTPS.
    ca_pem: Option<String>,
    /// The last file the CA certificate was written to (absolute).
    ca_file: Mutex<Option<PathBuf>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("base_url", &self.state.base_url)
            .field("addr", &self.addr)
            .field("tls", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    /// Spawns the server on `listener` (HTTPS when `tls` is given).
    pub(crate) fn spawn(
        state: SharedState,
        listener: TcpListener,
        addr: SocketAddr,
        tls: Option<TlsSetup>,
        ca_file: Option<PathBuf>,
    ) -> Self {
        let (shutdown, signal) = oneshot::channel::<()>();
        let app = router(state.clone());
        let ca_pem = tls.as_ref().map(|tls| tls.ca_pem.clone());
        // A send or a dropped sender both mean "stop".
        let task = tokio::spawn(crate::conn::serve(listener, app, tls, signal));
        Self {
            state,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
            ca_pem,
            ca_file: Mutex::new(ca_file),
        }
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` with TLS (no
    /// trailing slash).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The LUSID API base URL: [`Self::base_url`] + `/api`. LUSID's spec
    /// paths (`/api/instruments`) are appended to it.
    pub fn lusid_url(&self) -> String {
        self.state.lusid_url()
    }

    /// Drive's base URL: [`Self::base_url`] + `/drive`, as a client derives
    /// it from the LUSID URL's origin. Drive's spec paths (`/api/files`)
    /// are appended to it.
    pub fn drive_url(&self) -> String {
        format!("{}/drive", self.state.base_url)
    }

    /// The Okta-style token URL: [`Self::base_url`] + `/oauth2/default/v1/token`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.state.base_url)
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> &EmulatorCredentials {
        &self.state.config.credentials
    }

    /// Whether the emulator serves HTTPS ([`crate::EmulatorBuilder::tls`]).
    pub fn is_tls(&self) -> bool {
        self.ca_pem.is_some()
    }

    /// The CA certificate (PEM) that signed the server certificate, when
    /// serving HTTPS; clients trust it to connect.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The file the CA certificate was last written to (absolute), by
    /// [`crate::EmulatorBuilder::ca_certificate_file`],
    /// [`Self::write_ca_certificate`] or [`Self::write_secrets`].
    pub fn ca_certificate_file(&self) -> Option<PathBuf> {
        self.ca_file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes the CA certificate (PEM) to `path`; later secrets documents
    /// name this file in `api.clientCertificate`. Returns
    /// [`EmulatorError::TlsDisabled`] on a plain-HTTP emulator.
    pub fn write_ca_certificate(&self, path: impl AsRef<Path>) -> Result<(), EmulatorError> {
        let pem = self.ca_pem.as_deref().ok_or(EmulatorError::TlsDisabled)?;
        let written = write_ca_file(path.as_ref(), pem)?;
        *self.ca_file.lock().unwrap_or_else(PoisonError::into_inner) = Some(written);
        Ok(())
    }

    /// A secrets document in the LUSID web app's export format:
    /// `{"api": {"tokenUrl", "username", "password", "clientId",
    /// "clientSecret", "lusidUrl", "apiUrl", "driveUrl", "applicationName"}}`
    /// (`apiUrl` is the older name of `lusidUrl`; `driveUrl` is
    /// [`Self::drive_url`], which the official Drive SDK reads). With TLS, once the CA
    /// certificate has been written to a file, `clientCertificate` names
    /// that file (absolute path).
    pub fn secrets_json(&self) -> Value {
        let mut secrets = self.secrets_without_ca();
        if let (true, Some(path)) = (self.is_tls(), self.ca_certificate_file()) {
            secrets["api"]["clientCertificate"] = Value::String(path.display().to_string());
        }
        secrets
    }

    fn secrets_without_ca(&self) -> Value {
        let c = &self.state.config.credentials;
        json!({
            "api": {
                "tokenUrl": self.token_url(),
                "username": c.username,
                "password": c.password,
                "clientId": c.client_id,
                "clientSecret": c.client_secret,
                "lusidUrl": self.lusid_url(),
                "apiUrl": self.lusid_url(),
                "driveUrl": self.drive_url(),
                "applicationName": self.state.config.application_name,
            }
        })
    }

    /// Writes [`Self::secrets_json`] (pretty-printed) to `path`.
    ///
    /// With TLS, if the CA certificate has not been written to a file yet,
    /// it is first written beside the secrets file as `<stem>-ca.pem`
    /// (`secrets.json` → `secrets-ca.pem`), which `clientCertificate` then
    /// names.
    ///
    /// On Unix the file is created readable by its owner only (mode 0600),
    /// since it holds a password and a client secret. An earlier regular
    /// file at `path` is replaced atomically (a generated file is expected
    /// to be regenerated); a symbolic link, directory or device at `path`
    /// is refused with [`std::io::ErrorKind::InvalidInput`], so the secrets
    /// are never written through a link to somewhere else. Relative paths
    /// are relative to the current directory; the parent must exist.
    pub fn write_secrets(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        if let Some(pem) = &self.ca_pem {
            let mut ca_file = self.ca_file.lock().unwrap_or_else(PoisonError::into_inner);
            if ca_file.is_none() {
                let beside = companion_ca_path(path.as_ref());
                *ca_file = Some(write_ca_file(&beside, pem).map_err(|error| match error {
                    EmulatorError::CaCertificate { source, .. } => source,
                    other => std::io::Error::other(other.to_string()),
                })?);
            }
        }

        let mut text = serde_json::to_string_pretty(&self.secrets_json())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        text.push('\n');
        crate::persist::write_generated(path.as_ref(), text.as_bytes(), 0o600)
    }

    /// A snapshot of the request counters.
    pub fn metrics(&self) -> Metrics {
        self.state.metrics.snapshot()
    }

    /// Every request received on the API (`/api/...`) and token routes,
    /// oldest first, as received: method, path and query, headers
    /// (including `Authorization`) and body. Faulted, refused (401) and
    /// unimplemented (501) requests are recorded too. Only the most recent
    /// [`crate::JOURNAL_CAPACITY`] (10,000) requests are kept.
    pub fn requests(&self) -> Vec<crate::ReceivedRequest> {
        self.state.journal.snapshot()
    }

    /// The fault-injection handle (shared with the server).
    pub fn faults(&self) -> Faults {
        self.state.faults.clone()
    }

    /// Revokes every issued access and refresh token; API calls with them
    /// get 401 and refresh grants with them `invalid_grant`.
    pub fn revoke_all_tokens(&self) {
        self.state.tokens.revoke_all();
    }

    /// Stops accepting connections, lets in-flight requests finish (up to
    /// five seconds) and waits for the server to end.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(joined) => flatten(joined),
            Err(_) => {
                task.abort();
                tracing::warn!(
                    "lusid-emulator: connections still open after the grace period; aborted"
                );
                Ok(())
            }
        }
    }

    /// Serves until `signal` completes (e.g. `tokio::signal::ctrl_c()`),
    /// then shuts down gracefully. Returns early with an error if the
    /// server fails.
    pub async fn serve_until<F>(mut self, signal: F) -> Result<(), EmulatorError>
    where
        F: Future<Output = ()>,
    {
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        tokio::select! {
            joined = &mut task => return flatten(joined),
            () = signal => {}
        }
        self.task = Some(task);
        self.shutdown().await
    }
}

/// `<stem>-ca.pem` in the directory of `secrets`.
fn companion_ca_path(secrets: &Path) -> PathBuf {
    let stem = secrets
        .file_stem()
        .map_or_else(|| "secrets".into(), |s| s.to_string_lossy().into_owned());
    secrets.with_file_name(format!("{stem}-ca.pem"))
}

/// Writes the CA certificate PEM to `path` (mode 0644, never through a
/// symbolic link; see `persist::write_generated`) and returns its absolute
/// path.
pub(crate) fn write_ca_file(path: &Path, pem: &str) -> Result<PathBuf, EmulatorError> {
    let failed = |source| EmulatorError::CaCertificate {
        path: path.to_path_buf(),
        source,
    };
    crate::persist::write_generated(path, pem.as_bytes(), 0o644).map_err(failed)?;
    std::path::absolute(path).map_err(failed)
}

/// Collapses a join result into the emulator's error.
fn flatten(
    joined: Result<std::io::Result<()>, tokio::task::JoinError>,
) -> Result<(), EmulatorError> {
    match joined {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(EmulatorError::Serve(error)),
        Err(error) => Err(EmulatorError::Task(error.to_string())),
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
