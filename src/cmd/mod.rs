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
pub mod send;
pub mod send_from;
pub mod show;
pub mod store;
pub mod verify;

use std::process::ExitCode;

use crate::cli::{HmacArgs, SecretArgs};
use crate::provider::hmac::{CustomHmac, HmacConfig};
use crate::provider::{self, Failure, KeyRole, Provider};
use crate::secret::Secret;

/// An error in what the user asked for: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
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

/// The secret from `--secret`/`HOOKCLI_SECRET` or `--secret-env VAR`.
pub fn resolve_secret(args: &SecretArgs) -> anyhow::Result<Option<Secret>> {
    // The config file's secret_env comes after the flags and HOOKCLI_SECRET.
    let from_file = crate::config::active().secret_env.clone();
    let var = args
        .secret_env
        .clone()
        .or_else(|| from_file.filter(|_| args.secret.is_none()));
    if let Some(var) = &var {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Ok(_) => Err(usage(format!(
                "environment variable {var} (named by --secret-env) is empty"
            ))),
            Err(_) => Err(usage(format!(
                "environment variable {var} (named by --secret-env) is not set"
            ))),
        };
    }
    Ok(args
        .secret
        .clone()
        .filter(|s| !s.is_empty())
        .map(Secret::new))
}

pub fn require_secret(secret: Option<Secret>, provider: &dyn Provider) -> anyhow::Result<Secret> {
    secret.ok_or_else(|| {
        usage(format!(
            "no secret given for {}: pass --secret-env VAR, set HOOKCLI_SECRET, or use --secret (find it at: {})",
            provider.name(),
            provider.info().secret_hint
        ))
    })
}

/// Refuses the wrong kind of key for an asymmetric scheme (a public key to
/// sign with, a private one to verify with) before any work: exit 2, and the
/// key itself is never shown. Shared secrets always pass.
pub fn check_key(secret: &Secret, provider: &dyn Provider, role: KeyRole) -> anyhow::Result<()> {
    provider.check_key(secret, role).map_err(|f| {
        let reason = match f {
            Failure::SecretFormat { reason } => reason,
            other => other.to_string(),
        };
        let needs = match role {
            KeyRole::Sign => "signs with the private key",
            KeyRole::Verify => "verifies with the public key",
        };
        usage(format!(
            "wrong key for {} (this command {needs}): {reason}",
            provider.name()
        ))
    })
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
