//! The request journal: every request the emulator receives on its API
//! (`/api/...`) and token routes, as received, for tests that check what a
//! client sent ([`crate::RunningEmulator::requests`]).

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

/// How many recent requests the journal keeps; older ones are dropped
/// first.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// Form fields of a token request whose values [`ReceivedRequest`]'s
/// `Debug` hides.
const SECRET_FORM_FIELDS: &[&str] = &[
    "password",
    "client_secret",
    "refresh_token",
    "assertion",
    "client_assertion",
    "code",
];

/// Headers whose values [`ReceivedRequest`]'s `Debug` hides.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// One request as the emulator received it, from
/// [`crate::RunningEmulator::requests`].
///
/// It holds everything the client sent, including the `Authorization`
/// header and a token request's password: it is a test tool. Its `Debug`
/// output hides those values (the `Authorization`, `Proxy-Authorization`
/// and `Cookie` headers, and a form body's `password`, `client_secret`,
/// `refresh_token`, `assertion`, `client_assertion` and `code` fields).
#[derive(Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The path and query exactly as received (`/api/api/instruments?limit=5`).
    pub uri: String,
    /// The request headers in the order received, names as the HTTP layer
    /// gives them (lower case), values as text (bytes that are not UTF-8
    /// replaced by U+FFFD).
    pub headers: Vec<(String, String)>,
    /// The request body (empty when there was none).
    pub body: Bytes,
}

impl ReceivedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.uri.split_once('?').map_or(&self.uri, |(path, _)| path)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let hidden = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (name.as_str(), if hidden { "<redacted>" } else { value })
            })
            .collect();
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &headers)
            .field("body", &DebugBody(self))
            .finish()
    }
}

/// The body in `Debug`: a form with secret fields has their values hidden;
/// other text as text; anything else by length.
struct DebugBody<'a>(&'a ReceivedRequest);

impl fmt::Debug for DebugBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = &self.0.body;
        let Ok(text) = std::str::from_utf8(body) else {
            return write!(f, "<{} bytes>", body.len());
        };
        let is_form = self.0.header("content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        let has_secret = form_urlencoded::parse(body)
            .any(|(k, _)| SECRET_FORM_FIELDS.iter().any(|s| k.eq_ignore_ascii_case(s)));
        if is_form || has_secret {
            let redacted = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form_urlencoded::parse(body).map(|(k, v)| {
                    let hidden = SECRET_FORM_FIELDS.iter().any(|s| k.eq_ignore_ascii_case(s));
                    let v = if hidden {
                        "<redacted>".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                }))
                .finish();
            return fmt::Debug::fmt(&redacted, f);
        }
        fmt::Debug::fmt(text, f)
    }
}

/// The bounded list of received requests (oldest first).
#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: Mutex<VecDeque<ReceivedRequest>>,
}

impl Journal {
    /// Appends a request, dropping the oldest beyond [`JOURNAL_CAPACITY`].
    pub(crate) fn record(&self, request: ReceivedRequest) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        while entries.len() >= JOURNAL_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(request);
    }

    /// The recorded requests, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<ReceivedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &str) -> ReceivedRequest {
        ReceivedRequest {
            method: "POST".into(),
            uri: "/oauth2/default/v1/token?x=1".into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn debug_hides_authorization_and_form_secrets() {
        let r = request(
            &[
                ("authorization", "Bearer sekrit-token"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "grant_type=password&username=u&password=hunter2&client_secret=cs99",
        );
        let text = format!("{r:?}");
        assert!(!text.contains("sekrit-token"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("cs99"), "{text}");
        assert!(text.contains("grant_type=password"), "{text}");
        assert!(text.contains("username=u"), "{text}");
        assert_eq!(r.header("Authorization"), Some("Bearer sekrit-token"));
        assert_eq!(r.path(), "/oauth2/default/v1/token");
    }

    #[test]
    fn debug_shows_json_bodies() {
        let r = request(&[("content-type", "application/json")], r#"{"a":1}"#);
        assert!(format!("{r:?}").contains(r#"{\"a\":1}"#));
        assert_eq!(r.json(), Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn journal_is_bounded() {
        let journal = Journal::default();
        for i in 0..JOURNAL_CAPACITY + 5 {
            let mut r = request(&[], "");
            r.uri = format!("/api/{i}");
            journal.record(r);
        }
        let all = journal.snapshot();
        assert_eq!(all.len(), JOURNAL_CAPACITY);
        assert_eq!(all[0].uri, "/api/5");
        assert_eq!(
            all[JOURNAL_CAPACITY - 1].uri,
            format!("/api/{}", JOURNAL_CAPACITY + 4)
        );
    }
}
