//! The command line, as clap reads it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::parse;

/// The heading global options are listed under in every command's help.
const GLOBAL: &str = "Global options (before or after the command)";

/// Work with the LUSID investment-data API.
///
/// Configuration comes from the FBN_* environment variables and `--secrets`
/// (a secrets file exported by the LUSID web app), merged key by key with
/// the variables winning; `lusid config show` prints the result. With
/// `--emulator` the command runs against a local LUSID emulator started in
/// this process, with no credentials needed.
#[derive(Debug, Parser)]
#[command(
    name = "lusid",
    version,
    after_help = "Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (SIGINT), 143 terminated (SIGTERM). See docs/cli.md."
)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command, accepted before or after the command name.
/// Their names are reserved: no command has an option of the same name
/// (operation parameters of `lusid api` are passed as `-p NAME=VALUE`).
#[derive(Debug, Args, Default, Clone)]
pub struct GlobalArgs {
    /// Secrets file exported by the LUSID web app (`{"api": {"tokenUrl", ...}}`).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "emulator",
        help_heading = GLOBAL
    )]
    pub secrets: Option<PathBuf>,

    /// Start an in-process LUSID emulator with its default data on an
    /// ephemeral loopback port and run the command against it.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub emulator: bool,

    /// How long one LUSID call may take, every retry and wait included
    /// (such as 30s, 500ms, 2m; default: totalTimeoutMs, else 10m).
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        value_parser = parse::duration,
        allow_hyphen_values = true,
        help_heading = GLOBAL
    )]
    pub timeout: Option<Duration>,

    /// How long one attempt of a call may take, up to the last byte of the
    /// response (default: readTimeoutMs, else 2m).
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        value_parser = parse::duration,
        allow_hyphen_values = true,
        help_heading = GLOBAL
    )]
    pub attempt_timeout: Option<Duration>,

    /// How many times one call is retried after an outage (500, 502, 503,
    /// 504 on reads), a failed connection or an attempt timeout; 0 never
    /// retries them (default 4). 429s are bounded by rateLimitRetries.
    #[arg(
        long,
        global = true,
        value_name = "N",
        value_parser = parse::whole_u32(0, 100),
        allow_negative_numbers = true,
        help_heading = GLOBAL
    )]
    pub retries: Option<u32>,

    /// Log more on stderr: -v info, -vv debug, -vvv trace (overrides RUST_LOG).
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
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
    /// Call any LUSID operation: `lusid api OPERATION [-p NAME=VALUE]...`;
    /// `lusid api list` and `lusid api describe OPERATION` tell what there is.
    #[command(after_help = API_HELP)]
    Api(ApiArgs),
    /// Files in Drive by path: ls, upload, download, mkdir, rm.
    #[command(subcommand)]
    Drive(DriveCommand),
    /// Run a Luminesce SQL query: `lusid sql "select ..."`, `--file
    /// query.sql`, or `-` for stdin.
    Sql(SqlArgs),
    /// Print a shell completion script (commands, options, operations and
    /// their parameters) to stdout.
    Completions(CompletionsArgs),
}

/// The help text after `lusid api --help`.
const API_HELP: &str = "Call an operation:\n  lusid api OPERATION [-p NAME=VALUE]... [--body FILE|-] [--all-pages] [--format json|ndjson] [--output PATH] [--dry-run]\n\nOPERATION is an operationId such as ListPortfolios; `lusid api OPERATION --help` lists the call's options. See docs/cli.md.";

/// `lusid api [--service NAME] COMMAND`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The service: lusid (the default), access, configuration, drive,
    /// horizon, identity, insights, luminesce, notifications, scheduler or
    /// workflow. Its requests go to its configured URL, else to the LUSID
    /// URL's origin with its base path (`/drive`, `/honeycomb`, ...).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: ApiCommand,
}

/// `lusid api` commands.
#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// List the operations: id, method, path, tag and API status, one a line.
    List(ApiListArgs),
    /// Describe one operation: parameters, body schema, response, paging
    /// and idempotency.
    Describe(ApiDescribeArgs),
    /// Call an operation (any name besides list and describe is an operationId).
    #[command(external_subcommand)]
    Call(Vec<String>),
}

