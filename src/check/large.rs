//! A delivery as large as providers send (GitHub's reach 25 MB): the
//! sample event with one more field of padding.

/// How large the padded delivery is, about.
pub const SIZE: usize = 5 << 20;

/// [`SIZE`] in words, for the hints.
pub const SIZE_TEXT: &str = "5 MiB";

/// Whether the body is a JSON object (at least it opens as one).
pub fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The body with a `hookcli_padding` field of [`SIZE`] bytes: first in a
/// JSON object, last in a form. `None` for any other body (a JSON array).
pub fn padded(body: &[u8], is_form: bool) -> Option<Vec<u8>> {
    let padding = "x".repeat(SIZE);
    if is_form {
        return Some([body, b"&hookcli_padding=", padding.as_bytes()].concat());
    }
    if !is_object(body) {
        return None;
    }
    // Inserted after the opening brace: the rest keeps its bytes.
    let open = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &body[open + 1..];
    let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    let field = format!(
        "\"hookcli_padding\":\"{padding}\"{}",
        if empty { "" } else { "," }
    );
    Some([&body[..=open], field.as_bytes(), rest].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_padding_is_one_more_field() {
        let big = padded(br#"{"id":"evt_1"}"#, false).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&big).unwrap();
        assert_eq!(doc["id"], "evt_1");
        assert_eq!(doc["hookcli_padding"].as_str().unwrap().len(), SIZE);
        let empty: serde_json::Value =
            serde_json::from_slice(&padded(b" {}", false).unwrap()).unwrap();
        assert_eq!(empty.as_object().unwrap().len(), 1);
        assert!(padded(b"[{}]", false).is_none());
        let form = padded(b"a=1", true).unwrap();
        assert!(form.starts_with(b"a=1&hookcli_padding=xx"));
    }
}
