//! `TokenCache` over a fake `TokenSource` that counts grants.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use lusid_auth::secrecy::{ExposeSecret, SecretString};
use lusid_auth::{AccessToken, Error, IssuedToken, TokenCache, TokenProvider, TokenSource};
use tokio::task::JoinSet;
use tokio::time::{advance, timeout};

/// What the fake does on its next grant, when scripted.
#[derive(Debug)]
enum Next {
    Fail(fn() -> Error),
    Panic,
}

#[derive(Debug)]
struct Fake {
    ttl: Duration,
    issue_refresh_tokens: bool,
    delay: Duration,
    password_script: Mutex<VecDeque<Next>>,
    refresh_script: Mutex<VecDeque<Next>>,
    password_grants: AtomicUsize,
    refresh_grants: AtomicUsize,
    refresh_tokens_seen: Mutex<Vec<String>>,
}

impl Fake {
    fn new(ttl: Duration) -> Self {
        Fake {
            ttl,
            issue_refresh_tokens: false,
            delay: Duration::ZERO,
            password_script: Mutex::default(),
            refresh_script: Mutex::default(),
            password_grants: AtomicUsize::new(0),
            refresh_grants: AtomicUsize::new(0),
            refresh_tokens_seen: Mutex::default(),
        }
    }

    fn with_refresh_tokens(mut self) -> Self {
        self.issue_refresh_tokens = true;
        self
    }

    fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn fail_password_next(&self, error: fn() -> Error) {
        self.password_script
            .lock()
            .unwrap()
            .push_back(Next::Fail(error));
    }

    fn fail_refresh_next(&self, error: fn() -> Error) {
        self.refresh_script
            .lock()
            .unwrap()
            .push_back(Next::Fail(error));
    }

    fn passwords(&self) -> usize {
        self.password_grants.load(Ordering::SeqCst)
    }

    fn refreshes(&self) -> usize {
        self.refresh_grants.load(Ordering::SeqCst)
    }

    fn issue(&self, prefix: &str, n: usize) -> IssuedToken {
        let issued = IssuedToken::new(AccessToken::new(format!("{prefix}-{n}")), self.ttl);
        if self.issue_refresh_tokens {
            issued.with_refresh_token(SecretString::from(format!("rt-{prefix}-{n}")))
        } else {
            issued
        }
    }
}

#[async_trait::async_trait]
impl TokenSource for Fake {
    async fn password_grant(&self) -> Result<IssuedToken, Error> {
        let n = self.password_grants.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        let next = self.password_script.lock().unwrap().pop_front();
        match next {
            Some(Next::Fail(error)) => Err(error()),
            Some(Next::Panic) => panic!("the token source panicked"),
            None => Ok(self.issue("pw", n)),
        }
    }

    async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        let n = self.refresh_grants.fetch_add(1, Ordering::SeqCst) + 1;
        self.refresh_tokens_seen
            .lock()
            .unwrap()
            .push(refresh_token.expose_secret().to_owned());
        tokio::time::sleep(self.delay).await;
        let next = self.refresh_script.lock().unwrap().pop_front();
        match next {
            Some(Next::Fail(error)) => Err(error()),
            Some(Next::Panic) => panic!("the token source panicked"),
            None => Ok(self.issue("rf", n)),
        }
    }
}

fn invalid_grant() -> Error {
    Error::GrantRejected {
        token_url: "http://okta.test/token".to_owned(),
        status: StatusCode::BAD_REQUEST,
        error: "invalid_grant".to_owned(),
        description: Some("The refresh token is invalid or expired.".to_owned()),
    }
}

fn unreachable_endpoint() -> Error {
    Error::Transport {
        token_url: "http://okta.test/token".to_owned(),
        attempts: 1,
        source: "connection refused".into(),
    }
}

async fn token(cache: &impl TokenProvider) -> String {
    cache
        .access_token()
        .await
        .expect("a token")
        .expose_secret()
        .to_owned()
}

const HOUR: Duration = Duration::from_secs(3600);

/// Lets spawned background fetches run to completion (paused clock, no
/// source delay).
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn reuses_the_token_while_fresh() {
    let cache = TokenCache::new(Fake::new(HOUR));
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_secs(1800)).await;
    assert_eq!(token(&cache).await, "pw-1");
    assert_eq!(token(&cache).await, "pw-1");
    assert_eq!(cache.source().passwords(), 1);
    assert_eq!(cache.source().refreshes(), 0);
}

