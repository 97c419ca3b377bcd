//! Verification handshakes: the probe some providers send an endpoint
//! before they deliver events (Slack's `url_verification`, Zoom's
//! `endpoint.url_validation`, Twitch's `webhook_callback_verification`,
//! Discord's PING), and what a correct answer to it is.

use super::WebhookRequest;
use crate::base::secret::Secret;

/// What an endpoint answered to a probe.
#[derive(Clone, Copy, Debug)]
pub struct HandshakeAnswer<'a> {
    pub status: u16,
    /// The Content-Type of the answer, if any.
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// A provider's probe: the sample event that is the challenge (forged and
/// signed like any delivery) and a judge of the answer.
#[derive(Clone, Copy, Debug)]
pub struct Handshake {
    /// The fixture event of the probe.
    pub event: &'static str,
    /// What a correct answer is, in words, for the report.
    pub expected: &'static str,
    /// Judges the answer to the probe `req`, signed with `secret`: `Ok`
    /// when it is exactly what the provider requires, else a one-line hint.
    pub judge: fn(&WebhookRequest, &Secret, &HandshakeAnswer<'_>) -> Result<(), String>,
}

/// A short, printable view of an answer's body for hints.
pub(crate) fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}
