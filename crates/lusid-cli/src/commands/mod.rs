//! One module per command.

mod api;
mod completions;
mod config;
mod drive;
mod emulator;
mod instruments;
mod sql;
mod token;
mod upsert;

pub use upsert::{InputError, MappingError};

use std::future::Future;

use clap::Parser;

use crate::cli::{
    ApiArgs, ApiCallArgs, ApiCommand, Cli, Command, ConfigCommand, DriveCommand, GlobalArgs,
    InstrumentsCommand,
};
use crate::error::{CliError, Kept};
use crate::session::Session;
use crate::signals::Interrupt;

/// Runs the command the user asked for. SIGINT and SIGTERM stop any
/// command (an extraction keeps its complete records; see `list`).
pub async fn run(cli: Cli, interrupt: &mut Interrupt) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Emulator(args) => {
            refuse_client_flags(global)?;
            emulator::serve(args, interrupt).await
        }
        Command::Config(ConfigCommand::Show) => guarded(interrupt, config::show(global)).await,
        Command::Instruments(InstrumentsCommand::List(args)) => {
            let session = guarded(interrupt, Session::open(global)).await?;
            instruments::list(&session, args, interrupt)
                .await
                .map_err(|error| session.explain(error))
        }
        Command::Instruments(InstrumentsCommand::Get(args)) => {
            let session = guarded(interrupt, Session::open(global)).await?;
            guarded(interrupt, instruments::get(&session, args))
                .await
                .map_err(|error| session.explain(error))
        }
        Command::Instruments(InstrumentsCommand::Delete(args)) => {
            let session = guarded(interrupt, Session::open(global)).await?;
            guarded(interrupt, instruments::delete(&session, args))
                .await
                .map_err(|error| session.explain(error))
        }
        Command::Instruments(InstrumentsCommand::Upsert(args)) => {
            let session = guarded(interrupt, Session::open(global)).await?;
            upsert::upsert(&session, args, interrupt)
                .await
                .map_err(|error| session.explain(error))
        }
        Command::Api(ApiArgs {
            service,
            command: ApiCommand::List(args),
        }) => api::list(args, service.as_deref()),
        Command::Api(ApiArgs {
            service,
            command: ApiCommand::Describe(args),
        }) => api::describe(args, service.as_deref()),
        Command::Api(ApiArgs {
            service,
            command: ApiCommand::Call(words),
        }) => {
            let mut args = ApiCallArgs::try_parse_from(
                std::iter::once("lusid api".to_owned()).chain(words.iter().cloned()),
            )
            .unwrap_or_else(|error| error.exit());
            if args.service.is_none() {
                args.service.clone_from(service);
            }
            let global = merge(global, &args.global);
            // Everything that can be checked without LUSID is checked
            // before the session opens.
            let service = crate::api::service(api::service_name(args.service.as_deref(), None))?;
            let prepared = api::prepare(&service, &args, &mut std::io::stdin().lock())?;
            let session = guarded(interrupt, Session::open(&global)).await?;
            guarded(interrupt, api::call(&session, &args, prepared))
                .await
                .map_err(|error| session.explain(error))
        }
        Command::Drive(command) => {
            let session = guarded(interrupt, Session::open(global)).await?;
            match command {
                DriveCommand::Ls(args) => guarded(interrupt, drive::ls(&session, args)).await,
                DriveCommand::Upload(args) => {
                    guarded(interrupt, drive::upload(&session, args)).await
                }
                DriveCommand::Download(args) => {
                    guarded(interrupt, drive::download(&session, args)).await
                }
                DriveCommand::Mkdir(args) => guarded(interrupt, drive::mkdir(&session, args)).await,
                DriveCommand::Rm(args) => guarded(interrupt, drive::rm(&session, args)).await,
            }
        }
        Command::Sql(args) => {
            let query = sql::query_text(args, &mut std::io::stdin().lock())?;
            let session = guarded(interrupt, Session::open(global)).await?;
            guarded(interrupt, sql::run(&session, args, query)).await
        }
        Command::Completions(args) => completions::print(args.shell),
        Command::Token => {
            let session = guarded(interrupt, Session::open(global)).await?;
            guarded(interrupt, token::print(&session)).await
        }
    }
}

/// Runs `work` unless SIGINT or SIGTERM comes first (which drops it,
/// removing any temporary file it holds).
async fn guarded<T>(
    interrupt: &mut Interrupt,
    work: impl Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    match interrupt.guard(work).await {
        Ok(result) => result,
        Err(caught) => Err(CliError::Signalled {
            caught,
            written: 0,
            kept: Kept::Nothing,
        }),
    }
}

/// The global options given before `api` merged with those given after
/// the operation (which win).
fn merge(before: &GlobalArgs, after: &GlobalArgs) -> GlobalArgs {
    GlobalArgs {
        secrets: after.secrets.clone().or_else(|| before.secrets.clone()),
        emulator: before.emulator || after.emulator,
        timeout: after.timeout.or(before.timeout),
        attempt_timeout: after.attempt_timeout.or(before.attempt_timeout),
        retries: after.retries.or(before.retries),
        verbose: before.verbose.saturating_add(after.verbose),
    }
}

/// `lusid emulator` serves LUSID; the global flags about reaching one make
/// no sense for it, and silently ignoring them would hide a mistake.
fn refuse_client_flags(global: &GlobalArgs) -> Result<(), CliError> {
    if global.emulator {
        return Err(CliError::Usage(
            "`lusid emulator` serves an emulator itself, so --emulator (which starts one in-process for another command) cannot be used with it: drop --emulator, and use --write-secrets PATH to point other commands at the one it serves".to_owned(),
        ));
    }
    if global.secrets.is_some() {
        return Err(CliError::Usage(
            "`lusid emulator` reads no secrets file (it serves its own credentials): drop --secrets; to write a secrets file for it, use --write-secrets PATH".to_owned(),
        ));
    }
    for (given, flag) in [
        (global.timeout.is_some(), "--timeout"),
        (global.attempt_timeout.is_some(), "--attempt-timeout"),
        (global.retries.is_some(), "--retries"),
    ] {
        if given {
            return Err(CliError::Usage(format!(
                "{flag} applies to calls to LUSID, which `lusid emulator` does not make: drop it (fault injection flags such as --api-latency-ms shape the emulator)"
            )));
        }
    }
    Ok(())
}
