//! Rust SDK for the LUSID investment-data REST API.
//!
//! This facade composes the layered crates, which can also be used alone:
//!
//! | module | crate | owns |
//! | --- | --- | --- |
//! | [`auth`] | `lusid-auth` | credentials (secrets file, `FBN_*` variables, personal access tokens), OAuth2 grants and the token cache |
//! | [`stack`] | `lusid-http` | the one transport (hyper-util over rustls, proxy, CA bundle) and the tower stack: tracing, retry, auth, timeouts |
//! | [`retry`] | `lusid-retry` | the retry policy token requests and API calls share |
//! | [`models`] | `lusid-models` | serde types of every request and response (generated) |
//! | [`api`] | `lusid-api` | one method per LUSID operation, and paginators (generated) |
//!
//! Extract the whole instrument master:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = lusid::Client::builder().secrets_file("secrets.json").build()?;
//! let mut instruments = client.instruments().list_instruments().into_stream();
//! while let Some(instrument) = instruments.try_next().await? {
//!     println!("{} {}", instrument.lusid_instrument_id, instrument.name);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

#[cfg(feature = "blocking")]
pub mod blocking;
mod builder;
pub mod bulk;
mod client;
mod error;
// The accessor of each compiled API group; empty without tag features.
#[allow(unused_imports)]
mod generated;
mod hooks;
mod settings;

/// The traits that make paged results easy to consume:
/// `use lusid::prelude::*;` brings `TryStreamExt` (`try_next`,
/// `try_collect`, `map_ok`, …) and `StreamExt` into scope, with
/// [`Client`] and [`Error`].
pub mod prelude {
    pub use crate::{Client, Error};
    pub use futures_util::{StreamExt as _, TryStreamExt as _};
}

/// The date-time crate the models use for `asAt`, `effectiveAt` and every
/// other date-time (`time::OffsetDateTime`), re-exported so you need no
/// dependency of your own at a matching version.
pub use time;

pub use builder::ClientBuilder;
pub use client::Client;
pub use error::BuildError;

/// Endpoint methods: the `lusid-api` crate.
pub use lusid_api as api;
/// Credentials and tokens: the `lusid-auth` crate.
pub use lusid_auth as auth;
/// The transport and the tower service stack: the `lusid-http` crate
/// (named `stack` so it does not shadow the `http` crate in your code).
pub use lusid_http as stack;
/// Wire types of the LUSID API: the `lusid-models` crate.
pub use lusid_models as models;
/// The retry policy shared by token requests and API calls: the
/// `lusid-retry` crate.
pub use lusid_retry as retry;

/// The error of a LUSID call: its status, LUSID's problem details, request id
/// and operation (see [`lusid_api::Error`]).
pub use lusid_api::{Error, ErrorKind};
