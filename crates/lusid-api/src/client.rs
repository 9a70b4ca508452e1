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

impl Client {
    /// Sends a request and returns a 2xx response body as text; a JSON
    /// string (`Content-Type: application/json`) is decoded first.
    ///
    /// # Errors
    /// As [`execute`](Self::execute); [`Error::Decode`] for a body that is
    /// not UTF-8.
    pub async fn execute_text(&self, request: Request) -> Result<String, Error> {
        let operation = operation_id(&request);
        let (json, body) = self.read(request).await?;
        if json {
            return decode(operation, &body);
        }
        String::from_utf8(body.to_vec()).map_err(|error| Error::Decode {
            operation,
            path: String::new(),
            source: <serde_json::Error as serde::de::Error>::custom(format_args!(
                "the text body is not UTF-8 after byte {}",
                error.utf8_error().valid_up_to()
            )),
            body_excerpt: body_excerpt(&body),
        })
    }

    /// Sends a request whose 2xx answer has no body worth reading.
    ///
    /// # Errors
    /// As [`execute`](Self::execute).
    pub async fn execute_empty(&self, request: Request) -> Result<(), Error> {
        self.read(request).await.map(|_| ())
    }

    /// Sends a request and returns a 2xx response body as a stream read
    /// from the connection as it is consumed: the request carries
    /// [`lusid_http::StreamResponse`], so the transport does not buffer it.
    /// An error status's body is read whole (it is small) for the problem
    /// details.
    ///
    /// # Errors
    /// As [`execute`](Self::execute), without [`Error::Decode`].
    pub async fn execute_stream(&self, mut request: Request) -> Result<crate::ByteStream, Error> {
        let operation = operation_id(&request);
        request.extensions_mut().insert(lusid_http::StreamResponse);
        let response = self.service.clone().oneshot(request).await?;
        if !response.status().is_success() {
            let (parts, body) = response.into_parts();
            let bytes = body.collect_bytes().await.unwrap_or_default();
            let mut response = http::Response::from_parts(parts, lusid_http::Body::from(bytes));
            return Err(Error::from_response(operation, &mut response));
        }
        let length = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        Ok(crate::ByteStream::new(response.into_body(), length))
    }

    /// Sends a request and reads a 2xx body whole: whether it is JSON, and
    /// its bytes.
    async fn read(&self, request: Request) -> Result<(bool, bytes::Bytes), Error> {
        let operation = operation_id(&request);
        let mut response = self.service.clone().oneshot(request).await?;
        if !response.status().is_success() {
            return Err(Error::from_response(operation, &mut response));
        }
        let json = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("json"));
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
        Ok((json, body))
    }
}

/// Decodes a JSON body as `T`, reporting where in the document it failed.
///
/// The body is decoded once; a failure's position is turned into a JSON
/// path by scanning the text (`lusid_models::json_path`), so no second,
/// path-tracking decode of every response type is compiled.
fn decode<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, Error> {
    // UTF-8 is checked once for the whole body (reading from text spares
    // serde_json a check per string).
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(utf8) => {
            let valid = std::str::from_utf8(&body[..utf8.valid_up_to()]).unwrap_or_default();
            return Err(Error::Decode {
                operation,
                path: lusid_models::json_path::path_at(valid, valid.len()),
                source: <serde_json::Error as serde::de::Error>::custom(format_args!(
                    "the body is not UTF-8 after byte {}",
                    utf8.valid_up_to()
                )),
                body_excerpt: body_excerpt(body),
            });
        }
    };
    serde_json::from_str(text).map_err(|source| Error::Decode {
        operation,
        path: lusid_models::json_path::path_at_line_column(text, source.line(), source.column()),
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
