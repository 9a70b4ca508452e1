//! [`ClientBuilder`]: configuration sources and stack settings, built once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lusid_auth::{Config, TokenProvider};
use lusid_http::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, Error, HttpService, Proxy, Request, Response,
    RetryPolicy, StackBuilder, Transport,
};
use tower::Layer;

use crate::hooks::HookLayer;
use crate::settings::{self, Overrides};
use crate::{BuildError, Client};

type UserLayer = Arc<dyn Fn(HttpService) -> HttpService + Send + Sync>;

/// Where the builder reads its configuration.
#[derive(Debug)]
enum Source {
    SecretsFile(PathBuf),
    Environment,
    Config(Box<Config>),
}

/// Builds a [`Client`]: choose one configuration source, then optionally
/// adjust the stack. Nothing is read or built until [`build`](Self::build).
///
/// ```no_run
/// # fn main() -> Result<(), lusid::BuildError> {
/// let client = lusid::Client::builder()
///     .secrets_file("secrets.json")
///     .attempt_timeout(std::time::Duration::from_secs(30))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    source: Option<Source>,
    tokens: Option<Arc<dyn TokenProvider>>,
    overrides: Overrides,
    layers: Vec<UserLayer>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("source", &self.source)
            .field("custom_token_provider", &self.tokens.is_some())
            .field("overrides", &self.overrides)
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl ClientBuilder {
    /// Reads the configuration from a secrets file exported by the LUSID web
    /// app (`{"api": {"tokenUrl", "username", ...}}`) when
    /// [`build`](Self::build) runs, with any `FBN_*` environment variable
    /// taking precedence over the file's value for the same setting, and
    /// `HTTPS_PROXY`/`NO_PROXY` read too (see `docs/configuration.md`).
    pub fn secrets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Some(Source::SecretsFile(path.into()));
        self
    }

    /// Reads the configuration from the `FBN_*` environment variables (and
    /// `HTTPS_PROXY`/`NO_PROXY`) when [`build`](Self::build) runs.
    pub fn from_env(mut self) -> Self {
        self.source = Some(Source::Environment);
        self
    }

    /// Uses a configuration resolved by the caller.
    pub fn config(mut self, config: Config) -> Self {
        self.source = Some(Source::Config(Box::new(config)));
        self
    }

    /// Uses the configuration of an in-process [`lusid_emulator`] (feature
    /// `emulator`): its URLs, credentials and, over HTTPS, its CA file.
    ///
    /// # Errors
    /// [`BuildError::Config`] when the emulator's URLs do not make a valid
    /// configuration.
    #[cfg(feature = "emulator")]
    pub fn emulator(self, emulator: &lusid_emulator::RunningEmulator) -> Result<Self, BuildError> {
        let credentials = emulator.credentials();
        let mut config = Config::builder()
            .with_env_vars(|_| None)
            .lusid_url(emulator.lusid_url())
            .token_url(emulator.token_url())
            .username(credentials.username.clone())
            .password(credentials.password.clone())
            .client_id(credentials.client_id.clone())
            .client_secret(credentials.client_secret.clone());
        if let Some(ca) = emulator.ca_certificate_file() {
            config = config.client_certificate(ca);
        }
        Ok(self.config(config.build()?))
    }

    /// Uses this token provider instead of the one the configuration implies
    /// (the configuration still gives the LUSID URL and application name).
    pub fn token_provider(mut self, tokens: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Replaces the retry policy of API calls and token requests alike
    /// (default: [`RetryPolicy::default`] with the configured
    /// `rateLimitRetries`).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.overrides.retry = Some(policy);
        self
    }

    /// How long one attempt may take, including reading the response body
    /// (default: the configured `readTimeoutMs`, else 120 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.attempt_timeout = Some(timeout);
        self
    }

    /// How long one call may take, every retry and wait included (default:
    /// the configured `totalTimeoutMs`, else 10 minutes).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.total_timeout = Some(timeout);
        self
    }

    /// Tunnels every request, token requests included, through this HTTP
    /// CONNECT proxy instead of the configured one; `None` connects
    /// directly.
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.overrides.proxy = Some(proxy);
        self
    }

    /// Trusts the CA certificates of this PEM file in addition to the
    /// platform's roots, instead of the configured `clientCertificate`.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.overrides.ca_bundle = Some(path.into());
        self
    }

    /// Whether HTTP/2 is offered by ALPN (default `true`).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.overrides.http2 = Some(enabled);
        self
    }

    /// How long establishing a TCP connection (and a proxy tunnel) may take
    /// (default: the configured `connectTimeoutMs`, else 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.overrides.connect_timeout = Some(timeout);
        self
    }

    /// Adds a tower layer to the stack, between retry and auth: it sees every
    /// attempt but never the bearer token, and never a token request. See
    /// [`StackBuilder::layer`]. Layers added first sit outermost.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + Sync + 'static,
        L::Service: tower::Service<Request, Response = Response, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        self.layers
            .push(Arc::new(move |inner| HttpService::new(layer.layer(inner))));
        self
    }

    /// Calls `hook` before every attempt of every call (a retried call
    /// calls it again), with the request as it will be sent apart from the
    /// `Authorization` header, which is added below it: to add a header, or
    /// count requests. Token requests do not pass through it.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), lusid::BuildError> {
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// static SENT: AtomicU64 = AtomicU64::new(0);
    /// let client = lusid::Client::builder()
    ///     .secrets_file("secrets.json")
    ///     .on_request(|request| {
    ///         SENT.fetch_add(1, Ordering::Relaxed);
    ///         request.headers_mut().insert("x-job", "nightly".parse().unwrap());
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn on_request(self, hook: impl Fn(&mut Request) + Send + Sync + 'static) -> Self {
        let hooks = HookLayer {
            on_request: Some(Arc::new(hook)),
            on_response: None,
        };
        self.layer(hooks)
    }

    /// Calls `hook` with every response LUSID sends (any status, every
    /// attempt), before the retry layer decides on it: to count statuses or
    /// log request ids
    /// ([`ResponseMetadata`](lusid_http::ResponseMetadata) needs `&mut`, so
    /// read the `lusid-meta-requestId` header here).
    pub fn on_response(self, hook: impl Fn(&Response) + Send + Sync + 'static) -> Self {
        let hooks = HookLayer {
            on_request: None,
            on_response: Some(Arc::new(hook)),
        };
        self.layer(hooks)
    }

    /// Reads the configuration, builds the one transport, the token
    /// provider (sending through that transport, retrying by the same
    /// policy) and the stack. No request is sent: the first token is
    /// fetched by the first call.
    ///
    /// # Errors
    /// [`BuildError::NoConfiguration`] when no source was chosen;
    /// [`BuildError::Config`] for an unreadable, malformed or incomplete
    /// configuration (naming the file or variable and the field);
    /// [`BuildError::Stack`] for a CA bundle that is missing or not PEM
    /// (naming the file), an unusable proxy, LUSID URL or application name.
    pub fn build(self) -> Result<Client, BuildError> {
        let config = match self.source.ok_or(BuildError::NoConfiguration)? {
            Source::SecretsFile(path) => Config::builder()
                .with_env()
                .with_secrets_file(path)
                .build()?,
            Source::Environment => Config::builder().with_env().build()?,
            Source::Config(config) => *config,
        };
        let transport = Transport::new(&settings::transport(&config, &self.overrides)?)?;
        let retry = settings::retry(&config, &self.overrides);
        let tokens = match self.tokens {
            Some(tokens) => tokens,
            None => lusid_auth::token_provider(&config, transport.token_client(), retry.clone()),
        };
        let mut stack = StackBuilder::new(config.lusid_url().clone(), tokens.clone())
            .transport(transport)
            .retry_policy(retry)
            .application_name(config.application_name())
            .correlation_id(config.correlation_id())
            .attempt_timeout(
                self.overrides
                    .attempt_timeout
                    .or(config.read_timeout())
                    .unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
            )
            .total_timeout(
                self.overrides
                    .total_timeout
                    .or(config.total_timeout())
                    .unwrap_or(DEFAULT_TOTAL_TIMEOUT),
            );
        for layer in self.layers {
            stack = stack.layer(tower::layer::layer_fn(move |inner| layer(inner)));
        }
        Ok(Client::new(
            lusid_api::Client::new(stack.build()?),
            tokens,
            &config,
        ))
    }
}
