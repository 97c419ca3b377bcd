//! `hookcli verify`: re-check a recorded delivery offline, and say why.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::VerifyArgs;
use crate::output::{one_line, one_line_bytes};
use crate::provider::{self, KeyRole, Provider, Verdict, VerifyOptions, WebhookRequest};
use crate::secret::Secret;
use crate::store::{Delivery, portable::rfc3339_ms};

use super::{exit, provider_secret, usage};

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let (d, _) = super::store::load(&store, &args.id)?;
    let name = args
        .provider
        .clone()
        .or_else(|| d.provider.clone())
        .ok_or_else(|| usage("the delivery's provider was not recognised; pass --provider"))?;
    let provider = super::provider(&name, &args.hmac)?;
    let secret = provider_secret(&args.secret, provider.as_ref(), KeyRole::Verify)?
        // Zapier signs nothing: the verdict is `unsigned` whatever the secret.
        .unwrap_or_else(|| Secret::new(""));
    let request = request_of(&d);
    let now = if args.now {
        provider::now()
    } else {
        d.received_at / 1000
    };
    let opts = VerifyOptions {
        now,
        tolerance: args.tolerance.map(|t| t.as_secs()),
    };
    let verdict = provider.verify(&request, &secret, &opts);
    let mut findings = findings(provider.as_ref(), &request, &secret, &verdict, &opts, &d);
    if !verdict.is_valid()
        && let Some(hint) = anothers_variable(&args.secret, provider.name())
    {
        findings.insert(0, hint);
    }

    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = VerifyDoc {
            id: &d.id,
            provider: provider.name(),
            judged_at: if args.now { "now" } else { "arrival" },
            verdict: &verdict,
            explanation: verdict.explain(),
            findings: &findings,
        };
        writeln!(out, "{}", serde_json::to_string(&doc)?)?;
    } else {
        writeln!(
            out,
            "{} {} ({} {})",
            "delivery".bold(),
            one_line(&d.id),
            provider.name(),
            one_line(d.event_type.as_deref().unwrap_or("-"))
        )?;
        for h in provider.info().signature_headers {
            let value = d.headers.get(&h).map_or("(absent)".into(), one_line_bytes);
            writeln!(out, "  {h}: {value}")?;
        }
        let line = one_line(&verdict.explain()).into_owned();
        writeln!(
            out,
            "  {}",
            if verdict.is_valid() {
                line.green()
            } else {
                line.red()
            }
        )?;
        for f in &findings {
            writeln!(out, "  - {}", one_line(f))?;
        }
    }
    // Nothing to fail for a provider that signs nothing: the verdict says
    // `unsigned`, and a CI job running verify over every delivery passes.
    Ok(exit(verdict.is_valid() || !provider.signed()))
}

/// A plain `--secret-env` naming another provider's conventional variable
/// (`STRIPE_WEBHOOK_SECRET` for a GitHub delivery) is the likeliest cause
/// of a mismatch: say so first, with the variable that would fit.
fn anothers_variable(args: &crate::cli::SecretArgs, name: &str) -> Option<String> {
    let var = args
        .secret_env
        .iter()
        .find(|e| e.provider.is_none())
        .map(|e| e.var.as_str())?;
    let owner = provider::owner_of_env(var).filter(|o| *o != name)?;
    let fits = provider::secret_env(name, KeyRole::Verify)
        .map(|v| format!(": for {name}, --secret-env {v}"))
        .unwrap_or_default();
    Some(format!(
        "--secret-env {var} is {owner}'s variable, and this is a {name} delivery{fits}"
    ))
}

/// `verify --json`: the verdict, judged as of `judged_at`, and what else
/// can be told.
#[derive(serde::Serialize)]
struct VerifyDoc<'a> {
    id: &'a str,
    provider: &'a str,
    /// `arrival`, or `now` under `--now`.
    judged_at: &'static str,
    verdict: &'a Verdict,
    explanation: String,
    findings: &'a [String],
}

