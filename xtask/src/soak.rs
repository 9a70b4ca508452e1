//! `cargo xtask soak [--instruments N] [--seed S]`: the long version of the
//! chaos test. The release `lusid` CLI extracts N equities (default a
//! million) from `lusid emulator` in its own process, through heavier
//! faults than the test's, with 3-second tokens; a second, calm emulator
//! with the same seed gives the expected master. Reports the same figures
//! as the chaos test: instruments, duplicates, missing, faults served,
//! token grants, and the client's wall time, CPU and peak RSS.
//!
//! Faults: a seeded script for the first requests (15 % 503, 8 % 429 with
//! `Retry-After` in whole or fractional seconds, 2 % dropped connections,
//! never more than three in a row, so the CLI's default of four retries
//! always suffices), then the emulator's random profile (3 % 429 with an
//! HTTP-date `Retry-After`, 1 % drops), plus 5 % throttled token requests.

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use crate::bench::CURRENCIES;
use crate::bench::process::{self, BenchError, Emulator, Result, fail};

const USAGE: &str = "usage: cargo xtask soak [--instruments N] [--seed S]";
const PAGE_SIZE: u64 = 2000;

/// Entry point of `cargo xtask soak ...`.
pub fn main(root: &Path, args: &[&str]) -> ExitCode {
    match soak(root, args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// SplitMix64: the script is the same for a seed.
struct SplitMix(u64);

impl SplitMix {
    fn per_mille(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % 1000
    }
}

/// The `--api-script` for `slots` requests.
fn script(seed: u64, slots: u64) -> String {
    let mut rng = SplitMix(seed);
    let mut run = 0;
    let mut throttles = 0u64;
    let entries: Vec<&str> = (0..slots)
        .map(|_| {
            let roll = rng.per_mille();
            if run >= 3 || roll >= 250 {
                run = 0;
                return "200";
            }
            run += 1;
            match roll {
                0..150 => "503",
                150..230 => {
                    throttles += 1;
                    ["429:1", "429:0.250", "429:0", "429"][(throttles % 4) as usize]
                }
                _ => "drop",
            }
        })
        .collect();
    entries.join(",")
}

fn soak(root: &Path, args: &[&str]) -> Result<bool> {
    let options = process::parse_options(args, &["--instruments", "--seed"])
        .map_err(|error| BenchError(format!("{error}\n{USAGE}")))?;
    let equities = process::number_option(&options, "--instruments", 1_000_000)?;
    let seed = process::number_option(&options, "--seed", 7)?;
    let expected_count = equities + CURRENCIES;
    process::build_release(root)?;
    let work = root.join("target/soak");
    std::fs::create_dir_all(&work)?;
    let lusid = root.join("target/release/lusid");
    let pages = expected_count.div_ceil(PAGE_SIZE);
    let common = [
        "--equities".to_owned(),
        equities.to_string(),
        "--seed".into(),
        seed.to_string(),
    ];
    let mut faulty_args = common.to_vec();
    faulty_args.extend(
        [
            "--token-ttl",
            "3",
            "--fault-seed",
            &seed.to_string(),
            "--api-script",
            &script(seed, pages),
            "--api-throttle",
            "0.03",
            "--retry-after",
            "http-date",
            "--retry-after-ms",
            "200",
            "--api-drop",
            "0.01",
            "--token-throttle",
            "0.05",
        ]
        .map(String::from),
    );

    eprintln!("soak: {expected_count} instruments through faults ...");
    let faulty = Emulator::start(&lusid, &work, "soak-faulty", &faulty_args)?;
    let list = |secrets: &Path, page_size: u64| {
        [
            "--secrets",
            &secrets.to_string_lossy(),
            "instruments",
            "list",
            "--format",
            "ndjson",
            "--page-size",
            &page_size.to_string(),
        ]
        .map(String::from)
    };
    let measured = process::measure(
        &lusid,
        &list(&faulty.secrets, PAGE_SIZE),
        &work,
        "soak-faulty",
    );
    let metrics = faulty.metrics()?;
    drop(faulty);
    let (measured, got) = measured?;

    eprintln!("soak: the expected master from a calm emulator ...");
    let calm = Emulator::start(&lusid, &work, "soak-calm", &common)?;
    let (_, expected) = process::measure(&lusid, &list(&calm.secrets, 2000), &work, "soak-calm")?;
    drop(calm);

    if expected.len() as u64 != expected_count {
        return fail(format!(
            "the calm extraction has {} instruments, not {expected_count}",
            expected.len()
        ));
    }
    let unique: HashSet<&String> = got.iter().collect();
    let duplicates = got.len() - unique.len();
    let missing = expected.iter().filter(|id| !unique.contains(id)).count();
    let in_order = got == expected;

    let count = |status: &str| {
        metrics["apiRequests"]["ListInstruments"][status]
            .as_u64()
            .unwrap_or(0)
    };
    let sum = |key: &str| {
        metrics[key].as_object().map_or(0, |map| {
            map.values().filter_map(|v| v.as_u64()).sum::<u64>()
        })
    };
    println!(
        "soak: {} instruments extracted, {} expected",
        got.len(),
        expected.len()
    );
    println!(
        "  duplicates {duplicates}, missing {missing}, same order {in_order}, errors reaching the caller 0 (exit status success)"
    );
    println!(
        "  ListInstruments: {} x 200, {} x 503, {} x 429; dropped connections {}; faults served {}",
        count("200"),
        count("503"),
        count("429"),
        sum("droppedConnections"),
        metrics["faultsServed"].as_u64().unwrap_or(0)
    );
    println!(
        "  token grants {}, token failures {}, 401s {}",
        sum("tokenGrants"),
        sum("tokenFailures"),
        metrics["unauthorized"].as_u64().unwrap_or(0)
    );
    println!(
        "  client: wall {:.1} s, CPU {:.2} s (user {:.2} + sys {:.2}), peak RSS {:.1} MiB",
        measured.wall,
        measured.cpu(),
        measured.user,
        measured.system,
        measured.max_rss_kib as f64 / 1024.0
    );
    let passed = duplicates == 0 && missing == 0 && in_order && got.len() == expected.len();
    println!("soak: {}", if passed { "PASS" } else { "FAIL" });
    Ok(passed)
}
