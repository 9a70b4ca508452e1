use std::sync::Arc;
use std::time::Duration;

use lusid_auth::TokenProvider;
use tower::{Layer, ServiceBuilder};

use crate::layers::{
    AuthLayer, BaseUrlLayer, DefaultHeadersLayer, RetryLayer, RetryPolicy, TimeoutLayer, TraceLayer,
};
use crate::transport::{TransportSettings, hyper_transport};
use crate::{Error, Proxy, Request, Response};

/// The default per-attempt timeout: 120 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// The default total timeout of one call, retries included: 10 minutes.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
/// The default TCP connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The boxed, cloneable service every generated API call goes through:
/// [`Request`] in, [`Response`] (any status) or [`Error`] out.
pub type HttpService = tower::util::BoxCloneSyncService<Request, Response, Error>;

type LayerFn = Box<dyn FnOnce(HttpService) -> HttpService + Send>;

/// Builds the [`HttpService`] stack for one LUSID domain.
///
/// Outermost first:
///
/// 1. [`TraceLayer`]: one `lusid.request` span per call
/// 2. [`TimeoutLayer::total`] (default [`DEFAULT_TOTAL_TIMEOUT`])
/// 3. [`RetryLayer`] with the [`RetryPolicy`] (default: 4 retries)
/// 4. user layers from [`layer`](Self::layer), first added outermost: they see
///    every attempt, without the `Authorization` header
/// 5. [`AuthLayer`]: a current bearer token on every attempt, one retry on 401
/// 6. [`DefaultHeadersLayer`] and [`BaseUrlLayer`]
/// 7. [`TimeoutLayer::attempt`] (default [`DEFAULT_ATTEMPT_TIMEOUT`])
/// 8. the transport: hyper-util's pooled client over rustls, asking for and
///    decoding gzip and brotli, through a [`Proxy`] when one is set; or the
///    service given to [`transport`](Self::transport)
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
    correlation_id: Option<String>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    total_timeout: Duration,
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
            .field("correlation_id", &self.correlation_id)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("proxy", &self.transport_settings.proxy)
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
            correlation_id: None,
            retry: RetryPolicy::default(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            transport_settings: TransportSettings::default(),
            transport: None,
            user_layers: Vec::new(),
        }
    }

    /// A stack for a resolved configuration: its LUSID URL, a token provider
    /// for its credentials ([`lusid_auth::token_provider`]), application
    /// name, correlation id, timeouts (`connectTimeoutMs`; `readTimeoutMs` as
    /// the per-attempt timeout; `totalTimeoutMs`), `rateLimitRetries` as the
    /// 429 retry bound, and proxy: the configuration's `proxy` (with
    /// `NO_PROXY` from the environment), else `HTTPS_PROXY`/`HTTP_PROXY`.
    /// Settings it does not give keep their defaults; later builder calls
    /// override them.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a proxy URL that cannot be used.
    pub fn from_config(config: &lusid_auth::Config) -> Result<Self, Error> {
        let mut stack = Self::new(
            config.lusid_url().clone(),
            lusid_auth::token_provider(config),
        )
        .application_name(config.application_name())
        .correlation_id(config.correlation_id());
        if let Some(timeout) = config.connect_timeout() {
            stack = stack.connect_timeout(timeout);
        }
        if let Some(timeout) = config.read_timeout() {
            stack = stack.attempt_timeout(timeout);
        }
        if let Some(timeout) = config.total_timeout() {
            stack = stack.total_timeout(timeout);
        }
        if let Some(retries) = config.rate_limit_retries() {
            stack.retry = stack.retry.max_rate_limit_retries(retries);
        }
        let proxy = match config.proxy() {
            Some(settings) => {
                let mut proxy = Proxy::new(settings.address())?;
                if let Some(username) = settings.username() {
                    let password = settings
                        .password()
                        .map(secrecy::ExposeSecret::expose_secret)
                        .unwrap_or_default();
                    proxy = proxy.basic_auth(username, password);
                }
                let no_proxy = std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default();
                Some(proxy.no_proxy(&no_proxy))
            }
            None => Proxy::from_env(),
        };
        Ok(stack.proxy(proxy))
    }

    /// Replaces the token provider.
    pub fn token_provider(mut self, tokens: Arc<dyn TokenProvider>) -> Self {
        self.tokens = tokens;
        self
    }

    /// Sends `X-LUSID-Application: <name>` with every request.
    pub fn application_name<S: Into<String>>(mut self, name: Option<S>) -> Self {
        self.application_name = name.map(Into::into);
        self
    }

    /// Sends `CorrelationId: <id>` with every request, so LUSID's logs can
    /// tie the calls of one job together.
    pub fn correlation_id<S: Into<String>>(mut self, id: Option<S>) -> Self {
        self.correlation_id = id.map(Into::into);
        self
    }

    /// Tunnels every request through an HTTP CONNECT proxy.
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.transport_settings.proxy = proxy;
        self
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long one attempt may take, from sending the request to reading the
    /// last byte of the response (default [`DEFAULT_ATTEMPT_TIMEOUT`]).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How long one call may take, every retry and wait included (default
    /// [`DEFAULT_TOTAL_TIMEOUT`]).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// How long establishing a TCP connection may take (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
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
        let mut headers = DefaultHeadersLayer::new(self.application_name.as_deref())?;
        if let Some(id) = &self.correlation_id {
            let value = http::HeaderValue::from_str(id).map_err(|_| Error::InvalidRequest {
                operation: None,
                reason: format!("correlation id {id:?} is not a valid header value"),
            })?;
            headers = headers.with_header(http::HeaderName::from_static("correlationid"), value);
        }
        let below_auth = HttpService::new(
            ServiceBuilder::new()
                .layer(headers)
                .layer(BaseUrlLayer::new(&self.lusid_url)?)
                .layer(TimeoutLayer::attempt(self.attempt_timeout))
                .service(transport),
        );
        let mut service = HttpService::new(AuthLayer::new(self.tokens).layer(below_auth));
        for user_layer in self.user_layers.into_iter().rev() {
            service = user_layer(service);
        }
        Ok(HttpService::new(
            ServiceBuilder::new()
                .layer(TraceLayer)
                .layer(TimeoutLayer::total(self.total_timeout))
                .layer(RetryLayer::new(self.retry))
                .service(service),
        ))
    }
}
