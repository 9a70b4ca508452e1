//! Calling one operation of any service's table from code (`lusid drive`,
//! `lusid sql`): the same parameter checks, request building and stack as
//! `lusid api OPERATION`, with the request sent to the service's URL
//! (`Config::service_url`) through the one client (one token).

use std::io::Write;

use futures_util::StreamExt as _;
use http_body_util::BodyExt as _;
use lusid::models::RawJson;

use super::params::Values;
use super::raw::{Origin, RawLayer, RawSlot};
use super::request::{self, Payload, Target};
use super::table::{Operation, Service};
use crate::error::CliError;
use crate::session::Session;

/// The base URL of the service called `name` for `config`: `None` for
/// LUSID (requests stay relative to the LUSID URL), else the configured or
/// derived URL (`https://acme.lusid.com/drive`).
///
/// # Errors
/// [`CliError::Usage`] for a name `lusid_auth::Service` does not know.
pub fn base_url(config: &lusid::auth::Config, name: &str) -> Result<Option<String>, CliError> {
    if name == "lusid" {
        return Ok(None);
    }
    let service: lusid::auth::Service = name
        .parse()
        .map_err(|error: lusid::auth::UnknownService| CliError::Usage(error.to_string()))?;
    Ok(Some(config.service_url(service).url().to_string()))
}

/// One service's operations, callable by id.
pub struct Invoker {
    client: lusid::Client,
    service: Service<'static>,
    base_url: Option<String>,
}

/// A successful response passed through as bytes.
pub type RawResponse = lusid::stack::Response;

impl Invoker {
    /// The service called `name`, through `session`'s client.
    ///
    /// # Errors
    /// An unknown service, or a client that cannot be built.
    pub fn open(session: &Session, name: &str) -> Result<Self, CliError> {
        let service = super::service(name)?;
        let base_url = base_url(&session.config, name)?;
        let client = session.client_with(|builder| builder.layer(RawLayer))?;
        Ok(Self {
            client,
            service,
            base_url,
        })
    }

    /// The operation called `id`.
    fn operation(&self, id: &str) -> Result<&Operation<'static>, CliError> {
        self.service
            .operation(id)
            .ok_or_else(|| CliError::UnknownOperation {
                service: self.service.name.clone(),
                operation: id.to_owned(),
                near: Vec::new(),
            })
    }

    /// Calls `id` with `NAME=VALUE` `params` and `payload`, decoding the
    /// JSON response.
    ///
    /// # Errors
    /// A parameter the operation does not take, or the call's error
    /// (status and problem details from the service).
    pub async fn json(
        &self,
        id: &str,
        params: &[String],
        payload: Option<&Payload>,
    ) -> Result<RawJson, CliError> {
        let operation = self.operation(id)?;
        let values = Values::parse(operation, params)?;
        let target = Target {
            base_url: self.base_url.clone(),
            raw: None,
        };
        let request = request::build(operation, &values, payload, &target).await?;
        Ok(self.client.api().execute(request).await?)
    }

    /// Calls `id` as [`json`](Self::json) does and decodes the response
    /// into `T`.
    ///
    /// # Errors
    /// As [`json`](Self::json), or [`CliError::Decode`] for a response
    /// that is not a `T`.
    pub async fn json_as<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
        params: &[String],
        payload: Option<&Payload>,
    ) -> Result<T, CliError> {
        self.json(id, params, payload)
            .await?
            .deserialize_into()
            .map_err(|source| CliError::Decode {
                position: 1,
                source,
            })
    }

    /// Calls `id`, whose response is passed through as bytes: the
    /// successful response, its body unread (streamed for binary content).
    ///
    /// # Errors
    /// As [`json`](Self::json).
    pub async fn raw(
        &self,
        id: &str,
        params: &[String],
        payload: Option<&Payload>,
    ) -> Result<RawResponse, CliError> {
        let operation = self.operation(id)?;
        let values = Values::parse(operation, params)?;
        let slot = RawSlot::default();
        let target = Target {
            base_url: self.base_url.clone(),
            raw: Some(slot.clone()),
        };
        let request = request::build(operation, &values, payload, &target).await?;
        let _: RawJson = self.client.api().execute(request).await?;
        slot.take()
            .ok_or_else(|| CliError::Unsupported(format!("{id}: the response was not kept")))
    }
}

/// Copies a raw response's body to `out` chunk by chunk (flushing each),
/// returning the number of bytes.
///
/// # Errors
/// [`CliError::Api`] when the body fails mid-way (naming the operation
/// and URL the response's [`Origin`] gives), `output_error`'s error when
/// writing does.
pub async fn copy_body(
    response: RawResponse,
    out: &mut dyn Write,
    output_error: &dyn Fn(std::io::Error) -> CliError,
) -> Result<u64, CliError> {
    let origin = response.extensions().get::<Origin>().cloned();
    let mut body = response.into_body().into_data_stream();
    let mut written = 0_u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|source| {
            CliError::Api(lusid::Error::Http(lusid::stack::Error::Transport {
                operation: origin.as_ref().and_then(|origin| origin.operation),
                url: origin
                    .as_ref()
                    .map_or_else(String::new, |origin| origin.url.clone()),
                kind: lusid::stack::FailureKind::Send,
                attempts: 1,
                source,
            }))
        })?;
        out.write_all(&chunk).map_err(output_error)?;
        out.flush().map_err(output_error)?;
        written += chunk.len() as u64;
    }
    Ok(written)
}

/// A raw response's whole body (for text results, such as Luminesce's).
///
/// # Errors
/// As [`copy_body`].
pub async fn body_bytes(response: RawResponse) -> Result<bytes::Bytes, CliError> {
    let mut out = Vec::new();
    copy_body(response, &mut out, &|source| CliError::Output {
        path: None,
        source,
    })
    .await?;
    Ok(bytes::Bytes::from(out))
}
