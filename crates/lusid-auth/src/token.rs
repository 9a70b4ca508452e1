//! [`AccessToken`]: the bearer token sent to LUSID.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An OAuth2 bearer token for LUSID: either issued by Okta or a personal
/// access token (PAT).
///
/// The value is held in a [`SecretString`] (zeroed on drop) and never
/// printed: `Debug` shows `AccessToken([REDACTED])`. Read it with
/// [`expose_secret`](Self::expose_secret) only to put it on the wire, as
/// `Authorization: Bearer <token>`.
///
/// Cloning copies the secret. Equality compares the token text (not in
/// constant time); [`TokenProvider::invalidate`](crate::TokenProvider::invalidate)
/// uses it to tell whether a rejected token is still the cached one.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token value. No validation: any string is accepted.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(SecretString::from(token.into()))
    }

    /// The token text, for the `Authorization` header. Do not log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<SecretString> for AccessToken {
    fn from(secret: SecretString) -> Self {
        AccessToken(secret)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
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
