//! Building the relative HTTP requests the generated code sends.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use lusid_http::{Operation, Request};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Error;

/// Characters escaped in path segments and query names and values:
/// everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The media type of every body LUSID accepts and returns.
const JSON: &str = "application/json";

/// A value that can be a path segment or query value.
pub trait ParamValue {
    /// The text to send, before percent-encoding, or why it cannot be sent.
    fn to_param(&self) -> Result<Cow<'_, str>, String>;
}

impl ParamValue for String {
    fn to_param(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(self))
    }
}

impl ParamValue for i64 {
    fn to_param(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Owned(self.to_string()))
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(if *self { "true" } else { "false" }))
    }
}

impl ParamValue for lusid_models::Number {
    fn to_param(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Borrowed(self.as_str()))
    }
}

impl ParamValue for OffsetDateTime {
    /// The LUSID form, `2024-01-31T09:30:00.0000000+00:00`, as in bodies.
    fn to_param(&self) -> Result<Cow<'_, str>, String> {
        lusid_models::datetime::format(self)
            .map(Cow::Owned)
            .map_err(|error| error.to_string())
    }
}

/// The body of a request being built.
enum PendingBody {
    None,
    Bytes(Bytes, &'static str),
    Upload(crate::UploadBody),
}

/// Accumulates the method, URI and body of one request: relative for LUSID
/// (the stack's defaults layer adds the LUSID URL), absolute for the other
/// services (their base URL first, see [`absolute`](Self::absolute)).
pub struct RequestBuilder {
    operation: Operation,
    method: http::Method,
    /// The URI so far, such as `/api/instruments?limit=10`.
    target: String,
    has_query: bool,
    body: PendingBody,
    accept: &'static str,
    headers: Vec<(http::HeaderName, HeaderValue)>,
    call_options: lusid_http::CallOptions,
}

impl RequestBuilder {
    /// Starts a request for `operation`.
    pub fn new(operation: Operation, method: http::Method) -> Self {
        Self {
            operation,
            method,
            target: String::new(),
            has_query: false,
            body: PendingBody::None,
            accept: JSON,
            headers: Vec::new(),
            call_options: lusid_http::CallOptions::new(),
        }
    }

    /// Starts a request whose URI begins with `base_url` (a service's URL,
    /// such as `https://acme.lusid.com/drive`, without a trailing slash):
    /// the stack keeps absolute URIs as they are.
    pub fn absolute(operation: Operation, method: http::Method, base_url: &str) -> Self {
        let mut request = Self::new(operation, method);
        request.target.push_str(base_url.trim_end_matches('/'));
        request
    }

    /// The `Accept` media type (JSON unless set).
    pub fn accept(&mut self, media_type: &'static str) {
        self.accept = media_type;
    }

    /// Sets a header parameter when a value is given.
    pub fn header<T: ParamValue>(
        &mut self,
        name: &'static str,
        value: Option<&T>,
    ) -> Result<(), Error> {
        if let Some(value) = value {
            let text = value
                .to_param()
                .map_err(|reason| self.invalid(name, reason))?;
            let value = HeaderValue::from_str(&text)
                .map_err(|error| self.invalid(name, format!("not a header value: {error}")))?;
            let header = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|error| self.invalid(name, format!("not a header name: {error}")))?;
            self.headers.push((header, value));
        }
        Ok(())
    }

