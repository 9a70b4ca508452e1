//! [`TokenCache`]: a [`TokenProvider`] that reuses a token, refreshes it in
//! the background shortly before it expires, and shares one fetch among
//! all callers that have to wait.

use std::fmt::{self, Debug};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::{AccessToken, Error, IssuedToken, OktaClient, TokenProvider};

/// How long before expiry a token is refreshed by default: 60 s. Tokens
/// living less than twice this are refreshed at half their lifetime.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(60);

/// First pause after a failed background refresh; doubles per failure.
const BACKGROUND_RETRY: Duration = Duration::from_secs(1);

/// Longest pause between failed background refreshes.
const MAX_BACKGROUND_RETRY: Duration = Duration::from_secs(30);

/// Where a [`TokenCache`] gets tokens: the two OAuth2 grants.
/// [`OktaClient`] is the real one; tests can supply fakes.
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync + Debug {
    /// Obtains a token with the user's credentials (password grant).
    ///
    /// # Errors
    ///
    /// Any [`Error`]; see [`OktaClient::password_grant`].
    async fn password_grant(&self) -> Result<IssuedToken, Error>;

    /// Obtains a token with a refresh token issued earlier.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; an expired or revoked refresh token should be reported
    /// as [`Error::GrantRejected`], which makes the cache fall back to the
    /// password grant.
    async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error>;
}

/// A caching, refreshing [`TokenProvider`] over a [`TokenSource`] (by
/// default an [`OktaClient`]).
///
/// - **Reuse.** A token is returned as is until its refresh point:
///   `expires_in` minus the refresh buffer ([`DEFAULT_REFRESH_BUFFER`],
///   60 s, see [`with_refresh_buffer`](Self::with_refresh_buffer)). When
///   `expires_in` is less than twice the buffer, the refresh point is half
///   the lifetime instead, so a 4 s token is refreshed after 2 s. Lifetimes
///   are measured from just before the request was sent, on Tokio's
///   monotonic clock (so `tokio::time::pause` works in tests).
/// - **Refresh ahead.** Between the refresh point and expiry, the first
///   caller starts **one** refresh in a background task (`tokio::spawn`) and
///   every caller keeps getting the still-valid token without waiting. If
///   that refresh fails, the current token stays in use and the next
///   background attempt waits 1 s, doubling per failure up to 30 s.
/// - **Single flight.** With no token, or an expired one, callers wait for
///   one shared fetch (also a spawned task, so a cancelled caller does not
///   cancel it): a thousand concurrent callers on a cold cache cause exactly
///   one grant, and all get its token or its error.
/// - **Grants.** With a refresh token from an earlier grant, the refresh
///   grant is used. If the endpoint rejects it (`4xx`, e.g.
///   `invalid_grant`), one password grant follows at once. Without a
///   refresh token, the password grant is used. A refresh response without
///   a new refresh token keeps the old one.
/// - **No poisoned state.** A failed (or panicking) fetch leaves nothing
///   locked: its waiters get the error and the next caller starts a new
///   fetch. No lock is held across an `await`.
/// - **Invalidation.** [`invalidate`](TokenProvider::invalidate) drops the
///   cached token if it is still the rejected one; the refresh token is
///   kept, so the next call uses the refresh grant.
///
/// Must be used inside a Tokio runtime (without one, fetches run in the
/// calling task and no background refresh happens).
pub struct TokenCache<S = OktaClient> {
    inner: Arc<Inner<S>>,
}

/// The shared state; spawned fetches hold an `Arc` to it, so they can
/// outlive the caller that started them.
struct Inner<S> {
    source: S,
    refresh_buffer: Duration,
    state: Mutex<State>,
}

/// A fetch's result, shared by all its waiters.
type Outcome = Result<AccessToken, Arc<Error>>;

