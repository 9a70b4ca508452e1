//! [`StackBuilder`]: composes the layers over the transport.

use std::sync::Arc;
use std::time::Duration;

use lusid_auth::TokenProvider;
use tower::{Layer, Service, ServiceBuilder};

use crate::layers::{AuthLayer, DefaultsLayer, RetryLayer, TimeoutLayer, TraceLayer};
use crate::{BuildError, Error, Request, Response, RetryPolicy, Transport, TransportSettings};

/// The default per-attempt timeout: 120 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// The default total timeout of one call, retries included: 10 minutes.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);

/// The boxed, cloneable service every generated API call goes through:
/// [`Request`] in, [`Response`] (any status) or [`Error`] out.
pub type HttpService = tower::util::BoxCloneSyncService<Request, Response, Error>;

type LayerFn = Box<dyn FnOnce(HttpService) -> HttpService + Send>;

/// Builds the [`HttpService`] stack for one LUSID domain.
///
/// Outermost first:
///
/// 1. [`TraceLayer`]: one `lusid.request` span per call
/// 2. [`DefaultsLayer`]: base URL and SDK headers, once per call
/// 3. [`TimeoutLayer::total`] (default [`DEFAULT_TOTAL_TIMEOUT`])
/// 4. [`RetryLayer`] with the [`RetryPolicy`] (default: 4 retries)
/// 5. user layers from [`layer`](Self::layer), first added outermost: they
///    see every attempt, without the `Authorization` header
/// 6. [`AuthLayer`]: a current bearer token on every attempt
/// 7. [`TimeoutLayer::attempt`] (default [`DEFAULT_ATTEMPT_TIMEOUT`])
/// 8. the [`Transport`] given to [`transport`](Self::transport), or one
///    built with [`TransportSettings::default`]
///
/// Give the token provider the same transport
/// ([`Transport::token_client`]) and the same retry policy, so token
/// requests reach the network the same way and share the retry budget:
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use lusid_http::{RetryPolicy, StackBuilder, Transport, TransportSettings};
///
/// let config = lusid_auth::Config::from_secrets_file("secrets.json")?;
/// let transport = Transport::new(&TransportSettings::default())?;
/// let retry = RetryPolicy::default();
/// let tokens = lusid_auth::token_provider(&config, transport.token_client(), retry.clone());
/// let service = StackBuilder::new(config.lusid_url().clone(), tokens)
///     .transport(transport)
///     .retry_policy(retry)
///     .application_name(config.application_name())
///     .build()?;
/// # Ok(()) }
/// ```
pub struct StackBuilder {
    lusid_url: http::Uri,
    tokens: Arc<dyn TokenProvider>,
    application_name: Option<String>,
    correlation_id: Option<String>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    total_timeout: Duration,
    transport: Option<HttpService>,
    user_layers: Vec<LayerFn>,
}

impl std::fmt::Debug for StackBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackBuilder")
            .field("lusid_url", &self.lusid_url.to_string())
            .field("application_name", &self.application_name)
            .field("retry", &self.retry)
            .field("correlation_id", &self.correlation_id)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("user_layers", &self.user_layers.len())
            .finish_non_exhaustive()
    }
}

impl StackBuilder {
    /// A stack for the LUSID API at `lusid_url` (the configured `lusidUrl`,
    /// such as `https://acme.lusid.com/api`) authenticating with `tokens`.
    pub fn new(lusid_url: http::Uri, tokens: Arc<dyn TokenProvider>) -> Self {
        Self {
            lusid_url,
            tokens,
            application_name: None,
            correlation_id: None,
            retry: RetryPolicy::default(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            transport: None,
            user_layers: Vec::new(),
        }
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

    /// Replaces the retry policy (give the token client the same one).
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

    /// The service at the bottom of the stack: usually the shared
    /// [`Transport`]; any service for tests or a custom client. It receives
    /// absolute URIs with every header set.
    pub fn transport<T>(mut self, transport: T) -> Self
    where
        T: Service<Request, Response = Response, Error = Error> + Clone + Send + Sync + 'static,
        T::Future: Send + 'static,
    {
        self.transport = Some(HttpService::new(transport));
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

    /// Builds the stack. No connection is opened.
    ///
    /// # Errors
    /// [`BuildError::Invalid`] for a LUSID URL that cannot be a base URL or
    /// an application name or correlation id that is not a valid header
    /// value; the errors of [`Transport::new`] when no transport was given.
    pub fn build(self) -> Result<HttpService, BuildError> {
        let transport = match self.transport {
            Some(transport) => transport,
            None => HttpService::new(Transport::new(&TransportSettings::default())?),
        };
        let mut defaults = DefaultsLayer::new(&self.lusid_url)?;
        if let Some(name) = &self.application_name {
            defaults = defaults.application_name(name)?;
        }
        if let Some(id) = &self.correlation_id {
            defaults = defaults.correlation_id(id)?;
        }
        let mut service = HttpService::new(
            ServiceBuilder::new()
                .layer(AuthLayer::new(self.tokens))
                .layer(TimeoutLayer::attempt(self.attempt_timeout))
                .service(transport),
        );
        for user_layer in self.user_layers.into_iter().rev() {
            service = user_layer(service);
        }
        Ok(HttpService::new(
            ServiceBuilder::new()
                .layer(TraceLayer)
                .layer(defaults)
                .layer(TimeoutLayer::total(self.total_timeout))
                .layer(RetryLayer::new(self.retry))
                .service(service),
        ))
    }
}
