//! Judging what came back: each case's answers against what a correct
//! endpoint says, with the likely cause and the fix for anything short.

use std::time::Duration;

use super::{CaseName, CaseResult, Outcome, Plan, duration_text, large};
use crate::client::DeliverError;
use crate::provider::{Handshake, HandshakeAnswer, WebhookRequest};

use super::send::Answer;

/// Judges the answer to the provider's probe with the provider's judge.
pub(super) fn judge_handshake(
    h: &Handshake,
    req: &WebhookRequest,
    plan: &Plan<'_>,
    answer: &Answer,
) -> CaseResult {
    let base = |got: String, outcome, duration_ms, hint| CaseResult {
        name: CaseName::Handshake,
        mode: None,
        expected: h.expected.to_string(),
        got,
        outcome,
        duration_ms,
        hint,
    };
    match answer {
        Err(e) => base(
            transport(e),
            Outcome::Fail,
            None,
            Some(format!(
                "the {} probe got no answer: the provider will not enable the endpoint",
                h.event
            )),
        ),
        Ok(r) => {
            let content_type = r
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, v)| std::str::from_utf8(v).ok());
            let got = HandshakeAnswer {
                status: r.status,
                content_type,
                body: &r.body,
            };
            let ms = Some(r.elapsed.as_secs_f64() * 1000.0);
            match (h.judge)(req, &plan.secret, &got) {
                Ok(()) => base(r.status.to_string(), Outcome::Pass, ms, None),
                Err(hint) => base(r.status.to_string(), Outcome::Fail, ms, Some(hint)),
            }
        }
    }
}

pub(super) fn skipped(name: CaseName, timeout: u64, reason: String) -> CaseResult {
    CaseResult {
        name,
        mode: None,
        expected: name.expected(timeout),
        got: "-".into(),
        outcome: Outcome::Skip,
        duration_ms: None,
        hint: Some(reason),
    }
}

pub(super) fn transport(e: &DeliverError) -> String {
    match e {
        DeliverError::Timeout { secs, .. } => format!("no answer in {secs:.0} s"),
        DeliverError::Connect { reason, .. } => format!("connection failed: {reason}"),
        DeliverError::BadUrl { reason, .. } => format!("bad URL: {reason}"),
        DeliverError::Other { reason, .. } => reason.clone(),
    }
}

