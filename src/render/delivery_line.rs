//! One line per delivery (listen's, replay's), human or JSON, for the printer thread
//! (`crate::printer`) to write.

use std::borrow::Cow;

use colored::Colorize;

use crate::output::one_line;
use crate::store::wire::{DeliveryHead, ListenLine};
use crate::store::{Delivery, portable::rfc3339_ms, short_id};

/// What one delivery came to, for its line.
pub struct LineInfo<'a> {
    pub delivery: &'a Delivery,
    /// `forward`, `respond` or `reject`.
    pub action: &'a str,
    pub target: Option<Target<'a>>,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: f64,
}

/// Where a delivery went: the URL as written, or parsed already (a
/// replay's), which its JSON line then shows without parsing it again.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Raw(&'a str),
    Parsed(&'a url::Url),
}

impl<'a> Target<'a> {
    /// As a log may show it: credentials and query redacted.
    fn redacted(self) -> Cow<'a, str> {
        match self {
            Target::Raw(raw) => Cow::Owned(crate::secret::redact_url(raw)),
            Target::Parsed(url) => crate::secret::redact_parsed(url),
        }
    }
}

/// Every field a line prints comes from the delivery (its sender), the
/// app, or the store: each goes through [`one_line`] first.
pub fn human(l: &LineInfo<'_>) -> String {
    if colored::control::SHOULD_COLORIZE.should_colorize() {
        coloured(l)
    } else {
        plain(l)
    }
}

fn coloured(l: &LineInfo<'_>) -> String {
    let d = l.delivery;
    let time = rfc3339_ms(d.received_at);
    let time = &time[11..19];
    let verdict = match d.verdict.word.as_str() {
        "valid" => "valid".green(),
        "invalid" => format!(
            "invalid ({})",
            one_line(d.verdict.cause.as_deref().unwrap_or("?"))
        )
        .red(),
        other => one_line(other).yellow(),
    };
    let outcome = match (l.status, l.error) {
        (_, Some(err)) => format!("{} {}", l.action, one_line(err)).red(),
        (Some(s), None) if (200..300).contains(&s) => format!("{} {s}", l.action).green(),
        (Some(s), None) => format!("{} {s}", l.action).red(),
        (None, None) => l.action.normal(),
    };
    let via = if d.source == "relay" {
        " via relay".dimmed().to_string()
    } else {
        String::new()
    };
    let rejected = d
        .rejected
        .as_deref()
        .map(|r| format!("  {}", one_line(r).red()))
        .unwrap_or_default();
    format!(
        "{} {} {} {} {} {} {} {} {:.1} ms{via}{rejected}",
        format!("{time}Z").dimmed(),
        one_line(short_id(&d.id)).bold(),
        one_line(&d.method),
        one_line(&d.target),
        one_line(d.provider.as_deref().unwrap_or("-")).cyan(),
        one_line(d.event_type.as_deref().unwrap_or("-")),
        verdict,
        outcome,
        l.duration_ms
    )
}

/// The same line without colour, written straight into one string: this
/// is what a piped or redirected listen prints for every delivery.
fn plain(l: &LineInfo<'_>) -> String {
    use std::fmt::Write;
    let d = l.delivery;
    let time = rfc3339_ms(d.received_at);
    let mut out = String::with_capacity(128);
    let _ = write!(
        out,
        // UTC, marked as such (Z), as `list` marks its column.
        "{}Z {} {} {} {} {} ",
        &time[11..19],
        one_line(short_id(&d.id)),
        one_line(&d.method),
        one_line(&d.target),
        one_line(d.provider.as_deref().unwrap_or("-")),
        one_line(d.event_type.as_deref().unwrap_or("-")),
    );
    match d.verdict.word.as_str() {
        "invalid" => {
            let _ = write!(
                out,
                "invalid ({})",
                one_line(d.verdict.cause.as_deref().unwrap_or("?"))
            );
        }
        other => out.push_str(&one_line(other)),
    }
    out.push(' ');
    out.push_str(l.action);
    match (l.status, l.error) {
        (_, Some(err)) => {
            let _ = write!(out, " {}", one_line(err));
        }
        (Some(s), None) => {
            let _ = write!(out, " {s}");
        }
        (None, None) => {}
    }
    let _ = write!(out, " {:.1} ms", l.duration_ms);
    if d.source == "relay" {
        out.push_str(" via relay");
    }
    if let Some(r) = d.rejected.as_deref() {
        let _ = write!(out, "  {}", one_line(r));
    }
    out
}

