//! One thin file per subcommand: arguments -> checked config -> domain -> render.

pub mod check;
pub mod completions;
pub mod config;
pub mod inspect;
pub mod keygen;
pub mod list;
pub mod listen;
pub mod providers;
pub mod relay;
pub mod relay_token;
pub mod replay;
mod replay_lines;
pub mod send;
pub mod send_from;
pub mod show;
pub mod store;
pub mod verify;

use std::process::ExitCode;

use crate::cli::{HmacArgs, SecretArgs};
use crate::provider::hmac::{CustomHmac, HmacConfig};
use crate::provider::{self, Failure, KeyRole, Provider};
use crate::secret::resolve::Given;
use crate::secret::{Secret, Secrets};

/// An error in what the user asked for: exit status 2, with at most one
/// `try: …` line after it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String, pub Option<String>);

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into(), None).into()
}

/// A usage error that knows the way forward: `try` follows it on its own line.
pub fn usage_with_try(msg: impl Into<String>, try_: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into(), Some(try_.into())).into()
}

/// `--max-connections` resolved, its warning (if any) said here.
pub fn max_connections(given: Option<u64>) -> usize {
    let (n, warning) = crate::conn::max_connections(given);
    if let Some(w) = warning {
        eprintln!("hookcli: warning: {w}");
    }
    n
}

/// Exit status 1: the thing checked is wrong.
pub const FAILED: u8 = 1;

pub fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

/// The command's secrets, for `role`: its flags, hookcli.toml, and each
/// provider's conventional variable. `provider` is the one the command is
/// for, which a plain secret belongs to; `also_named` are providers the
/// command names otherwise (listen's routes).
pub fn secrets(
    args: &SecretArgs,
    provider: Option<&str>,
    also_named: &[&str],
    role: KeyRole,
) -> anyhow::Result<Secrets> {
    let given = Given {
        secret: args.secret.as_deref(),
        secret_env: &args.secret_env,
        file_secrets: args.file_secrets.as_ref(),
        file_secret_env: args.file_secret_env.as_deref(),
        provider,
        also_named,
    };
    Secrets::resolve(&given, role).map_err(usage)
}

/// The secret of a command about one provider (send, check, verify),
/// checked to be the right kind of key for `role`; `None` for a provider
/// that signs nothing (Zapier) and was given none.
pub fn provider_secret(
    args: &SecretArgs,
    provider: &dyn Provider,
    role: KeyRole,
) -> anyhow::Result<Option<Secret>> {
    let secrets = secrets(args, Some(provider.name()), &[], role)?;
    if secrets.get(provider.name()).is_none() && !provider.signed() {
        return Ok(None);
    }
    let secret = require_secret(&secrets, provider)?;
    check_key(&secret, provider, role)?;
    Ok(Some(secret))
}

/// The secrets `--resign` signs with (none without it): each delivery's
/// provider picks its own, unless `--provider` names the scheme.
pub fn resign_secrets(
    resign: bool,
    args: &SecretArgs,
    provider: Option<&str>,
) -> anyhow::Result<Option<Secrets>> {
    match resign {
        true => secrets(args, provider, &[], KeyRole::Sign).map(Some),
        false => Ok(None),
    }
}

/// `provider`'s secret, or a usage error that says which variable would
/// have given one.
pub fn require_secret(secrets: &Secrets, provider: &dyn Provider) -> anyhow::Result<Secret> {
    if let Some(found) = secrets.get(provider.name()) {
        return Ok(found.secret.clone());
    }
    Err(usage(no_secret(secrets, provider)))
}

/// The command's secrets, as the replay engine asks for them: a missing
/// one is worded as [`no_secret`] words it.
pub struct FlagSecrets(pub Secrets);

impl crate::replay::SecretSource for FlagSecrets {
    fn secret_for(&self, provider: &dyn Provider) -> Result<&Secret, String> {
        match self.0.get(provider.name()) {
            Some(found) => Ok(&found.secret),
            None => Err(no_secret(&self.0, provider)),
        }
    }
}

/// "no secret given for stripe: export STRIPE_WEBHOOK_SECRET, or …".
pub fn no_secret(secrets: &Secrets, provider: &dyn Provider) -> String {
    let name = provider.name();
    // A plain secret was given, but for another provider: say so, and how
    // to name this one's.
    let (why, flag) = match secrets.plain_elsewhere(name) {
        Some((origin, owner)) => (
            format!(" (the plain secret, from {origin}, is {owner}'s)"),
            format!("--secret-env {name}=VAR"),
        ),
        None => (String::new(), "--secret-env VAR".to_string()),
    };
    let how = match secrets.wanted(name) {
        Some(wanted) => format!("{wanted}, or pass {flag}"),
        None => format!("pass {flag}"),
    };
    format!(
        "no secret given for {name}{why}: {how} (find it at: {})",
        provider.info().secret_hint
    )
}

/// Refuses the wrong kind of key for an asymmetric scheme (a public key to
/// sign with, a private one to verify with) before any work: exit 2, and the
/// key itself is never shown. Shared secrets always pass.
pub fn check_key(secret: &Secret, provider: &dyn Provider, role: KeyRole) -> anyhow::Result<()> {
    provider
        .check_key(secret, role)
        .map_err(|f| wrong_key(provider.name(), role, f))
}

/// The usage error for a key of the wrong kind for `provider`.
pub fn wrong_key(provider: &str, role: KeyRole, failure: Failure) -> anyhow::Error {
    let reason = match failure {
        Failure::SecretFormat { reason } => reason,
        other => other.to_string(),
    };
    let needs = match role {
        KeyRole::Sign => "signs with the private key",
        KeyRole::Verify => "verifies with the public key",
    };
    usage(format!(
        "wrong key for {provider} (this command {needs}): {reason}"
    ))
}

/// The named provider; `hmac` takes its settings from the `--hmac-*` flags.
pub fn provider(name: &str, hmac: &HmacArgs) -> anyhow::Result<Box<dyn Provider>> {
    if name == "hmac" {
        let config = HmacConfig {
            header: hmac.hmac_header.clone(),
            prefix: hmac.hmac_prefix.clone(),
            algorithm: hmac.hmac_algorithm,
            encoding: hmac.hmac_encoding,
            template: hmac.hmac_template.clone(),
            timestamp_header: hmac.hmac_timestamp_header.clone(),
        };
        config.validate().map_err(usage)?;
        return Ok(Box::new(CustomHmac::new(config)));
    }
    provider::by_name(name).ok_or_else(|| {
        usage(format!(
            "unknown provider {name:?}; known: {}",
            provider::NAMES.join(", ")
        ))
    })
}