/// The request as the provider signed it: the public URL when recorded.
fn request_of(d: &Delivery) -> WebhookRequest {
    let url = d.sender_url();
    WebhookRequest {
        method: d.method.clone(),
        url,
        headers: d.headers.clone(),
        body: d.body.clone(),
    }
}

/// What else can be told: the timestamp's age, and whether the signature
/// would match a body changed in the usual ways (a sign that something
/// between the provider and the app re-encoded it).
fn findings(
    provider: &dyn Provider,
    req: &WebhookRequest,
    secret: &Secret,
    verdict: &Verdict,
    opts: &VerifyOptions,
    d: &Delivery,
) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "body: {} bytes, sha256 {}",
        req.body.len(),
        d.body_sha256
    ));
    if req
        .headers
        .iter()
        .any(|(_, v)| v == crate::secret::REDACTED)
    {
        out.push(format!(
            "a header carried the secret itself and was not stored; the verdict recorded at arrival was: {}",
            d.verdict.explanation.as_deref().unwrap_or(&d.verdict.word)
        ));
    }
    let Verdict::Invalid { failure } = verdict else {
        if provider.info().timestamped {
            // Judged at arrival unless --now: say which, without a judging
            // time that reads as earlier than the arrival (it is in seconds).
            out.push(if opts.now == d.received_at / 1000 {
                format!(
                    "arrived {}; its timestamp was judged as of that moment (--now judges it against the current time)",
                    rfc3339_ms(d.received_at)
                )
            } else {
                format!(
                    "arrived {}; its timestamp was judged as of now, {}",
                    rfc3339_ms(d.received_at),
                    rfc3339_ms(opts.now * 1000)
                )
            });
        }
        return out;
    };
    match failure.code() {
        "mismatch" | "body_hash_mismatch" => {
            let lenient = VerifyOptions { now: opts.now, tolerance: Some(u64::MAX / 4) };
            let probes: [(&str, Option<Vec<u8>>); 3] = [
                ("with trailing whitespace removed", Some(req.body.trim_ascii_end().to_vec())),
                ("with a newline added", Some([&req.body[..], b"\n"].concat())),
                (
                    "re-serialized as compact JSON",
                    serde_json::from_slice::<serde_json::Value>(&req.body).ok().and_then(|v| serde_json::to_vec(&v).ok()),
                ),
            ];
            let mut explained = false;
            for (how, body) in probes {
                let Some(body) = body.filter(|b| *b != req.body) else { continue };
                let probe = WebhookRequest {
                    body: body.into(),
                    ..req.clone()
                };
                if provider.verify(&probe, secret, &lenient).is_valid() {
                    out.push(format!(
                        "the signature matches the body {how}: something between the provider and hookcli changed the bytes"
                    ));
                    explained = true;
                }
            }
            if !explained {
                // A public-key scheme has no test/live secrets: the key is per application.
                let asymmetric = crate::provider::KEYGEN_NAMES.contains(&provider.info().name);
                out.push(if asymmetric {
                    format!(
                        "likely a wrong key: check it against {} (the public key, not a secret or token)",
                        provider.info().secret_hint
                    )
                } else {
                    format!(
                        "likely a wrong secret: check it against {} (secrets differ between test and live mode, and per endpoint)",
                        provider.info().secret_hint
                    )
                });
                out.push("or the body changed in transit: a proxy re-encoding it, or a framework parsing and re-serializing JSON before verification".into());
            }
            if provider.info().scheme.contains("URL") {
                out.push(format!("this scheme signs the URL too: it was checked as {} (pass the public URL to listen with --public-url)", req.url));
            }
        }
        "stale" | "future" => out.push(
            "the signature itself matches: the timestamp is out of the window (a replay, a queued retry, or clock skew); `--tolerance` widens it".into(),
        ),
        "missing_header" => out.push("the request did not come from the provider, or a proxy stripped the header".into()),
        "missing_field" => out.push("the body lacks the provider's signature fields: the request did not come from the provider, or the body was rebuilt on the way".into()),
        "secret_format" => out.push(format!("the secret's format is wrong for {}: {}", provider.name(), provider.info().secret_hint)),
        _ => {}
    }
    out
}
