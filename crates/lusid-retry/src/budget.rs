//! [`RetryBudget`]: retries shared by every call of one client.

use std::sync::Arc;
use std::time::Duration;

use tower::retry::budget::{Budget, TpsBudget};

/// A budget of retries shared by all calls of one client, token requests
/// included (a token bucket over a sliding window,
/// [`tower::retry::budget::TpsBudget`]): every first attempt adds to it,
/// every retry takes from it. When most calls fail, retries stop multiplying
/// the load and the failures reach the callers.
///
/// The default allows 10 retries a second at any time, plus retries worth
/// 20 % of the calls made in the last 10 seconds. Clones share the budget.
#[derive(Clone)]
pub struct RetryBudget(Arc<TpsBudget>);

impl RetryBudget {
    /// A budget allowing `min_per_second` retries a second regardless of
    /// traffic, plus `retry_ratio` (0.0 to 1000.0) retries per call made
    /// within the last `window`.
    pub fn new(window: Duration, min_per_second: u32, retry_ratio: f32) -> Self {
        Self(Arc::new(TpsBudget::new(
            window,
            min_per_second,
            retry_ratio,
        )))
    }

    /// Records a first attempt.
    pub fn deposit(&self) {
        self.0.deposit();
    }

    /// Takes one retry from the budget; `false` when it is exhausted.
    pub fn withdraw(&self) -> bool {
        self.0.withdraw()
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(Duration::from_secs(10), 10, 0.2)
    }
}

impl std::fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RetryBudget").field(&self.0).finish()
    }
}