/// Arguments of `lusid api list`.
#[derive(Debug, Args)]
pub struct ApiListArgs {
    /// Only the operations of this tag, such as Portfolios (case-insensitive).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only the operations whose id, path or tag contains this word
    /// (case-insensitive).
    #[arg(long, value_name = "WORD")]
    pub search: Option<String>,
    /// The service whose operations to list.
    /// (also accepted before the command: `lusid api --service drive ...`).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

/// Arguments of `lusid api describe`.
#[derive(Debug, Args)]
pub struct ApiDescribeArgs {
    /// The operationId, such as ListPortfolios.
    pub operation: String,
    /// The service the operation belongs to.
    /// (also accepted before the command: `lusid api --service drive ...`).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

/// Arguments of `lusid api OPERATION` (parsed from what follows `api`).
#[derive(Debug, Parser)]
#[command(
    name = "lusid api",
    about = "Call a LUSID operation.",
    after_help = "See `lusid api describe OPERATION` for its parameters and body."
)]
pub struct ApiCallArgs {
    /// The operationId, such as ListPortfolios.
    pub operation: String,
    /// A parameter by its wire name (`-p scope=uk-equities`); repeat the
    /// name for each value of a list parameter.
    #[arg(
        short = 'p',
        long = "param",
        value_name = "NAME=VALUE",
        allow_hyphen_values = true
    )]
    pub params: Vec<String>,
    /// The request body: a file, or `-` for stdin. JSON bodies are checked
    /// against the operation's schema and sent byte for byte as written.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Follow `nextPage` to the last page (paged operations only), with
    /// asAt pinned and every other parameter unchanged.
    #[arg(long)]
    pub all_pages: bool,
    /// Output format: json writes the response as LUSID sent it (with
    /// --all-pages, one array of every page's items); ndjson writes one
    /// item of a page per line (a response without items as one line).
    #[arg(long, value_enum, default_value_t = ApiFormat::Json)]
    pub format: ApiFormat,
    /// Write to this file instead of stdout (`-` is stdout), replaced only
    /// when the call succeeded.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print the request as JSON (method, url, headers without
    /// Authorization, body) and send nothing, not even a token request.
    #[arg(long)]
    pub dry_run: bool,
    /// The service the operation belongs to.
    /// (also accepted before the command: `lusid api --service drive ...`).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// The global options, also accepted after the operation.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// How `lusid api` writes a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiFormat {
    /// JSON, as LUSID sent it.
    Json,
    /// One JSON value per line.
    Ndjson,
}

/// `lusid drive` commands.
#[derive(Debug, Subcommand)]
pub enum DriveCommand {
    /// List a folder (default `/`): type, size, updatedOn and name, one
    /// item a line, tab-separated.
    Ls(DriveLsArgs),
    /// Upload a local file to a Drive path such as /reports/2026/q4.csv
    /// (streamed; missing folders are created; a path ending in `/` keeps
    /// the local file's name).
    Upload(DriveUploadArgs),
    /// Download a Drive file to a local file (streamed to a temporary file
    /// beside it, renamed into place on success; `-` is stdout).
    Download(DriveDownloadArgs),
    /// Create a folder and any missing parents.
    Mkdir(DrivePathArgs),
    /// Delete a file or a folder.
    Rm(DrivePathArgs),
}

/// Arguments of `lusid drive ls`.
#[derive(Debug, Args)]
pub struct DriveLsArgs {
    /// The folder, such as /reports/2026.
    #[arg(default_value = "/")]
    pub path: String,
}

/// Arguments of `lusid drive upload`.
#[derive(Debug, Args)]
pub struct DriveUploadArgs {
    /// The local file.
    pub local: PathBuf,
    /// Where in Drive, such as /reports/2026/q4.csv.
    pub drive_path: String,
}

/// Arguments of `lusid drive download`.
#[derive(Debug, Args)]
pub struct DriveDownloadArgs {
    /// The Drive file, such as /reports/2026/q4.csv.
    pub drive_path: String,
    /// The local file (`-` for stdout).
    pub local: PathBuf,
    /// Replace the local file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// A Drive path argument.
#[derive(Debug, Args)]
pub struct DrivePathArgs {
    /// The Drive path, such as /reports/2026.
    pub path: String,
}

/// Arguments of `lusid sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL text, or `-` to read it from stdin.
    pub query: Option<String>,
    /// Read the SQL from this file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// csv and json as Luminesce sends them; table as aligned columns.
    /// Default: table on a terminal, csv otherwise.
    #[arg(long, value_enum)]
    pub format: Option<SqlFormat>,
    /// Write to this file instead of stdout, replaced only on success.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Run it in the background (StartQuery, then poll GetProgressOf, then
    /// fetch the result): for queries that outlast one HTTP request.
    #[arg(long)]
    pub background: bool,
    /// Luminesce's timeoutSeconds for the query.
    #[arg(long, value_name = "SECONDS")]
    pub timeout_seconds: Option<u32>,
}

