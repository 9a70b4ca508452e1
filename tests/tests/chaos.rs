//! The chaos test: 20 000 equities (plus the 178 currencies) extracted
//! through a gateway that answers 10 % of API requests 503, 5 % 429 with
//! every form of `Retry-After`, drops 1 % of connections, and hands out
//! tokens living 3 seconds. The caller must get the exact master: every
//! instrument once, none missing, no error.
//!
//! The faults are a seeded script (one slot per API request, drawn here)
//! rather than the emulator's random profile, whose server errors include
//! 500s that the SDK rightly does not retry. Waits are kept short by the
//! retry policy (`Retry-After` capped at 40 ms, backoff from 5 ms), so the
//! test is bounded by the emulator's rendering, not by sleeping. The longer
//! run, with the release CLI against an emulator process, is
//! `cargo xtask soak`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use lusid::stack::RetryPolicy;
use lusid_emulator::{Emulator, Fault, RetryAfterStyle};
use lusid_integration_tests::{config_for, start};

const EQUITIES: usize = 20_000;
const CURRENCIES: usize = 178;
const PAGE_SIZE: i64 = 100;
/// Script slots: pages plus room for every retry.
const SLOTS: usize = 400;

/// A tiny deterministic generator (SplitMix64), so the script is the same
/// on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in `0..1000`.
    fn per_mille(&mut self) -> u64 {
        self.next() % 1000
    }
}

const STYLES: [RetryAfterStyle; 5] = [
    RetryAfterStyle::Seconds,
    RetryAfterStyle::FractionalSeconds,
    RetryAfterStyle::HttpDate,
    RetryAfterStyle::UpperCaseName,
    RetryAfterStyle::Absent,
];

/// One fault (or a pass) per API request: 10 % 503, 5 % 429 cycling
/// through the `Retry-After` forms, 1 % dropped connections.
fn script(seed: u64, slots: usize) -> Vec<Fault> {
    let mut rng = SplitMix(seed);
    let mut throttles = 0usize;
    (0..slots)
        .map(|_| match rng.per_mille() {
            0..100 => Fault::status(503),
            100..150 => {
                throttles += 1;
                STYLES[throttles % STYLES.len()].fault(429, Duration::from_millis(30))
            }
            150..160 => Fault::Drop,
            _ => Fault::Pass,
        })
        .collect()
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(8)
        .max_rate_limit_retries(8)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(40))
        // HTTP dates have whole seconds: a 30 ms wait can read as up to 1 s,
        // and a wait longer than this cap is not retried at all.
        .max_retry_after(Duration::from_secs(2))
        // Deterministic: every scripted fault is retried, whatever the
        // rate of calls (the budget's own behaviour is tested elsewhere).
        .budget(None)
}

async fn luids(client: &lusid::Client, page_size: i64) -> Vec<String> {
    client
        .instruments()
        .list_instruments()
        .page_size(page_size)
        .into_stream()
        .map_ok(|instrument| instrument.lusid_instrument_id)
        .try_collect()
        .await
        .expect("no error reaches the caller")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_instruments_survive_outages_throttling_drops_and_short_tokens() {
    let started = Instant::now();
    let faults = script(20_251_130, SLOTS);
    let scripted = faults.iter().filter(|f| !matches!(f, Fault::Pass)).count();
    let chaotic = start(
        Emulator::builder()
            .equities(EQUITIES)
            .seed(11)
            .token_ttl(Duration::from_secs(3))
            .api_faults(faults),
    )
    .await;
    let calm = start(Emulator::builder().equities(EQUITIES).seed(11)).await;

    let client = lusid::Client::builder()
        .config(config_for(&chaotic))
        .retry_policy(fast_policy())
        .build()
        .expect("the client builds");
    let got = luids(&client, PAGE_SIZE).await;
    let extraction = started.elapsed();

    let calm_client = lusid::Client::builder()
        .config(config_for(&calm))
        .build()
        .expect("the client builds");
    let expected = luids(&calm_client, 2000).await;

    assert_eq!(expected.len(), EQUITIES + CURRENCIES);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "no duplicates");
    let missing: Vec<&String> = expected.iter().filter(|id| !unique.contains(id)).collect();
    assert!(missing.is_empty(), "missing instruments: {missing:?}");
    assert_eq!(got, expected, "the exact master, in order");

    let metrics = chaotic.metrics();
    let pages = (EQUITIES + CURRENCIES).div_ceil(PAGE_SIZE as usize) as u64;
    assert_eq!(
        metrics.api_count("ListInstruments", 200),
        pages,
        "{metrics:?}"
    );
    assert!(
        metrics.api_count("ListInstruments", 503) >= 10,
        "{metrics:?}"
    );
    assert!(
        metrics.api_count("ListInstruments", 429) >= 5,
        "{metrics:?}"
    );
    assert!(metrics.dropped_total() >= 1, "{metrics:?}");
    // Every fault in the slots the extraction used was served and absorbed.
    assert!(metrics.faults_served >= 20, "{metrics:?}");
    assert!(
        metrics.faults_served <= scripted as u64,
        "{} faults served, {scripted} scripted: {metrics:?}",
        metrics.faults_served
    );
    eprintln!(
        "chaos: {} instruments in {extraction:?}; {} pages, {} faults served, {} token grants, {} 401s",
        got.len(),
        pages,
        metrics.faults_served,
        metrics.token_grants.values().sum::<u64>(),
        metrics.unauthorized,
    );
    // Bounded: the whole test, in a debug build on two cores, well inside
    // a minute.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}