    /// Appends one `key=value` pair per entry of a map parameter (the form
    /// style, exploded, of an `object` query parameter).
    pub fn query_map(
        &mut self,
        _name: &'static str,
        values: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<(), Error> {
        for (key, value) in values.into_iter().flatten() {
            self.push_query(key, value);
        }
        Ok(())
    }

    /// Sets a `text/plain` body.
    pub fn text_body(&mut self, body: String) {
        self.body = PendingBody::Bytes(Bytes::from(body), "text/plain");
    }

    /// Sets a streamed `application/octet-stream` body of known length.
    pub fn binary_body(&mut self, body: crate::UploadBody) {
        self.body = PendingBody::Upload(body);
    }

    /// Per-call settings (timeouts) for the HTTP stack.
    pub fn call_options(&mut self, options: lusid_http::CallOptions) {
        self.call_options = options;
    }

    /// Appends literal path text from the path template.
    pub fn path(&mut self, literal: &str) {
        self.target.push_str(literal);
    }

    /// Appends a path parameter as one percent-encoded segment. Empty values,
    /// `.` and `..` are rejected: they would address a different resource.
    pub fn path_param<T: ParamValue>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let text = value
            .to_param()
            .map_err(|reason| self.invalid(name, reason))?;
        if text.is_empty() || text == "." || text == ".." {
            return Err(self.invalid(name, format!("{text:?} cannot be a path segment")));
        }
        self.target.extend(utf8_percent_encode(&text, ESCAPED));
        Ok(())
    }

    /// Appends `name=value` when a value is given.
    pub fn query<T: ParamValue>(
        &mut self,
        name: &'static str,
        value: Option<&T>,
    ) -> Result<(), Error> {
        if let Some(value) = value {
            let text = value
                .to_param()
                .map_err(|reason| self.invalid(name, reason))?;
            self.push_query(name, &text);
        }
        Ok(())
    }

    /// Appends one `name=value` pair per value (the `multi` collection
    /// format); nothing for an empty list.
    pub fn query_each<T: ParamValue>(
        &mut self,
        name: &'static str,
        values: &[T],
    ) -> Result<(), Error> {
        for value in values {
            self.query(name, Some(value))?;
        }
        Ok(())
    }

