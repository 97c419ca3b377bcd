//! The delivery shapes a provider uses: Twilio posts forms and, for its
//! newer products, JSON signed through `bodySHA256` in the URL, and signs
//! with HMAC-SHA256 where a Webhooks Setting asks; Slack sends JSON events,
//! form-encoded interactivity and form-encoded slash commands; Mailgun
//! posts its webhooks as JSON and a route's forwarded messages as forms.
//! The signature cases run in each shape.

use serde_json::{Map, Value};

/// One shape a provider's deliveries take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mode {
    pub name: &'static str,
    /// The event this shape carries; `None`: the battery's own event.
    pub event: Option<&'static str>,
    /// Twilio's JSON webhooks: the event's form fields sent as one JSON object.
    pub as_json: bool,
    /// Headers this shape's deliveries carry before they are signed (Twilio's
    /// signature settings, which choose the algorithm).
    pub headers: &'static [(&'static str, &'static str)],
    /// Run only when named with `--mode`: a shape a sender uses only when
    /// configured to, and signed with another secret.
    pub on_request: bool,
    /// The hint when this shape is refused while the first one passes (or,
    /// for a shape run on request, whenever it is refused).
    pub refused: &'static str,
}

/// Twilio's header announcing HMAC-SHA256 with a Webhooks Setting's shared key.
const TWILIO_SHA256: &[(&str, &str)] = &[(
    "X-Twilio-Webhooks-Signature-Settings",
    "key=hookcli_check_sharedkey,algorithm=HMAC_SHA256",
)];

/// Every shape of `provider`'s deliveries, the usual one first; one shape
/// alone for a provider that has one.
pub fn modes(provider: &str) -> Vec<Mode> {
    let mode = |name, event, as_json, refused| Mode {
        name,
        event,
        as_json,
        headers: &[],
        on_request: false,
        refused,
    };
    match provider {
        "twilio" => vec![
            mode(
                "form",
                None,
                false,
                "a form post was refused while JSON posts pass: sign-check the URL followed by the sorted form parameters",
            ),
            mode(
                "json",
                None,
                true,
                "a JSON delivery (Studio, Event Streams, Conversations) was refused while form posts pass: Twilio signs the URL with its bodySHA256 query parameter and no parameters; verify that, then compare the SHA-256 hex of the raw body with bodySHA256 (the SDKs' validateRequestWithBody)",
            ),
            Mode {
                headers: TWILIO_SHA256,
                on_request: true,
                ..mode(
                    "hmac-sha256",
                    None,
                    false,
                    "a form post signed with HMAC-SHA256 was refused: when X-Twilio-Webhooks-Signature-Settings says algorithm=HMAC_SHA256, sign-check the same URL + sorted parameters with HMAC-SHA256 keyed with the Webhooks Setting's SharedKey secret (pass that secret to check), as twilio.webhook(authToken, { sharedKeySecret }) does",
                )
            },
        ],
        "slack" => vec![
            mode(
                "events",
                None,
                false,
                "a JSON Events API delivery was refused while form posts pass: verify v0:TIMESTAMP:BODY over the raw JSON body",
            ),
            mode(
                "interactivity",
                Some("block_actions"),
                false,
                "a form-encoded interactivity payload (payload=…) was refused while JSON events pass: verify v0:TIMESTAMP:BODY over the raw form body, before any parser decodes it",
            ),
            mode(
                "slash-command",
                Some("slash_command"),
                false,
                "a form-encoded slash command was refused while JSON events pass: verify v0:TIMESTAMP:BODY over the raw form body, before any parser decodes it",
            ),
        ],
        "mailgun" => vec![
            mode(
                "json",
                None,
                false,
                "a JSON webhook was refused while form posts pass: read timestamp, token and signature from the body's signature object ({\"signature\":{…},\"event-data\":{…}})",
            ),
            mode(
                "form",
                Some("inbound"),
                false,
                "a form post (a route's forwarded message, a legacy webhook) was refused while JSON webhooks pass: read timestamp, token and signature from the form's own fields and check HMAC-SHA256 hex of timestamp + token as for JSON",
            ),
        ],
        _ => vec![],
    }
}

/// The mode names of `provider`, for `--mode`'s error.
pub fn names(provider: &str) -> Vec<&'static str> {
    modes(provider).iter().map(|m| m.name).collect()
}

/// A form body's fields as one JSON object (repeated names: the last wins).
pub fn form_as_json(body: &[u8]) -> Vec<u8> {
    let fields: Map<String, Value> = url::form_urlencoded::parse(body)
        .into_owned()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    serde_json::to_vec(&Value::Object(fields)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_becomes_one_json_object() {
        let json = form_as_json(b"Body=hi+there&From=%2B1");
        assert_eq!(json, br#"{"Body":"hi there","From":"+1"}"#);
    }

    #[test]
    fn providers_with_several_shapes_list_the_usual_one_first() {
        assert_eq!(names("twilio"), ["form", "json", "hmac-sha256"]);
        assert_eq!(names("slack")[0], "events");
        assert_eq!(names("mailgun"), ["json", "form"]);
        assert!(names("stripe").is_empty());
        // HMAC-SHA256 is Twilio's on request only.
        let on_request: Vec<_> = modes("twilio")
            .into_iter()
            .filter(|m| m.on_request)
            .map(|m| m.name)
            .collect();
        assert_eq!(on_request, ["hmac-sha256"]);
    }
}
