//! `lusid config show`.

use std::io::Write;

use lusid::auth::{Config, Credentials};

use crate::error::CliError;
use crate::session::Session;

/// Prints the resolved configuration: the flow in use, then one line per
/// setting with its value (secrets as `****`) and where it came from.
pub fn show(session: &Session) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(render(&session.config).as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}

/// The text `show` prints. Never contains a secret.
fn render(config: &Config) -> String {
    let flow = match config.credentials() {
        Credentials::Password(_) => "password flow (Okta password grant)",
        Credentials::AccessToken(_) => "personal access token",
        Credentials::AccessTokenFile(_) => "personal access token from a file",
        _ => "other",
    };
    let mut rows: Vec<[String; 3]> = vec![[
        "SETTING".to_owned(),
        "VALUE".to_owned(),
        "SOURCE".to_owned(),
    ]];
    for setting in config.settings() {
        let mut source = setting.source_description();
        if !setting.is_used() {
            source.push_str(" [ignored]");
        }
        rows.push([
            setting.name().to_owned(),
            setting.display_value().to_owned(),
            source,
        ]);
    }
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (name_width, value_width) = (width(0), width(1));
    let mut out = format!("credentials: {flow}\n");
    for [name, value, source] in &rows {
        out.push_str(&format!(
            "{name:<name_width$}  {value:<value_width$}  {source}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_sources_named() {
        let config = Config::builder()
            .lusid_url("https://acme.lusid.com/api")
            .access_token("pat-very-secret")
            .password("hunter2")
            .build()
            .expect("config");
        let text = render(&config);
        assert!(!text.contains("pat-very-secret"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.starts_with("credentials: personal access token\n"),
            "{text}"
        );
        assert!(text.contains("api.accessToken"), "{text}");
        assert!(text.contains("****"), "{text}");
        assert!(
            text.contains("explicit configuration (access_token)"),
            "{text}"
        );
        assert!(
            text.contains("explicit configuration (password) [ignored]"),
            "{text}"
        );
        assert!(text.contains("https://acme.lusid.com/api"), "{text}");
    }
}
