//! Retry decisions shared by the LUSID token client (`lusid-auth`) and the
//! LUSID API stack (`lusid-http`).
//!
//! One [`RetryPolicy`] decides for both, split in three parts:
//!
//! - **which outcomes are retryable** ([`Outcome`], [`Classification`]):
//!   `429` always; `502`, `503`, `504`, `500`, a connection that broke after
//!   sending and a per-attempt timeout only for idempotent requests; a
//!   connection that could not be made always (nothing was sent); a `401`
//!   once (a fresh token may work); everything else never;
//! - **how long to wait** ([`server_wait`], [`Backoff`]): the response's
//!   `Retry-After` (seconds, fractional seconds or an HTTP date) or Okta's
//!   `X-Rate-Limit-Reset` (Unix seconds), capped; otherwise exponential
//!   backoff with full jitter;
//! - **how many overall**: separate bounds for rate limits and for other
//!   failures, and a [`RetryBudget`] shared by every call of one client.
//!
//! A [`RetryState`] carries the counts of one call (or one token request):
//!
//! ```
//! use std::time::Duration;
//! use lusid_retry::{Outcome, RetryPolicy};
//!
//! let policy = RetryPolicy::default().max_rate_limit_retries(2);
//! let mut state = policy.start();
//! let headers = http::HeaderMap::new();
//! let throttled = Outcome::Response { status: http::StatusCode::TOO_MANY_REQUESTS, headers: &headers };
//! assert!(state.next_wait(&throttled, false).is_some());
//! assert!(state.next_wait(&throttled, false).is_some());
//! assert_eq!(state.next_wait(&throttled, false), None); // 2 retries: 3 attempts
//! assert_eq!(state.attempts(), 3);
//! ```
//!
//! The caller sleeps for the returned wait and sends again; this crate does
//! no I/O and never sleeps.

#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod backoff;
mod budget;
mod classify;
mod policy;
mod server_wait;

pub use backoff::Backoff;
pub use budget::RetryBudget;
pub use classify::{Classification, FailureKind, Outcome, classify};
pub use policy::{RetryPolicy, RetryState};
pub use server_wait::{parse_retry_after, server_wait};