pub(super) fn judge(
    name: CaseName,
    answers: &[Answer],
    timeout: u64,
    header: &str,
    tolerance: Option<u64>,
    asymmetric: bool,
    rejects_future: bool,
) -> CaseResult {
    let duration_ms = answers
        .iter()
        .filter_map(|a| a.as_ref().ok())
        .map(|r| r.elapsed.as_secs_f64() * 1000.0)
        .reduce(f64::max);
    let got = answers
        .iter()
        .map(|a| match a {
            Ok(r) => r.status.to_string(),
            Err(e) => transport(e),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let result = |outcome, hint: Option<String>| CaseResult {
        name,
        mode: None,
        expected: name.expected(timeout),
        got: got.clone(),
        outcome,
        duration_ms,
        hint,
    };
    // A request that got no answer fails its case, with the cause.
    if let Some(Err(e)) = answers.iter().find(|a| a.is_err()) {
        let hint = match e {
            DeliverError::Connect { .. } | DeliverError::Other { .. }
                if name == CaseName::MalformedSignature =>
            {
                format!(
                    "a malformed signature header makes the handler crash ({}): parse defensively and answer 401",
                    transport(e)
                )
            }
            DeliverError::Timeout { .. } => format!(
                "the endpoint did not answer in time ({}); answer first, work later",
                transport(e)
            ),
            _ => format!(
                "the endpoint dropped or refused the connection ({}): it may have crashed on this request",
                transport(e)
            ),
        };
        return result(Outcome::Fail, Some(hint));
    }
    let statuses: Vec<u16> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|r| r.status))
        .collect();
    let s = *statuses.last().unwrap_or(&0);
    let ok = |s: u16| (200..300).contains(&s);
    let client_err = (400..500).contains(&s);
    let server_err = s >= 500;
    use CaseName as C;
    use Outcome::{Fail, Pass, Warn};
    // Cases of several deliveries, each to be refused: the worst answer counts.
    let worst = |each: &dyn Fn(u16) -> (Outcome, Option<String>)| {
        statuses
            .iter()
            .map(|s| each(*s))
            .max_by_key(|(o, _)| severity(*o))
            .unwrap_or((Outcome::Fail, None))
    };
    let minutes = crate::tamper::timestamp_shift_secs(tolerance) / 60;
    let (outcome, hint): (Outcome, Option<String>) = match name {
        C::Valid => match s {
            _ if ok(s) => (Pass, None),
            401 | 403 => (Fail, Some("a correctly signed delivery was refused: the app's secret differs from the one given here, or it verifies a parsed and re-serialized body instead of the raw bytes".into())),
            400 | 422 => (Fail, Some("a valid delivery was refused as malformed: check the body parser and the content type it expects".into())),
            404 | 405 => (Fail, Some("wrong route or method: the endpoint must accept POST at this URL".into())),
            415 => (Fail, Some("the content type the provider sends is refused: compare the media type alone, so that a parameter (`application/json; charset=utf-8`) is accepted too".into())),
            _ if server_err => (Fail, Some("the handler failed on a valid delivery: see the app's logs".into())),
            _ => (Fail, Some(format!("a valid delivery got {s}; providers count anything but 2xx as a failure and retry"))),
        },
        C::ValidNoncanonical => match s {
            _ if ok(s) => (Pass, None),
            _ => (Fail, Some("the same event in other bytes (spacing, \\u escapes, key order) was refused: the signature is checked on re-serialized data, not the raw body; verify over the exact bytes received".into())),
        },
        C::SecretRotation => rotation_outcome(&statuses, header),
        C::Duplicate => match statuses.as_slice() {
            [a, b] if ok(*a) && ok(*b) => (Pass, None),
            [a, _] if !ok(*a) => (Fail, Some(format!("the first delivery already got {a}: fix the valid case first"))),
            _ => (Fail, Some("a repeated delivery was refused: providers retry, so dedupe on the event id and answer 2xx to a duplicate".into())),
        },
        C::BadSignature | C::BodyModified => {
            let refused = |s: u16, accepted: String| match s {
                401 | 403 => (Pass, None),
                _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 401 or 403 says the signature is the problem"))),
                _ if ok(s) => (Fail, Some(accepted)),
                _ => (Fail, Some(format!("a bad signature makes the handler fail with {s}: answer 401 instead"))),
            };
            let accepted = match name {
                C::BodyModified => "accepts a body that does not match its signature: verify the signature over the body actually received".into(),
                _ if asymmetric => format!("accepts forged deliveries: verify the signature in {header} over the raw body with the provider's public key"),
                _ => format!("accepts forged deliveries: verify the HMAC in {header} over the raw body and compare in constant time"),
            };
            let first = refused(*statuses.first().unwrap_or(&0), accepted);
            // The second forgery, keyed with an empty secret: its own cause.
            match statuses.get(1) {
                Some(&s) if severity(first.0) < severity(refused(s, String::new()).0) => refused(s, "accepts a delivery signed with an empty secret, which anybody can make: the secret it verifies with is empty, or one of several is (an unset variable, a list split on commas with a trailing comma); refuse an empty secret at startup".into()),
                _ => first,
            }
        }
        C::MalformedSignature => worst(&|s| match s {
            400 | 401 | 403 => (Pass, None),
            _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 401 says the signature is the problem"))),
            _ if ok(s) => (Fail, Some(format!("accepts a delivery whose {header} is garbage: verify it and refuse what does not parse"))),
            _ => (Fail, Some(format!("a malformed signature header makes the handler fail with {s}: parse defensively and answer 401"))),
        }),
        C::TruncatedSignature => {
            let cut = |s: u16| match s {
                401 | 403 => (Pass, None),
                _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 401 or 403 says the signature is the problem"))),
                _ if ok(s) => (Fail, Some("accepts a truncated signature (half the MAC, or none): compare the whole MAC, in constant time".into())),
                _ => (Fail, Some(format!("a truncated signature makes the handler fail with {s} (a length mismatch in the compare?): check the length and answer 401"))),
            };
            let truncated: Vec<_> = statuses.iter().take(2).map(|s| cut(*s)).collect();
            let first = truncated.into_iter().max_by_key(|(o, _)| severity(*o)).unwrap_or((Fail, None));
            // The third: a base64 MAC with its letters' case swapped.
            match statuses.get(2) {
                Some(&s) if ok(s) && first.0 != Fail => (Fail, Some("accepts the base64 MAC with its letters' case swapped: the compare ignores case (both sides lowercased?), but base64 is case-sensitive; compare the exact bytes, in constant time".into())),
                Some(&s) if severity(first.0) < severity(cut(s).0) => cut(s),
                _ => first,
            }
        }
        C::MissingSignature => {
            let unsigned = |s: u16, accepted: String| match s {
                400 | 401 | 403 => (Pass, None),
                _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 400, 401 or 403 says what is wrong"))),
                _ if ok(s) => (Fail, Some(accepted)),
                _ => (Fail, Some(format!("a missing signature header makes the handler fail with {s} (reading an absent header?): answer 401"))),
            };
            let first = unsigned(*statuses.first().unwrap_or(&0), format!("accepts unsigned requests: a missing {header} must be refused"));
            // The second carries only a legacy signature (GitHub's SHA-1).
            match statuses.get(1) {
                Some(&s) if severity(first.0) < severity(unsigned(s, String::new()).0) => unsigned(s, format!("accepts a delivery without {header} on its legacy signature alone: a fallback to the old header keeps the weaker scheme alive; verify {header} only, as the provider's own library does")),
                _ => first,
            }
        }
        C::StaleTimestamp => match s {
            _ if client_err => (Pass, None),
            // The provider documents no window (Discord, SendGrid), so its
            // own SDK accepts this: worth saying, not worth failing CI over.
            _ if ok(s) && tolerance.is_none() => (Warn, Some(format!("accepts a delivery signed {minutes} minutes ago: the provider sets no window, but rejecting old timestamps (say over 5 minutes) stops replayed deliveries"))),
            _ if ok(s) => (Fail, Some(format!("accepts a delivery signed {minutes} minutes ago: replay attacks work; reject timestamps older than {} s", tolerance.unwrap_or(300)))),
            _ => (Fail, Some(format!("an old timestamp makes the handler fail with {s}: answer 400 or 401"))),
        },
        C::FutureTimestamp => match s {
            _ if client_err => (Pass, None),
            _ if ok(s) && rejects_future => (Fail, Some(format!("accepts a delivery signed {minutes} minutes in the future: the provider's own check refuses timestamps more than {} s off either way; compare the absolute difference", tolerance.unwrap_or(300)))),
            // Stripe's Node, Python and Ruby SDKs, among others, check only
            // for old timestamps (stripe-php compares the absolute difference).
            _ if ok(s) => (Warn, Some(format!("accepts a delivery signed {minutes} minutes in the future: the provider's SDK checks only for old timestamps, but a future one stays replayable for longer; compare the absolute difference"))),
            _ => (Fail, Some(format!("a future timestamp makes the handler fail with {s}: answer 400 or 401"))),
        },
        C::MalformedBody => {
            let first = match *statuses.first().unwrap_or(&0) {
                400 => (Pass, None),
                s if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 400 Bad Request says the body is malformed"))),
                s if ok(s) => (Warn, Some("a body that is not JSON was acknowledged: the app cannot have processed it; answer 400".into())),
                s => (Fail, Some(format!("a signed but malformed body makes the handler fail with {s}: parse defensively and answer 400"))),
            };
            // Bytes that are not UTF-8: any refusal will do (an SDK that
            // verifies a decoded string refuses the signature). A crash is
            // warned, not failed: some providers' own libraries decode the
            // body before verifying it (Svix's and Standard Webhooks' for
            // Python raise UnicodeDecodeError), and no provider sends such
            // bytes.
            match statuses.get(1) {
                Some(&s) if s >= 500 && first.0 == Pass => (Warn, Some(format!("a body that is not UTF-8 makes the handler fail with {s}: something decodes the body as text before it is verified; verify the raw bytes, then parse them, and answer 400"))),
                _ => first,
            }
        }
        C::LargeBody => match s {
            // Django refuses a body over its limit with 400.
            _ if ok(s) || s == 413 || s == 400 => (Pass, None),
            401 | 403 => (Fail, Some(format!("a correctly signed {} body was refused: the handler verifies only part of it (a fixed-size read), or a proxy refuses large bodies; read the body to its end, or answer 413", large::SIZE_TEXT))),
            _ if client_err => (Warn, Some(format!("refused with {s}; 413 Content Too Large says the body is over the limit"))),
            _ => (Fail, Some(format!("a {} body makes the handler fail with {s}: set a body limit and answer 413 above it, or accept it", large::SIZE_TEXT))),
        },
        C::WrongContentType => match s {
            415 => (Pass, None),
            _ if client_err || ok(s) => (Warn, Some(format!("text/plain got {s}; 415 Unsupported Media Type tells a sender what is wrong"))),
            _ => (Fail, Some(format!("an unexpected content type makes the handler fail with {s}: answer 415"))),
        },
        C::WrongMethod => match s {
            404 | 405 => (Pass, None),
            _ if ok(s) => (Warn, Some("a GET was answered 2xx: only POST should be".into())),
            _ if client_err => (Warn, Some(format!("a GET got {s}; 405 Method Not Allowed says what is wrong"))),
            _ => (Fail, Some(format!("a GET makes the handler fail with {s}: answer 405 to anything but POST"))),
        },
        C::UrlQuery => match s {
            _ if ok(s) => (Pass, None),
            401 | 403 => (Fail, Some("refused once the URL carries a query string: the scheme signs the full URL the provider called, query string included; rebuild it exactly (a framework or proxy that drops or re-encodes the query breaks the signature)".into())),
            _ => (Fail, Some(format!("a valid delivery to the URL with a query string got {s}: accept the URL you registered with any query it carries"))),
        },
        C::Transport => transport_outcome(&statuses),
        C::WrongPath => match s {
            _ if ok(s) => (Warn, Some(format!("a valid delivery to a sibling path got {s}: the endpoint accepts webhooks at any path; serve them on their own route and answer 404 elsewhere"))),
            _ if server_err => (Warn, Some(format!("a path the app does not serve makes it fail with {s}: answer 404"))),
            _ => (Pass, None),
        },
        C::ResponseTime | C::Handshake => (Pass, None),
    };
    result(outcome, hint)
}

