//! The tower service stack under every LUSID call, over the one transport
//! the whole SDK sends through.
//!
//! The stack, outermost first (see [`StackBuilder`]):
//!
//! 1. [`TraceLayer`](layers::TraceLayer): one `lusid.request` span per call
//! 2. [`DefaultsLayer`](layers::DefaultsLayer): the LUSID base URL and the
//!    SDK, application and correlation headers, once per call
//! 3. the total timeout of the call
//! 4. retry ([`RetryLayer`](layers::RetryLayer) over [`RetryPolicy`]):
//!    429, outages, failed connections and timeouts, honouring
//!    `Retry-After`, within a shared [`RetryBudget`]; a 401 once
//! 5. user layers added with [`StackBuilder::layer`]
//! 6. auth ([`AuthLayer`](layers::AuthLayer)): `Authorization: Bearer …`
//!    read from a [`lusid_auth::TokenProvider`] on every attempt
//! 7. the per-attempt timeout
//! 8. the [`Transport`]: gzip decoding and the hyper-util connection
//!    pool over rustls (`ring` provider, platform roots plus the CA
//!    bundle), through an optional CONNECT [`Proxy`]
//!
//! Token requests go through the same [`Transport`]
//! ([`Transport::token_client`]) but not through the layers: the token
//! client retries them itself by the same [`RetryPolicy`], and the retry
//! layer treats a failure to get a token as final, so nothing is retried
//! twice. See `docs/architecture.md`, `docs/retries-and-timeouts.md` and
//! `docs/custom-layers.md`.
//!
//! Every request carries an [`Operation`] in its extensions so layers know
//! which LUSID operation they see and whether it is safe to retry.

#![deny(missing_docs)]

mod body;
mod error;
mod metadata;
mod operation;
mod options;
mod stack;
mod transport;

pub mod layers;

pub use body::{Body, IdleTimeoutError};
pub use error::{BuildError, Error, TimeoutKind};
pub use lusid_retry::{Backoff, FailureKind, RetryBudget, RetryPolicy};
pub use metadata::ResponseMetadata;
pub use operation::Operation;
pub use options::{CallOptions, RetryTally, StreamResponse};
pub use stack::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, HttpService, StackBuilder};
pub use transport::settings::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT};
pub use transport::{Proxy, ProxyError, Transport, TransportSettings, redacted_url};

/// The retry decisions shared with the token client: the `lusid-retry`
/// crate.
pub use lusid_retry as retry;

/// A request as it travels down the stack. The URI is relative to the
/// LUSID base URL (path and query, such as `/api/instruments?limit=10`)
/// until the defaults layer makes it absolute.
pub type Request = http::Request<Body>;

/// A response as it travels up the stack. Error statuses are responses
/// too: turning a 4xx/5xx into an error is the API crate's job, so layers
/// (retry, user layers) can see every status. The body is replayable bytes
/// unless the request asked for [`StreamResponse`].
pub type Response = http::Response<Body>;

/// The boxed error type tower middleware passes around.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
