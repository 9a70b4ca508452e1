//! The tower layers of the stack.
//!
//! They are public so users can compose their own stacks; the usual way to
//! add behaviour is [`StackBuilder::layer`](crate::StackBuilder::layer).
//! Each forwards `poll_ready` to the service it wraps and returns that
//! service's future, wrapped without boxing where it can.

mod auth;
mod defaults;
mod retry;
mod timeout;
mod trace;

pub use auth::{AuthFuture, AuthLayer, AuthService};
pub use defaults::{DefaultsLayer, DefaultsService};
pub use retry::{CallRetry, RetryLayer, RetryWait};
pub use timeout::{TimeoutFuture, TimeoutLayer, TimeoutService};
pub use trace::{TraceFuture, TraceLayer, TraceService};
