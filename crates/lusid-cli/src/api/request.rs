//! The HTTP request of one operation call, as the SDK's request builders
//! make it: a relative URI, `Accept: application/json`, the body's media
//! type, and the [`lusid::stack::Operation`] extension through which the
//! retry layer knows whether the call may be repeated.

use std::path::PathBuf;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use lusid::stack::{Body, Operation as StackOperation, Request, StreamResponse};

use super::file_body::FileBody;
use super::params::Values;
use super::raw::RawSlot;
use super::table::{Operation, Raw};

/// The media type LUSID answers with.
const JSON: &str = "application/json";

/// What a call sends besides its parameters.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The body.
    pub content: Content,
    /// Its media type (the operation's).
    pub media_type: &'static str,
}

/// A request body's bytes.
#[derive(Debug, Clone)]
pub enum Content {
    /// Bytes in memory, exactly as the user wrote them (JSON, SQL text).
    Bytes(Bytes),
    /// A file streamed as it is sent (`application/octet-stream`), never
    /// read whole.
    File {
        /// The file.
        path: PathBuf,
        /// Its size in bytes when it was checked (the `Content-Length`).
        len: u64,
    },
}

impl Payload {
    /// A body held in memory.
    pub fn bytes(bytes: impl Into<Bytes>, media_type: &'static str) -> Self {
        Self {
            content: Content::Bytes(bytes.into()),
            media_type,
        }
    }
}

/// Where a call goes and how its response is read.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The service's base URL (`https://acme.lusid.com/drive`) the
    /// operation's path is appended to; `None` for LUSID, whose requests
    /// stay relative to the client's LUSID URL.
    pub base_url: Option<String>,
    /// Where a raw response is kept ([`super::raw`]), for operations whose
    /// response is passed through as bytes.
    pub raw: Option<RawSlot>,
}

/// Builds the request for `operation` with `values` and `payload`, sent
/// to `target`.
///
/// # Errors
/// [`lusid::Error::Http`] when a header parameter is not a valid header
/// value (path and query values are percent-encoded, so always valid), or
/// a body file cannot be opened.
pub async fn build(
    operation: &Operation<'static>,
    values: &Values,
    payload: Option<&Payload>,
    target: &Target,
) -> Result<Request, lusid::Error> {
    let relative = values.target(operation);
    let uri = match &target.base_url {
        Some(base) => format!("{}{relative}", base.trim_end_matches('/')),
        None => relative,
    };
    let invalid = |reason: String| {
        lusid::Error::Http(lusid::stack::Error::InvalidRequest {
            operation: Some(stack_operation(operation)),
            reason,
        })
    };
    let method = http::Method::from_bytes(operation.method.as_bytes())
        .map_err(|error| invalid(format!("method {}: {error}", operation.method)))?;
    let accept = match operation.raw {
        Some(Raw::Binary) => "application/octet-stream, application/json",
        Some(Raw::Text) => "text/plain, application/json",
        None => JSON,
    };
    let mut builder = http::Request::builder()
        .method(method)
        .uri(uri.as_str())
        .header(ACCEPT, HeaderValue::from_static(accept))
        .extension(stack_operation(operation));
    if let Some(slot) = &target.raw {
        builder = builder.extension(slot.clone());
        if operation.raw == Some(Raw::Binary) {
            builder = builder.extension(StreamResponse);
        }
    }
    if let Some(payload) = payload {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static(payload.media_type));
    }
    for (name, value) in values.headers(operation) {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|error| invalid(format!("header {name}: {error}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|error| invalid(format!("header {name}: {error}")))?;
        builder = builder.header(name, value);
    }
    let body = match payload.map(|payload| &payload.content) {
        None => Body::empty(),
        Some(Content::Bytes(bytes)) => Body::from(bytes.clone()),
        Some(Content::File { path, len }) => {
            if !values
                .headers(operation)
                .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            {
                builder = builder.header(CONTENT_LENGTH, HeaderValue::from(*len));
            }
            let file = FileBody::open(path, *len)
                .await
                .map_err(|error| invalid(format!("could not open {}: {error}", path.display())))?;
            file.body(path, *len)
        }
    };
    builder
        .body(body)
        .map_err(|error| invalid(format!("could not build {uri}: {error}")))
}

/// The operation as the HTTP stack's layers see it.
pub fn stack_operation(operation: &Operation<'static>) -> StackOperation {
    StackOperation {
        id: operation.id,
        path_template: operation.path,
        idempotent: operation.idempotent,
    }
}

/// The media type the table names, as a static string (LUSID's request
/// bodies are all `application/json`; a service whose body is plain text,
/// such as Luminesce SQL, sends `text/plain`).
pub fn media_type(name: &str) -> &'static str {
    match name {
        "application/json" | "application/json-patch+json" | "text/json" | "application/*+json" => {
            JSON
        }
        "text/plain" => "text/plain",
        "application/octet-stream" => "application/octet-stream",
        _ => JSON,
    }
}
