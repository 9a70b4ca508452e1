//! The HTTP request of one operation call, as the SDK's request builders
//! make it: a relative URI, `Accept: application/json`, the body's media
//! type, and the [`lusid::stack::Operation`] extension through which the
//! retry layer knows whether the call may be repeated.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use lusid::stack::{Body, Operation as StackOperation, Request};

use super::params::Values;
use super::table::Operation;

/// The media type LUSID answers with.
const JSON: &str = "application/json";

/// What a call sends besides its parameters.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The body bytes, exactly as the user wrote them.
    pub bytes: Bytes,
    /// Its media type (the operation's).
    pub media_type: &'static str,
}

/// Builds the request for `operation` with `values` and `payload`.
///
/// # Errors
/// [`lusid::Error::Http`] when a header parameter is not a valid header
/// value (path and query values are percent-encoded, so always valid).
pub fn build(
    operation: &Operation<'static>,
    values: &Values,
    payload: Option<&Payload>,
) -> Result<Request, lusid::Error> {
    let target = values.target(operation);
    let invalid = |reason: String| {
        lusid::Error::Http(lusid::stack::Error::InvalidRequest {
            operation: Some(stack_operation(operation)),
            reason,
        })
    };
    let method = http::Method::from_bytes(operation.method.as_bytes())
        .map_err(|error| invalid(format!("method {}: {error}", operation.method)))?;
    let mut builder = http::Request::builder()
        .method(method)
        .uri(target.as_str())
        .header(ACCEPT, HeaderValue::from_static(JSON))
        .extension(stack_operation(operation));
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
    let body = payload.map_or_else(Body::empty, |payload| Body::from(payload.bytes.clone()));
    builder
        .body(body)
        .map_err(|error| invalid(format!("could not build {target}: {error}")))
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
