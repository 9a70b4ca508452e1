//! `lusid config show`.

use std::io::Write;

use lusid::auth::{Config, ConfigSource, Credentials};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::session::{Missing, Session};

/// Prints the resolved configuration: the flow in use, then one line per
/// setting with its value (secrets as `****`) and where it came from. A
/// configuration that lacks required settings is shown too, the missing
/// ones marked, rather than failing (malformed values still fail, naming
/// the setting).
pub async fn show(global: &GlobalArgs) -> Result<(), CliError> {
    let (session, missing) = Session::open_to_show(global).await?;
    let mut text = render(&session.config, &missing);
    if !missing.is_empty() && global.secrets.is_none() && !global.emulator {
        text.push_str(
            "hint: pass --secrets PATH (a secrets file exported by the LUSID web app), set the FBN_* variables (docs/configuration.md), or add --emulator to use a local emulator\n",
        );
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}

/// The text `show` prints. Never contains a secret.
fn render(config: &Config, missing: &[Missing]) -> String {
    let flow = if missing.is_empty() {
        match config.credentials() {
            Credentials::Password(_) => "password flow (Okta password grant)",
            Credentials::AccessToken(_) => "personal access token",
            Credentials::AccessTokenFile(_) => "personal access token from a file",
            _ => "other",
        }
    } else {
        "incomplete: set the settings marked (missing), or set a personal access token (FBN_ACCESS_TOKEN or api.accessToken) instead of the password-flow ones"
    };
    let mut rows: Vec<[String; 3]> = vec![[
        "SETTING".to_owned(),
        "VALUE".to_owned(),
        "SOURCE".to_owned(),
    ]];
    for setting in config.settings() {
        // A placeholder standing in for a missing setting.
        if missing.iter().any(|m| m.name == setting.name()) {
            continue;
        }
        // Derived from a placeholder LUSID URL: nothing to show.
        if setting.origin() == &ConfigSource::Derived
            && missing.iter().any(|m| m.name == "api.lusidUrl")
        {
            continue;
        }
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
    for setting in missing {
        rows.push([
            setting.name.to_owned(),
            "(missing)".to_owned(),
            if setting.spelled.contains(setting.name) {
                format!("set {}", setting.spelled)
            } else {
                format!(
                    "set {} (or {} in a --secrets file)",
                    setting.spelled, setting.name
                )
            },
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
        let text = render(&config, &[]);
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
