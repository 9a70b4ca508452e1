//! Issued access and refresh tokens, checked server-side.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fastrand::Rng;

/// Who a token was issued to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Principal {
    /// Okta login name.
    pub(crate) username: String,
    /// Okta user id (`00u…`).
    pub(crate) user_id: String,
    /// Granted scopes, space-separated.
    pub(crate) scope: String,
}

#[derive(Debug)]
struct AccessGrant {
    principal: Principal,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct Tokens {
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, Principal>,
    rng: Option<Rng>,
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Never issued, or revoked.
    Unknown,
    /// Issued but past its lifetime.
    Expired,
}

/// Access tokens (with expiry) and refresh tokens (until revoked).
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    inner: Mutex<Tokens>,
}

impl TokenStore {
    fn lock(&self) -> MutexGuard<'_, Tokens> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A random opaque token: 32 random bytes, base64url.
    fn random_token(tokens: &mut Tokens) -> String {
        let rng = tokens.rng.get_or_insert_with(Rng::new);
        let bytes: Vec<u8> = (0..32).map(|_| rng.u8(..)).collect();
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Issues an access token for `principal`, valid for `ttl`. Expired
    /// access tokens are purged on the way.
    pub(crate) fn issue_access(&self, principal: &Principal, ttl: Duration) -> String {
        let mut tokens = self.lock();
        let now = Instant::now();
        tokens.access.retain(|_, grant| grant.expires_at > now);
        let token = Self::random_token(&mut tokens);
        tokens.access.insert(
            token.clone(),
            AccessGrant {
                principal: principal.clone(),
                expires_at: now + ttl,
            },
        );
        token
    }

    /// Issues a refresh token for `principal` (valid until revoked).
    pub(crate) fn issue_refresh(&self, principal: &Principal) -> String {
        let mut tokens = self.lock();
        let token = Self::random_token(&mut tokens);
        tokens.refresh.insert(token.clone(), principal.clone());
        token
    }

    /// The principal of a refresh token.
    pub(crate) fn refresh_principal(&self, token: &str) -> Option<Principal> {
        self.lock().refresh.get(token).cloned()
    }

    /// Checks a bearer token.
    pub(crate) fn validate(&self, token: Option<&str>) -> Result<Principal, TokenRejection> {
        let token = token.ok_or(TokenRejection::Missing)?;
        let tokens = self.lock();
        let grant = tokens.access.get(token).ok_or(TokenRejection::Unknown)?;
        if grant.expires_at <= Instant::now() {
            return Err(TokenRejection::Expired);
        }
        Ok(grant.principal.clone())
    }

    /// Revokes every access and refresh token.
    pub(crate) fn revoke_all(&self) {
        let mut tokens = self.lock();
        tokens.access.clear();
        tokens.refresh.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            username: "u".to_owned(),
            user_id: "00u".to_owned(),
            scope: "openid".to_owned(),
        }
    }

    #[test]
    fn tokens_validate_expire_and_revoke() {
        let store = TokenStore::default();
        let live = store.issue_access(&principal(), Duration::from_secs(60));
        let dead = store.issue_access(&principal(), Duration::ZERO);
        assert_ne!(live, dead);
        assert_eq!(live.len(), 43);
        assert_eq!(store.validate(Some(&live)), Ok(principal()));
        assert_eq!(store.validate(Some(&dead)), Err(TokenRejection::Expired));
        assert_eq!(store.validate(Some("nope")), Err(TokenRejection::Unknown));
        assert_eq!(store.validate(None), Err(TokenRejection::Missing));
        let refresh = store.issue_refresh(&principal());
        assert_eq!(store.refresh_principal(&refresh), Some(principal()));
        store.revoke_all();
        assert_eq!(store.validate(Some(&live)), Err(TokenRejection::Unknown));
        assert_eq!(store.refresh_principal(&refresh), None);
    }
}