#[derive(Default)]
struct State {
    current: Option<Cached>,
    refresh_token: Option<SecretString>,
    /// The fetch in progress; `None` in the channel until it finishes.
    in_flight: Option<watch::Receiver<Option<Outcome>>>,
    /// Failed background refreshes since the last success.
    background_failures: u32,
    /// No background refresh before this instant (after failures).
    background_not_before: Option<Instant>,
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

/// What the caller has to do after looking at the state.
enum Next {
    Ready(AccessToken),
    Wait(watch::Receiver<Option<Outcome>>),
    /// No runtime to spawn on: run the fetch here, then read the receiver.
    RunHere(
        watch::Receiver<Option<Outcome>>,
        Pin<Box<dyn Future<Output = ()> + Send>>,
    ),
}

impl<S: Debug> Debug for TokenCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.inner.source)
            .field("refresh_buffer", &self.inner.refresh_buffer)
            .finish_non_exhaustive()
    }
}

impl<S: TokenSource + 'static> TokenCache<S> {
    /// An empty cache over `source` with [`DEFAULT_REFRESH_BUFFER`]. No
    /// token is fetched until the first [`access_token`](TokenProvider::access_token).
    pub fn new(source: S) -> Self {
        TokenCache {
            inner: Arc::new(Inner {
                source,
                refresh_buffer: DEFAULT_REFRESH_BUFFER,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Refresh tokens this long before they expire (capped at half their
    /// lifetime). `Duration::ZERO` refreshes only once expired.
    pub fn with_refresh_buffer(mut self, buffer: Duration) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.refresh_buffer = buffer,
            // Unreachable: the cache is not `Clone`, and fetches (the only
            // other holders) start after construction.
            None => tracing::warn!("refresh buffer not changed: the cache is already in use"),
        }
        self
    }

    /// The configured refresh buffer.
    pub fn refresh_buffer(&self) -> Duration {
        self.inner.refresh_buffer
    }

    /// The token source.
    pub fn source(&self) -> &S {
        &self.inner.source
    }

    /// Decides, under the state lock, whether to answer now, wait, or
    /// start a fetch.
    fn next(&self) -> Next {
        let now = Instant::now();
        let mut state = self.inner.lock();
        if let Some(cached) = &state.current {
            if now < cached.refresh_at {
                return Next::Ready(cached.token.clone());
            }
            if now < cached.expires_at {
                let token = cached.token.clone();
                let allowed = state.background_not_before.is_none_or(|at| now >= at);
                if state.in_flight.is_none() && allowed {
                    if let Ok(handle) = tokio::runtime::Handle::try_current() {
                        tracing::debug!(
                            "access token due for refresh; refreshing in the background"
                        );
                        let (_rx, fetch) = Inner::start(&self.inner, &mut state);
                        handle.spawn(fetch);
                    }
                }
                return Next::Ready(token);
            }
        }
        if let Some(rx) = &state.in_flight {
            return Next::Wait(rx.clone());
        }
        let (rx, fetch) = Inner::start(&self.inner, &mut state);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(fetch);
                Next::Wait(rx)
            }
            Err(_) => Next::RunHere(rx, Box::pin(fetch)),
        }
    }
}

