//! Rewriting one field of a raw `application/x-www-form-urlencoded` body,
//! so that a scheme that puts its signature among the form's fields
//! (Mailgun's form posts) can substitute it while every other pair keeps
//! its bytes and its place.

use std::ops::Range;

/// Each pair's decoded name and the byte range of the whole `name=value`.
fn pairs(body: &[u8]) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in body.split(|b| *b == b'&') {
        let end = start + piece.len();
        if !piece.is_empty() {
            let raw_name = piece.split(|b| *b == b'=').next().unwrap_or_default();
            let name = url::form_urlencoded::parse(raw_name)
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            out.push((name, start..end));
        }
        start = end + 1;
    }
    out
}

fn encoded(name: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

/// `body` with the field `name` set to `value` in place (its first
/// occurrence), or appended as the last pair when the form has none.
pub fn set_field(body: &[u8], name: &str, value: &str) -> Vec<u8> {
    let pair = encoded(name, value);
    match pairs(body).into_iter().find(|(n, _)| n == name) {
        Some((_, range)) => super::json_text::splice(body, range, pair.as_bytes()),
        None => {
            let mut out = body.to_vec();
            if !out.is_empty() {
                out.push(b'&');
            }
            out.extend_from_slice(pair.as_bytes());
            out
        }
    }
}

/// `body` without the field `name` (every occurrence), separators and all.
pub fn remove_field(body: &[u8], name: &str) -> Vec<u8> {
    let kept: Vec<&[u8]> = pairs(body)
        .into_iter()
        .filter(|(n, _)| n != name)
        .map(|(_, r)| &body[r])
        .collect();
    kept.join(&b'&')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_replaced_in_place_and_the_rest_kept_byte_for_byte() {
        let body = b"a=1&token=old&b=x%20y+z";
        assert_eq!(set_field(body, "token", "n e"), b"a=1&token=n+e&b=x%20y+z");
        assert_eq!(
            set_field(body, "sig", "ab"),
            b"a=1&token=old&b=x%20y+z&sig=ab"
        );
        assert_eq!(set_field(b"", "sig", "ab"), b"sig=ab");
        assert_eq!(remove_field(body, "token"), b"a=1&b=x%20y+z");
        assert_eq!(remove_field(b"token=1", "token"), b"");
        // An encoded name is matched by what it decodes to.
        assert_eq!(set_field(b"to%6Ben=1", "token", "2"), b"token=2");
    }
}
