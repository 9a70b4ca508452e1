//! The typed SDK row of `cargo xtask bench export`: the whole instrument
//! master through `lusid::Client` and `into_stream()`, every instrument
//! decoded into `lusid::models::Instrument`, one line per instrument with
//! its LUID (so the output costs next to nothing beside the extraction).
//!
//! Usage: `lusid-bench-typed SECRETS_FILE PAGE_SIZE`.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let secrets = args
        .next()
        .ok_or("usage: lusid-bench-typed SECRETS_FILE PAGE_SIZE")?;
    let page_size: i64 = args.next().ok_or("no PAGE_SIZE")?.parse()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = lusid::Client::builder().secrets_file(secrets).build()?;
        let mut instruments = client
            .instruments()
            .list_instruments()
            .page_size(page_size)
            .into_stream();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        while let Some(instrument) = instruments.try_next().await? {
            writeln!(
                out,
                "{{\"lusidInstrumentId\":\"{}\"}}",
                instrument.lusid_instrument_id
            )?;
        }
        out.flush()?;
        Ok(())
    })
}