#[tokio::test(start_paused = true)]
async fn refreshes_one_buffer_before_expiry_with_the_refresh_token() {
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    assert_eq!(cache.refresh_buffer(), Duration::from_secs(60));
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_secs(3539)).await;
    assert_eq!(token(&cache).await, "pw-1", "still outside the buffer");
    advance(Duration::from_secs(2)).await;
    assert_eq!(
        token(&cache).await,
        "pw-1",
        "inside the 60 s buffer: the valid token, refresh in the background"
    );
    settle().await;
    assert_eq!(token(&cache).await, "rf-1", "the background refresh landed");
    assert_eq!(cache.source().passwords(), 1);
    assert_eq!(cache.source().refreshes(), 1);
    assert_eq!(
        *cache.source().refresh_tokens_seen.lock().unwrap(),
        ["rt-pw-1"]
    );

    // The next refresh uses the refresh token issued by the refresh grant.
    advance(HOUR).await;
    assert_eq!(token(&cache).await, "rf-2");
    assert_eq!(
        *cache.source().refresh_tokens_seen.lock().unwrap(),
        ["rt-pw-1", "rt-rf-1"]
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_refresh_token_uses_the_password_grant_again() {
    let cache = TokenCache::new(Fake::new(HOUR));
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_secs(3541)).await;
    assert_eq!(token(&cache).await, "pw-1");
    settle().await;
    assert_eq!(token(&cache).await, "pw-2");
    assert_eq!(cache.source().refreshes(), 0);
}

#[tokio::test(start_paused = true)]
async fn short_lived_tokens_refresh_at_half_their_lifetime() {
    let cache = TokenCache::new(Fake::new(Duration::from_secs(4)));
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_millis(1900)).await;
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_millis(200)).await;
    assert_eq!(token(&cache).await, "pw-1");
    settle().await;
    assert_eq!(token(&cache).await, "pw-2");

    let cache = TokenCache::new(Fake::new(Duration::from_secs(10)))
        .with_refresh_buffer(Duration::from_secs(2));
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_millis(7900)).await;
    assert_eq!(token(&cache).await, "pw-1", "custom buffer applies");
    advance(Duration::from_millis(200)).await;
    assert_eq!(token(&cache).await, "pw-1");
    settle().await;
    assert_eq!(token(&cache).await, "pw-2");
}

#[tokio::test(start_paused = true)]
async fn falls_back_to_the_password_grant_when_the_refresh_is_rejected() {
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    assert_eq!(token(&cache).await, "pw-1");
    cache.source().fail_refresh_next(invalid_grant);
    advance(HOUR).await;
    assert_eq!(token(&cache).await, "pw-2");
    assert_eq!(cache.source().refreshes(), 1);
    assert_eq!(cache.source().passwords(), 2);

    // The new password grant's refresh token is the one used next.
    advance(HOUR).await;
    assert_eq!(token(&cache).await, "rf-2");
    assert_eq!(
        *cache.source().refresh_tokens_seen.lock().unwrap(),
        ["rt-pw-1", "rt-pw-2"]
    );
}

#[tokio::test(start_paused = true)]
async fn transport_failures_during_refresh_are_not_retried_with_the_password() {
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    assert_eq!(token(&cache).await, "pw-1");
    cache.source().fail_refresh_next(unreachable_endpoint);
    advance(HOUR).await;
    let error = cache
        .access_token()
        .await
        .expect_err("expired and unreachable");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(cache.source().passwords(), 1);
    // The refresh token survives the failure.
    assert_eq!(token(&cache).await, "rf-2");
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_serving_the_unexpired_token() {
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    assert_eq!(token(&cache).await, "pw-1");
    advance(Duration::from_secs(3570)).await; // refresh due, 30 s left
    cache.source().fail_refresh_next(unreachable_endpoint);
    assert_eq!(token(&cache).await, "pw-1");
    settle().await;
    assert_eq!(cache.source().refreshes(), 1);
    assert_eq!(token(&cache).await, "pw-1", "still valid after the failure");
    settle().await;
    assert_eq!(cache.source().refreshes(), 1, "the next attempt waits 1 s");
    advance(Duration::from_millis(1001)).await;
    assert_eq!(token(&cache).await, "pw-1");
    settle().await;
    assert_eq!(token(&cache).await, "rf-2", "the retry succeeded");
    assert_eq!(cache.source().passwords(), 1);
}

#[tokio::test(start_paused = true)]
async fn invalidate_drops_only_the_rejected_token() {
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    let first = cache.access_token().await.expect("token");
    cache.invalidate(&AccessToken::new("some-older-token"));
    assert_eq!(cache.access_token().await.expect("token"), first);
    cache.invalidate(&first);
    assert_eq!(
        token(&cache).await,
        "rf-1",
        "refresh token kept after invalidate"
    );
    cache.invalidate(&first);
    assert_eq!(token(&cache).await, "rf-1", "stale invalidation ignored");
    assert_eq!(cache.source().refreshes(), 1);
}

#[tokio::test(start_paused = true)]
async fn hundred_concurrent_callers_share_one_fetch() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR).with_delay(Duration::from_millis(100)),
    ));
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move { token(&*cache).await });
    }
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
        results.push(result.expect("task"));
    }
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|t| t == "pw-1"), "{results:?}");
    assert_eq!(cache.source().passwords(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_on_many_threads_share_one_fetch() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR).with_delay(Duration::from_millis(50)),
    ));
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move { token(&*cache).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.expect("task"), "pw-1");
    }
    assert_eq!(cache.source().passwords(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failed_fetch_leaves_nothing_behind() {
    let cache = TokenCache::new(Fake::new(HOUR));
    cache.source().fail_password_next(invalid_grant);
    let error = cache.access_token().await.expect_err("rejected");
    assert_eq!(error.oauth_error(), Some("invalid_grant"));
    assert!(!error.is_transient());
    assert_eq!(token(&cache).await, "pw-2");
    assert_eq!(cache.source().passwords(), 2);
}

#[tokio::test(start_paused = true)]
async fn waiters_of_a_failed_fetch_share_its_error_and_the_next_call_retries() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR).with_delay(Duration::from_millis(100)),
    ));
    cache.source().fail_password_next(unreachable_endpoint);
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move { cache.access_token().await });
    }
    let mut failed = 0;
    let all = async {
        while let Some(result) = tasks.join_next().await {
            let error = result.expect("task").expect_err("the shared fetch failed");
            assert!(matches!(error, Error::Transport { .. }), "{error:?}");
            assert!(
                std::error::Error::source(&error)
                    .is_some_and(|cause| cause.to_string() == "connection refused"),
                "{error:?}"
            );
            failed += 1;
        }
    };
    timeout(Duration::from_secs(10), all)
        .await
        .expect("no hang");
    assert_eq!(failed, 10);
    assert_eq!(cache.source().passwords(), 1, "one fetch for all ten");
    let next = timeout(Duration::from_secs(10), token(&*cache))
        .await
        .expect("no hang after the failure");
    assert_eq!(next, "pw-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_a_cold_cache_cause_one_fetch() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR).with_delay(Duration::from_millis(50)),
    ));
    let mut tasks = JoinSet::new();
    for _ in 0..1000 {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move { token(&*cache).await });
    }
    let mut count = 0;
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.expect("task"), "pw-1");
        count += 1;
    }
    assert_eq!(count, 1000);
    assert_eq!(cache.source().passwords(), 1);
    assert_eq!(cache.source().refreshes(), 0);
}

