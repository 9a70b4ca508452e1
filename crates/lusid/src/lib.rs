//! Rust SDK for the LUSID investment-data REST API.
//!
//! This facade composes the layered crates, which can also be used alone:
//!
//! | module | crate | owns |
//! | --- | --- | --- |
//! | [`auth`] | `lusid-auth` | credentials (secrets file, `FBN_*` variables, personal access tokens) and the token cache |
//! | [`http`] | `lusid-http` | the tower stack: tracing, retry, auth, headers, timeouts, hyper over rustls |
//! | [`models`] | `lusid-models` | serde types of every request and response (generated) |
//! | [`api`] | `lusid-api` | one method per LUSID operation, and paginators (generated) |
//!
//! Extract the whole instrument master:
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = lusid::Client::builder().secrets_file("secrets.json").build()?;
//! let mut instruments = std::pin::pin!(client.instruments().list_instruments().into_stream());
//! while let Some(instrument) = instruments.try_next().await? {
//!     println!("{} {}", instrument.lusid_instrument_id, instrument.name);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod builder;
mod client;
mod error;

pub use builder::ClientBuilder;
pub use client::Client;
pub use error::BuildError;

/// Endpoint methods: the `lusid-api` crate.
pub use lusid_api as api;
/// Credentials and tokens: the `lusid-auth` crate.
pub use lusid_auth as auth;
/// The tower service stack: the `lusid-http` crate.
pub use lusid_http as http;
/// Wire types of the LUSID API: the `lusid-models` crate.
pub use lusid_models as models;

/// The error of a LUSID call: its status, LUSID's problem details, request id
/// and operation (see [`lusid_api::Error`]).
pub use lusid_api::Error;
