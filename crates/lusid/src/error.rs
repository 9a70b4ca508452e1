/// Why a [`Client`](crate::Client) could not be built.
///
/// No variant holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No configuration source was chosen on the builder.
    #[error(
        "no LUSID configuration: call secrets_file(..), from_env() or config(..) on the builder"
    )]
    NoConfiguration,
    /// The configuration could not be read or is incomplete; the error names
    /// the file or variable and the field.
    #[error(transparent)]
    Config(#[from] lusid_auth::ConfigError),
    /// The HTTP stack could not be built (invalid LUSID URL or application
    /// name, or no root certificates).
    #[error(transparent)]
    Stack(#[from] lusid_http::Error),
}
