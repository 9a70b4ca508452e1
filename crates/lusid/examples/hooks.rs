//! Counts the attempts of a call with a hook (`cargo run -p lusid --example hooks`).
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

static ATTEMPTS: AtomicU64 = AtomicU64::new(0);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = lusid_emulator::Emulator::builder().start().await?;
    emulator
        .faults()
        .push_api(lusid_emulator::Fault::status_with_retry_after(429, "0"));
    let client = lusid::Client::builder()
        .emulator(&emulator)?
        .on_request(|_| {
            ATTEMPTS.fetch_add(1, Relaxed);
        })
        .build()?;
    client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await?;
    println!("1 call, {} attempts", ATTEMPTS.load(Relaxed));
    Ok(())
}
