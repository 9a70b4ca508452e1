//! Authentication: the Okta-style token endpoint
//! ([`token_endpoint`]) and the issued tokens the API's bearer check
//! validates ([`tokens`]).

pub(crate) mod token_endpoint;
pub(crate) mod tokens;
