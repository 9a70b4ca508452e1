//! [`RetryPolicy`] (the settings) and [`RetryState`] (one call's counts).

use std::time::{Duration, SystemTime};

use crate::{Backoff, Classification, Outcome, RetryBudget, classify, server_wait};

/// How often and after how long failed attempts are sent again, for API
/// calls and token requests alike.
///
/// - [`classify`] decides which outcomes are retryable;
/// - rate limits (`429`) have their own bound,
///   [`max_rate_limit_retries`](Self::max_rate_limit_retries) (the
///   `rateLimitRetries` setting); outages, broken connections and
///   timeouts share [`max_retries`](Self::max_retries); a rejected token is
///   retried once;
/// - the wait is what the server asks for ([`server_wait`]: `Retry-After`
///   or `X-Rate-Limit-Reset`), else the [`Backoff`]; a server asking for
///   longer than [`max_retry_after`](Self::max_retry_after) is not retried
///   at all (a retry before its time would be refused again), so the
///   failure reaches the caller at once with the wait it asked for;
/// - every retry draws on the shared [`RetryBudget`].
///
/// Cloning shares the budget. Start one [`RetryState`] per call with
/// [`start`](Self::start).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    max_rate_limit_retries: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    budget: Option<RetryBudget>,
}

impl Default for RetryPolicy {
    /// 4 retries of outages and failed connections, 4 retries of `429`s,
    /// [`Backoff::default`] (200 ms doubling up to 20 s), a server-asked
    /// wait honoured up to 60 s, and the default [`RetryBudget`].
    fn default() -> Self {
        Self {
            max_retries: 4,
            max_rate_limit_retries: 4,
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(60),
            budget: Some(RetryBudget::default()),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (a `401` still gets its one retry with a
    /// fresh token: that is token renewal, not a retry of a failure).
    pub fn never() -> Self {
        Self::default()
            .max_retries(0)
            .max_rate_limit_retries(0)
            .budget(None)
    }

    /// How many times one call may be retried after outages (500, 502,
    /// 503, 504), failed connections and per-attempt timeouts.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// How many times one call may be retried after `429 Too Many
    /// Requests` (the `rateLimitRetries` setting, `FBN_RATE_LIMIT_RETRIES`).
    pub fn max_rate_limit_retries(mut self, retries: u32) -> Self {
        self.max_rate_limit_retries = retries;
        self
    }

    /// The backoff bound before the first retry; it doubles with each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = Backoff::new(backoff, self.backoff.max());
        self
    }

    /// The largest backoff bound, however many retries came before.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = Backoff::new(self.backoff.initial(), backoff);
        self
    }

    /// The longest server-asked wait honoured; a response asking for longer
    /// is not retried.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Replaces the shared retry budget; `None` retries without one.
    pub fn budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The retry bound for outages, failed connections and timeouts.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The retry bound for `429`s.
    pub fn rate_limit_retries(&self) -> u32 {
        self.max_rate_limit_retries
    }

    /// The backoff used when the server asks for no wait.
    pub fn backoff(&self) -> Backoff {
        self.backoff
    }

    /// The longest server-asked wait honoured.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// Starts the counts of one call, recording its first attempt in the
    /// budget.
    pub fn start(&self) -> RetryState {
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
        RetryState {
            policy: self.clone(),
            retries: 0,
            rate_limit_retries: 0,
            unauthorized_retries: 0,
        }
    }
}

/// The retry counts of one call (or one token request), from
/// [`RetryPolicy::start`].
#[derive(Debug, Clone)]
pub struct RetryState {
    policy: RetryPolicy,
    retries: u32,
    rate_limit_retries: u32,
    unauthorized_retries: u32,
}

impl RetryState {
    /// After an attempt ended with `outcome`: the wait before sending again,
    /// or `None` when the outcome must reach the caller (not retryable, the
    /// bound reached, or the budget exhausted). A `Some` counts the retry.
    pub fn next_wait(&mut self, outcome: &Outcome<'_>, idempotent: bool) -> Option<Duration> {
        self.next_wait_at(outcome, idempotent, SystemTime::now())
    }

