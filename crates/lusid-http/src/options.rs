use std::time::Duration;

/// Per-call settings, carried in a request's extensions
/// (`request.extensions().get::<CallOptions>()`), that override the stack's
/// defaults for that call only.
///
/// The generated request builders set them with `.attempt_timeout(..)` and
/// `.total_timeout(..)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// How long one attempt may take, including reading the response body.
    pub attempt_timeout: Option<Duration>,
    /// How long the whole call may take, every retry and wait included.
    pub total_timeout: Option<Duration>,
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
