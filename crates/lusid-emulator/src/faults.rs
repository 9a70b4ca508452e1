//! Scripted faults: queued responses that replace the next matching
//! response, and a latency knob, for testing clients' retry and timeout
//! behaviour deterministically.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use fastrand::Rng;

use crate::fault_profile::FaultProfile;

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
    /// Close the TCP connection without sending a response.
    Drop,
    /// Serve the real response (a slot in a script such as `429,429,200`).
    Pass,
    /// Write exactly this response on the wire, keeping the header names'
    /// case as given (e.g. `RETRY-AFTER`), then close the connection. A
    /// `lusid-meta-requestId`, `Content-Length` and `Connection: close` are
    /// added.
    Raw {
        /// HTTP status code.
        status: u16,
        /// Headers (name as it should appear on the wire, value).
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
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

/// A script entry that [`Fault::parse`] or [`Faults::push_api_script`]
/// could not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid fault '{entry}': expected a status (200 passes, 429, 500, 502, 503, 504, …), `429:<retry-after>`, `drop` or `delay:<ms>`"
)]
pub struct FaultParseError {
    /// The entry as written.
    pub entry: String,
}

impl Fault {
    /// Reads one script entry: `200`/`ok`/`pass` (serve normally), a status
    /// such as `429` or `503`, `429:2` (with `Retry-After: 2`; any value,
    /// e.g. `429:0.5`), `drop` (close the connection) or `delay:250`
    /// (milliseconds, then serve normally).
    pub fn parse(entry: &str) -> Result<Self, FaultParseError> {
        let error = || FaultParseError {
            entry: entry.to_owned(),
        };
        let trimmed = entry.trim();
        let lower = trimmed.to_ascii_lowercase();
        match lower.as_str() {
            "200" | "ok" | "pass" => return Ok(Self::Pass),
            "drop" => return Ok(Self::Drop),
            _ => {}
        }
        if let Some(ms) = lower.strip_prefix("delay:") {
            let ms: u64 = ms
                .trim()
                .trim_end_matches("ms")
                .parse()
                .map_err(|_| error())?;
            return Ok(Self::Delay(Duration::from_millis(ms)));
        }
        let (status, retry_after) = match trimmed.split_once(':') {
            Some((status, retry_after)) => (status, Some(retry_after.trim())),
            None => (trimmed, None),
        };
        let status: u16 = status.trim().parse().map_err(|_| error())?;
        if !(100..=599).contains(&status) {
            return Err(error());
        }
        Ok(match retry_after {
            Some(value) if !value.is_empty() => Self::status_with_retry_after(status, value),
            Some(_) => return Err(error()),
            None => Self::status(status),
        })
    }

    /// Reads a comma-separated script such as `429,429,200` or
    /// `503:1, drop, 200`.
    pub fn parse_script(script: &str) -> Result<Vec<Self>, FaultParseError> {
        script
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(Self::parse)
            .collect()
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
    profile: FaultProfile,
    api_rng: Option<Rng>,
    token_rng: Option<Rng>,
}

/// Which random fault a request drew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RandomKind {
    /// A 429 (`FaultRates::throttle`).
    Throttle,
    /// A 500, 502, 503 or 504 (`FaultRates::server_error`).
    ServerError,
    /// A dropped connection (`FaultRates::drop`).
    Drop,
}

/// Where a served fault came from, so that its response can say so.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FaultOrigin {
    /// Queued by a script (`--api-script`, `Faults::push_api`, …).
    Scripted {
        /// A token-endpoint script.
        token: bool,
    },
    /// Drawn from the random profile.
    Random {
        /// A token-endpoint draw.
        token: bool,
        /// What was drawn.
        kind: RandomKind,
        /// The configured fraction of that kind.
        rate: f64,
        /// The profile's seed.
        seed: u64,
    },
}

impl FaultOrigin {
    /// One sentence naming the fault and the setting that produced it, for
    /// problem details and OAuth error descriptions.
    pub(crate) fn describe(&self) -> String {
        match self {
            FaultOrigin::Scripted { token: false } => "Scripted fault: the next entry of the emulator's API fault script (--api-script, Faults::push_api).".to_owned(),
            FaultOrigin::Scripted { token: true } => "Scripted fault: the next entry of the emulator's token fault script (--token-script, Faults::push_token).".to_owned(),
            FaultOrigin::Random {
                token,
                kind,
                rate,
                seed,
            } => {
                let endpoint = if *token { "token" } else { "api" };
                let (what, flag) = match kind {
                    RandomKind::Throttle => ("429", "throttle"),
                    RandomKind::ServerError => ("500, 502, 503 or 504", "server-errors"),
                    RandomKind::Drop => ("a dropped connection", "drop"),
                };
                let requests = if *token { "token requests" } else { "API requests" };
                format!(
                    "Random fault: the emulator's fault profile answers a fraction {rate} of {requests} with {what} (--{endpoint}-{flag} {rate}, --fault-seed {seed}); sending the request again usually succeeds."
                )
            }
        }
    }
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

