//! `TokenCache::access_token` on a warm cache: one thread, and several
//! threads reading the same cache at once (the lock on the hot path).

use std::sync::LazyLock;
use std::time::Duration;

use lusid_auth::secrecy::SecretString;
use lusid_auth::{AccessToken, Error, IssuedToken, TokenCache, TokenProvider, TokenSource};

fn main() {
    divan::main();
}

/// Issues a one-hour token instantly.
#[derive(Debug)]
struct Instant;

#[async_trait::async_trait]
impl TokenSource for Instant {
    async fn password_grant(&self) -> Result<IssuedToken, Error> {
        Ok(IssuedToken::new(
            AccessToken::new("a".repeat(43)),
            Duration::from_secs(3600),
        ))
    }

    async fn refresh_grant(&self, _refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        self.password_grant().await
    }
}

struct Warm {
    runtime: tokio::runtime::Runtime,
    cache: TokenCache<Instant>,
}

static WARM: LazyLock<Warm> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let cache = TokenCache::new(Instant);
    runtime.block_on(cache.access_token()).expect("a token");
    Warm { runtime, cache }
});

/// Reads of a warm cache from 1, 2 and 4 threads at once.
#[divan::bench(threads = [1, 2, 4])]
fn warm_read(bencher: divan::Bencher) {
    let warm = &*WARM;
    bencher.bench(|| {
        warm.runtime
            .block_on(warm.cache.access_token())
            .expect("a token")
    });
}

/// The same read without the runtime entry, on a current-thread runtime
/// owned by the benchmark (the cost of the cache alone).
#[divan::bench]
fn warm_read_in_task(bencher: divan::Bencher) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let cache = TokenCache::new(Instant);
    runtime.block_on(async {
        cache.access_token().await.expect("a token");
    });
    bencher.bench_local(|| {
        runtime.block_on(async {
            for _ in 0..100 {
                divan::black_box(cache.access_token().await.expect("a token"));
            }
        })
    });
}
