//! The emulator's error type.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the emulator could not start, run or write its secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("could not bind the emulator to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The server failed while running.
    #[error("the emulator's server failed: {0}")]
    Serve(#[source] io::Error),
    /// The server task panicked or was cancelled.
    #[error("the emulator's server task ended abnormally: {0}")]
    Task(String),
    /// A secrets file could not be written.
    #[error("could not write the secrets file {path}: {source}")]
    WriteSecrets {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}