pub fn json_line(l: &LineInfo<'_>) -> String {
    serde_json::to_string(&typed(l, "delivery")).unwrap_or_default()
}

/// The line as its type, its text lent by `l`; `kind` is `delivery` for
/// listen, `replay` for replay, which prints the same fields.
pub fn typed<'a>(l: &LineInfo<'a>, kind: &'a str) -> ListenLine<Cow<'a, str>> {
    let d = l.delivery;
    ListenLine {
        kind: kind.into(),
        head: DeliveryHead::of(d, d.verdict.word.as_str().into()),
        verdict_cause: d.verdict.cause.as_deref().map(Cow::from),
        body_sha256: d.body_sha256.as_str().into(),
        action: l.action.into(),
        // A log line: the app's credentials and query stay out of it.
        target: l.target.map(Target::redacted),
        status: l.status,
        error: l.error.map(Cow::from),
        duration_ms: l.duration_ms,
        rejected: d.rejected.as_deref().map(Cow::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::VerdictRecord;

    fn delivery(verdict: &str, cause: Option<&str>, source: &str) -> Delivery {
        Delivery {
            id: "01m8fmww9jprv1y29c41206862".into(),
            received_at: 1_795_821_564_209,
            peer: None,
            method: "POST".into(),
            target: "/hooks?x=1".into(),
            http_version: "HTTP/1.1".into(),
            headers: Default::default(),
            body: bytes::Bytes::new(),
            body_sha256: String::new(),
            provider: Some("stripe".into()),
            event_type: None,
            event_id: None,
            verdict: VerdictRecord {
                word: verdict.into(),
                cause: cause.map(str::to_string),
                explanation: None,
            },
            source: source.into(),
            public_url: None,
            rejected: Some("body over --max-body".into()).filter(|_| verdict == "invalid"),
        }
    }

    /// The plain line is the coloured one without colour (tests do not
    /// colour: their stdout is no terminal).
    #[test]
    fn plain_is_the_coloured_line_without_colour() {
        colored::control::set_override(false);
        let cases = [
            (delivery("valid", None, "direct"), Some(200), None),
            (
                delivery("invalid", Some("mismatch"), "relay"),
                None,
                Some("refused"),
            ),
            (delivery("unchecked", None, "direct"), Some(502), None),
            (delivery("unknown", None, "direct"), None, None),
        ];
        for (d, status, error) in &cases {
            let info = LineInfo {
                delivery: d,
                action: "forward",
                target: None,
                status: *status,
                error: *error,
                duration_ms: 1.25,
            };
            assert_eq!(plain(&info), coloured(&info));
        }
        let d = &cases[0].0;
        let info = LineInfo {
            delivery: d,
            action: "respond",
            target: None,
            status: Some(200),
            error: None,
            duration_ms: 0.3,
        };
        assert_eq!(
            plain(&info),
            "23:19:24Z 41206862 POST /hooks?x=1 stripe - valid respond 200 0.3 ms"
        );
    }

    /// A sender's event type cannot set the title, erase or fake a line.
    #[test]
    fn fields_from_the_sender_are_escaped_in_both_lines() {
        let mut d = delivery("invalid", Some("mis\u{1b}[2Kmatch"), "direct");
        d.event_type = Some("\u{1b}]0;PWNED\u{7}\u{1b}[1AFAKE LINE".into());
        d.target = "/h\u{202e}x".into();
        let info = LineInfo {
            delivery: &d,
            action: "forward",
            target: None,
            status: None,
            error: Some("app said \u{1b}[31mred\nnext"),
            duration_ms: 1.0,
        };
        for line in [plain(&info), coloured(&info)] {
            assert!(line.contains(r"\x1b]0;PWNED\x07\x1b[1AFAKE LINE"), "{line}");
            assert!(
                line.contains(r"/h\u{202e}x") && line.contains(r"red\x0anext"),
                "{line}"
            );
            assert!(!line.contains('\u{7}') && !line.contains('\n'), "{line}");
        }
    }
}
