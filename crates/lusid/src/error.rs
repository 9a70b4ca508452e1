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
    /// The transport or the stack could not be built: a CA bundle
    /// (`clientCertificate`) that is missing or not PEM, naming the file; an
    /// unusable proxy URL, LUSID URL, application name or correlation id.
    #[error(transparent)]
    Stack(#[from] lusid_http::BuildError),
}

/// So one error type covers building the client and calling LUSID: a
/// function returning `Result<_, lusid::Error>` can use `?` on both
/// (the build error becomes [`lusid::Error::Configuration`](crate::Error::Configuration),
/// [`ErrorKind::Configuration`](crate::ErrorKind::Configuration)).
impl From<BuildError> for lusid_api::Error {
    fn from(error: BuildError) -> Self {
        lusid_api::Error::Configuration(Box::new(error))
    }
}