impl<S: TokenSource + 'static> Inner<S> {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Never held across an await or user code, so a poisoned lock
        // cannot hide a half-updated state; recover from it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks a fetch as in flight and returns its receiver and the future
    /// that performs it.
    fn start(
        inner: &Arc<Self>,
        state: &mut State,
    ) -> (
        watch::Receiver<Option<Outcome>>,
        impl Future<Output = ()> + Send + 'static,
    ) {
        let (tx, rx) = watch::channel(None);
        state.in_flight = Some(rx.clone());
        let refresh_token = state.refresh_token.clone();
        let inner = Arc::clone(inner);
        let fetch = async move {
            let mut guard = InFlightGuard {
                state: &inner.state,
                armed: true,
            };
            let start = Instant::now();
            let result = inner.fetch(refresh_token).await;
            let outcome = inner.store(start, result);
            guard.armed = false;
            tx.send_replace(Some(outcome));
        };
        (rx, fetch)
    }

    /// Records a fetch's result and ends the in-flight marker.
    fn store(
        &self,
        start: Instant,
        result: Result<(IssuedToken, Option<SecretString>), Error>,
    ) -> Outcome {
        let mut state = self.lock();
        state.in_flight = None;
        match result {
            Ok((issued, refresh_token)) => {
                let (refresh_at, expires_at) = self.deadlines(start, issued.expires_in());
                let token = issued.access_token().clone();
                state.current = Some(Cached {
                    token: token.clone(),
                    refresh_at,
                    expires_at,
                });
                state.refresh_token = refresh_token;
                state.background_failures = 0;
                state.background_not_before = None;
                Ok(token)
            }
            Err(error) => {
                let now = Instant::now();
                let still_valid = state
                    .current
                    .as_ref()
                    .is_some_and(|cached| now < cached.expires_at);
                if still_valid {
                    let factor = 2u32.saturating_pow(state.background_failures.min(16));
                    let pause = BACKGROUND_RETRY
                        .saturating_mul(factor)
                        .min(MAX_BACKGROUND_RETRY);
                    state.background_failures = state.background_failures.saturating_add(1);
                    state.background_not_before = now.checked_add(pause);
                    tracing::warn!(
                        error = %error,
                        retry_in_ms = pause.as_millis() as u64,
                        "could not refresh the access token; using the current one until it expires"
                    );
                } else {
                    tracing::debug!(error = %error, "could not obtain an access token");
                }
                Err(Arc::new(error))
            }
        }
    }

    /// The refresh point and expiry for a token of lifetime `ttl` received
    /// at `start`.
    fn deadlines(&self, start: Instant, ttl: Duration) -> (Instant, Instant) {
        let buffer = if ttl >= self.refresh_buffer.saturating_mul(2) {
            self.refresh_buffer
        } else {
            ttl / 2
        };
        let at = |offset: Duration| start.checked_add(offset).unwrap_or(start);
        (at(ttl - buffer), at(ttl))
    }

    /// Runs the grants: refresh if possible, password otherwise or after a
    /// rejected refresh. Returns the token and the refresh token to keep.
    async fn fetch(
        &self,
        refresh_token: Option<SecretString>,
    ) -> Result<(IssuedToken, Option<SecretString>), Error> {
        if let Some(refresh_token) = refresh_token {
            match self.source.refresh_grant(&refresh_token).await {
                Ok(issued) => {
                    let keep = issued.refresh_token().cloned().or(Some(refresh_token));
                    return Ok((issued, keep));
                }
                Err(Error::GrantRejected { status, error, .. }) if status.is_client_error() => {
                    tracing::debug!(%error, "refresh token rejected; using the password grant");
                }
                Err(error) => return Err(error),
            }
        }
        let issued = self.source.password_grant().await?;
        let keep = issued.refresh_token().cloned();
        Ok((issued, keep))
    }
}

/// Clears the in-flight marker if a fetch ends without storing a result
/// (it panicked, or its task was dropped with the runtime).
struct InFlightGuard<'a> {
    state: &'a Mutex<State>,
    armed: bool,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.in_flight = None;
        }
    }
}

/// Waits for a fetch's outcome.
async fn outcome(mut rx: watch::Receiver<Option<Outcome>>) -> Result<AccessToken, Error> {
    let outcome = match rx.wait_for(Option::is_some).await {
        Ok(value) => value.clone(),
        Err(_) => None,
    };
    match outcome {
        Some(Ok(token)) => Ok(token),
        Some(Err(error)) => Err(Error::shared(&error)),
        None => Err(Error::abandoned_fetch()),
    }
}

#[async_trait::async_trait]
impl<S: TokenSource + 'static> TokenProvider for TokenCache<S> {
    async fn access_token(&self) -> Result<AccessToken, Error> {
        match self.next() {
            Next::Ready(token) => Ok(token),
            Next::Wait(rx) => outcome(rx).await,
            Next::RunHere(rx, fetch) => {
                fetch.await;
                outcome(rx).await
            }
        }
    }

    fn cached_token(&self) -> Option<AccessToken> {
        let state = self.inner.lock();
        let cached = state.current.as_ref()?;
        (Instant::now() < cached.refresh_at).then(|| cached.token.clone())
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut state = self.inner.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|cached| cached.token == *rejected)
        {
            tracing::debug!("access token rejected by LUSID; it will be replaced");
            state.current = None;
            state.background_not_before = None;
        }
    }
}
