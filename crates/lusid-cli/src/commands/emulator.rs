//! `lusid emulator`.

use std::io::Write;
use std::time::Duration;

use lusid_emulator::{Emulator, EmulatorCredentials};

use crate::cli::EmulatorArgs;
use crate::error::CliError;

/// Serves an emulator until Ctrl-C. The first line of stdout is its LUSID
/// base URL (`http://127.0.0.1:<port>/api`); the rest goes to stderr.
pub async fn serve(args: &EmulatorArgs) -> Result<(), CliError> {
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
    let emulator = builder.start().await?;
    if let Some(path) = &args.write_secrets {
        emulator
            .write_secrets(path)
            .map_err(|source| CliError::Output {
                path: Some(path.clone()),
                source,
            })?;
        crate::note(&format!("secrets file written to {}", path.display()));
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.lusid_url())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })?;
    drop(stdout);
    crate::note(&format!("token URL: {}", emulator.token_url()));
    crate::note("serving until interrupted (Ctrl-C)");
    emulator
        .serve_until(async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::warn!(%error, "cannot listen for Ctrl-C; serving until killed");
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}
