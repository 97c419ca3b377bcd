//! `hookcli send --from`: re-send exported deliveries (portable documents),
//! exactly or re-signed. The way to turn real deliveries into CI tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::SendArgs;
use crate::output::shorten;
use crate::provider::{self, Provider};
use crate::replay::{self, Plan};
use crate::store::portable;

use super::{check_key, exit, require_secret, resign_secrets, usage, usage_with_try};

/// Every document named: files as given, folders' `*.json` in name order.
pub(super) fn documents(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read --from folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(usage(format!(
                    "--from folder {} holds no *.json documents",
                    p.display()
                )));
            }
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    // A document is sent as recorded; only --resign has a use for a scheme.
    if let (Some(p), false) = (&args.provider, args.resign) {
        return Err(usage(format!(
            "--provider {p} with --from only names the scheme for --resign: add --resign to re-sign as {p}, or drop --provider to send the document exactly"
        )));
    }
    let files = documents(&args.from)?;
    let mut loaded = Vec::new();
    for f in &files {
        let bytes =
            std::fs::read(f).with_context(|| format!("cannot read --from {}", f.display()))?;
        let d = match portable::parse(&bytes) {
            Err(portable::DocumentError::BodyEdited) if args.rehash => {
                if !args.resign {
                    eprintln!(
                        "hookcli: warning: {}: the body was edited, and its old signature no longer matches it; add --resign for a valid one",
                        f.display()
                    );
                }
                portable::parse_with(&bytes, portable::Digest::Rehash)
            }
            other => other,
        }
        .map_err(|e| match e {
            portable::DocumentError::BodyEdited => usage_with_try(
                format!(
                    "{}: its body was edited after export (it no longer matches request.body_sha256)",
                    f.display()
                ),
                format!(
                    "hookcli send --from {} --rehash --resign",
                    f.display()
                ),
            ),
            e => usage(format!("{} is not a delivery document: {e}", f.display())),
        })?;
        loaded.push((f.clone(), d));
    }
    // Each document's own provider picks its secret, unless --provider names one.
    let secrets = resign_secrets(args.resign, &args.secret, args.provider.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = args.tls.client()?;
    let mut all_ok = true;
    for (file, d) in &loaded {
        let name = args.provider.clone().or_else(|| d.provider.clone());
        let provider: Option<Box<dyn Provider>> = match &name {
            Some(n) => Some(super::provider(n, &args.hmac)?),
            None => None,
        };
        let resign = match (args.resign, &provider) {
            (false, _) => None,
            (true, None) => {
                return Err(usage(format!(
                    "{}: its provider is unknown; pass --provider",
                    file.display()
                )));
            }
            (true, Some(p)) => {
                let secrets = secrets.as_ref().expect("resolved for --resign");
                let s = require_secret(secrets, p.as_ref())?;
                check_key(&s, p.as_ref(), crate::provider::KeyRole::Sign)?;
                Some((p.as_ref(), s))
            }
        };
        let plan = Plan {
            to: Some(args.url.clone()),
            resign,
            new_id: false,
            sets: args.sets.clone(),
            data: None,
            now: provider::now(),
        };
        let prepared = replay::prepare(d, None, &plan)
            .map_err(|e| usage(format!("{}: {e}", file.display())))?;
        for w in &prepared.warnings {
            eprintln!("hookcli: warning: {}: {w}", file.display());
        }
        let resp = runtime.block_on(client.deliver(&prepared.request, args.timeout))?;
        let ok = match args.expect_status {
            Some(code) => resp.status == code,
            None => (200..300).contains(&resp.status),
        };
        all_ok &= ok;
        report(&args, file, d, &prepared, &resp, ok)?;
    }
    Ok(exit(all_ok))
}

fn report(
    args: &SendArgs,
    file: &Path,
    d: &crate::store::Delivery,
    p: &replay::Prepared,
    resp: &crate::client::Response,
    ok: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "type": "send",
            "ok": ok,
            "from": file,
            "id": d.id,
            "provider": d.provider,
            "event_type": d.event_type,
            "resigned": p.resigned,
            "request": {"method": p.request.method, "url": p.request.url, "body_sha256": d.body_sha256, "body_size": p.request.body.len()},
            "response": {"status": resp.status, "duration_ms": resp.elapsed.as_secs_f64() * 1000.0, "body": crate::output::body_json(&resp.body)},
        });
        writeln!(out, "{doc}")
    } else {
        writeln!(
            out,
            "{} {} {} {}  {} ms  {}",
            file.display(),
            if p.resigned { "re-signed" } else { "exact" },
            resp.status,
            if ok { "ok" } else { "UNEXPECTED" },
            resp.elapsed.as_millis(),
            shorten(&resp.body, 120)
        )
    }
}
