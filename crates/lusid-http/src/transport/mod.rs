//! [`Transport`]: the one hyper-util client every byte of the SDK goes
//! through, token requests included.

mod classify;
mod proxy;
pub(crate) mod settings;
mod tls;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use lusid_retry::FailureKind;
use tower::{Service, ServiceExt};
use tower_http::decompression::Decompression;

pub use proxy::{Proxy, ProxyError};
pub use settings::TransportSettings;

use crate::{Body, BuildError, Error, Operation, Request, Response, StreamResponse};
use proxy::ProxyConnector;

type HyperClient = Client<HttpsConnector<ProxyConnector>, Body>;

/// The bottom of the stack: hyper-util's pooled client (HTTP/1.1 and
/// HTTP/2 negotiated by ALPN) over rustls with the `ring` provider, trusting
/// the platform's root certificates plus the configured CA bundle, through
/// the configured proxy, asking for gzip and decoding it.
///
/// Built once per client; cloning shares the connection pool. It is a
/// `tower::Service` for API requests (the stack's bottom layer), and
/// [`token_client`](Self::token_client) gives the same client to
/// `lusid-auth` for token requests, so both reach the network the same
/// way. It never retries.
///
/// Responses are read whole (a replayable [`Body`]) unless the request
/// carries [`StreamResponse`]; a streamed body must deliver each chunk
/// within the [idle timeout](TransportSettings::idle_timeout).
#[derive(Clone)]
pub struct Transport {
    /// Shared: the stack clones its services for every call.
    inner: Arc<Inner>,
}

struct Inner {
    client: HyperClient,
    /// Why HTTPS cannot be verified (no platform roots and no CA bundle).
    missing_roots: Option<Arc<str>>,
    idle_timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("missing_roots", &self.inner.missing_roots)
            .field("idle_timeout", &self.inner.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Builds the client for `settings`. No connection is opened.
    ///
    /// # Errors
    /// [`BuildError::CaBundle`] for a CA bundle that is missing, unreadable,
    /// not PEM or holds no certificate (naming the file);
    /// [`BuildError::Tls`] when rustls cannot be set up.
    pub fn new(settings: &TransportSettings) -> Result<Self, BuildError> {
        let (roots, missing_roots) = tls::roots(settings.ca_bundle.as_deref())?;
        if let Some(reason) = &missing_roots {
            tracing::warn!(%reason, "HTTPS servers cannot be verified");
        }
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls::client_config(roots)?)
            .https_or_http();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(settings.connect_timeout));
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(60)));
        let connector = ProxyConnector::new(http, settings.proxy.clone(), settings.connect_timeout);
        let connector = if settings.http2 {
            tls.enable_http1().enable_http2().wrap_connector(connector)
        } else {
            tls.enable_http1().wrap_connector(connector)
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(settings.pool_idle_timeout)
            .build(connector);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                missing_roots: missing_roots.map(Arc::from),
                idle_timeout: settings.idle_timeout,
            }),
        })
    }

    /// This transport as the [`lusid_auth::HttpClient`] the token client
    /// sends through: same pool, proxy and TLS roots; buffered bodies; no
    /// retry, no auth, no user layers (they would see the password).
    pub fn token_client(&self) -> lusid_auth::HttpClient {
        let transport = self.clone();
        lusid_auth::HttpClient::new(tower::service_fn(move |request: http::Request<Bytes>| {
            let transport = transport.clone();
            async move {
                let (parts, body) = request.into_parts();
                let request = Request::from_parts(parts, Body::from(body));
                match transport.oneshot(request).await {
                    Ok(response) => {
                        let (parts, body) = response.into_parts();
                        let body = body.collect_bytes().await.map_err(|source| {
                            lusid_auth::HttpError::new(FailureKind::Send, source)
                        })?;
                        Ok(http::Response::from_parts(parts, body))
                    }
                    Err(error) => {
                        let kind = error.failure_kind();
                        Err(lusid_auth::HttpError::new(kind, error.into_root()))
                    }
                }
            }
        }))
    }
}

impl Service<Request> for Transport {
    type Response = Response;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move { send(&inner, request).await })
    }
}

async fn send(inner: &Inner, request: Request) -> Result<Response, Error> {
    let idle = inner.idle_timeout;
    let operation = request.extensions().get::<Operation>().copied();
    let stream = request.extensions().get::<StreamResponse>().is_some();
    let url = redacted_url(request.uri());
    let failed = |kind: FailureKind, source: crate::BoxError| Error::Transport {
        operation,
        url: url.clone(),
        kind,
        attempts: 1,
        source,
    };
    if request.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
        if let Some(reason) = &inner.missing_roots {
            return Err(failed(
                FailureKind::Tls,
                format!("cannot verify HTTPS servers: {reason}; configure a CA bundle (clientCertificate, FBN_CLIENT_CERTIFICATE)").into(),
            ));
        }
    }
    let response = Decompression::new(&inner.client)
        .oneshot(request)
        .await
        .map_err(|source| {
            let kind = classify::failure_kind(&source, source.is_connect());
            failed(kind, Box::new(source))
        })?;
    let (parts, body) = response.into_parts();
    let body = if stream {
        Body::from_stream(body).with_idle_timeout(idle)
    } else {
        let bytes = body
            .collect()
            .await
            .map_err(|source| failed(FailureKind::Send, source))?
            .to_bytes();
        Body::from(bytes)
    };
    Ok(Response::from_parts(parts, body))
}

/// `uri` as `scheme://authority/path`, without its query string (which may
/// carry identifiers or tokens): the form errors and logs show.
pub fn redacted_url(uri: &http::Uri) -> String {
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
