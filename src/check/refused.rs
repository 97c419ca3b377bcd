//! Why a correctly signed delivery was refused: the valid delivery signed
//! the ways handlers get the secret or the MAC's encoding wrong. The one
//! the endpoint accepts names its mistake. Sent only after a refusal, so a
//! correct endpoint never sees them; each signed just before it goes.

use super::send::send;
use super::shape::{Shape, aimed};
use crate::provider::{Provider, WebhookRequest};
use crate::secret::Secret;
use crate::tamper::signatures;

/// A delivery only an endpoint with one mistake accepts, and the mistake.
struct Probe {
    request: WebhookRequest,
    cause: String,
}

/// A signature value with its MAC in another encoding, if it can be.
type Reencode = fn(&str) -> Option<String>;

/// A probe made only when its turn comes (`None`: the scheme has no such
/// variant), so the answers to the ones before do not age it.
type Lazy<'s> = Box<dyn Fn() -> Result<Option<Probe>, String> + 's>;

/// The schemes whose `whsec_` secret holds a base64 key.
const BASE64_KEYED: [&str; 4] = ["standard", "svix", "clerk", "resend"];

/// The cause of the refusal, if one of the probes is accepted.
pub async fn why(shape: &Shape<'_>) -> Result<Option<String>, String> {
    for lazy in probes(shape) {
        let Some(probe) = lazy()? else { continue };
        let accepted = send(shape.plan, &probe.request)
            .await
            .is_ok_and(|r| (200..300).contains(&r.status));
        if accepted {
            return Ok(Some(probe.cause));
        }
    }
    Ok(None)
}

fn probes<'s>(shape: &'s Shape<'s>) -> Vec<Lazy<'s>> {
    let plan = shape.plan;
    let provider = plan.provider;
    let title = provider.info().title;
    let secret = plan.secret.expose();
    let mut keys = vec![
        (String::new(), "it verifies with an empty secret: the variable or setting it reads the secret from is unset or blank; set it, and refuse to start without one".to_string()),
        (format!("{secret}\n"), "its secret ends in a newline (read from a file or a line as it is): trim it".into()),
        (format!("\"{secret}\""), "its secret is wrapped in quotes (an env file read as it is, as docker --env-file reads one): remove them".into()),
    ];
    if secret.starts_with("whsec_") && BASE64_KEYED.contains(&provider.name()) {
        // Signed with a key whose decoded bytes are the whole secret's text.
        let whole = crate::base::crypto::b64(secret.as_bytes());
        keys.push((format!("whsec_{whole}"), format!("it keys the HMAC with the whole whsec_… text: the key is the base64 after whsec_, decoded, as {title}'s libraries do")));
    }
    let mut probes: Vec<Lazy<'s>> = Vec::new();
    for (key, cause) in keys {
        probes.push(Box::new(move || {
            let signed = shape.signed_with(&Secret::new(key.clone()))?;
            Ok(signed.map(|request| Probe {
                request,
                cause: cause.clone(),
            }))
        }));
    }
    probes.push(Box::new(move || in_millis(shape)));
    probes.push(Box::new(move || body_alone(shape)));
    let encodings: [(Reencode, &str, &str); 2] = [
        (signatures::as_hex, "hex", "base64"),
        (signatures::as_base64, "base64", "hex"),
    ];
    for (rewrite, expects, sent) in encodings {
        probes.push(Box::new(move || {
            let valid = shape.make(None, None)?;
            Ok(rewritten(provider, valid, &|v| rewrite(v)).map(|request| Probe {
                request,
                cause: format!("it compares the MAC {expects}-encoded; {title} sends it {sent}-encoded: encode the digest you compute as {sent}"),
            }))
        }));
    }
    probes
}

/// Stamped in milliseconds: what a handler comparing the timestamp with a
/// clock in milliseconds (JavaScript's Date.now()) accepts. Only for
/// timestamped schemes.
fn in_millis(shape: &Shape<'_>) -> Result<Option<Probe>, String> {
    let plan = shape.plan;
    let info = plan.provider.info();
    if !info.timestamped {
        return Ok(None);
    }
    let mut signed = shape.signed(&|u| u.to_string(), None, None)?;
    signed.ctx.timestamp *= 1000;
    if plan
        .provider
        .sign(&mut signed.request, &plan.secret, &signed.ctx)
        .is_err()
    {
        return Ok(None);
    }
    Ok(Some(Probe {
        request: aimed(signed),
        cause: format!(
            "it compares the timestamp with a clock in milliseconds (Date.now()); {} sends Unix seconds: divide by 1000 first",
            info.title
        ),
    }))
}

/// `request` with each signature value `rewrite` changes changed; `None`
/// when it changes none.
fn rewritten(
    provider: &dyn Provider,
    mut request: WebhookRequest,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Option<WebhookRequest> {
    let changed = std::cell::Cell::new(false);
    provider.map_signature(&mut request, &|v| match rewrite(v).filter(|w| w != v) {
        Some(w) => {
            changed.set(true);
            w
        }
        None => v.to_string(),
    });
    changed.get().then_some(request)
}

/// The MAC over the body alone, in the scheme's place and encoding: what
/// a handler that leaves out the rest of the signed content (Stripe's
/// `t.`, Slack's `v0:ts:`, Standard Webhooks' `id.ts.`) computes. Only
/// for timestamped schemes whose signed content is more than the body.
fn body_alone(shape: &Shape<'_>) -> Result<Option<Probe>, String> {
    let plan = shape.plan;
    let info = plan.provider.info();
    if !info.timestamped {
        return Ok(None);
    }
    let secret = plan.secret.expose();
    let key = match secret.strip_prefix("whsec_") {
        Some(b64) if BASE64_KEYED.contains(&plan.provider.name()) => {
            match crate::base::crypto::b64_decode(b64) {
                Some(key) => key,
                None => return Ok(None),
            }
        }
        _ => secret.as_bytes().to_vec(),
    };
    let valid = shape.make(None, None)?;
    let mac = crate::provider::crypto::hmac_sha256(&key, &[&valid.body]);
    let request = rewritten(plan.provider, valid, &|v| signatures::with_mac(v, &mac));
    Ok(request.map(|request| Probe {
        request,
        cause: format!(
            "it computes the MAC over the body alone; {} signs more than the body: {}",
            info.title, info.scheme
        ),
    }))
}