/// How `lusid sql` writes the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormat {
    /// CSV, as Luminesce sends it.
    Csv,
    /// JSON (an array of row objects), as Luminesce sends it.
    Json,
    /// Aligned columns for a terminal.
    Table,
}

/// Arguments of `lusid completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Shells `lusid completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// GNU bash (`source <(lusid completions bash)`).
    Bash,
    /// zsh (write it as `_lusid` into a directory on `$fpath`).
    Zsh,
    /// fish (write it to `~/.config/fish/completions/lusid.fish`).
    Fish,
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every resolved setting, secrets masked, and where it came from;
    /// and which required settings are missing.
    Show,
}

/// Instrument commands.
#[derive(Debug, Subcommand)]
pub enum InstrumentsCommand {
    /// Extract instruments (every page unless --limit), streamed as they arrive.
    List(ListArgs),
    /// Get one instrument by an identifier, such as `Figi BBG000BLNNH6` or `Currency GBP`.
    Get(GetArgs),
    /// Delete one instrument by an identifier (LUSID keeps its history:
    /// reads at an earlier --as-at still see it). Prints LUSID's response.
    Delete(DeleteArgs),
    /// Load instruments from a CSV, NDJSON or JSON file (or stdin), in
    /// batches, every row accounted for in the --report.
    Upsert(UpsertArgs),
}

/// Arguments of `lusid instruments upsert`.
#[derive(Debug, Args)]
pub struct UpsertArgs {
    /// The input file, or `-` for stdin: `InstrumentDefinition`s or
    /// instruments as `instruments list` writes them (NDJSON or a JSON
    /// array), or CSV with a header (`name`, identifier types such as Figi,
    /// Isin, ClientInternal, and `property:Instrument/<scope>/<code>`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The input's format (default: from the file's extension; NDJSON for stdin).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// A JSON file renaming CSV columns, naming the correlation id column
    /// and declaring metric properties (see docs/cli.md).
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Instrument scope to upsert into (LUSID's default: `default`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Rows per request (1 to 2000, LUSID's limit for UpsertInstruments).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2000,
        value_parser = parse::whole_usize(1, 2000),
        allow_negative_numbers = true
    )]
    pub batch_size: usize,
    /// Requests in flight at once (1 to 64).
    #[arg(
        long,
        value_name = "N",
        default_value_t = lusid::bulk::DEFAULT_CONCURRENCY,
        value_parser = parse::whole_usize(1, 64),
        allow_negative_numbers = true
    )]
    pub concurrency: usize,
    /// Check every row and report; send nothing.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Append one NDJSON line per row (row, id, outcome, LUID or error) to
    /// this file, flushed after every batch.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Read a previous report and send only the rows it does not record as
    /// upserted; new lines are appended to it unless --report names another file.
    #[arg(long, value_name = "PATH")]
    pub resume: Option<PathBuf>,
}

/// The format of an upsert's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
}

/// The bitemporal and property options `list` and `get` share.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Instrument scope (LUSID's default: `default`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Bitemporal asAt: see the master as it was recorded at this instant
    /// (an RFC 3339 date-time, such as 2024-01-31T00:00:00Z).
    #[arg(long, value_name = "DATETIME", value_parser = parse::as_at)]
    pub as_at: Option<time::OffsetDateTime>,
    /// Bitemporal effectiveAt: an RFC 3339 date-time, a date (2024-01-31) or
    /// a cut label (2024-01-31NLondonClose).
    #[arg(long, value_name = "DATETIME", value_parser = parse::effective_at)]
    pub effective_at: Option<String>,
    /// Property keys to include (Domain/scope/code), comma-separated or
    /// repeated; the table and CSV formats get one column each.
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub property_keys: Vec<String>,
    /// Write to this file instead of stdout (`-` is stdout). A regular file
    /// is replaced atomically, keeping its permissions; devices and pipes
    /// are written in place; a symbolic link's target is replaced.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Arguments of `lusid instruments list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Scope, asAt, effectiveAt, property keys and output.
    #[command(flatten)]
    pub read: ReadArgs,
    /// LUSID filter expression, such as `State eq 'Active'`.
    #[arg(long)]
    pub filter: Option<String>,
    /// Sort order, such as `Name` or `-Name` (descending); repeat or
    /// separate with commas for several criteria.
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort_by: Vec<String>,
    /// Instruments per page (1 to 2000, LUSID's limit for ListInstruments).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2000,
        value_parser = parse::whole(1, 2000),
        allow_negative_numbers = true
    )]
    pub page_size: u64,
    /// Stop after this many instruments (1 or more).
    #[arg(
        long,
        value_name = "N",
        value_parser = parse::whole(1, u64::MAX),
        allow_negative_numbers = true
    )]
    pub limit: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Arguments of `lusid instruments get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Identifier type: Figi, Isin, Ticker, ClientInternal, Currency, LusidInstrumentId, ...
    pub identifier_type: String,
    /// The identifier's value.
    pub identifier: String,
    /// Scope, asAt, effectiveAt, property keys and output.
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output format (json: the instrument exactly as LUSID sent it).
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Arguments of `lusid instruments delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Identifier type: Figi, Isin, ClientInternal, LusidInstrumentId, ...
    pub identifier_type: String,
    /// The identifier's value.
    pub identifier: String,
    /// Instrument scope (LUSID's default: `default`).
    #[arg(long)]
    pub scope: Option<String>,
}

