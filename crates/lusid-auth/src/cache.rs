//! [`TokenCache`]: a [`TokenProvider`] that reuses a token until shortly
//! before it expires, then refreshes it, with one fetch at a time.

use std::fmt::{self, Debug};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use secrecy::SecretString;
use tokio::time::Instant;

use crate::{AccessToken, Error, IssuedToken, OktaClient, TokenProvider};

/// How long before expiry a token is refreshed by default: 60 s. Tokens
/// living less than twice this are refreshed at half their lifetime.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(60);

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
/// - **Refresh.** With a refresh token from an earlier grant, the refresh
///   grant is used. If the endpoint rejects it (`4xx`, e.g.
///   `invalid_grant`), the password grant follows at once. Without a
///   refresh token, the password grant is used. A refresh response without
///   a new refresh token keeps the old one.
/// - **Single flight.** One fetch at a time: callers arriving during a fetch
///   wait for it and share its token (or, if the current token has not
///   expired yet, get that one without waiting). If the fetch fails, waiting
///   callers try again themselves; nothing is left poisoned.
/// - **Grace.** If a refresh fails while the current token has not expired,
///   the current token is returned (with a warning) and the next call tries
///   again.
/// - **Invalidation.** [`invalidate`](TokenProvider::invalidate) drops the
///   cached token if it is the rejected one; the refresh token is kept, so
///   the next call uses the refresh grant.
pub struct TokenCache<S = OktaClient> {
    source: S,
    refresh_buffer: Duration,
    state: Mutex<State>,
    /// Held for the whole duration of a fetch.
    fetch: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    refresh_token: Option<SecretString>,
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

impl<S: Debug> Debug for TokenCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("refresh_buffer", &self.refresh_buffer)
            .finish_non_exhaustive()
    }
}

impl<S: TokenSource> TokenCache<S> {
    /// An empty cache over `source` with [`DEFAULT_REFRESH_BUFFER`]. No
    /// token is fetched until the first [`access_token`](TokenProvider::access_token).
    pub fn new(source: S) -> Self {
        TokenCache {
            source,
            refresh_buffer: DEFAULT_REFRESH_BUFFER,
            state: Mutex::new(State::default()),
            fetch: tokio::sync::Mutex::new(()),
        }
    }

    /// Refresh tokens this long before they expire (capped at half their
    /// lifetime). `Duration::ZERO` refreshes only once expired.
    pub fn with_refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// The configured refresh buffer.
    pub fn refresh_buffer(&self) -> Duration {
        self.refresh_buffer
    }

    /// The token source.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The lock is never held across an await or user code, so poisoning
        // cannot leave a half-updated state; recover from it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached token if it is before its refresh point.
    fn fresh_token(&self) -> Option<AccessToken> {
        let now = Instant::now();
        let state = self.state();
        state
            .current
            .as_ref()
            .filter(|cached| now < cached.refresh_at)
            .map(|cached| cached.token.clone())
    }

    /// The cached token if it has not expired (it may be due for refresh).
    fn unexpired_token(&self) -> Option<AccessToken> {
        let now = Instant::now();
        let state = self.state();
        state
            .current
            .as_ref()
            .filter(|cached| now < cached.expires_at)
            .map(|cached| cached.token.clone())
    }

    /// The refresh point for a token of lifetime `ttl` received at `start`.
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

#[async_trait::async_trait]
impl<S: TokenSource> TokenProvider for TokenCache<S> {
    async fn access_token(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        let _fetching = match self.fetch.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Another caller is fetching. A token that is due for
                // refresh but not expired is still good to use meanwhile.
                if let Some(token) = self.unexpired_token() {
                    return Ok(token);
                }
                self.fetch.lock().await
            }
        };
        // The fetch we waited for may have succeeded.
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }

        let refresh_token = self.state().refresh_token.clone();
        let start = Instant::now();
        match self.fetch(refresh_token).await {
            Ok((issued, refresh_token)) => {
                let (refresh_at, expires_at) = self.deadlines(start, issued.expires_in());
                let token = issued.access_token().clone();
                let mut state = self.state();
                state.current = Some(Cached {
                    token: token.clone(),
                    refresh_at,
                    expires_at,
                });
                state.refresh_token = refresh_token;
                Ok(token)
            }
            Err(error) => match self.unexpired_token() {
                Some(token) => {
                    tracing::warn!(
                        error = %error,
                        "could not refresh the access token; using the current one until it expires"
                    );
                    Ok(token)
                }
                None => Err(error),
            },
        }
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut state = self.state();
        if state
            .current
            .as_ref()
            .is_some_and(|cached| cached.token == *rejected)
        {
            tracing::debug!("access token rejected by LUSID; it will be replaced");
            state.current = None;
        }
    }
}
