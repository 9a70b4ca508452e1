//! [`TokenProvider`], the interface the HTTP stack reads tokens from, and
//! [`StaticTokenProvider`] for personal access tokens.

use std::fmt::Debug;

use crate::{AccessToken, Error};

/// A source of bearer tokens for LUSID requests.
///
/// The HTTP stack calls [`access_token`](Self::access_token) before every
/// request and puts the result in `Authorization: Bearer …`. When LUSID
/// answers `401 Unauthorized` it calls [`invalidate`](Self::invalidate) with
/// the token it sent, then may ask for a token again and retry once.
///
/// Implementations: [`StaticTokenProvider`] (a personal access token, never
/// refreshed) and [`TokenCache`](crate::TokenCache) (Okta grants, cached and
/// refreshed ahead of expiry). [`token_provider`](crate::token_provider)
/// picks the right one for a [`Config`](crate::Config). With the `mock`
/// feature, `MockTokenProvider` is a [`mockall`](https://docs.rs/mockall)
/// mock of this trait.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync + Debug {
    /// A currently valid token: the cached one while it is fresh, otherwise
    /// a newly fetched or refreshed one.
    ///
    /// # Errors
    ///
    /// Whatever fetching a token can fail with: [`Error::GrantRejected`]
    /// (bad credentials), [`Error::MalformedTokenResponse`],
    /// [`Error::Transport`] or [`Error::Timeout`]. Never fails for a static
    /// token.
    async fn access_token(&self) -> Result<AccessToken, Error>;

    /// The token [`access_token`](Self::access_token) would return at once,
    /// when it would need neither I/O nor waiting (a fresh cached token, a
    /// static token); `None` otherwise. The HTTP stack uses it to skip an
    /// asynchronous call on the common path. The default is `None`.
    fn cached_token(&self) -> Option<AccessToken> {
        None
    }

    /// Tells the provider that LUSID rejected `rejected` with `401`, so the
    /// next [`access_token`](Self::access_token) call fetches a new token
    /// instead of returning it again.
    ///
    /// Only drops the cached token if it is still `rejected` (another task
    /// may already have replaced it). The default does nothing, which is
    /// right for tokens that cannot be renewed.
    fn invalidate(&self, rejected: &AccessToken) {
        let _ = rejected;
    }
}

/// A [`TokenProvider`] that always returns the same token: a LUSID personal
/// access token (PAT), configured as `api.accessToken` or
/// `FBN_ACCESS_TOKEN`.
///
/// A PAT cannot be refreshed, so [`invalidate`](TokenProvider::invalidate)
/// only logs; if LUSID rejects it, every request fails with `401` until the
/// configuration supplies a new one.
#[derive(Debug, Clone)]
pub struct StaticTokenProvider {
    token: AccessToken,
}

impl StaticTokenProvider {
    /// A provider that hands out `token` forever.
    pub fn new(token: AccessToken) -> Self {
        StaticTokenProvider { token }
    }
}

#[async_trait::async_trait]
impl TokenProvider for StaticTokenProvider {
    async fn access_token(&self) -> Result<AccessToken, Error> {
        Ok(self.token.clone())
    }

    fn cached_token(&self) -> Option<AccessToken> {
        Some(self.token.clone())
    }

    fn invalidate(&self, rejected: &AccessToken) {
        if *rejected == self.token {
            tracing::debug!(
                "LUSID rejected the personal access token; it cannot be renewed automatically"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn static_provider_returns_its_token_even_after_invalidate() {
        let provider = StaticTokenProvider::new(AccessToken::new("pat"));
        let token = provider.access_token().await.expect("static token");
        assert_eq!(token.expose_secret(), "pat");
        provider.invalidate(&token);
        assert_eq!(provider.access_token().await.expect("static token"), token);
        assert!(!format!("{provider:?}").contains("pat\""));
        assert!(format!("{provider:?}").contains("[REDACTED]"));
    }
}