#[tokio::test(start_paused = true)]
async fn callers_never_wait_while_a_valid_token_exists() {
    // The refresh takes 10 s; inside the buffer every caller must still be
    // answered at once (a 1 ms timeout would fire if one waited).
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR)
            .with_refresh_tokens()
            .with_delay(Duration::from_secs(10)),
    ));
    let first = timeout(Duration::from_secs(20), token(&*cache))
        .await
        .expect("first fetch");
    assert_eq!(first, "pw-1");
    advance(Duration::from_secs(3545)).await; // 15 s before expiry
    let mut tasks = JoinSet::new();
    for _ in 0..200 {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move { timeout(Duration::from_millis(1), token(&*cache)).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(
            result.expect("task").expect("answered without waiting"),
            "pw-1"
        );
    }
    assert_eq!(
        cache.source().refreshes(),
        1,
        "exactly one background refresh"
    );
    advance(Duration::from_secs(11)).await;
    settle().await;
    assert_eq!(token(&*cache).await, "rf-1");
    assert_eq!(cache.source().refreshes(), 1);
    assert_eq!(cache.source().passwords(), 1);
}

#[tokio::test(start_paused = true)]
async fn callers_after_expiry_wait_for_the_background_refresh_in_flight() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR)
            .with_refresh_tokens()
            .with_delay(Duration::from_secs(30)),
    ));
    assert_eq!(token(&*cache).await, "pw-1");
    // The first fetch took 30 s of the token's hour: 10 s left after this.
    advance(Duration::from_secs(3560)).await;
    assert_eq!(token(&*cache).await, "pw-1");
    advance(Duration::from_secs(11)).await; // expired, refresh still running
    let waited = timeout(Duration::from_secs(60), token(&*cache))
        .await
        .expect("no hang");
    assert_eq!(waited, "rf-1");
    assert_eq!(cache.source().refreshes(), 1, "joined, not restarted");
    assert_eq!(cache.source().passwords(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_caller_does_not_cancel_the_shared_fetch() {
    let cache = Arc::new(TokenCache::new(
        Fake::new(HOUR).with_delay(Duration::from_secs(1)),
    ));
    let cancelled = timeout(Duration::from_millis(10), token(&*cache)).await;
    assert!(cancelled.is_err(), "the first caller gave up");
    let next = timeout(Duration::from_secs(5), token(&*cache))
        .await
        .expect("no hang");
    assert_eq!(next, "pw-1");
    assert_eq!(cache.source().passwords(), 1, "the fetch kept running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_source_leaves_no_lock_held() {
    let cache = TokenCache::new(Fake::new(HOUR));
    cache
        .source()
        .password_script
        .lock()
        .unwrap()
        .push_back(Next::Panic);
    let error = timeout(Duration::from_secs(5), cache.access_token())
        .await
        .expect("no hang")
        .expect_err("the fetch was abandoned");
    assert!(error.is_transient(), "{error:?}");
    let next = timeout(Duration::from_secs(5), token(&cache))
        .await
        .expect("no hang after the panic");
    assert_eq!(next, "pw-2");
}

#[test]
fn debug_shows_no_token() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let cache = TokenCache::new(Fake::new(HOUR).with_refresh_tokens());
    let token = runtime.block_on(token(&cache));
    let debug = format!("{cache:?}");
    assert!(!debug.contains(&token), "{debug}");
    assert!(debug.contains("refresh_buffer"), "{debug}");
}
