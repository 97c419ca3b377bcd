//! Colour, and the small printers shared by commands.

use std::borrow::Cow;
use std::io::IsTerminal;

/// Settles colour once for the whole process: `--color` (`forced`), then a
/// non-empty `NO_COLOR`, then whether stdout is a terminal.
pub fn settle_color(forced: Option<bool>) {
    let on = forced.unwrap_or_else(|| {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
    });
    colored::control::set_override(on);
}

/// Whether a character must not reach a terminal as it is: C0 controls
/// but tab (newline too, in a field: a field is one line), DEL, C1 controls
/// (U+009B is a CSI of its own), and the invisible marks that reorder or
/// break the text after them (bidi overrides and isolates, line separators).
fn unsafe_char(c: char, keep_lines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_lines,
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// The one escaper for text that came from outside (a delivery, an app's
/// answer, an error about either) on its way to a terminal: unsafe
/// characters are written as `\x1b` or `\u{202e}`, so a sender can neither
/// move the cursor, set the title, nor print a line of its own. Everything
/// else is left as it is. JSON output never goes through this: it is exact.
fn escape(text: &str, keep_lines: bool) -> Cow<'_, str> {
    use std::fmt::Write;
    if !text.chars().any(|c| unsafe_char(c, keep_lines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !unsafe_char(c, keep_lines) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// One field (an event type, a path, a header value, an error) for a
/// terminal: one line, nothing that controls the terminal.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// [`one_line`] for bytes that may not be UTF-8 (a header value).
pub fn one_line_bytes(bytes: &[u8]) -> String {
    one_line(&String::from_utf8_lossy(bytes)).into_owned()
}

/// A block (a body) for a terminal: its lines kept, nothing that controls
/// the terminal.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// An error and its causes on one line, for `hookcli: error: …`: a cause
/// whose text the line already holds (an OS error repeated by a wrapper)
/// is said once, and nothing in it controls the terminal.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    one_line(&line).into_owned()
}

/// Text for a body that may not be UTF-8: lossy, cut to `max` characters.
pub fn shorten(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() <= max {
        one_line(text).into_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{}… ({} bytes)", one_line(&cut), body.len())
    }
}

/// A body for JSON output: UTF-8 text when it is, else base64.
pub fn body_json(body: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::json!({ "text": text }),
        Err(_) => serde_json::json!({ "base64": crate::provider::crypto::b64(body) }),
    }
}

/// Headers as `[[name, value], ...]`, values lossy UTF-8.
pub fn headers_json<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> serde_json::Value {
    headers
        .map(|(n, v)| serde_json::json!([n, String::from_utf8_lossy(v)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        let hostile =
            "\u{1b}]0;PWNED\u{7}\u{1b}[2K\u{1b}[1AFAKE LINE\r\n\u{9b}31m\u{202e}cba\u{7f}";
        assert_eq!(
            one_line(hostile),
            r"\x1b]0;PWNED\x07\x1b[2K\x1b[1AFAKE LINE\x0d\x0a\u{9b}31m\u{202e}cba\x7f"
        );
        assert!(matches!(one_line("invoice.paid ü 日本"), Cow::Borrowed(_)));
        assert_eq!(block("a\n\tb\u{1b}c"), "a\n\tb\\x1bc");
        assert_eq!(one_line_bytes(b"a\x9bb\xc2\x9b"), "a\u{fffd}b\\u{9b}");
    }

    #[test]
    fn an_error_line_says_each_cause_once_on_one_line() {
        let io = std::io::Error::from_raw_os_error(20);
        let text = io.to_string();
        let err = anyhow::Error::new(io).context(format!("cannot open x: {text}"));
        assert_eq!(error_line(&err), format!("cannot open x: {text}"));
        let err = anyhow::anyhow!("bad\nline").context("outer");
        assert_eq!(error_line(&err), r"outer: bad\x0aline");
    }
}
