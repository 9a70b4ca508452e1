//! The command line, as clap reads it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Work with the LUSID investment-data API.
///
/// Configuration comes from the FBN_* environment variables and `--secrets`
/// (a secrets file exported by the LUSID web app), merged key by key with
/// the variables winning; `lusid config show` prints the result. With
/// `--emulator` the command runs against a local LUSID emulator started in
/// this process, with no credentials needed.
#[derive(Debug, Parser)]
#[command(name = "lusid", version)]
pub struct Cli {
    /// Secrets file exported by the LUSID web app (`{"api": {"tokenUrl", ...}}`).
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "emulator")]
    pub secrets: Option<PathBuf>,

    /// Start an in-process LUSID emulator with its default data on an
    /// ephemeral loopback port and run the command against it.
    #[arg(long, global = true)]
    pub emulator: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with the instrument master.
    #[command(subcommand)]
    Instruments(InstrumentsCommand),
    /// Print a current access token (for curl: `-H "Authorization: Bearer $(lusid token)"`).
    Token,
    /// Serve a local LUSID emulator until interrupted; prints its base URL on
    /// the first line of stdout.
    Emulator(EmulatorArgs),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every resolved setting, secrets masked, and where it came from.
    Show,
}

/// Instrument commands.
#[derive(Debug, Subcommand)]
pub enum InstrumentsCommand {
    /// Extract instruments (every page unless --limit), streamed as they arrive.
    List(ListArgs),
    /// Get one instrument by an identifier, such as `Figi BBG000BLNNH6` or `Currency GBP`.
    Get(GetArgs),
}

/// Arguments of `lusid instruments list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Instrument scope (LUSID's default: `default`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Bitemporal asAt: see the master as it was recorded at this instant
    /// (RFC 3339, such as 2024-01-31T00:00:00Z).
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    pub as_at: Option<time::OffsetDateTime>,
    /// Bitemporal effectiveAt: a date-time or cut label.
    #[arg(long, value_name = "DATE")]
    pub effective_at: Option<String>,
    /// LUSID filter expression, such as `State eq 'Active'`.
    #[arg(long)]
    pub filter: Option<String>,
    /// Instruments per page (1 to 5000).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(i64).range(1..=5000))]
    pub page_size: i64,
    /// Stop after this many instruments.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Arguments of `lusid instruments get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Identifier type: Figi, Isin, Ticker, ClientInternal, Currency, LusidInstrumentId, ...
    pub identifier_type: String,
    /// The identifier's value.
    pub identifier: String,
    /// Instrument scope.
    #[arg(long)]
    pub scope: Option<String>,
}

/// How instruments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON array of instruments as LUSID sends them.
    Json,
    /// One instrument per line, as LUSID sends it.
    Ndjson,
    /// Flat CSV: LUID, name, scope, state, dates and identifiers.
    Csv,
    /// Aligned columns for reading.
    Table,
}

/// Arguments of `lusid emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Number of synthetic equities besides the ISO 4217 currencies.
    #[arg(long)]
    pub equities: Option<usize>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub token_ttl: Option<u64>,
    /// Username the token endpoint accepts (give all four credentials, or none).
    #[arg(long, requires_all = ["password", "client_id", "client_secret"])]
    pub username: Option<String>,
    /// Password the token endpoint accepts.
    #[arg(long, requires_all = ["username", "client_id", "client_secret"])]
    pub password: Option<String>,
    /// OAuth2 client id the token endpoint accepts.
    #[arg(long, requires_all = ["username", "password", "client_secret"])]
    pub client_id: Option<String>,
    /// OAuth2 client secret the token endpoint accepts.
    #[arg(long, requires_all = ["username", "password", "client_id"])]
    pub client_secret: Option<String>,
    /// Write a secrets file (the web app's export format) for this emulator.
    #[arg(long, value_name = "PATH")]
    pub write_secrets: Option<PathBuf>,
}

fn parse_instant(value: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("expected an RFC 3339 instant such as 2024-01-31T00:00:00Z: {e}"))
}
