//! [`Client`]: sends requests through the HTTP stack and decodes responses.

use std::fmt;

use lusid_http::{HttpService, Operation, Request};
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::error::{Error, body_excerpt};

/// A LUSID API client over an [`HttpService`] (usually built with
/// `lusid_http::StackBuilder`, or a fake service in tests).
///
/// Cloning is cheap enough to do per call: every request builder holds its
/// own clone. The operation groups hang off it, such as
/// [`Client::instruments`].
#[derive(Clone)]
pub struct Client {
    service: HttpService,
}

impl Client {
    /// A client sending every request through `service`.
    pub fn new(service: HttpService) -> Self {
        Self { service }
    }

    /// Sends a request and decodes a 2xx JSON response body as `T`.
    ///
    /// The generated request builders call this; it is public for requests
    /// built by hand, which should carry a [`lusid_http::Operation`] in their
    /// extensions so errors can name the operation.
    ///
    /// # Errors
    /// - [`Error::Http`] when the stack produced no response;
    /// - [`Error::Status`] for a non-2xx status, with LUSID's problem details
    ///   when the body holds them;
    /// - [`Error::Decode`] when the body is not the JSON `T` expects.
    pub async fn execute<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let operation = operation_id(&request);
        let mut response = self.service.clone().oneshot(request).await?;
        if !response.status().is_success() {
            let error = Error::from_response(operation, &mut response);
            tracing::debug!(operation, status = %response.status(), "LUSID returned an error status");
            return Err(error);
        }
        match response.body().as_bytes() {
            Some(body) => decode(operation, body),
            None => {
                let body = response
                    .into_body()
                    .collect_bytes()
                    .await
                    .map_err(|source| {
                        Error::Http(lusid_http::Error::Transport {
                            operation: None,
                            url: String::new(),
                            kind: lusid_http::FailureKind::Send,
                            attempts: 1,
                            source,
                        })
                    })?;
                decode(operation, &body)
            }
        }
    }
}

/// Decodes a JSON body as `T`, reporting where in the document it failed.
///
/// The common case pays for no path tracking: the body is decoded once
/// with plain serde_json from text, and only a body that fails is decoded again with
/// `serde_path_to_error` to find where.
fn decode<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, Error> {
    // UTF-8 is checked once for the whole body (reading from text spares
    // serde_json a check per string); invalid UTF-8 takes the slow path,
    // which says where.
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(value) = serde_json::from_str(text) {
            return Ok(value);
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let decoded = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| (error.path().to_string(), error.into_inner()));
    decoded
        .and_then(|value: T| {
            // Trailing characters after the document.
            deserializer
                .end()
                .map(|()| value)
                .map_err(|source| (".".to_owned(), source))
        })
        .map_err(|(path, source)| Error::Decode {
            operation,
            path,
            source,
            body_excerpt: body_excerpt(body),
        })
}

/// The operation id a request carries, or `"request"` when it has none.
fn operation_id(request: &Request) -> &'static str {
    request
        .extensions()
        .get::<Operation>()
        .map_or("request", |operation| operation.id)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}
