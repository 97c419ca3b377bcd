//! `hookcli config`: the settings in force and where each comes from.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::ConfigArgs;
use crate::config::{FileConfig, candidates};

/// One setting: its value and where it came from. `json` is the value for
/// `--json`: `None` (null) where `value` is only an explanation.
struct Row {
    key: &'static str,
    value: String,
    json: Option<String>,
    source: String,
}

/// One provider's own secret, as listen would find it.
struct ProviderSecret {
    provider: &'static str,
    var: String,
    set: bool,
    source: String,
}

/// The secret each provider gets from hookcli.toml's `[secrets]` or its
/// conventional variable (what listen and verify read; flags aside).
fn provider_secrets(file: Option<&Path>, f: &FileConfig) -> anyhow::Result<Vec<ProviderSecret>> {
    use crate::secret::{Origin, resolve::Given};
    let given = Given {
        file_secrets: f.secrets.as_ref(),
        ..Given::default()
    };
    let secrets = crate::secret::Secrets::resolve(&given, crate::provider::KeyRole::Verify)
        .map_err(super::usage)?;
    let in_file = |p: &str| match file {
        Some(path) => format!("file {} [secrets]", path.display()),
        None => format!("[secrets] {p}"),
    };
    let mut out = Vec::new();
    for p in crate::provider::NAMES {
        let row = match secrets.get(p).map(|found| &found.origin) {
            Some(Origin::FileVar(var)) => (var.clone(), true, in_file(p)),
            Some(Origin::DefaultVar(var)) => (var.to_string(), true, "default variable".into()),
            _ => match f.secrets.as_ref().and_then(|s| s.get(*p)) {
                Some(var) => (var.clone(), false, in_file(p)),
                None => continue,
            },
        };
        out.push(ProviderSecret {
            provider: p,
            var: row.0,
            set: row.1,
            source: row.2,
        });
    }
    Ok(out)
}

/// `config --json`.
#[derive(Serialize)]
struct ConfigDoc<'a> {
    file: Option<&'a Path>,
    looked_in: Vec<String>,
    settings: Keyed<Setting<'a>>,
    /// Each provider's own secret: never its value, only whether it is set.
    secrets: Keyed<SecretDoc<'a>>,
}

#[derive(Serialize)]
struct Setting<'a> {
    value: Option<&'a str>,
    source: &'a str,
}

#[derive(Serialize)]
struct SecretDoc<'a> {
    value: Option<&'static str>,
    variable: &'a str,
    source: &'a str,
}

