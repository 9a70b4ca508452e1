//! The bottom of the stack: hyper-util's pooled client over rustls.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;
use tower_http::decompression::Decompression;

use crate::proxy::{Proxy, ProxyConnector};
use crate::{Error, HttpService, Operation, Request, Response};

type HyperClient = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// Connection settings of the hyper-util client.
#[derive(Debug, Clone)]
pub(crate) struct TransportSettings {
    /// How long establishing a TCP connection may take.
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// The proxy to tunnel through, if any.
    pub proxy: Option<Proxy>,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            connect_timeout: crate::stack::DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: Duration::from_secs(90),
            proxy: None,
        }
    }
}

/// Builds the hyper-util client (HTTP/1.1 and HTTP/2 negotiated by ALPN,
/// TLS by rustls with the `ring` provider and the platform's root
/// certificates; plain `http` only for URLs that say so, such as a local
/// emulator; an HTTP CONNECT proxy when configured) as an [`HttpService`]
/// that asks for gzip or brotli, decodes it, and buffers each response body.
pub(crate) fn hyper_transport(settings: &TransportSettings) -> Result<HttpService, Error> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|source| Error::InvalidRequest {
            operation: None,
            reason: format!("cannot load the platform's root certificates: {source}"),
        })?
        .https_or_http()
        .enable_http1()
        .enable_http2();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(settings.connect_timeout));
    http.set_nodelay(true);
    http.set_keepalive(Some(Duration::from_secs(60)));
    let connector = tls.wrap_connector(ProxyConnector::new(http, settings.proxy.clone()));
    let client: HyperClient = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(settings.pool_idle_timeout)
        .build(connector);
    Ok(HttpService::new(tower::service_fn(
        move |request: Request| {
            let client = client.clone();
            async move { send(&client, request).await }
        },
    )))
}

async fn send(client: &HyperClient, request: Request) -> Result<Response, Error> {
    let operation = request.extensions().get::<Operation>().copied();
    let url = redacted_url(request.uri());
    let (parts, body) = request.into_parts();
    let response = Decompression::new(client.clone())
        .oneshot(http::Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(|source| Error::Transport {
            operation,
            url: url.clone(),
            before_send: source.is_connect(),
            source: Box::new(source),
        })?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|source| Error::Transport {
            operation,
            url,
            before_send: false,
            source,
        })?
        .to_bytes();
    Ok(Response::from_parts(parts, body))
}

/// The URL without its query string, for errors and logs.
pub(crate) fn redacted_url(uri: &http::Uri) -> String {
    let mut url = String::new();
    if let Some(scheme) = uri.scheme_str() {
        url.push_str(scheme);
        url.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        url.push_str(authority.as_str());
    }
    url.push_str(uri.path());
    url
}
