//! `lusid token`.

use std::io::Write;

use crate::error::CliError;
use crate::session::Session;

/// Prints a current access token on stdout: the one command whose output is
/// a secret, because the user asked for it.
pub async fn print(session: &Session) -> Result<(), CliError> {
    let token = lusid::auth::token_provider(&session.config)
        .access_token()
        .await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", token.expose_secret())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}
