//! The tower layers of the stack, each over the boxed [`HttpService`](crate::HttpService).
//!
//! They are public so users can compose their own stacks; the usual way to
//! add behaviour is [`StackBuilder::layer`](crate::StackBuilder::layer).

mod auth;
mod base_url;
mod default_headers;
mod retry;
mod timeout;
mod trace;

pub use auth::{AuthLayer, AuthService};
pub use base_url::{BaseUrlLayer, BaseUrlService};
pub use default_headers::{DefaultHeadersLayer, DefaultHeadersService};
pub use retry::{RetryBudget, RetryLayer, RetryPolicy};
pub use timeout::{TimeoutLayer, TimeoutService};
pub use trace::{TraceLayer, TraceService};
