use std::sync::Arc;
use std::time::Duration;

use lusid_auth::TokenProvider;
use tower::{Layer, ServiceBuilder};

use crate::layers::{
    AttemptTimeoutLayer, AuthLayer, BaseUrlLayer, DefaultHeadersLayer, RetryLayer, RetryPolicy,
    TraceLayer,
};
use crate::transport::{TransportSettings, hyper_transport};
use crate::{Error, Request, Response};

/// The boxed, cloneable service every generated API call goes through:
/// [`Request`] in, [`Response`] (any status) or [`Error`] out.
pub type HttpService = tower::util::BoxCloneSyncService<Request, Response, Error>;

type LayerFn = Box<dyn FnOnce(HttpService) -> HttpService + Send>;

/// Builds the [`HttpService`] stack for one LUSID domain.
///
/// Outermost first:
///
/// 1. [`TraceLayer`]: one `lusid.request` span per call
/// 2. [`RetryLayer`] with the [`RetryPolicy`] (default: 4 retries)
/// 3. user layers from [`layer`](Self::layer), first added outermost: they see
///    every attempt, without the `Authorization` header
/// 4. [`AuthLayer`]: a current bearer token on every attempt, one retry on 401
/// 5. [`DefaultHeadersLayer`] and [`BaseUrlLayer`]
/// 6. [`AttemptTimeoutLayer`] (default: 120 s per attempt)
/// 7. the transport: hyper-util's pooled client over rustls, or the service
///    given to [`transport`](Self::transport)
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = lusid_auth::Config::from_secrets_file("secrets.json")?;
/// let service = lusid_http::StackBuilder::new(
///     config.lusid_url().clone(),
///     lusid_auth::token_provider(&config),
/// )
/// .application_name(config.application_name())
/// .build()?;
/// # Ok(()) }
/// ```
pub struct StackBuilder {
    lusid_url: url::Url,
    tokens: Arc<dyn TokenProvider>,
    application_name: Option<String>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    transport_settings: TransportSettings,
    transport: Option<HttpService>,
    user_layers: Vec<LayerFn>,
}

impl std::fmt::Debug for StackBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackBuilder")
            .field("lusid_url", &self.lusid_url.as_str())
            .field("application_name", &self.application_name)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("user_layers", &self.user_layers.len())
            .finish_non_exhaustive()
    }
}

impl StackBuilder {
    /// A stack for the LUSID API at `lusid_url` (the configured `lusidUrl`,
    /// such as `https://acme.lusid.com/api`) authenticating with `tokens`.
    pub fn new(lusid_url: url::Url, tokens: Arc<dyn TokenProvider>) -> Self {
        Self {
            lusid_url,
            tokens,
            application_name: None,
            retry: RetryPolicy::default(),
            attempt_timeout: Duration::from_secs(120),
            transport_settings: TransportSettings::default(),
            transport: None,
            user_layers: Vec::new(),
        }
    }

    /// Sends `X-LUSID-Application: <name>` with every request.
    pub fn application_name<S: Into<String>>(mut self, name: Option<S>) -> Self {
        self.application_name = name.map(Into::into);
        self
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long one attempt may take, from sending the request to reading the
    /// last byte of the response (default 120 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How long establishing a TCP connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.transport_settings.connect_timeout = timeout;
        self
    }

    /// Replaces the hyper-util transport with any service, for tests or a
    /// custom client. It receives absolute URIs with every header set.
    pub fn transport(mut self, transport: HttpService) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Adds a tower layer between the retry and auth layers: it sees every
    /// attempt (a retried call passes through it again) and can change the
    /// request or response, but never sees the bearer token. Layers added
    /// first sit outermost.
    ///
    /// A layer whose service fails should return a [`crate::Error`]; any
    /// other error type must convert into one (for example through
    /// [`Error::Layer`]).
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + 'static,
        L::Service: tower::Service<Request, Response = Response, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        self.user_layers
            .push(Box::new(move |inner| HttpService::new(layer.layer(inner))));
        self
    }

    /// Builds the stack.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a LUSID URL that cannot be a base URL or
    /// an application name that is not a valid header value, and when the
    /// platform's root certificates cannot be loaded.
    pub fn build(self) -> Result<HttpService, Error> {
        let transport = match self.transport {
            Some(transport) => transport,
            None => hyper_transport(&self.transport_settings)?,
        };
        let below_auth = HttpService::new(
            ServiceBuilder::new()
                .layer(DefaultHeadersLayer::new(self.application_name.as_deref())?)
                .layer(BaseUrlLayer::new(&self.lusid_url)?)
                .layer(AttemptTimeoutLayer::new(self.attempt_timeout))
                .service(transport),
        );
        let mut service = HttpService::new(AuthLayer::new(self.tokens).layer(below_auth));
        for user_layer in self.user_layers.into_iter().rev() {
            service = user_layer(service);
        }
        Ok(HttpService::new(
            ServiceBuilder::new()
                .layer(TraceLayer)
                .layer(RetryLayer::new(self.retry))
                .service(service),
        ))
    }
}