    /// Queues a script for API requests (any operation), e.g.
    /// `429,429,200`; see [`Fault::parse`].
    pub fn push_api_script(&self, script: &str) -> Result<(), FaultParseError> {
        for fault in Fault::parse_script(script)? {
            self.push_api(fault);
        }
        Ok(())
    }

    /// Queues a script for one API operation (LUSID operation id).
    pub fn push_api_script_for(
        &self,
        operation: &str,
        script: &str,
    ) -> Result<(), FaultParseError> {
        for fault in Fault::parse_script(script)? {
            self.push_api_for(operation, fault);
        }
        Ok(())
    }

    /// Queues a script for token requests.
    pub fn push_token_script(&self, script: &str) -> Result<(), FaultParseError> {
        for fault in Fault::parse_script(script)? {
            self.push_token(fault);
        }
        Ok(())
    }

    /// Replaces the random fault profile (and restarts its draws from its
    /// seed). Scripted faults are served first; a request no script
    /// matches draws from the profile.
    pub fn set_profile(&self, profile: FaultProfile) {
        let mut state = self.lock();
        state.api_rng = Some(Rng::with_seed(profile.seed));
        state.token_rng = Some(Rng::with_seed(profile.seed ^ 0x7031_3e4b_70c3_11e5));
        state.profile = profile;
    }

    /// The current random fault profile.
    pub fn profile(&self) -> FaultProfile {
        self.lock().profile.clone()
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

    /// The next fault for an API (`false`) or token (`true`) request: the
    /// script first, then a draw from the profile; with where it came from.
    pub(crate) fn next(&self, token: bool, operation: &str) -> Option<(Fault, FaultOrigin)> {
        let scripted = if token {
            self.take_token()
        } else {
            self.take_api(operation)
        };
        if let Some(fault) = scripted {
            return Some((fault, FaultOrigin::Scripted { token }));
        }
        let mut state = self.lock();
        let state = &mut *state;
        let seed = state.profile.seed;
        let (rates, rng) = if token {
            (&state.profile.token, &mut state.token_rng)
        } else {
            (&state.profile.api, &mut state.api_rng)
        };
        let rng = rng.as_mut()?;
        let fault = rates.draw(rng)?;
        let (kind, rate) = match &fault {
            Fault::Drop => (RandomKind::Drop, rates.drop),
            Fault::Status { status: 429, .. } | Fault::Raw { status: 429, .. } => {
                (RandomKind::Throttle, rates.throttle)
            }
            _ => (RandomKind::ServerError, rates.server_error),
        };
        Some((
            fault,
            FaultOrigin::Random {
                token,
                kind,
                rate,
                seed,
            },
        ))
    }

    /// The configured latency for API (`false`) or token (`true`) requests:
    /// the explicit latency plus the profile's.
    pub(crate) fn latency(&self, token: bool) -> Duration {
        let state = self.lock();
        if token {
            state.token_latency + state.profile.token.latency
        } else {
            state.api_latency + state.profile.api.latency
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

    #[test]
    fn scripts_parse_and_play_in_order() {
        assert_eq!(
            Fault::parse_script("429, 429:0.5 ,200,drop,delay:20,503"),
            Ok(vec![
                Fault::status(429),
                Fault::status_with_retry_after(429, "0.5"),
                Fault::Pass,
                Fault::Drop,
                Fault::Delay(Duration::from_millis(20)),
                Fault::status(503),
            ])
        );
        assert!(Fault::parse("teapot").is_err());
        assert!(Fault::parse("42").is_err());
        assert!(Fault::parse("429:").is_err());
        let faults = Faults::default();
        assert!(faults.push_api_script("429,x").is_err());
        assert_eq!(faults.pending_api(), 0);
        faults
            .push_token_script("429,200")
            .unwrap_or_else(|e| panic!("{e}"));
        let scripted = FaultOrigin::Scripted { token: true };
        assert_eq!(
            faults.next(true, ""),
            Some((Fault::status(429), scripted.clone()))
        );
        assert_eq!(faults.next(true, ""), Some((Fault::Pass, scripted)));
        assert_eq!(faults.next(true, ""), None);
    }
}