/// An object whose keys keep the order they are listed in.
struct Keyed<T>(Vec<(&'static str, T)>);

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A secret the file names by its variable: never "(redacted)" for one that
/// is not there.
fn from_var(var: &str) -> String {
    match env(var) {
        Some(_) => format!("(redacted) from ${var}"),
        None => format!("${var}, which is not set"),
    }
}

/// `file` is the config file found, if any, and `f` what it sets.
pub fn run(args: ConfigArgs, file: Option<&Path>, f: &FileConfig) -> anyhow::Result<ExitCode> {
    let from_file = |what: bool| -> String {
        match (what, file) {
            (true, Some(p)) => format!("file {}", p.display()),
            _ => "default".into(),
        }
    };
    let mut rows = Vec::new();
    let (store, source) = match (env("HOOKCLI_STORE"), &f.store) {
        (Some(v), _) => (v, "env HOOKCLI_STORE".to_string()),
        (None, Some(p)) => (p.display().to_string(), from_file(true)),
        (None, None) => (
            crate::store::default_dir().display().to_string(),
            "default".into(),
        ),
    };
    rows.push(Row {
        key: "store",
        json: Some(store.clone()),
        value: store,
        source,
    });
    rows.push(Row {
        key: "provider",
        value: f
            .provider
            .clone()
            .unwrap_or_else(|| "(recognised from each delivery's headers)".into()),
        json: f.provider.clone(),
        source: from_file(f.provider.is_some()),
    });
    let secrets = provider_secrets(file, f)?;
    let secret_set = match (env("HOOKCLI_SECRET"), &f.secret_env) {
        (Some(_), _) => true,
        (None, Some(var)) => env(var).is_some(),
        (None, None) => false,
    };
    let secret = match (env("HOOKCLI_SECRET"), &f.secret_env) {
        (Some(_), _) => ("(redacted)".to_string(), "env HOOKCLI_SECRET".to_string()),
        (None, Some(var)) => (from_var(var), from_file(true)),
        (None, None) if secrets.is_empty() => (
            "(none: export a provider's variable (`hookcli providers`), or pass --secret-env VAR)"
                .to_string(),
            "default".to_string(),
        ),
        // Each provider's own follows on the lines below.
        (None, None) => (
            "(no plain one; each provider's own below)".to_string(),
            "default".to_string(),
        ),
    };
    rows.push(Row {
        key: "secret",
        value: secret.0,
        json: secret_set.then(|| "(redacted)".to_string()),
        source: secret.1,
    });
    rows.push(Row {
        key: "forward_to",
        value: f
            .forward_to
            .clone()
            .unwrap_or_else(|| "(none: listen answers itself)".into()),
        json: f.forward_to.clone(),
        source: from_file(f.forward_to.is_some()),
    });
    rows.push(Row {
        key: "port",
        value: f.port.unwrap_or(8787).to_string(),
        json: Some(f.port.unwrap_or(8787).to_string()),
        source: from_file(f.port.is_some()),
    });
    rows.push(Row {
        key: "relay",
        value: f.relay.clone().unwrap_or_else(|| "(none)".into()),
        json: f.relay.clone(),
        source: from_file(f.relay.is_some()),
    });
    rows.push(Row {
        key: "channel",
        value: f.channel.clone().unwrap_or_else(|| "(none)".into()),
        json: f.channel.clone(),
        source: from_file(f.channel.is_some()),
    });
    let token = match (env("HOOKCLI_RELAY_TOKEN"), &f.token_env) {
        (Some(_), _) => (
            "(redacted)".to_string(),
            "env HOOKCLI_RELAY_TOKEN".to_string(),
        ),
        (None, Some(var)) => (from_var(var), from_file(true)),
        (None, None) => ("(none)".to_string(), "default".to_string()),
    };
    let token_set =
        env("HOOKCLI_RELAY_TOKEN").is_some() || f.token_env.as_deref().and_then(env).is_some();
    rows.push(Row {
        key: "relay_token",
        json: token_set.then(|| "(redacted)".to_string()),
        value: token.0,
        source: token.1,
    });

    let mut out = std::io::stdout().lock();
    let looked: Vec<String> = candidates()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if args.json {
        let doc = ConfigDoc {
            file,
            looked_in: looked,
            settings: Keyed(
                rows.iter()
                    .map(|r| {
                        let setting = Setting {
                            value: r.json.as_deref(),
                            source: &r.source,
                        };
                        (r.key, setting)
                    })
                    .collect(),
            ),
            secrets: Keyed(
                secrets
                    .iter()
                    .map(|s| {
                        let doc = SecretDoc {
                            value: s.set.then_some("(redacted)"),
                            variable: &s.var,
                            source: &s.source,
                        };
                        (s.provider, doc)
                    })
                    .collect(),
            ),
        };
        writeln!(out, "{}", serde_json::to_string(&doc)?)?;
    } else {
        match file {
            Some(p) => writeln!(out, "config file  {}", p.display())?,
            None => writeln!(out, "config file  none (looked in {})", looked.join(", "))?,
        }
        for r in &rows {
            writeln!(out, "{:<12} {}  ({})", r.key, r.value, r.source)?;
            if r.key == "secret" {
                for s in &secrets {
                    let value = match s.set {
                        true => format!("(redacted) from ${}", s.var),
                        false => format!("${}, which is not set", s.var),
                    };
                    writeln!(out, "  {:<10} {value}  ({})", s.provider, s.source)?;
                }
            }
        }
        writeln!(out, "flags on the command line override all of these")?;
    }
    Ok(ExitCode::SUCCESS)
}
