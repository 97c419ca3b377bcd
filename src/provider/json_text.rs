//! Finding a member's value in raw JSON text, so that a scheme that puts its
//! signature inside the body (Mailgun) can substitute it without parsing
//! and re-serializing the rest of the body.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use serde_json::value::RawValue;

/// The byte range of the value at `path` (object keys) in `body`, if the
/// body is JSON and every object on the path has that member.
pub fn value_range(body: &[u8], path: &[&str]) -> Option<Range<usize>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut raw: &RawValue = serde_json::from_str(text).ok()?;
    for key in path {
        let members: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(raw.get()).ok()?;
        raw = members.get(*key).copied()?;
    }
    // A borrowed RawValue is a slice of `text`: its offset is where it starts.
    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    Some(start..start + raw.get().len())
}

/// `body` with the bytes in `range` replaced by `with`.
pub fn splice(body: &[u8], range: Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + with.len());
    out.extend_from_slice(&body[..range.start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&body[range.end..]);
    out
}

/// Inserts `"key":value,` as the first member of a JSON object body.
pub fn insert_first(body: &[u8], key: &str, value: &str) -> Option<Vec<u8>> {
    let open = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[open] != b'{' {
        return None;
    }
    let empty = body[open + 1..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'}');
    let member = format!(
        "{}:{value}{}",
        serde_json::to_string(key).ok()?,
        if empty { "" } else { "," }
    );
    Some(splice(body, open + 1..open + 1, member.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_values_in_place() {
        let body = br#"{ "a" : 1, "sig": {"x": "old", "y": [1,2]} }"#;
        let r = value_range(body, &["sig", "x"]).unwrap();
        assert_eq!(&body[r.clone()], br#""old""#);
        assert_eq!(
            splice(body, r, br#""new""#),
            br#"{ "a" : 1, "sig": {"x": "new", "y": [1,2]} }"#
        );
        assert!(value_range(body, &["sig", "z"]).is_none());
        assert!(value_range(b"[1]", &["a"]).is_none());
    }

    #[test]
    fn inserts_a_first_member() {
        assert_eq!(
            insert_first(br#" {"a":1}"#, "s", "{}").unwrap(),
            br#" {"s":{},"a":1}"#
        );
        assert_eq!(insert_first(b"{ }", "s", "2").unwrap(), br#"{"s":2 }"#);
        assert!(insert_first(b"[1]", "s", "2").is_none());
    }
}
