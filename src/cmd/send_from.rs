//! `hookcli send --from`: re-send exported deliveries (portable documents),
//! exactly or re-signed. The way to turn real deliveries into CI tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use serde::Serialize;

use crate::cli::SendArgs;
use crate::output::shorten;
use crate::provider::KeyRole;
use crate::replay::{Edits, ReplayError, Replayer, Signing};
use crate::store::portable;

use super::{FlagSecrets, exit, resign_secrets, usage, usage_with_try, wrong_key};

/// Every document named: files as given, folders' `*.json` in name order.
pub(super) fn documents(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            anyhow::bail!("cannot read --from {}: no such file or folder", p.display());
        }
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
    let secrets =
        resign_secrets(args.resign, &args.secret, args.provider.as_deref())?.map(FlagSecrets);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = args.tls.client()?;
    let edits = Edits {
        to: Some(args.url.clone()),
        sets: args.sets.clone(),
        ..Edits::default()
    };
    let mut all_ok = true;
    for (file, d) in &loaded {
        let scheme = match (&secrets, args.provider.as_ref().or(d.provider.as_ref())) {
            (Some(_), Some(name)) => Some(super::provider(name, &args.hmac)?),
            _ => None,
        };
        let signing = match &secrets {
            None => Signing::Exact,
            Some(secrets) => Signing::Resign {
                scheme: scheme.as_deref(),
                secrets,
            },
        };
        let replayer = Replayer {
            edits: &edits,
            signing,
            client: &client,
            timeout: args.timeout,
        };
        let prepared = replayer.prepare(d, None).map_err(|e| refused(file, e))?;
        for w in &prepared.warnings {
            eprintln!("hookcli: warning: {}: {w}", file.display());
        }
        let attempt = runtime.block_on(replayer.deliver(&prepared));
        let status = match (attempt.status, attempt.error) {
            (Some(status), None) => status,
            (_, error) => return Err(anyhow::anyhow!(error.unwrap_or_default())),
        };
        let ok = match args.expect_status {
            Some(code) => status == code,
            None => (200..300).contains(&status),
        };
        all_ok &= ok;
        let line = SendLine {
            kind: "send",
            ok,
            from: file,
            id: &d.id,
            provider: d.provider.as_deref(),
            event_type: d.event_type.as_deref(),
            resigned: prepared.resigned,
            request: Sent {
                method: &prepared.request.method,
                url: &prepared.request.url,
                body_sha256: &d.body_sha256,
                body_size: prepared.request.body.len(),
            },
            response: Answered {
                status,
                duration_ms: attempt.duration_ms,
                body: &attempt.body,
            },
        };
        report(args.json, &line)?;
    }
    Ok(exit(all_ok))
}

/// Why a document cannot be sent, as a usage error.
fn refused(file: &Path, e: ReplayError) -> anyhow::Error {
    match e {
        ReplayError::UnknownProvider => usage(format!(
            "{}: its provider is unknown; pass --provider",
            file.display()
        )),
        ReplayError::NoSecret(why) => usage(why),
        ReplayError::WrongKey { provider, failure } => wrong_key(&provider, KeyRole::Sign, failure),
        e => usage(format!("{}: {e}", file.display())),
    }
}

/// One line of `send --from --json`: a document sent, and its answer.
#[derive(Serialize)]
struct SendLine<'a> {
    /// Always `send`.
    #[serde(rename = "type")]
    kind: &'static str,
    ok: bool,
    from: &'a Path,
    id: &'a str,
    provider: Option<&'a str>,
    event_type: Option<&'a str>,
    resigned: bool,
    request: Sent<'a>,
    response: Answered<'a>,
}

#[derive(Serialize)]
struct Sent<'a> {
    method: &'a str,
    url: &'a str,
    /// The recorded body's, as the document gives it.
    body_sha256: &'a str,
    body_size: usize,
}

#[derive(Serialize)]
struct Answered<'a> {
    status: u16,
    duration_ms: f64,
    #[serde(serialize_with = "body_json")]
    body: &'a [u8],
}

fn body_json<S: serde::Serializer>(body: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    crate::output::body_json(body).serialize(s)
}

fn report(json: bool, l: &SendLine<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let line = serde_json::to_string(l).unwrap_or_default();
        return writeln!(out, "{line}");
    }
    writeln!(
        out,
        "{} {} {} {}  {} ms  {}",
        l.from.display(),
        if l.resigned { "re-signed" } else { "exact" },
        l.response.status,
        if l.ok { "ok" } else { "UNEXPECTED" },
        l.response.duration_ms as u64,
        shorten(l.response.body, 120)
    )
}
