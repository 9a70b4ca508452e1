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
    Emulator(Box<EmulatorArgs>),
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
    /// Flat CSV: LUID, name, scope, state, effectiveFrom, asAtDate, and the
    /// identifiers as a JSON object (`{"Figi":"BBG..."}`).
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
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
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
    /// With --tls it names the CA certificate in `clientCertificate`
    /// (written beside it as `<stem>-ca.pem` unless --ca-certificate is given).
    #[arg(long, value_name = "PATH")]
    pub write_secrets: Option<PathBuf>,
    /// Serve HTTPS with a self-signed CA and server certificate generated at
    /// start (valid for localhost, 127.0.0.1 and ::1); ALPN offers h2 and http/1.1.
    #[arg(long)]
    pub tls: bool,
    /// With --tls, write the CA certificate (PEM) to this file.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub ca_certificate: Option<PathBuf>,
    /// With --tls, offer only http/1.1 in ALPN (no HTTP/2).
    #[arg(long, requires = "tls")]
    pub no_http2: bool,
    /// Seed of the synthetic data (equal seeds give identical data).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep upserted and deleted instruments in this JSON file (written
    /// atomically after every change, read back at start).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Seed of the random faults (equal seeds and request sequences give
    /// equal faults).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub fault_seed: u64,
    /// Fraction (0 to 1) of API responses replaced by 429.
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub api_throttle: Option<f64>,
    /// Fraction of API responses replaced by 500, 502, 503 or 504.
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub api_server_errors: Option<f64>,
    /// Fraction of API requests whose connection is closed without a response.
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub api_drop: Option<f64>,
    /// Latency added to every API response, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub api_latency_ms: Option<u64>,
    /// Fraction of token responses replaced by 429 (with Okta's X-Rate-Limit-* headers).
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub token_throttle: Option<f64>,
    /// Fraction of token responses replaced by 500, 502, 503 or 504.
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub token_server_errors: Option<f64>,
    /// Fraction of token requests whose connection is closed without a response.
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub token_drop: Option<f64>,
    /// Latency added to every token response, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub token_latency_ms: Option<u64>,
    /// How 429s spell Retry-After: seconds, fractional, http-date, absent or upper-case.
    #[arg(long, value_name = "STYLE", default_value = "seconds", value_parser = retry_after_style)]
    pub retry_after: lusid_emulator::RetryAfterStyle,
    /// The wait 429s ask for, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub retry_after_ms: u64,
    /// Scripted faults for the first API requests, e.g. `429,429,200`
    /// (entries: a status, `429:<retry-after>`, `drop`, `delay:<ms>`, `200`).
    #[arg(long, value_name = "SCRIPT", value_parser = fault_script)]
    pub api_script: Option<FaultScript>,
    /// Scripted faults for the first token requests.
    #[arg(long, value_name = "SCRIPT", value_parser = fault_script)]
    pub token_script: Option<FaultScript>,
}

/// A parsed `--api-script`/`--token-script`.
#[derive(Clone, Debug)]
pub struct FaultScript(pub Vec<lusid_emulator::Fault>);

fn fault_script(value: &str) -> Result<FaultScript, String> {
    lusid_emulator::Fault::parse_script(value)
        .map(FaultScript)
        .map_err(|e| e.to_string())
}

fn retry_after_style(value: &str) -> Result<lusid_emulator::RetryAfterStyle, String> {
    lusid_emulator::RetryAfterStyle::parse(value).ok_or_else(|| {
        format!("expected seconds, fractional, http-date, absent or upper-case, got '{value}'")
    })
}

fn fraction(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "expected a fraction between 0 and 1, got '{value}'"
        )),
    }
}

fn parse_instant(value: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("expected an RFC 3339 instant such as 2024-01-31T00:00:00Z: {e}"))
}
