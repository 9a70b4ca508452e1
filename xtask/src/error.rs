//! The xtask error: a message with the chain of contexts it happened in
//! ("schema `Instrument`", "field `state`", ...).

use std::fmt;

/// A failure with the contexts it happened in, outermost first when shown.
#[derive(Debug)]
pub struct Error {
    message: String,
    /// Innermost context first (pushed while the error travels up).
    contexts: Vec<String>,
}

/// The result type of every xtask step.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error with a message and no context yet.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            contexts: Vec::new(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for context in self.contexts.iter().rev() {
            write!(f, "{context}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Adds context to errors on their way up.
pub trait Context<T> {
    /// Names what was being done when the error happened.
    fn context(self, context: impl fmt::Display) -> Result<T>;

    /// Like [`Context::context`], computing the context only on failure.
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.with_context(|| context)
    }

    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|error| {
            let mut error = error.into();
            error.contexts.push(context().to_string());
            error
        })
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::new(error.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::new(error.to_string())
    }
}

/// Returns early with an [`Error`] built from a format string.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}

pub(crate) use bail;
