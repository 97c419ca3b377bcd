//! Colour, and the small printers shared by commands.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// Settles colour once for the whole process: `--color`, then a non-empty
/// `NO_COLOR`, then whether stdout is a terminal.
pub fn settle_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    colored::control::set_override(on);
}

/// Text for a body that may not be UTF-8: lossy, cut to `max` characters.
pub fn shorten(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}… ({} bytes)", body.len())
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
