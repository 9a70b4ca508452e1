//! The HTTP client used for token requests: hyper-util's pooled client over
//! rustls (`ring` provider, the platform's root certificates), speaking
//! HTTPS or plain HTTP (for a loopback emulator).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use url::Url;

use crate::Error;

/// Largest response body read from the token endpoint, in bytes.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// How long an idle connection to the token endpoint is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

const USER_AGENT_VALUE: &str = concat!("lusid-rs/", env!("CARGO_PKG_VERSION"), " (lusid-auth)");

type HyperClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Posts forms and returns status and body. Cheap to clone (shares the
/// connection pool).
#[derive(Clone)]
pub(crate) struct Transport {
    /// The client, or why TLS could not be set up at all.
    client: Result<HyperClient, Arc<str>>,
    /// Set when no root certificates could be loaded: HTTPS requests fail
    /// with this explanation instead of an opaque certificate error.
    missing_roots: Option<Arc<str>>,
    timeout: Duration,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .field("tls_ready", &self.client.is_ok())
            .field("missing_roots", &self.missing_roots)
            .finish()
    }
}

impl Transport {
    /// A client whose requests (connecting included) time out after
    /// `timeout`. Never fails: TLS setup problems are reported by the first
    /// request that needs TLS.
    pub(crate) fn new(timeout: Duration) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = match rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
        {
            Ok(builder) => builder,
            Err(error) => {
                return Transport {
                    client: Err(format!("TLS setup failed: {error}").into()),
                    missing_roots: None,
                    timeout,
                };
            }
        };
        let (tls, missing_roots) = match builder.clone().with_native_roots() {
            Ok(with_roots) => (with_roots.with_no_client_auth(), None),
            Err(error) => {
                tracing::warn!(%error, "no trusted root certificates; HTTPS token requests will fail");
                let empty = builder
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                (empty, Some(Arc::from(error.to_string())))
            }
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        // Token requests are minutes apart; a short idle timeout avoids
        // reusing a connection the server has already closed.
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Transport {
            client: Ok(client),
            missing_roots,
            timeout,
        }
    }

    /// The per-request timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs `body` as `application/x-www-form-urlencoded` with
    /// `authorization` (marked sensitive), accepting JSON, and returns the
    /// status, the headers and the whole body.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`], [`Error::Timeout`], or
    /// [`Error::MalformedTokenResponse`] for a body over 256 KiB.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        authorization: HeaderValue,
        body: String,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let transport_error = |source: crate::BoxError| Error::Transport {
            token_url: url.to_string(),
            source,
        };
        let client = self
            .client
            .as_ref()
            .map_err(|reason| transport_error(reason.to_string().into()))?;
        if url.scheme() == "https" {
            if let Some(reason) = &self.missing_roots {
                return Err(transport_error(
                    format!("cannot verify HTTPS servers: {reason}").into(),
                ));
            }
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri(url.as_str())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, USER_AGENT_VALUE)
            .header(AUTHORIZATION, authorization)
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| transport_error(error.into()))?;

        let exchange = async {
            let response = client
                .request(request)
                .await
                .map_err(|error| transport_error(error.into()))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|error| {
                    if error.is::<http_body_util::LengthLimitError>() {
                        Error::MalformedTokenResponse {
                            token_url: url.to_string(),
                            status,
                            reason: format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                        }
                    } else {
                        transport_error(error)
                    }
                })?
                .to_bytes();
            Ok((status, headers, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Error::Timeout {
                token_url: url.to_string(),
                timeout: self.timeout,
            })?
    }
}
