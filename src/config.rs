//! The optional config file, `hookcli.toml`: defaults for the flags people
//! repeat. Looked for in the working directory, then the platform config
//! folder. Flags beat environment variables, which beat the file, which
//! beats the built-in defaults.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "hookcli.toml";

/// What the file may set. Secrets themselves never go in it: only the name
/// of the environment variable that holds one.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub store: Option<PathBuf>,
    pub provider: Option<String>,
    pub secret_env: Option<String>,
    /// `[secrets]`: provider -> the variable that holds its secret.
    pub secrets: Option<std::collections::BTreeMap<String, String>>,
    pub forward_to: Option<String>,
    pub port: Option<u16>,
    pub relay: Option<String>,
    pub channel: Option<String>,
    pub token_env: Option<String>,
}

/// The places looked in, in order.
pub fn candidates() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(FILE_NAME)];
    if let Some(dir) = dirs::config_dir() {
        out.push(dir.join("hookcli").join(FILE_NAME));
    }
    out
}

/// The first config file found, parsed; a malformed one is an error that
/// names the file and the line.
pub fn load() -> Result<Option<(PathBuf, FileConfig)>, String> {
    if let Some(path) = std::env::var_os("HOOKCLI_CONFIG") {
        // Set but empty: no config file at all (scripts and tests use this).
        if path.is_empty() {
            return Ok(None);
        }
        let path = PathBuf::from(path);
        return read(&path).map(|c| Some((path, c)));
    }
    for path in candidates() {
        if path.is_file() {
            return read(&path).map(|c| Some((path, c)));
        }
    }
    Ok(None)
}

fn read(path: &PathBuf) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses the file's text; errors say the line.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    let config: FileConfig = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().to_string();
        match line {
            Some(n) => format!("line {n}: {msg}"),
            None => msg,
        }
    })?;
    if let Some(p) = &config.provider
        && !crate::provider::NAMES.contains(&p.as_str())
    {
        return Err(format!(
            "provider {p:?} is not one of {}",
            crate::provider::NAMES.join(", ")
        ));
    }
    for (p, var) in config.secrets.iter().flatten() {
        if !crate::provider::NAMES.contains(&p.as_str()) {
            return Err(format!(
                "[secrets]: {p:?} is not a provider (known: {})",
                crate::provider::NAMES.join(", ")
            ));
        }
        // A value that looks like a secret rather than a variable's name.
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "[secrets]: {p} = must name an environment variable (like {}), never hold the secret itself",
                crate::provider::secret_env(p, crate::provider::KeyRole::Verify)
                    .unwrap_or("MY_SECRET")
            ));
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_known_keys() {
        let c = parse("store = \"/tmp/s\"\nprovider = \"stripe\"\nport = 9000\nsecret_env = \"STRIPE_WEBHOOK_SECRET\"\n").unwrap();
        assert_eq!(c.port, Some(9000));
        assert_eq!(c.provider.as_deref(), Some("stripe"));
    }

    #[test]
    fn the_secrets_table_names_variables_of_known_providers() {
        let c = parse("[secrets]\nstripe = \"STRIPE_WEBHOOK_SECRET\"\ngithub = \"GH_SECRET\"\n")
            .unwrap();
        assert_eq!(c.secrets.unwrap()["github"], "GH_SECRET");
        assert!(
            parse("[secrets]\nnope = \"X\"\n")
                .unwrap_err()
                .contains("not a provider")
        );
        let err = parse("[secrets]\nstripe = \"whsec_abc=\"\n").unwrap_err();
        assert!(
            err.contains("never hold the secret") && !err.contains("whsec_abc"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("port = 9000\nprovider = stripe\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = parse("port = 9000\n\nsecret = \"whsec_x\"\n").unwrap_err();
        assert!(
            err.starts_with("line 3:") && err.contains("secret"),
            "{err}"
        );
        assert!(parse("provider = \"nope\"").unwrap_err().contains("stripe"));
    }
}