    /// Sets a JSON body.
    pub fn json_body<T: Serialize>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|source| Error::Encode {
            operation: self.operation.id,
            source,
        })?;
        self.body = PendingBody::Bytes(Bytes::from(bytes), JSON);
        Ok(())
    }

    /// The finished request, with the [`Operation`] in its extensions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an upload body already sent by a
    /// clone of its request; [`Error::Http`] when the URI is not valid.
    pub fn build(self) -> Result<Request, Error> {
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(self.target.as_str())
            .header(ACCEPT, HeaderValue::from_static(self.accept))
            .extension(self.operation);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if !self.call_options.is_empty() {
            builder = builder.extension(self.call_options);
        }
        let body = match self.body {
            PendingBody::None => lusid_http::Body::empty(),
            PendingBody::Bytes(bytes, media_type) => {
                builder = builder.header(CONTENT_TYPE, HeaderValue::from_static(media_type));
                lusid_http::Body::from(bytes)
            }
            PendingBody::Upload(upload) => {
                builder = builder
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/octet-stream"),
                    )
                    .header(CONTENT_LENGTH, HeaderValue::from(upload.len()));
                let Some(stream) = upload.take() else {
                    return Err(Error::InvalidParameter {
                        operation: self.operation.id,
                        parameter: "body",
                        reason: "this upload body was already sent by a clone of the request"
                            .to_owned(),
                    });
                };
                upload.into_http_body(stream)
            }
        };
        builder.body(body).map_err(|error| {
            Error::Http(lusid_http::Error::InvalidRequest {
                operation: Some(self.operation),
                reason: format!("could not build {}: {error}", self.target),
            })
        })
    }

    fn push_query(&mut self, name: &str, value: &str) {
        self.target.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.target.extend(utf8_percent_encode(name, ESCAPED));
        self.target.push('=');
        self.target.extend(utf8_percent_encode(value, ESCAPED));
    }

    fn invalid(&self, parameter: &'static str, reason: String) -> Error {
        Error::InvalidParameter {
            operation: self.operation.id,
            parameter,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERATION: Operation = Operation {
        id: "Test",
        path_template: "/api/things/{id}",
        idempotent: true,
    };

    #[test]
    fn encodes_path_and_query_and_skips_absent_values() {
        let mut request = RequestBuilder::new(OPERATION, http::Method::GET);
        request.path("/api/things/");
        request
            .path_param("id", &"a/b c?é".to_owned())
            .expect("valid segment");
        request.query("flag", Some(&true)).expect("bool");
        request.query::<String>("absent", None).expect("absent");
        request
            .query_each("keys", &["x&y=z".to_owned(), "w".to_owned()])
            .expect("strings");
        let request = request.build().expect("request");
        assert_eq!(
            request.uri().to_string(),
            "/api/things/a%2Fb%20c%3F%C3%A9?flag=true&keys=x%26y%3Dz&keys=w"
        );
        assert_eq!(request.headers()[ACCEPT], "application/json");
        assert!(request.headers().get(CONTENT_TYPE).is_none());
        assert_eq!(request.extensions().get::<Operation>(), Some(&OPERATION));
    }

    #[test]
    fn rejects_segments_that_change_the_path() {
        for value in ["", ".", ".."] {
            let mut request = RequestBuilder::new(OPERATION, http::Method::GET);
            let error = request
                .path_param("id", &value.to_owned())
                .expect_err("rejected");
            assert!(
                matches!(
                    error,
                    Error::InvalidParameter {
                        parameter: "id",
                        ..
                    }
                ),
                "{value:?}: {error}"
            );
        }
    }

    #[test]
    fn formats_date_times_like_lusid() {
        let mut request = RequestBuilder::new(OPERATION, http::Method::GET);
        request.path("/api/things");
        let as_at = time::macros::datetime!(2024-01-02 03:04:05.123456789 UTC);
        request.query("asAt", Some(&as_at)).expect("date-time");
        let request = request.build().expect("request");
        assert_eq!(
            request.uri().to_string(),
            "/api/things?asAt=2024-01-02T03%3A04%3A05.1234567%2B00%3A00"
        );
    }

    #[test]
    fn service_requests_are_absolute_with_headers_text_and_streamed_bodies() {
        let mut request = RequestBuilder::absolute(
            OPERATION,
            http::Method::POST,
            "https://acme.lusid.com/drive/",
        );
        request.path("/api/files");
        request
            .header("x-lusid-drive-filename", Some(&"a b.csv".to_owned()))
            .expect("header");
        let mut map = std::collections::BTreeMap::new();
        map.insert("when".to_owned(), "2024 01".to_owned());
        request
            .query_map("scalarParameters", Some(&map))
            .expect("map");
        request.binary_body(crate::UploadBody::from_bytes(&b"abc"[..]));
        let built = request.build().expect("request");
        assert_eq!(
            built.uri().to_string(),
            "https://acme.lusid.com/drive/api/files?when=2024%2001"
        );
        assert_eq!(built.headers()["x-lusid-drive-filename"], "a b.csv");
        assert_eq!(built.headers()[CONTENT_TYPE], "application/octet-stream");
        assert_eq!(built.headers()[CONTENT_LENGTH], "3");
        assert!(!built.body().is_replayable(), "an upload is sent once");

        let mut text = RequestBuilder::new(OPERATION, http::Method::PUT);
        text.path("/api/Sql/csv");
        text.text_body("select 1".to_owned());
        text.accept("text/plain");
        let text = text.build().expect("request");
        assert_eq!(text.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(text.headers()[ACCEPT], "text/plain");
        assert_eq!(
            text.body().as_bytes().map(|bytes| &bytes[..]),
            Some(&b"select 1"[..])
        );
    }

    #[test]
    fn an_upload_shared_by_clones_is_sent_once() {
        let body = crate::UploadBody::from_bytes(&b"abc"[..]);
        let mut first = RequestBuilder::new(OPERATION, http::Method::PUT);
        first.path("/api/files");
        first.binary_body(body.clone());
        first.build().expect("first");
        let mut second = RequestBuilder::new(OPERATION, http::Method::PUT);
        second.path("/api/files");
        second.binary_body(body);
        let error = second.build().expect_err("already sent");
        assert!(
            matches!(
                error,
                Error::InvalidParameter {
                    parameter: "body",
                    ..
                }
            ),
            "{error}"
        );
    }
}
