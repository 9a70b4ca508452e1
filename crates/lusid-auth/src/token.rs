//! [`AccessToken`]: the bearer token sent to LUSID.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// An OAuth2 bearer token for LUSID: either issued by Okta or a personal
/// access token (PAT).
///
/// The value is held in a [`SecretString`] (zeroed on drop) and never
/// printed: `Debug` shows `AccessToken([REDACTED])`. Read it with
/// [`expose_secret`](Self::expose_secret) only to put it on the wire, as
/// `Authorization: Bearer <token>`.
///
/// Cloning shares the secret (reference-counted; it is zeroed when the last
/// clone is dropped). Equality compares the token text (not in constant
/// time); [`TokenProvider::invalidate`](crate::TokenProvider::invalidate)
/// uses it to tell whether a rejected token is still the cached one.
#[derive(Clone)]
pub struct AccessToken(Arc<SecretString>);

impl AccessToken {
    /// Wraps a token value. No validation: any string is accepted.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(Arc::new(SecretString::from(token.into())))
    }

    /// Whether `other` is a clone of this very token (a pointer
    /// comparison, cheaper than [`PartialEq`]).
    pub fn is_same(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The token text, for the `Authorization` header. Do not log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<SecretString> for AccessToken {
    fn from(secret: SecretString) -> Self {
        AccessToken(Arc::new(secret))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.is_same(other) || self.expose_secret() == other.expose_secret()
    }
}

impl Eq for AccessToken {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let token = AccessToken::new("eyJhbGciOi.secret.sig");
        assert_eq!(format!("{token:?}"), "AccessToken([REDACTED])");
        assert_eq!(format!("{token:#?}"), "AccessToken([REDACTED])");
    }

    #[test]
    fn equality_compares_the_value() {
        assert_eq!(AccessToken::new("a"), AccessToken::new("a"));
        assert_ne!(AccessToken::new("a"), AccessToken::new("b"));
        assert_eq!(AccessToken::new("abc").expose_secret(), "abc");
    }
}
