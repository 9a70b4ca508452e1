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

/// The FINBOURNE Access API (feature `access`): the `finbourne-access` crate, reached with
/// [`Client::access`].
#[cfg(feature = "access")]
pub use finbourne_access as access;
/// The FINBOURNE Horizon API (feature `horizon`): the `finbourne-horizon` crate, reached with
/// [`Client::horizon`].
#[cfg(feature = "horizon")]
pub use finbourne_horizon as horizon;
/// The FINBOURNE Identity API (feature `identity`): the `finbourne-identity` crate, reached with
/// [`Client::identity`].
#[cfg(feature = "identity")]
pub use finbourne_identity as identity;
/// The FINBOURNE Insights API (feature `insights`): the `finbourne-insights` crate, reached with
/// [`Client::insights`].
#[cfg(feature = "insights")]
pub use finbourne_insights as insights;
/// Endpoint methods: the `lusid-api` crate.
pub use lusid_api as api;
/// Credentials and tokens: the `lusid-auth` crate.
pub use lusid_auth as auth;
/// The FINBOURNE Configuration API (feature `configuration`): the `lusid-configuration` crate, reached with
/// [`Client::configuration`].
#[cfg(feature = "configuration")]
pub use lusid_configuration as configuration;
/// The FINBOURNE Drive API (feature `drive`): the `lusid-drive` crate, reached with
/// [`Client::drive`].
#[cfg(feature = "drive")]
pub use lusid_drive as drive;
/// The transport and the tower service stack: the `lusid-http` crate
/// (named `stack` so it does not shadow the `http` crate in your code).
pub use lusid_http as stack;
/// The FINBOURNE Luminesce API (feature `luminesce`): the `lusid-luminesce` crate, reached with
/// [`Client::luminesce`].
#[cfg(feature = "luminesce")]
pub use lusid_luminesce as luminesce;
/// Wire types of the LUSID API: the `lusid-models` crate.
pub use lusid_models as models;
/// The FINBOURNE Notifications API (feature `notifications`): the `lusid-notifications` crate, reached with
/// [`Client::notifications`].
#[cfg(feature = "notifications")]
pub use lusid_notifications as notifications;
/// The retry policy shared by token requests and API calls: the
/// `lusid-retry` crate.
pub use lusid_retry as retry;
/// The FINBOURNE Scheduler API (feature `scheduler`): the `lusid-scheduler` crate, reached with
/// [`Client::scheduler`].
#[cfg(feature = "scheduler")]
pub use lusid_scheduler as scheduler;
/// The FINBOURNE Workflow API (feature `workflow`): the `lusid-workflow` crate, reached with
/// [`Client::workflow`].
#[cfg(feature = "workflow")]
pub use lusid_workflow as workflow;

/// The error of a LUSID call: its status, LUSID's problem details, request id
/// and operation (see [`lusid_api::Error`]).
pub use lusid_api::{Error, ErrorKind};

/// Compiles the examples of docs/services.md (doc-tests only).
#[cfg(all(doctest, feature = "services"))]
#[doc = include_str!("../../../docs/services.md")]
pub struct ServicesDoc;
