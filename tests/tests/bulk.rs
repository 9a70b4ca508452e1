//! `lusid::bulk`: batches, bounded concurrency and exactly one outcome per
//! item, against an in-process emulator.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::stream;
use lusid::bulk::{BulkItem, BulkUpsert, Outcome, UpsertInstruments};
use lusid::models::InstrumentDefinition;
use lusid_emulator::{Emulator, Fault};
use lusid_integration_tests::{client_for, definition, quick_client, start};

fn item(i: usize) -> BulkItem<InstrumentDefinition> {
    let client_internal = format!("bulk-{i}");
    BulkItem::new(
        format!("row-{i}"),
        definition(
            &format!("Bulk {i}"),
            &[("ClientInternal", &client_internal)],
        ),
    )
}

async fn outcomes_of(
    upsert: BulkUpsert<UpsertInstruments>,
    items: Vec<BulkItem<InstrumentDefinition>>,
) -> (Vec<lusid::bulk::ItemOutcome>, lusid::bulk::Summary) {
    let mut stream = upsert.run(stream::iter(items));
    let mut outcomes = Vec::new();
    while let Some(outcome) = stream.next().await {
        outcomes.push(outcome);
    }
    (outcomes, stream.summary())
}

#[tokio::test]
async fn every_item_gets_exactly_one_outcome() {
    let emulator = start(Emulator::builder().equities(0)).await;
    let client = client_for(&emulator);
    let mut items: Vec<_> = (0..4_500).map(item).collect();
    // Local validation failures are reported, not sent.
    items[10] = BulkItem::invalid("row-10", "no name");
    items[2_500] = BulkItem::invalid("row-2500", "unknown identifier type `Bloomberg`");
    // The same id twice in one batch would overwrite a map key.
    items[11] = BulkItem::new("row-12", definition("Dup", &[("ClientInternal", "dup")]));
    // LUSID refuses these (no unique identifier; no name) in `failed`.
    items[20] = BulkItem::new("row-20", definition("Ticker only", &[("Ticker", "TKR")]));
    items[4_000] = BulkItem::new("row-4000", definition(" ", &[("ClientInternal", "blank")]));

    let (outcomes, summary) = outcomes_of(
        BulkUpsert::new(UpsertInstruments::new(&client)).concurrency(2),
        items,
    )
    .await;

    assert_eq!(outcomes.len(), 4_500);
    let indices: BTreeSet<u64> = outcomes.iter().map(|o| o.index).collect();
    assert_eq!(indices, (0..4_500).collect::<BTreeSet<u64>>());
    let outcome_of = |index: u64| {
        &outcomes
            .iter()
            .find(|o| o.index == index)
            .expect("an outcome")
            .outcome
    };
    assert!(matches!(outcome_of(10), Outcome::Invalid { reason } if reason == "no name"));
    assert!(
        matches!(outcome_of(12), Outcome::Invalid { reason } if reason.contains("row-12")),
        "{:?}",
        outcome_of(12)
    );
    assert!(matches!(outcome_of(11), Outcome::Upserted { .. }));
    for index in [20, 4_000] {
        match outcome_of(index) {
            Outcome::Failed {
                error_type, detail, ..
            } => {
                assert_eq!(error_type.as_deref(), Some("ValidationError"));
                assert!(detail.is_some());
            }
            other => panic!("row {index}: {other:?}"),
        }
    }
    match outcome_of(0) {
        Outcome::Upserted { luid, version } => {
            assert!(luid.starts_with("LUID_"), "{luid}");
            assert!(version.as_at_version_number.is_none_or(|n| n >= 1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(summary.items, 4_500);
    assert_eq!(summary.invalid, 3);
    assert_eq!(summary.failed, 2);
    assert_eq!(summary.upserted, 4_495);
    assert_eq!(summary.not_sent + summary.staged + summary.unconfirmed, 0);
    assert_eq!(summary.retries, 0);
    assert_eq!(summary.batches, 3, "2000 + 2000 + 500");
    assert!(!summary.all_succeeded());
}

#[tokio::test]
async fn transient_faults_are_retried_by_the_stack_once_per_attempt() {
    let emulator = start(Emulator::builder().equities(0).api_faults([
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        Fault::Status {
            status: 429,
            retry_after: Some("0".into()),
        },
        Fault::Drop,
    ]))
    .await;
    let client = quick_client(&emulator, 5);

    let (outcomes, summary) = outcomes_of(
        BulkUpsert::new(UpsertInstruments::new(&client))
            .batch_size(100)
            .concurrency(1),
        (0..250).map(item).collect(),
    )
    .await;

    assert_eq!(outcomes.len(), 250);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.outcome, Outcome::Upserted { .. }))
    );
    assert!(summary.all_succeeded());
    assert_eq!(summary.batches, 3);
    assert_eq!(summary.retries, 3, "one per injected fault");
    // Every instrument exists once: the retried batch was not applied twice
    // under new LUIDs.
    let listed = client
        .instruments()
        .list_instruments()
        .filter("identifiers['ClientInternal'] startswith 'bulk-'")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.values.len(), 250);
}

#[tokio::test]
async fn a_batch_that_fails_for_good_leaves_its_items_not_sent_and_the_rest_goes_on() {
    let emulator = start(Emulator::builder().equities(0).api_faults([Fault::Status {
        status: 400,
        retry_after: None,
    }]))
    .await;
    let client = quick_client(&emulator, 2);

    let (outcomes, summary) = outcomes_of(
        BulkUpsert::new(UpsertInstruments::new(&client).scope("bulk-tests"))
            .batch_size(10)
            .concurrency(1),
        (0..25).map(item).collect(),
    )
    .await;

    assert_eq!(outcomes.len(), 25);
    let not_sent: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match &o.outcome {
            Outcome::NotSent { error } => Some((o.index, error.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(not_sent.len(), 10, "exactly the first batch");
    assert!(not_sent.iter().all(|(index, _)| *index < 10));
    let error = &not_sent[0].1;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(error.operation(), Some("UpsertInstruments"));
    assert_eq!(summary.upserted, 15);
    assert_eq!(summary.failed_batches, 1);
    assert_eq!(summary.batches, 3);
    assert!(summary.elapsed > Duration::ZERO);
}
