//! Everything that can make a command fail, and the exit status of each.

use std::fmt;
use std::path::PathBuf;

use crate::signals::Caught;

/// Why a command failed. Printed with its causes on stderr; never holds a
/// secret (the library errors it wraps mask them) nor the name of a
/// temporary file.
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
    /// No configuration at all: no `--secrets`, no `FBN_*` variable.
    #[error(
        "no LUSID configuration: pass --secrets PATH (a secrets file exported by the LUSID web app), \
         set the FBN_* environment variables (FBN_LUSID_URL with FBN_ACCESS_TOKEN, or with \
         FBN_TOKEN_URL, FBN_USERNAME, FBN_PASSWORD, FBN_CLIENT_ID and FBN_CLIENT_SECRET; see \
         docs/configuration.md), or add --emulator to run against a local LUSID emulator"
    )]
    NoConfiguration,
    /// The `--secrets` file holds nothing (or only whitespace).
    #[error(
        "secrets file {} is empty: export it again from the LUSID web app, or write one for a local emulator with `lusid emulator --write-secrets PATH`",
        .0.display()
    )]
    EmptySecrets(PathBuf),
    /// No access token could be obtained.
    #[error(transparent)]
    Auth(#[from] lusid::auth::Error),
    /// A LUSID call failed.
    #[error(transparent)]
    Api(#[from] lusid::Error),
    /// The command cannot run as asked (exit status 2, as for clap's own
    /// usage errors).
    #[error("{0}")]
    Usage(String),
    /// A Drive path that names nothing.
    #[error("{0}")]
    NotFound(String),
    /// A Luminesce query that failed.
    #[error("{0}")]
    Query(String),
    /// The client cannot do what the command needs.
    #[error("{0}")]
    Unsupported(String),
    /// The emulator could not start or serve.
    #[error(transparent)]
    Emulator(#[from] lusid_emulator::EmulatorError),
    /// Writing the output failed.
    #[error("cannot write to {}", .path.as_ref().map_or("stdout".to_owned(), |p| p.display().to_string()))]
    Output {
        /// The `--output` path, or `None` for stdout.
        path: Option<PathBuf>,
        /// What went wrong (an OS error; never a temporary file's name).
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
    #[error("extraction stopped after {written} instruments, each written in full{kept}")]
    Interrupted {
        /// Instruments written before the failure.
        written: u64,
        /// Where they are.
        kept: Kept,
        /// The failure.
        #[source]
        source: Box<CliError>,
    },
    /// SIGINT or SIGTERM stopped the command.
    #[error("interrupted by {caught}{}", progress(.written, .kept))]
    Signalled {
        /// The signal.
        caught: Caught,
        /// Instruments written in full before it (0 for other commands).
        written: u64,
        /// Where they are.
        kept: Kept,
    },
    /// The upsert input cannot be read.
    #[error(transparent)]
    Input(Box<crate::commands::InputError>),
    /// The `--mapping` file cannot be used.
    #[error(transparent)]
    Mapping(Box<crate::commands::MappingError>),
    /// The `--report` file cannot be written.
    #[error("cannot write the report {}", .path.display())]
    Report {
        /// The report file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The `--resume` report cannot be read.
    #[error("{0}")]
    Resume(String),
    /// SIGINT or SIGTERM stopped an upsert.
    #[error("interrupted by {caught}: the upsert stopped after {rows} {}{}", if *.rows == 1 { "row" } else { "rows" }, .report.as_ref().map_or(String::new(), |p| format!(", each recorded in {}; finish with --resume {0}", p.display())))]
    UpsertInterrupted {
        /// The signal.
        caught: Caught,
        /// Rows with an outcome.
        rows: u64,
        /// The report.
        report: Option<PathBuf>,
    },
    /// Some rows were not upserted (failed, invalid or not sent).
    #[error("{rows} {} not loaded{}", if *.rows == 1 { "row was" } else { "rows were" }, .report.as_ref().map_or(String::new(), |p| format!("; see {}", p.display())))]
    RowsNotLoaded {
        /// Rows not upserted or staged.
        rows: u64,
        /// The report that lists them.
        report: Option<PathBuf>,
    },
    /// `lusid api`: the service's table cannot be used.
    #[error(transparent)]
    Table(#[from] crate::api::TableError),
    /// `lusid api`: no operation of that name.
    #[error("{service} has no operation {operation:?}{}; `lusid api {}list --search WORD` finds one", if .near.is_empty() { String::new() } else { format!(" (did you mean {}?)", .near.join(", ")) }, if .service == "lusid" { String::new() } else { format!("--service {} ", .service) })]
    UnknownOperation {
        /// The service.
        service: String,
        /// The name given.
        operation: String,
        /// Operations with a similar name.
        near: Vec<String>,
    },
    /// `lusid api`: a parameter cannot be sent.
    #[error(transparent)]
    Param(#[from] crate::api::params::ParamError),
    /// `lusid api`: the body does not fit the operation's schema.
    #[error("{operation}: --body {}: {error}", .path.display())]
    Body {
        /// The operationId.
        operation: String,
        /// The `--body` argument.
        path: PathBuf,
        /// Where and how it does not fit.
        error: Box<crate::api::validate::BodyError>,
    },
    /// `lusid api`: the `--body` file cannot be read.
    #[error("cannot read the body {}", .path.display())]
    BodyFile {
        /// The `--body` argument.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An error with advice on its likely cause, printed after it.
    #[error("{error}")]
    Hinted {
        /// The error.
        error: Box<CliError>,
        /// What probably caused it and what to change.
        hint: String,
    },
}

/// Where the records written before a failure or signal are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Nothing was to be kept (no output yet, or a command without one).
    Nothing,
    /// On stdout.
    Stdout,
    /// In this device, pipe or descriptor, written in place.
    InPlace(PathBuf),
    /// In `partial`, beside the `--output` file, which is left as it was.
    Partial {
        /// `<output>.partial`.
        partial: PathBuf,
        /// The `--output` file (unchanged).
        output: PathBuf,
    },
    /// The `--output` file is left as it was, and nothing else was written.
    Unchanged(PathBuf),
    /// They could not be kept beside the `--output` file (left as it was).
    Lost(PathBuf),
}

impl fmt::Display for Kept {
    /// The end of a sentence such as "… each written in full": where to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kept::Nothing | Kept::Unchanged(_) => Ok(()),
            Kept::Stdout => f.write_str(" to stdout"),
            Kept::InPlace(path) => write!(f, " to {}", path.display()),
            Kept::Partial { partial, output } => write!(
                f,
                " to {} ({} is left as it was)",
                partial.display(),
                output.display()
            ),
            Kept::Lost(output) => write!(
                f,
                ", but they could not be kept beside {} (left as it was)",
                output.display()
            ),
        }
    }
}

/// The rest of a signal message: how far the extraction got.
fn progress<'a>(written: &u64, kept: &'a Kept) -> Progress<'a> {
    Progress {
        written: *written,
        kept,
    }
}

/// See [`progress`].
struct Progress<'a> {
    written: u64,
    kept: &'a Kept,
}

impl fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.written, self.kept) {
            (0, Kept::Unchanged(output) | Kept::Partial { output, .. } | Kept::Lost(output)) => {
                write!(
                    f,
                    " before any instrument was written; {} is left as it was",
                    output.display()
                )
            }
            (0, _) => Ok(()),
            (written, kept) => write!(
                f,
                ": extraction stopped after {written} instruments, each written in full{kept}"
            ),
        }
    }
}

