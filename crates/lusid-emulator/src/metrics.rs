//! Request counters, readable as a [`Metrics`] snapshot.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// A snapshot of the emulator's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Successful token grants by `grant_type` (`password`, `refresh_token`).
    pub token_grants: BTreeMap<String, u64>,
    /// Failed token requests by OAuth error (`invalid_grant`,
    /// `invalid_client`, …; `fault` for scripted faults).
    pub token_failures: BTreeMap<String, u64>,
    /// API requests by LUSID operation id (`ListInstruments`, …, or
    /// `Unknown`), then by response status.
    pub api_requests: BTreeMap<String, BTreeMap<u16, u64>>,
    /// API requests refused with 401 (missing, unknown, expired or revoked
    /// token).
    pub unauthorized: u64,
    /// Scripted or random faults served (API and token; `Pass` entries
    /// are not counted).
    pub faults_served: u64,
    /// Every response by route (`Token`, a LUSID operation id, `Unknown`
    /// for unknown API paths, `Other`), then by status. Faults are
    /// counted with the status they answered.
    pub routes: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Connections closed without a response by a fault, by route.
    pub dropped_connections: BTreeMap<String, u64>,
    /// Every request served (token, API and the emulator's own routes) by
    /// HTTP version: `HTTP/1.0`, `HTTP/1.1` or `HTTP/2` (negotiated with
    /// ALPN `h2` when [`crate::EmulatorBuilder::tls`] is on).
    pub http_versions: BTreeMap<String, u64>,
}

impl Metrics {
    /// Requests to `operation` answered with `status`.
    pub fn api_count(&self, operation: &str, status: u16) -> u64 {
        self.api_requests
            .get(operation)
            .and_then(|by_status| by_status.get(&status))
            .copied()
            .unwrap_or(0)
    }

    /// All requests to `operation`, any status.
    pub fn api_total(&self, operation: &str) -> u64 {
        self.api_requests
            .get(operation)
            .map_or(0, |by_status| by_status.values().sum())
    }

    /// Responses on `route` (`Token`, an operation id, …) with `status`.
    pub fn route_count(&self, route: &str, status: u16) -> u64 {
        self.routes
            .get(route)
            .and_then(|by_status| by_status.get(&status))
            .copied()
            .unwrap_or(0)
    }

    /// Connections dropped by faults, all routes.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_connections.values().sum()
    }

    /// Requests served over `version` (`HTTP/1.1`, `HTTP/2`, …).
    pub fn http_version_count(&self, version: &str) -> u64 {
        self.http_versions.get(version).copied().unwrap_or(0)
    }

    /// Successful grants of `grant_type`.
    pub fn grants(&self, grant_type: &str) -> u64 {
        self.token_grants.get(grant_type).copied().unwrap_or(0)
    }
}

/// The live counters behind [`Metrics`].
#[derive(Debug, Default)]
pub(crate) struct MetricsRecorder {
    inner: Mutex<Metrics>,
}

impl MetricsRecorder {
    fn update(&self, f: impl FnOnce(&mut Metrics)) {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard);
    }

    /// A copy of the counters.
    pub(crate) fn snapshot(&self) -> Metrics {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counts a successful grant.
    pub(crate) fn grant(&self, grant_type: &str) {
        self.update(|m| *m.token_grants.entry(grant_type.to_owned()).or_default() += 1);
    }

    /// Counts a failed token request.
    pub(crate) fn token_failure(&self, error: &str) {
        self.update(|m| *m.token_failures.entry(error.to_owned()).or_default() += 1);
    }

    /// Counts an API response.
    pub(crate) fn api(&self, operation: &str, status: u16) {
        self.update(|m| {
            *m.api_requests
                .entry(operation.to_owned())
                .or_default()
                .entry(status)
                .or_default() += 1;
            if status == 401 {
                m.unauthorized += 1;
            }
        });
    }

    /// Counts a response on a route.
    pub(crate) fn route(&self, route: &str, status: u16) {
        self.update(|m| {
            *m.routes
                .entry(route.to_owned())
                .or_default()
                .entry(status)
                .or_default() += 1;
        });
    }

    /// Counts a dropped connection.
    pub(crate) fn dropped(&self, route: &str) {
        self.update(|m| *m.dropped_connections.entry(route.to_owned()).or_default() += 1);
    }

    /// Counts a request by HTTP version.
    pub(crate) fn http_version(&self, version: http::Version) {
        self.update(|m| *m.http_versions.entry(version_name(version)).or_default() += 1);
    }

    /// Counts a served fault.
    pub(crate) fn fault(&self) {
        self.update(|m| m.faults_served += 1);
    }
}

/// The name [`Metrics::http_versions`] uses for `version`.
fn version_name(version: http::Version) -> String {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9".to_owned(),
        http::Version::HTTP_10 => "HTTP/1.0".to_owned(),
        http::Version::HTTP_11 => "HTTP/1.1".to_owned(),
        http::Version::HTTP_2 => "HTTP/2".to_owned(),
        http::Version::HTTP_3 => "HTTP/3".to_owned(),
        other => format!("{other:?}"),
    }
}
