use lusid::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = lusid::Client::builder()
        .secrets_file("secrets.json")
        .build()?;

    // One call: the first page of one instrument.
    let page = client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await?;
    let first = &page.values[0];
    println!(
        "{} {} {}",
        first.lusid_instrument_id, first.name, first.state
    );

    // The whole master, page by page (2000 per page unless `page_size` says otherwise).
    let all: Vec<_> = client
        .instruments()
        .list_instruments()
        .into_stream()
        .try_collect()
        .await?;
    println!("{} instruments", all.len());
    Ok(())
}
