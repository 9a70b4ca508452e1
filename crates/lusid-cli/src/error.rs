//! Everything that can make a command fail.

use std::path::PathBuf;

/// Why a command failed. Printed with its causes on stderr; never holds a
/// secret (the library errors it wraps mask them).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The tokio runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The configuration or the client could not be set up.
    #[error(transparent)]
    Build(#[from] lusid::BuildError),
    /// The configuration could not be read.
    #[error(transparent)]
    Config(#[from] lusid::auth::ConfigError),
    /// No access token could be obtained.
    #[error(transparent)]
    Auth(#[from] lusid::auth::Error),
    /// A LUSID call failed.
    #[error(transparent)]
    Api(#[from] lusid::Error),
    /// The command cannot run as asked.
    #[error("{0}")]
    Usage(String),
    /// The emulator could not start or serve.
    #[error(transparent)]
    Emulator(#[from] lusid_emulator::EmulatorError),
    /// Writing the output failed.
    #[error("cannot write to {}", .path.as_ref().map_or("stdout".to_owned(), |p| p.display().to_string()))]
    Output {
        /// The `--output` file, or `None` for stdout.
        path: Option<PathBuf>,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// An instrument LUSID sent does not decode into the columns of a flat
    /// output format.
    #[error("instrument {position} of the extraction does not decode")]
    Decode {
        /// Its 1-based position in the extraction.
        position: u64,
        /// What did not decode.
        #[source]
        source: serde_json::Error,
    },
    /// The extraction failed part-way. The first `written` instruments were
    /// written in full; a JSON array is left open so the output cannot pass
    /// for a complete extraction.
    #[error(
        "extraction stopped after {written} instruments, each written in full{}",
        .partial.as_ref().map_or(String::new(), |p| format!(" to {}", p.display()))
    )]
    Interrupted {
        /// Instruments written before the failure.
        written: u64,
        /// Where an `--output` file's partial content was kept (the file
        /// named by `--output` is left as it was).
        partial: Option<PathBuf>,
        /// The failure.
        #[source]
        source: Box<CliError>,
    },
}

impl CliError {
    /// Whether the output's reader went away (`lusid ... | head`), which is
    /// not a failure of the command.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            CliError::Output { source, .. } => source.kind() == std::io::ErrorKind::BrokenPipe,
            CliError::Interrupted { source, .. } => source.is_broken_pipe(),
            _ => false,
        }
    }
}
