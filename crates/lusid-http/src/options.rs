use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A shared count of the retries made by every call it is given to
/// ([`CallOptions::retry_tally`]): each retry the stack's retry layer makes
/// (after a 429, a 5xx, a broken connection or a rejected token) adds one.
/// Clones share the count. Compares equal only to its own clones.
#[derive(Debug, Clone, Default)]
pub struct RetryTally(Arc<AtomicU64>);

impl RetryTally {
    /// A tally at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The retries counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one retry.
    pub(crate) fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl PartialEq for RetryTally {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RetryTally {}

/// Per-call settings, carried in a request's extensions
/// (`request.extensions().get::<CallOptions>()`), that override the stack's
/// defaults for that call only.
///
/// The generated request builders set them with `.attempt_timeout(..)`,
/// `.total_timeout(..)` and `.retry_tally(..)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// How long one attempt may take, including reading the response body.
    pub attempt_timeout: Option<Duration>,
    /// How long the whole call may take, every retry and wait included.
    pub total_timeout: Option<Duration>,
    /// Where this call's retries are also counted.
    pub retry_tally: Option<RetryTally>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Overrides the per-attempt timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Overrides the total timeout.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Counts this call's retries into `tally` as well.
    pub fn retry_tally(mut self, tally: RetryTally) -> Self {
        self.retry_tally = Some(tally);
        self
    }

    /// Whether any setting is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Asks the transport to stream the response body instead of reading it
/// whole: put it in a request's extensions (file downloads do). The
/// per-attempt timeout then bounds the wait for the response head, and the
/// [idle timeout](crate::TransportSettings::idle_timeout) each gap between
/// chunks of the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamResponse;
