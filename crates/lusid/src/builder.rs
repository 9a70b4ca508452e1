use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lusid_auth::{Config, TokenProvider};
use lusid_http::{Error, HttpService, Request, Response, RetryPolicy, StackBuilder};
use tower::Layer;

use crate::{BuildError, Client};

type StackStep = Box<dyn FnOnce(StackBuilder) -> StackBuilder + Send>;

/// Where the builder reads its configuration.
#[derive(Debug)]
enum Source {
    SecretsFile(PathBuf),
    Environment,
    Config(Box<Config>),
}

/// Builds a [`Client`]: choose one configuration source, then optionally
/// adjust the stack.
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
    steps: Vec<StackStep>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("source", &self.source)
            .field("custom_token_provider", &self.tokens.is_some())
            .field("stack_steps", &self.steps.len())
            .finish()
    }
}

impl ClientBuilder {
    /// Reads the configuration from a secrets file exported by the LUSID web
    /// app (`{"api": {"tokenUrl", "username", ...}}`) when
    /// [`build`](Self::build) runs, with any `FBN_*` environment variable
    /// taking precedence over the file's value for the same setting (see
    /// `docs/configuration.md`).
    pub fn secrets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Some(Source::SecretsFile(path.into()));
        self
    }

    /// Reads the configuration from the `FBN_*` environment variables when
    /// [`build`](Self::build) runs.
    pub fn from_env(mut self) -> Self {
        self.source = Some(Source::Environment);
        self
    }

    /// Uses a configuration resolved by the caller.
    pub fn config(mut self, config: Config) -> Self {
        self.source = Some(Source::Config(Box::new(config)));
        self
    }

    /// Uses this token provider instead of the one the configuration implies
    /// (the configuration still gives the LUSID URL and application name).
    pub fn token_provider(mut self, tokens: Arc<dyn TokenProvider>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Replaces the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        self.step(move |stack| stack.retry_policy(policy))
    }

    /// How long one attempt may take, including reading the response body
    /// (default 120 s).
    pub fn attempt_timeout(self, timeout: Duration) -> Self {
        self.step(move |stack| stack.attempt_timeout(timeout))
    }

    /// How long one call may take, every retry and wait included (default
    /// 10 minutes).
    pub fn total_timeout(self, timeout: Duration) -> Self {
        self.step(move |stack| stack.total_timeout(timeout))
    }

    /// Tunnels every request through this HTTP CONNECT proxy, instead of the
    /// one the configuration or the `HTTPS_PROXY` variable names; `None`
    /// connects directly.
    pub fn proxy(self, proxy: Option<lusid_http::Proxy>) -> Self {
        self.step(move |stack| stack.proxy(proxy))
    }

    /// How long establishing a TCP connection may take (default 10 s).
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.step(move |stack| stack.connect_timeout(timeout))
    }

    /// Adds a tower layer to the stack, between retry and auth: it sees every
    /// attempt but never the bearer token. See [`StackBuilder::layer`].
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<HttpService> + Send + 'static,
        L::Service: tower::Service<Request, Response = Response, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        self.step(move |stack| stack.layer(layer))
    }

    fn step(mut self, step: impl FnOnce(StackBuilder) -> StackBuilder + Send + 'static) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    /// Reads the configuration and builds the stack. No request is sent: the
    /// first token is fetched by the first call.
    ///
    /// # Errors
    /// [`BuildError::NoConfiguration`] when no source was chosen;
    /// [`BuildError::Config`] for an unreadable, malformed or incomplete
    /// configuration (naming the file or variable and the field);
    /// [`BuildError::Stack`] for an unusable LUSID URL or application name.
    pub fn build(self) -> Result<Client, BuildError> {
        let config = match self.source.ok_or(BuildError::NoConfiguration)? {
            Source::SecretsFile(path) => Config::builder()
                .with_env()
                .with_secrets_file(path)
                .build()?,
            Source::Environment => Config::builder().with_env().build()?,
            Source::Config(config) => *config,
        };
        let mut stack = StackBuilder::from_config(&config)?;
        if let Some(tokens) = self.tokens {
            stack = stack.token_provider(tokens);
        }
        for step in self.steps {
            stack = step(stack);
        }
        Ok(Client::from_api(lusid_api::Client::new(stack.build()?)))
    }
}