/// How instruments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON array of instruments as LUSID sends them (`get`: the one
    /// instrument).
    Json,
    /// One instrument per line, as LUSID sends it.
    Ndjson,
    /// Flat CSV: lusidInstrumentId, name, scope, state, effectiveFrom,
    /// asAtDate, one column per --property-keys key, then the identifiers
    /// as a JSON object (`{"Figi":"BBG..."}`).
    Csv,
    /// The CSV columns, aligned for reading.
    Table,
}

/// Arguments of `lusid emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Number of synthetic equities besides the ISO 4217 currencies.
    #[arg(long, value_name = "N", value_parser = parse::whole_usize(0, usize::MAX), allow_negative_numbers = true)]
    pub equities: Option<usize>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse::whole(1, u64::MAX), allow_negative_numbers = true)]
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
    /// Write a secrets file (the web app's export format) for this emulator,
    /// at PATH (relative to the current directory), mode 0600. An earlier
    /// file there is replaced; a symbolic link is refused. With --tls it
    /// names the CA certificate in `clientCertificate` (written beside it as
    /// `<stem>-ca.pem` unless --ca-certificate is given).
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
    #[arg(long, value_name = "N", value_parser = parse::whole(0, u64::MAX), allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Keep upserted and deleted instruments in this JSON file (written
    /// atomically after every change, read back at start).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Keep Drive's folders and files in this directory (created if
    /// missing; the tree in `drive.json`, contents in `objects/`), so they
    /// survive a restart. Without it Drive is kept in memory.
    #[arg(long, value_name = "DIR")]
    pub drive_dir: Option<PathBuf>,
    /// Seed of the random faults (equal seeds and request sequences give
    /// equal faults).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse::whole(0, u64::MAX), allow_negative_numbers = true)]
    pub fault_seed: u64,
    /// Fraction (0 to 1) of API responses replaced by 429.
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub api_throttle: Option<f64>,
    /// Fraction of API responses replaced by 500, 502, 503 or 504.
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub api_server_errors: Option<f64>,
    /// Fraction of API requests whose connection is closed without a response.
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub api_drop: Option<f64>,
    /// Latency added to every API response, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = parse::whole(0, u64::MAX), allow_negative_numbers = true)]
    pub api_latency_ms: Option<u64>,
    /// Fraction of token responses replaced by 429 (with Okta's X-Rate-Limit-* headers).
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub token_throttle: Option<f64>,
    /// Fraction of token responses replaced by 500, 502, 503 or 504.
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub token_server_errors: Option<f64>,
    /// Fraction of token requests whose connection is closed without a response.
    #[arg(long, value_name = "FRACTION", value_parser = parse::fraction, allow_negative_numbers = true)]
    pub token_drop: Option<f64>,
    /// Latency added to every token response, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = parse::whole(0, u64::MAX), allow_negative_numbers = true)]
    pub token_latency_ms: Option<u64>,
    /// How 429s spell Retry-After: seconds, fractional, http-date, absent or upper-case.
    #[arg(long, value_name = "STYLE", default_value = "seconds", value_parser = retry_after_style)]
    pub retry_after: lusid_emulator::RetryAfterStyle,
    /// The wait 429s ask for, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = parse::whole(0, u64::MAX), allow_negative_numbers = true)]
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
