//! A fault drill: our SDK extracts the whole master from an emulator whose
//! random, seeded fault profile throttles and drops a share of the API
//! requests and throttles token requests. (500s are left out: the SDK
//! rightly does not retry them.)

use std::time::Duration;

use futures_util::TryStreamExt;
use lusid_emulator::{Emulator, FaultProfile, FaultRates, RetryAfterStyle};
use lusid_integration_tests::{client_for, start};

fn rates(throttle: f64, server_error: f64, drop: f64, style: RetryAfterStyle) -> FaultRates {
    let mut rates = FaultRates::default();
    rates.throttle = throttle;
    rates.server_error = server_error;
    rates.drop = drop;
    rates.retry_after = style;
    rates.retry_after_wait = Duration::from_millis(20);
    rates
}

#[tokio::test]
async fn extraction_survives_a_seeded_fault_profile() {
    let profile = FaultProfile::new(4)
        .api(rates(0.2, 0.0, 0.05, RetryAfterStyle::FractionalSeconds))
        .token(rates(0.2, 0.0, 0.0, RetryAfterStyle::Seconds));
    let faulty = start(Emulator::builder().equities(300).fault_profile(profile)).await;
    let calm = start(Emulator::builder().equities(300)).await;

    let extract = |emulator| async move {
        client_for(emulator)
            .instruments()
            .list_instruments()
            .page_size(25)
            .into_stream()
            .try_collect::<Vec<_>>()
            .await
    };
    let got = extract(&faulty)
        .await
        .expect("the retry layer absorbs the faults");
    let expected = extract(&calm).await.expect("no faults");
    assert_eq!(got.len(), 478);
    let ids = |v: &[lusid::models::Instrument]| {
        v.iter()
            .map(|i| i.lusid_instrument_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&got), ids(&expected));
    let metrics = faulty.metrics();
    assert!(metrics.faults_served > 0, "{metrics:?}");
    assert!(
        metrics.route_count("ListInstruments", 200) >= 20,
        "{metrics:?}"
    );
}
