//! The relay's stderr: lines for people (`--log-format text`, today's), or
//! one JSON object per line (`--log-format json`) with a line for every
//! public delivery. Neither ever holds a body, a header value or a token.

use std::net::IpAddr;

use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// One public delivery, as logged: the path without its query (a query
/// may carry a provider's token).
#[derive(Serialize)]
pub struct DeliveryLine<'a> {
    pub channel: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub sender: IpAddr,
    pub status: u16,
    pub outcome: &'a str,
    pub duration_ms: f64,
}

#[derive(Serialize)]
struct Json<T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    time: String,
    #[serde(flatten)]
    fields: T,
}

#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Log {
    pub format: Format,
}

impl Log {
    /// Something that happened (a client attached, a store fault).
    pub fn note(&self, message: &str) {
        match self.format {
            Format::Text => eprintln!("hookcli relay: {message}"),
            Format::Json => emit("note", Message { message }),
        }
    }

    /// A public delivery's end; text mode stays quiet, as it always was.
    pub fn delivery(&self, line: &DeliveryLine<'_>) {
        if self.format == Format::Json {
            emit("delivery", line);
        }
    }
}

fn emit<T: Serialize>(kind: &'static str, fields: T) {
    let line = Json {
        kind,
        time: crate::timefmt::rfc3339_ms(crate::store::now_ms()),
        fields,
    };
    if let Ok(text) = serde_json::to_string(&line) {
        eprintln!("{text}");
    }
}