    /// [`next_wait`](Self::next_wait) with the clock given, for tests.
    pub fn next_wait_at(
        &mut self,
        outcome: &Outcome<'_>,
        idempotent: bool,
        now: SystemTime,
    ) -> Option<Duration> {
        let classification = classify(outcome, idempotent);
        let (done, bound) = match classification {
            Classification::Final => return None,
            Classification::RateLimited => {
                (self.rate_limit_retries, self.policy.max_rate_limit_retries)
            }
            Classification::Transient => (self.retries, self.policy.max_retries),
            Classification::Unauthorized => (self.unauthorized_retries, 1),
        };
        if done >= bound {
            return None;
        }
        let asked = match outcome {
            Outcome::Response { headers, .. } => server_wait(headers, now),
            _ => None,
        };
        let wait = match (classification, asked) {
            (Classification::Unauthorized, _) => Duration::ZERO,
            // Retrying before the server's time would only be refused again
            // (and count against a per-org rate limit): hand the failure,
            // with the wait it asks for, to the caller instead.
            (_, Some(asked)) if asked > self.policy.max_retry_after => return None,
            (_, Some(asked)) => asked,
            (_, None) => self
                .policy
                .backoff
                .wait(self.retries + self.rate_limit_retries),
        };
        if let Some(budget) = &self.policy.budget {
            if !budget.withdraw() {
                return None;
            }
        }
        match classification {
            Classification::RateLimited => self.rate_limit_retries += 1,
            Classification::Transient => self.retries += 1,
            _ => self.unauthorized_retries += 1,
        }
        Some(wait)
    }

    /// Attempts made so far, counting the one about to be sent after a
    /// `Some` from [`next_wait`](Self::next_wait): 1 before any retry.
    pub fn attempts(&self) -> u32 {
        1 + self.retries + self.rate_limit_retries + self.unauthorized_retries
    }

    /// The policy this state counts for.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use http::{HeaderMap, StatusCode};

    use super::*;
    use crate::FailureKind;

    fn response(headers: &HeaderMap, status: u16) -> Outcome<'_> {
        Outcome::Response {
            status: StatusCode::from_u16(status).expect("a status"),
            headers,
        }
    }

    #[test]
    fn rate_limits_and_outages_have_separate_bounds() {
        let policy = RetryPolicy::default()
            .max_retries(1)
            .max_rate_limit_retries(2)
            .budget(None);
        let mut state = policy.start();
        let headers = HeaderMap::new();
        assert!(state.next_wait(&response(&headers, 503), true).is_some());
        assert!(state.next_wait(&response(&headers, 503), true).is_none());
        assert!(state.next_wait(&response(&headers, 429), true).is_some());
        assert!(state.next_wait(&response(&headers, 429), true).is_some());
        assert!(state.next_wait(&response(&headers, 429), true).is_none());
        assert_eq!(state.attempts(), 4);
    }

    #[test]
    fn the_server_asked_wait_is_honoured_and_a_longer_one_is_not_retried() {
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let policy = RetryPolicy::default()
            .max_retry_after(Duration::from_secs(5))
            .budget(None);
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "2".parse().expect("a value"));
        let mut state = policy.start();
        assert_eq!(
            state.next_wait_at(&response(&headers, 429), false, now),
            Some(Duration::from_secs(2))
        );
        headers.insert("retry-after", "3600".parse().expect("a value"));
        assert_eq!(
            state.next_wait_at(&response(&headers, 503), true, now),
            None
        );
        headers.insert("retry-after", "5".parse().expect("a value"));
        assert_eq!(
            state.next_wait_at(&response(&headers, 503), true, now),
            Some(Duration::from_secs(5))
        );
        let mut okta = HeaderMap::new();
        okta.insert("x-rate-limit-reset", "1003".parse().expect("a value"));
        assert_eq!(
            state.next_wait_at(&response(&okta, 429), false, now),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn a_rejected_token_is_retried_once_at_once() {
        let mut state = RetryPolicy::default().budget(None).start();
        assert_eq!(
            state.next_wait(&Outcome::Unauthorized, false),
            Some(Duration::ZERO)
        );
        assert_eq!(state.next_wait(&Outcome::Unauthorized, false), None);
    }

    #[test]
    fn an_exhausted_budget_stops_retries() {
        let budget = RetryBudget::new(Duration::from_secs(10), 0, 0.0);
        let mut state = RetryPolicy::default().budget(Some(budget)).start();
        assert_eq!(
            state.next_wait(&Outcome::Failed(FailureKind::Connect), false),
            None
        );
        let mut unbudgeted = RetryPolicy::default().budget(None).start();
        assert!(
            unbudgeted
                .next_wait(&Outcome::Failed(FailureKind::Connect), false)
                .is_some()
        );
    }

    #[test]
    fn never_retries_nothing() {
        let mut state = RetryPolicy::never().start();
        let headers = HeaderMap::new();
        assert_eq!(state.next_wait(&response(&headers, 429), true), None);
        assert_eq!(
            state.next_wait(&Outcome::Failed(FailureKind::Connect), true),
            None
        );
    }
}
