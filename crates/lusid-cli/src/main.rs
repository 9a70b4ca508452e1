//! `lusid`: the LUSID command-line tool.
//!
//! stdout carries only the command's result; logs go to stderr through
//! tracing, filtered by `RUST_LOG` (default `warn`).

mod cli;
mod commands;
mod error;
mod output;
mod session;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::Cli;
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // One extraction is one sequential stream of pages: a single-threaded
    // runtime avoids waking the connection task on another thread for every
    // read.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(&CliError::Runtime(error)),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

/// Prints the error and its causes to stderr (if stderr is still there).
fn report(error: &CliError) -> ExitCode {
    let mut message = format!("error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    note(&message);
    ExitCode::FAILURE
}

/// Writes a line for the user to stderr. Unlike `eprintln!`, a closed
/// stderr is ignored rather than a panic.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
