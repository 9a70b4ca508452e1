//! `lusid token`.

use std::io::Write;

use crate::error::CliError;
use crate::session::Session;

/// Prints a current access token on stdout: the one command whose output is
/// a secret, because the user asked for it.
pub async fn print(session: &Session) -> Result<(), CliError> {
    let client = session.client()?;
    let Some(tokens) = client.token_provider() else {
        return Err(CliError::Unsupported(
            "this client has no token provider".to_owned(),
        ));
    };
    let token = tokens.access_token().await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", token.expose_secret())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}
