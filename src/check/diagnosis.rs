//! One line at the top of the report when the answers show a pattern
//! that names the cause better than a table of failures does.

use super::CaseName;
use super::send::Sent;

/// The cases whose every delivery a correct endpoint refuses for its signature.
const FORGERIES: [CaseName; 5] = [
    CaseName::BadSignature,
    CaseName::MissingSignature,
    CaseName::BodyModified,
    CaseName::MalformedSignature,
    CaseName::TruncatedSignature,
];

/// The cases whose every delivery is correctly signed and must get a 2xx.
const GENUINE: [CaseName; 4] = [
    CaseName::Valid,
    CaseName::ValidNoncanonical,
    CaseName::SecretRotation,
    CaseName::Duplicate,
];

/// The statuses the `cases` got.
fn statuses_of(answered: &[Sent], cases: &[CaseName]) -> Vec<u16> {
    answered
        .iter()
        .filter(|s| cases.contains(&s.name))
        .flat_map(|s| &s.answers)
        .filter_map(|a| a.as_ref().ok().map(|r| r.status))
        .collect()
}

/// The diagnosis, if the answers show one clear pattern.
pub fn diagnose(answered: &[Sent], signed: bool) -> Option<String> {
    let statuses: Vec<u16> = answered
        .iter()
        .flat_map(|s| &s.answers)
        .filter_map(|a| a.as_ref().ok().map(|r| r.status))
        .collect();
    // Too few answers to call a pattern.
    if statuses.len() < 3 {
        return None;
    }
    let all = |f: &dyn Fn(u16) -> bool| statuses.iter().all(|s| f(*s));
    if all(&|s| s == 404) {
        return Some(
            "everything answers 404: wrong URL? check the path the app serves webhooks on".into(),
        );
    }
    if all(&|s| s == 405) {
        return Some(
            "everything answers 405: nothing takes a POST at this URL; wrong URL or route?".into(),
        );
    }
    if all(&|s| s >= 500) {
        return Some("everything answers 5xx: the handler fails before it looks at the delivery; see the app's logs".into());
    }
    let genuine = statuses_of(answered, &GENUINE);
    if !genuine.is_empty() && genuine.iter().all(|s| matches!(s, 401 | 403)) {
        return Some("everything is refused with 401/403, correctly signed deliveries too: the endpoint's secret differs from the one given here".into());
    }
    let forged = statuses_of(answered, &FORGERIES);
    if signed && forged.len() >= 2 && forged.iter().all(|s| (200..300).contains(s)) {
        return Some("this endpoint verifies no signatures: every forged, unsigned or altered delivery got a 2xx".into());
    }
    None
}
