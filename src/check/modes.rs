//! The delivery shapes a provider uses: Twilio posts forms and, for its
//! newer products, JSON signed through `bodySHA256` in the URL; Slack sends
//! JSON events, form-encoded interactivity and form-encoded slash commands.
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
    /// The hint when this shape is refused while the first one passes.
    pub refused: &'static str,
}

/// Every shape of `provider`'s deliveries, the usual one first; one shape
/// alone for a provider that has one.
pub fn modes(provider: &str) -> Vec<Mode> {
    let mode = |name, event, as_json, refused| Mode {
        name,
        event,
        as_json,
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
        assert_eq!(names("twilio"), ["form", "json"]);
        assert_eq!(names("slack")[0], "events");
        assert!(names("stripe").is_empty());
    }
}
