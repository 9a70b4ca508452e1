//! `lusid emulator`.

use std::io::Write;
use std::time::Duration;

use lusid_emulator::{Emulator, EmulatorBuilder, EmulatorCredentials, FaultProfile, FaultRates};

use crate::cli::EmulatorArgs;
use crate::error::CliError;
use crate::signals::Interrupt;

/// Serves an emulator until SIGINT (Ctrl-C) or SIGTERM, then stops
/// gracefully (exit status 0). The first line of stdout is its LUSID base
/// URL (`http://127.0.0.1:<port>/api`, `https://…` with `--tls`); the rest
/// goes to stderr.
pub async fn serve(args: &EmulatorArgs, interrupt: &mut Interrupt) -> Result<(), CliError> {
    let mut builder = Emulator::builder().addr(args.addr);
    if let Some(equities) = args.equities {
        builder = builder.equities(equities);
    }
    if let Some(ttl) = args.token_ttl {
        builder = builder.token_ttl(Duration::from_secs(ttl));
    }
    if let (Some(username), Some(password), Some(client_id), Some(client_secret)) = (
        &args.username,
        &args.password,
        &args.client_id,
        &args.client_secret,
    ) {
        builder = builder.credentials(EmulatorCredentials {
            username: username.clone(),
            password: password.clone(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        });
    }
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(path) = &args.state {
        builder = builder.state_file(path);
    }
    if let Some(dir) = &args.drive_dir {
        builder = builder.drive_dir(dir);
    }
    if args.tls {
        builder = builder.tls(true).http2(!args.no_http2);
        if let Some(path) = &args.ca_certificate {
            builder = builder.ca_certificate_file(path);
        }
    }
    let builder = faults(builder, args);
    let emulator = builder.start().await?;
    if let Some(path) = &args.write_secrets {
        emulator
            .write_secrets(path)
            .map_err(|source| CliError::Output {
                path: Some(path.clone()),
                source,
            })?;
        let written = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        crate::note(&format!("secrets file written to {}", written.display()));
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.lusid_url())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })?;
    drop(stdout);
    crate::note(&format!("token URL: {}", emulator.token_url()));
    crate::note(&format!("Drive URL: {}", emulator.drive_url()));
    if let Some(path) = emulator.ca_certificate_file() {
        crate::note(&format!("CA certificate: {}", path.display()));
    } else if emulator.is_tls() {
        crate::note(
            "serving HTTPS; pass --ca-certificate PATH or --write-secrets PATH for the CA certificate",
        );
    }
    crate::note("serving until interrupted (Ctrl-C or SIGTERM)");
    emulator
        .serve_until(async {
            let caught = interrupt.recv().await;
            crate::note(&format!("{caught}: stopping the emulator"));
        })
        .await?;
    Ok(())
}

/// Applies the fault flags.
fn faults(mut builder: EmulatorBuilder, args: &EmulatorArgs) -> EmulatorBuilder {
    let rates =
        |throttle: Option<f64>, errors: Option<f64>, drop: Option<f64>, latency: Option<u64>| {
            let mut rates = FaultRates::default();
            rates.throttle = throttle.unwrap_or(0.0);
            rates.server_error = errors.unwrap_or(0.0);
            rates.drop = drop.unwrap_or(0.0);
            rates.latency = Duration::from_millis(latency.unwrap_or(0));
            rates.retry_after = args.retry_after;
            rates.retry_after_wait = Duration::from_millis(args.retry_after_ms);
            rates
        };
    let api = rates(
        args.api_throttle,
        args.api_server_errors,
        args.api_drop,
        args.api_latency_ms,
    );
    let token = rates(
        args.token_throttle,
        args.token_server_errors,
        args.token_drop,
        args.token_latency_ms,
    );
    if api.is_active() || token.is_active() {
        builder = builder.fault_profile(FaultProfile::new(args.fault_seed).api(api).token(token));
    }
    if let Some(script) = &args.api_script {
        builder = builder.api_faults(script.0.iter().cloned());
    }
    if let Some(script) = &args.token_script {
        builder = builder.token_faults(script.0.iter().cloned());
    }
    builder
}
