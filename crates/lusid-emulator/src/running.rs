//! [`RunningEmulator`]: the handle to a serving emulator.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::builder::EmulatorCredentials;
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::metrics::Metrics;
use crate::server::router;
use crate::state::SharedState;
use crate::token::TOKEN_PATH;

/// How long [`RunningEmulator::shutdown`] waits for open connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A serving emulator. Dropping it stops the server (gracefully, in the
/// background); [`RunningEmulator::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct RunningEmulator {
    state: SharedState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// Spawns the server on `listener`.
    pub(crate) fn spawn(state: SharedState, listener: TcpListener, addr: SocketAddr) -> Self {
        let (shutdown, signal) = oneshot::channel::<()>();
        let app = router(state.clone());
        // A send or a dropped sender both mean "stop".
        let task = tokio::spawn(crate::conn::serve(listener, app, signal));
        Self {
            state,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The LUSID API base URL: [`Self::base_url`] + `/api`. LUSID's spec
    /// paths (`/api/instruments`) are appended to it.
    pub fn lusid_url(&self) -> String {
        self.state.lusid_url()
    }

    /// The Okta-style token URL: [`Self::base_url`] + `/oauth2/default/v1/token`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.state.base_url)
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> &EmulatorCredentials {
        &self.state.config.credentials
    }

    /// A secrets document in the LUSID web app's export format:
    /// `{"api": {"tokenUrl", "username", "password", "clientId",
    /// "clientSecret", "lusidUrl", "apiUrl", "applicationName"}}`
    /// (`apiUrl` is the older name of `lusidUrl`).
    pub fn secrets_json(&self) -> Value {
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
                "applicationName": self.state.config.application_name,
            }
        })
    }

    /// Writes [`Self::secrets_json`] (pretty-printed) to `path`.
    ///
    /// On Unix the file is created readable by its owner only (mode 0600),
    /// since it holds a password and a client secret.
    pub fn write_secrets(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        use std::io::Write;

        let mut text = serde_json::to_string_pretty(&self.secrets_json())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        text.push('\n');
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path.as_ref())?;
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    }

    /// A snapshot of the request counters.
    pub fn metrics(&self) -> Metrics {
        self.state.metrics.snapshot()
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
