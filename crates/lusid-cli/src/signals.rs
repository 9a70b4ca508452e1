//! SIGINT and SIGTERM, caught so that a command stops the way a failure
//! does: complete records kept, temporary files removed, a message on
//! stderr, and exit status 130 or 143.

use std::fmt;
use std::future::Future;

/// A signal asking the process to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caught {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`kill`, a service manager).
    Terminate,
}

impl Caught {
    /// The conventional exit status: 128 + the signal number.
    pub fn exit_code(self) -> u8 {
        match self {
            Caught::Interrupt => 130,
            Caught::Terminate => 143,
        }
    }
}

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caught::Interrupt => "SIGINT",
            Caught::Terminate => "SIGTERM",
        })
    }
}

/// The process's SIGINT and SIGTERM handlers. Created once, on the
/// runtime, before any command runs: from then on the signals no longer
/// kill the process, so every command waits on [`Interrupt::recv`].
pub struct Interrupt {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    /// Installs the handlers (on the current tokio runtime). A handler that
    /// cannot be installed leaves that signal's default action.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let install = |kind| match signal(kind) {
                Ok(stream) => Some(stream),
                Err(error) => {
                    tracing::warn!(%error, "cannot handle a signal; it will stop the process at once");
                    None
                }
            };
            Self {
                interrupt: install(SignalKind::interrupt()),
                terminate: install(SignalKind::terminate()),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Waits for the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) -> Caught {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        if signal.recv().await.is_none() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(&mut self.interrupt) => Caught::Interrupt,
                () = next(&mut self.terminate) => Caught::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Caught::Interrupt
        }
    }

    /// Runs `work` unless a signal comes first, in which case `work` is
    /// dropped (removing any temporary file it holds) and the signal is
    /// returned.
    pub async fn guard<T>(&mut self, work: impl Future<Output = T>) -> Result<T, Caught> {
        tokio::select! {
            biased;
            caught = self.recv() => Err(caught),
            done = work => Ok(done),
        }
    }
}
