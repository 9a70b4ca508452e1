//! The cost of one call through the whole SDK stack against bare hyper on
//! the same in-process emulator (same token, both decoding the same typed
//! page), as a whole process to run under callgrind, whose instruction
//! counts do not depend on what else the machine is doing:
//!
//! ```sh
//! cargo build --release -p lusid --example stack_overhead
//! for client in sdk bare; do for calls in 300 900; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$client.$calls \
//!     target/release/examples/stack_overhead $client $calls 2>&1 | grep Collected
//! done; done
//! ```
//!
//! (instructions at 900 calls − at 300) / 600 is the cost of one call, the
//! emulator's share included; `docs/benchmarks.md` has the figures.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let client_kind = args.next().unwrap_or_else(|| "sdk".to_owned());
    let calls: u32 = args.next().map_or(Ok(1000), |n| n.parse())?;
    let emulator = lusid_emulator::Emulator::builder()
        .equities(10)
        .start()
        .await?;
    let client = lusid::Client::for_emulator(&emulator)?;
    // Warm the token cache and the connection pools.
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await?;
    let token = client
        .token_provider()
        .ok_or("no token provider")?
        .access_token()
        .await?;
    let bearer = format!("Bearer {}", token.expose_secret());
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Empty<Bytes>>();
    let uri = format!("{}/api/instruments?limit=1", emulator.lusid_url());

    let started = std::time::Instant::now();
    for _ in 0..calls {
        let page = if client_kind == "sdk" {
            client
                .instruments()
                .list_instruments()
                .limit(1)
                .send()
                .await?
        } else {
            let request = http::Request::get(&uri)
                .header("authorization", &bearer)
                .body(Empty::<Bytes>::new())?;
            let body = hyper
                .request(request)
                .await?
                .into_body()
                .collect()
                .await?
                .to_bytes();
            serde_json::from_slice::<lusid::models::PagedResourceListOfInstrument>(&body)?
        };
        assert_eq!(page.values.len(), 1);
    }
    println!(
        "{client_kind}: {:?} per call",
        started.elapsed() / calls.max(1)
    );
    Ok(())
}