/// The valid delivery sent chunked, then behind `Expect: 100-continue`:
/// each must get the 2xx the Content-Length one gets.
fn transport_outcome(statuses: &[u16]) -> (Outcome, Option<String>) {
    let ok = |s: &u16| (200..300).contains(s);
    match statuses {
        all if all.iter().all(ok) => (Outcome::Pass, None),
        [411, ..] => (Outcome::Fail, Some("a chunked delivery got 411 Length Required: a sender or proxy may send Transfer-Encoding: chunked with no Content-Length; read the body to its end instead of requiring the header".into())),
        all if all.iter().any(|s| matches!(s, 401 | 403)) => (Outcome::Fail, Some("the valid delivery was refused when its body came chunked or after 100 Continue: the signature is checked before the whole body has arrived; read the body to its end, then verify".into())),
        all => (Outcome::Fail, Some(format!("the valid delivery got {} when sent chunked and after Expect: 100-continue: accept either framing as with a Content-Length", all.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")))),
    }
}

/// The delivery with the outgoing secret's signature first, then the
/// same with it last: a handler that reads one signature refuses one of them.
fn rotation_outcome(statuses: &[u16], header: &str) -> (Outcome, Option<String>) {
    let ok = |s: &u16| (200..300).contains(s);
    let accept_any =
        "while a secret is rolled the provider sends several; accept the delivery if any matches";
    match statuses {
        all if all.iter().all(ok) => (Outcome::Pass, None),
        all if all.iter().any(|s| *s >= 500) => (
            Outcome::Fail,
            Some(format!(
                "several signatures in {header} make the handler fail with {}: parse each one and accept the delivery if any matches",
                all.iter().find(|s| **s >= 500).unwrap_or(&500)
            )),
        ),
        [first, _] if !ok(first) => (
            Outcome::Fail,
            Some(format!(
                "checks only the first of the signatures in {header} (the outgoing secret's came first): {accept_any}"
            )),
        ),
        [_, _] => (
            Outcome::Fail,
            Some(format!(
                "checks only the last of the signatures in {header} (the outgoing secret's came last): a parser that keeps the last value of a repeated key (a dict or map) drops the others; {accept_any}"
            )),
        ),
        _ => (
            Outcome::Fail,
            Some(format!(
                "checks only one of the signatures in {header}: {accept_any}"
            )),
        ),
    }
}

/// How bad an outcome is, for the worst of several answers.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Skip => 0,
        Outcome::Pass => 1,
        Outcome::Warn => 2,
        Outcome::Fail => 3,
    }
}

pub(super) fn response_time(
    answer: &Answer,
    timeout: u64,
    provider: &str,
    limit: Duration,
) -> CaseResult {
    let name = CaseName::ResponseTime;
    let base = |got: String, outcome, duration_ms, hint| CaseResult {
        name,
        mode: None,
        expected: name.expected(timeout),
        got,
        outcome,
        duration_ms,
        hint,
    };
    match answer {
        Err(DeliverError::Timeout { .. }) => base(
            format!("no answer in {:.0} s", limit.as_secs_f64()),
            Outcome::Fail,
            None,
            Some(format!(
                "{provider} gives up after {timeout} s and retries: answer 2xx first, then process the event in the background"
            )),
        ),
        Err(e) => base(
            transport(e),
            Outcome::Fail,
            None,
            Some("a valid delivery sent to the idle endpoint got no answer".into()),
        ),
        Ok(r) => {
            let secs = r.elapsed.as_secs_f64();
            let got = duration_text(secs * 1000.0);
            let ms = Some(secs * 1000.0);
            if secs < timeout as f64 / 2.0 {
                base(got, Outcome::Pass, ms, None)
            } else if secs < timeout as f64 {
                base(
                    got,
                    Outcome::Warn,
                    ms,
                    Some(format!(
                        "close to {provider}'s {timeout} s timeout: acknowledge first, then do the work in the background"
                    )),
                )
            } else {
                base(
                    got,
                    Outcome::Fail,
                    ms,
                    Some(format!(
                        "{provider} gives up after {timeout} s and retries: answer 2xx first, then process the event in the background"
                    )),
                )
            }
        }
    }
}
