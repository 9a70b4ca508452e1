//! Scripted faults: queued responses that replace the next matching
//! response, and a latency knob, for testing clients' retry and timeout
//! behaviour deterministically.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// One scripted fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` instead of the real response. API routes get a
    /// LUSID problem body (`ApiRateLimitViolation` for 429, otherwise the
    /// reason phrase as the name, code -1); the token endpoint gets an
    /// Okta-style error body. `retry_after`, if set, becomes the
    /// `Retry-After` header verbatim (seconds or an HTTP date).
    Status {
        /// HTTP status code (e.g. 429, 500, 503).
        status: u16,
        /// `Retry-After` header value.
        retry_after: Option<String>,
    },
    /// Answer with exactly this response.
    Response {
        /// HTTP status code.
        status: u16,
        /// Extra headers (name, value).
        headers: Vec<(String, String)>,
        /// Body, served as `application/json` unless a `content-type`
        /// header is given.
        body: String,
    },
    /// Wait this long, then serve the real response (simulates a slow
    /// server for one request; use a long delay to provoke client timeouts).
    Delay(Duration),
}

impl Fault {
    /// `Fault::Status` without `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }

    /// `Fault::Status` with a `Retry-After` header.
    pub fn status_with_retry_after(status: u16, retry_after: impl Into<String>) -> Self {
        Self::Status {
            status,
            retry_after: Some(retry_after.into()),
        }
    }
}

/// A queued fault and the API operation it is restricted to (if any).
#[derive(Clone, Debug)]
struct ApiRule {
    operation: Option<String>,
    fault: Fault,
}

#[derive(Debug, Default)]
struct FaultState {
    api: VecDeque<ApiRule>,
    token: VecDeque<Fault>,
    api_latency: Duration,
    token_latency: Duration,
}

/// Handle to the emulator's fault script; cheap to clone, shared with the
/// running server.
///
/// Faults are served in the order queued, each once. An API fault queued
/// with [`Faults::push_api`] matches any request under `/api/`; one queued
/// with [`Faults::push_api_for`] matches only that operation (LUSID
/// operation id, e.g. `"ListInstruments"`). Faults are applied before the
/// bearer token is checked, as a gateway's would be.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    inner: Arc<Mutex<FaultState>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a fault for the next API request (any operation).
    pub fn push_api(&self, fault: Fault) {
        self.lock().api.push_back(ApiRule {
            operation: None,
            fault,
        });
    }

    /// Queues a fault for the next request to one API operation, named by
    /// its LUSID operation id (`ListInstruments`, `GetInstrument`,
    /// `GetInstruments`, `UpsertInstruments`, `DeleteInstrument`).
    pub fn push_api_for(&self, operation: impl Into<String>, fault: Fault) {
        self.lock().api.push_back(ApiRule {
            operation: Some(operation.into()),
            fault,
        });
    }

    /// Queues a fault for the next token request.
    pub fn push_token(&self, fault: Fault) {
        self.lock().token.push_back(fault);
    }

    /// Adds `latency` before every API response (zero to turn off).
    pub fn set_api_latency(&self, latency: Duration) {
        self.lock().api_latency = latency;
    }

    /// Adds `latency` before every token response (zero to turn off).
    pub fn set_token_latency(&self, latency: Duration) {
        self.lock().token_latency = latency;
    }

    /// Number of API faults still queued.
    pub fn pending_api(&self) -> usize {
        self.lock().api.len()
    }

    /// Number of token faults still queued.
    pub fn pending_token(&self) -> usize {
        self.lock().token.len()
    }

    /// Drops all queued faults and resets latencies to zero.
    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    /// Removes and returns the first API fault matching `operation`.
    pub(crate) fn take_api(&self, operation: &str) -> Option<Fault> {
        let mut state = self.lock();
        let position = state
            .api
            .iter()
            .position(|rule| rule.operation.as_deref().is_none_or(|op| op == operation))?;
        state.api.remove(position).map(|rule| rule.fault)
    }

    /// Removes and returns the next token fault.
    pub(crate) fn take_token(&self) -> Option<Fault> {
        self.lock().token.pop_front()
    }

    /// The configured latency for API (`false`) or token (`true`) requests.
    pub(crate) fn latency(&self, token: bool) -> Duration {
        let state = self.lock();
        if token {
            state.token_latency
        } else {
            state.api_latency
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_served_in_order_and_by_operation() {
        let faults = Faults::default();
        faults.push_api_for("GetInstrument", Fault::status(500));
        faults.push_api(Fault::status_with_retry_after(503, "1"));
        assert_eq!(faults.pending_api(), 2);
        assert_eq!(
            faults.take_api("ListInstruments"),
            Some(Fault::status_with_retry_after(503, "1"))
        );
        assert_eq!(faults.take_api("ListInstruments"), None);
        assert_eq!(faults.take_api("GetInstrument"), Some(Fault::status(500)));
        faults.push_token(Fault::status(429));
        assert_eq!(faults.take_token(), Some(Fault::status(429)));
        assert_eq!(faults.take_token(), None);
        faults.set_api_latency(Duration::from_millis(5));
        assert_eq!(faults.latency(false), Duration::from_millis(5));
        faults.clear();
        assert_eq!(faults.latency(false), Duration::ZERO);
    }
}
