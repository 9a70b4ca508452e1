//! One module per command.

mod config;
mod emulator;
mod instruments;
mod token;

use crate::cli::{Cli, Command, ConfigCommand, InstrumentsCommand};
use crate::error::CliError;
use crate::session::Session;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match &cli.command {
        Command::Emulator(args) => emulator::serve(args).await,
        Command::Instruments(InstrumentsCommand::List(args)) => {
            instruments::list(&Session::open(&cli).await?, args).await
        }
        Command::Instruments(InstrumentsCommand::Get(args)) => {
            instruments::get(&Session::open(&cli).await?, args).await
        }
        Command::Token => token::print(&Session::open(&cli).await?).await,
        Command::Config(ConfigCommand::Show) => config::show(&Session::open(&cli).await?),
    }
}
