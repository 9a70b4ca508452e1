//! A local LUSID for development and tests.
//!
//! The emulator serves, on a loopback TCP port, an Okta-style token
//! endpoint (`POST /oauth2/default/v1/token`) and LUSID's REST surface for
//! the first workflow: the instrument master under `/api/api/instruments`
//! over deterministic seed data (the ISO 4217 currencies `CCY_<code>` and
//! synthetic equities with valid FIGIs and ISINs), property definitions,
//! transaction portfolios, transactions, holdings computed from them, and
//! quotes, all bitemporal and with exact decimals. Every other LUSID
//! operation answers 501 naming itself. [`RunningEmulator::requests`] lists
//! the requests received. Errors use LUSID's problem-details JSON; every response
//! carries a `lusid-meta-requestId` header. A [`Faults`] handle scripts
//! error responses and latency for retry tests; [`Metrics`] counts
//! requests. [`EmulatorBuilder::tls`] serves HTTPS (HTTP/2 or HTTP/1.1 by
//! ALPN) with a CA generated at start, and [`proxy::ConnectProxy`] is an
//! HTTP CONNECT proxy for tests of proxy configuration.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use lusid_emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::builder().equities(100).seed(7).start().await?;
//! emulator.write_secrets("secrets.json")?;
//! emulator.faults().push_api(Fault::status_with_retry_after(503, "1"));
//! println!("LUSID at {}", emulator.lusid_url());
//! emulator.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! See `docs/emulator.md` for routes, paging tokens, seed data and what is
//! not emulated yet.
//!
//! Where the code is: one module per LUSID domain in `domains/` (routes and
//! rules: `instruments`, `property_definitions`, `portfolios`,
//! `transactions`, `holdings`, `quotes`; Drive's `drive`), the generic bitemporal store in
//! `bitemporal` (every domain's versions, the instrument master's too), the
//! instrument master's store, seed data, filters, sorting, paging and
//! rendering in `domains/instruments`, authentication in `auth`,
//! the request path in `middleware` (journal, faults, auth, meta headers),
//! problems in `problem`, the spec's operation table in `spec_routes`.

#![deny(missing_docs)]

mod auth;
mod bitemporal;
mod builder;
mod canonical_json;
mod conn;
mod domains;
mod error;
mod fault_profile;
mod faults;
mod filter;
mod journal;
mod metrics;
mod middleware;
mod model;
mod persist;
mod problem;
pub mod proxy;
mod query;
mod running;
mod server;
mod spec_routes;
mod state;
mod time_fmt;
mod tls;

pub use builder::{
    DEFAULT_APPLICATION_NAME, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_EQUITIES,
    DEFAULT_PASSWORD, DEFAULT_SEED, DEFAULT_TOKEN_TTL, DEFAULT_USERNAME, Emulator, EmulatorBuilder,
    EmulatorCredentials,
};
pub use error::EmulatorError;
pub use fault_profile::{FaultProfile, FaultRates, RetryAfterStyle};
pub use faults::{Fault, FaultParseError, Faults};
pub use journal::{JOURNAL_CAPACITY, ReceivedRequest};
pub use metrics::Metrics;
pub use running::RunningEmulator;
