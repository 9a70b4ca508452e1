//! The emulator's error type.

use std::io;
use std::net::SocketAddr;

/// Why the emulator could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("could not bind the emulator to {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The server failed while running.
    #[error("the emulator's server failed")]
    Serve(#[source] io::Error),
    /// The state file could not be read or written.
    #[error("emulator state file {path}: {message}")]
    State {
        /// The state file.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The TLS certificates or server configuration could not be made
    /// ([`crate::EmulatorBuilder::tls`]).
    #[error("could not set up the emulator's TLS")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The CA certificate could not be written to a file.
    #[error("could not write the emulator's CA certificate to {path}")]
    CaCertificate {
        /// The file asked for.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A TLS-only operation (such as writing the CA certificate) was asked
    /// of an emulator serving plain HTTP.
    #[error("the emulator serves plain HTTP; start it with tls(true) for a CA certificate")]
    TlsDisabled,
    /// A key given to [`crate::EmulatorBuilder::property_definitions`] is
    /// not `Domain/scope/code` with a domain the emulator keeps (the message
    /// names the key).
    #[error("cannot seed the property definition: {0}")]
    PropertyDefinition(String),
    /// The Drive directory ([`crate::EmulatorBuilder::drive_dir`]) could
    /// not be made or read.
    #[error("emulator Drive directory {path}: {message}")]
    Drive {
        /// The directory.
        path: std::path::PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The seeding or server task panicked or was cancelled.
    #[error("an emulator task ended abnormally: {0}")]
    Task(String),
}