impl CliError {
    /// Whether the output's reader went away (`lusid ... | head`), which is
    /// not a failure of the command.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            CliError::Output { source, .. } => source.kind() == std::io::ErrorKind::BrokenPipe,
            CliError::Interrupted { source, .. } => source.is_broken_pipe(),
            CliError::Hinted { error, .. } => error.is_broken_pipe(),
            _ => false,
        }
    }

    /// The exit status: 2 for usage errors, 130 after SIGINT, 143 after
    /// SIGTERM, 1 for every other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_)
            | CliError::Table(_)
            | CliError::UnknownOperation { .. }
            | CliError::Param(_) => 2,
            CliError::Signalled { caught, .. } | CliError::UpsertInterrupted { caught, .. } => {
                caught.exit_code()
            }
            CliError::Interrupted { source, .. } => source.exit_code(),
            CliError::Hinted { error, .. } => error.exit_code(),
            _ => 1,
        }
    }

    /// The advice to print after the error and its causes, if any.
    pub fn hint(&self) -> Option<&str> {
        match self {
            CliError::Hinted { hint, .. } => Some(hint),
            _ => None,
        }
    }

    /// The first cause to print under the message (then each cause's own
    /// source): that of the wrapped error for [`CliError::Hinted`], whose
    /// message is the wrapped error's.
    pub fn causes(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Hinted { error, .. } => error.causes(),
            _ => std::error::Error::source(self),
        }
    }
}

impl From<crate::commands::InputError> for CliError {
    fn from(error: crate::commands::InputError) -> Self {
        CliError::Input(Box::new(error))
    }
}
