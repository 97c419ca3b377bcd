//! `hookcli keygen`: a fresh key pair for an asymmetric scheme, in the
//! provider's own encodings.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::KeygenArgs;
use crate::provider;

use super::usage;

pub fn run(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let p = provider::by_name(&args.provider)
        .ok_or_else(|| usage(format!("unknown provider {:?}", args.provider)))?;
    let pair = p.keygen().ok_or_else(|| {
        usage(format!(
            "{} signs with a shared secret, not a key pair; keygen makes keys for: {}",
            p.name(),
            provider::KEYGEN_NAMES.join(", ")
        ))
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "type": "keygen",
            "provider": p.name(),
            "algorithm": pair.algorithm,
            "private": pair.private.expose(),
            "public": pair.public,
            "private_for": ["send", "check", "replay --resign"],
            "public_for": ["listen", "verify"],
        });
        writeln!(out, "{doc}")?;
    } else {
        writeln!(
            out,
            "# {} {} key pair: the private key signs (send, check, replay --resign), the public key verifies (listen, verify)",
            p.name(),
            pair.algorithm
        )?;
        writeln!(out, "private: {}", pair.private.expose())?;
        writeln!(out, "public: {}", pair.public)?;
    }
    Ok(ExitCode::SUCCESS)
}
