//! The tower service stack under every LUSID call.
//!
//! Requests and responses are fully buffered [`Request`]/[`Response`] values
//! (`http::Request<Bytes>`, `http::Response<Bytes>`): a retried attempt sends
//! the same bytes, and a per-attempt timeout covers reading the whole body.
//! A LUSID page is bounded (at most 5000 items), so buffering one page at a
//! time keeps memory bounded per request.
//!
//! The stack, outermost first (see [`StackBuilder`]):
//!
//! 1. tracing span per call
//! 2. total timeout of the call
//! 3. retry ([`RetryPolicy`]): 429, 502, 503, 504 and connection failures,
//!    honouring `Retry-After`, within a shared [`RetryBudget`]
//! 4. user layers added with [`StackBuilder::layer`]
//! 5. auth: `Authorization: Bearer …` read from a [`lusid_auth::TokenProvider`]
//!    on every attempt; one retry after a 401
//! 6. default headers (SDK, application, correlation id) and base URL
//! 7. per-attempt timeout
//! 8. gzip/brotli decoding and the hyper-util connection pool over rustls
//!    (`ring` provider), through an optional CONNECT [`Proxy`]
//!
//! See `docs/retries-and-timeouts.md` and `docs/custom-layers.md`.
//!
//! Every request carries an [`Operation`] in its extensions so layers know
//! which LUSID operation they see and whether it is safe to retry.

#![deny(missing_docs)]

mod error;
mod operation;
mod options;
mod proxy;
mod stack;
mod transport;

pub mod layers;

pub use error::{Error, TimeoutKind};
pub use layers::{RetryBudget, RetryPolicy};
pub use operation::Operation;
pub use options::CallOptions;
pub use proxy::Proxy;
pub use stack::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, HttpService,
    StackBuilder,
};

/// A buffered request as it travels down the stack.
///
/// The URI is relative to the LUSID base URL (path and query, such as
/// `/api/instruments?limit=10`) until the base-URL layer makes it absolute.
pub type Request = http::Request<bytes::Bytes>;

/// A buffered response as it travels up the stack. Error statuses are
/// responses too: turning a 4xx/5xx into an error is the API crate's job, so
/// layers (retry, user layers) can see every status.
pub type Response = http::Response<bytes::Bytes>;

/// The boxed error type tower middleware passes around.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
