//! Reading and rewriting the text fields of a raw `multipart/form-data`
//! body, so that a scheme with its signature among the form's fields
//! (Mailgun's routes post multipart when a message has attachments) can be
//! checked and re-signed while every other part keeps its bytes.

use std::ops::Range;

/// One part of the body.
#[derive(Debug, PartialEq)]
pub struct Part {
    /// The `name` of its Content-Disposition.
    pub name: String,
    /// Whether it is a file (a `filename` parameter), not a text field.
    pub file: bool,
    /// From its delimiter line to the line break before the next one.
    pub whole: Range<usize>,
    /// Its content.
    pub value: Range<usize>,
}

/// The boundary named by a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The parts in order; `None` when the body is not delimited by `boundary`
/// or ends without its closing delimiter.
pub fn parts(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    // A delimiter opens the body or a line.
    let mut at = if body.starts_with(delim) {
        0
    } else {
        find(body, &[b"\r\n", delim].concat(), 0)? + 2
    };
    let mut out = Vec::new();
    loop {
        let after = at + delim.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Some(out);
        }
        let line_end = find(body, b"\r\n", after)?;
        let head_start = line_end + 2;
        let (head_end, value_start) = match find(body, b"\r\n\r\n", line_end) {
            Some(i) if i == line_end => (head_start, head_start + 2),
            Some(i) => (i, i + 4),
            None => return None,
        };
        let next = find(body, &[b"\r\n", delim].concat(), value_start)?;
        let head = String::from_utf8_lossy(&body[head_start..head_end.max(head_start)]);
        let (name, file) = disposition(&head).unwrap_or_default();
        out.push(Part {
            name,
            file,
            whole: at..next,
            value: value_start..next,
        });
        at = next + 2;
    }
}

/// The `name` of a part's Content-Disposition, and whether it has a
/// `filename`.
fn disposition(head: &str) -> Option<(String, bool)> {
    let line = head.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(v)
    })?;
    let mut name = None;
    let mut file = false;
    for param in line.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v)
            .replace("\\\"", "\"");
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" | "filename*" => file = true,
            _ => {}
        }
    }
    Some((name?, file))
}

/// The text fields (files left out), their values as text.
pub fn text_fields(body: &[u8], boundary: &str) -> Option<Vec<(String, String)>> {
    Some(
        parts(body, boundary)?
            .into_iter()
            .filter(|p| !p.file)
            .map(|p| (p.name, String::from_utf8_lossy(&body[p.value]).into_owned()))
            .collect(),
    )
}

/// `body` with the text field `name` set to `value` in place (its first
/// occurrence), or added as the last part when there is none; `None` when
/// the body is not multipart with this boundary.
pub fn set_field(body: &[u8], boundary: &str, name: &str, value: &str) -> Option<Vec<u8>> {
    let parts = parts(body, boundary)?;
    let splice = |range: Range<usize>, with: &[u8]| {
        let mut out = Vec::with_capacity(body.len() + with.len());
        out.extend_from_slice(&body[..range.start]);
        out.extend_from_slice(with);
        out.extend_from_slice(&body[range.end..]);
        out
    };
    if let Some(p) = parts.iter().find(|p| !p.file && p.name == name) {
        return Some(splice(p.value.clone(), value.as_bytes()));
    }
    // Before the closing delimiter, which follows the last part (or opens
    // an empty body).
    let close = parts.last().map_or_else(
        || {
            body.starts_with(format!("--{boundary}").as_bytes())
                .then_some(0)
                .or_else(|| find(body, format!("\r\n--{boundary}").as_bytes(), 0).map(|i| i + 2))
        },
        |p| Some(p.whole.end + 2),
    )?;
    let escaped = name.replace('"', "\\\"");
    let part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{escaped}\"\r\n\r\n{value}\r\n"
    );
    Some(splice(close..close, part.as_bytes()))
}

/// `body` without the text field `name` (its every occurrence).
pub fn remove_field(body: &[u8], boundary: &str, name: &str) -> Option<Vec<u8>> {
    let parts = parts(body, boundary)?;
    let mut out = Vec::with_capacity(body.len());
    let mut from = 0;
    for p in parts.iter().filter(|p| !p.file && p.name == name) {
        out.extend_from_slice(&body[from..p.whole.start]);
        // The part and the line break that ends it.
        from = p.whole.end + 2;
    }
    out.extend_from_slice(&body[from..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "----hookcliBoundary7MA4YWxk";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file, content) in parts {
            out.extend_from_slice(format!("--{B}\r\n").as_bytes());
            match file {
                Some(f) => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(content);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{B}--\r\n").as_bytes());
        out
    }

    #[test]
    fn reads_the_boundary_quoted_or_not() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn text_fields_leave_files_out_and_keep_bytes() {
        let b = body(&[
            ("timestamp", None, b"1770920772"),
            (
                "attachment-1",
                Some("a.bin"),
                b"\xff\x00\r\n--not-the-boundary\r\n",
            ),
            ("body-plain", None, b"line one\r\nline two"),
            ("token", None, b""),
        ]);
        let fields = text_fields(&b, B).unwrap();
        assert_eq!(
            fields,
            [
                ("timestamp".to_string(), "1770920772".to_string()),
                ("body-plain".to_string(), "line one\r\nline two".to_string()),
                ("token".to_string(), String::new()),
            ]
        );
        assert_eq!(text_fields(b"no parts here", B), None);
        assert_eq!(
            text_fields(&b[..b.len() - 8], B),
            None,
            "no closing delimiter"
        );
    }

    #[test]
    fn set_and_remove_touch_only_their_field() {
        let b = body(&[
            ("token", None, b"tok"),
            ("attachment-1", Some("a.bin"), b"\xff\xfe"),
            ("signature", None, b"old"),
        ]);
        let set = set_field(&b, B, "signature", "new").unwrap();
        assert_eq!(
            set,
            body(&[
                ("token", None, b"tok"),
                ("attachment-1", Some("a.bin"), b"\xff\xfe"),
                ("signature", None, b"new"),
            ])
        );
        let added = set_field(&b, B, "timestamp", "17").unwrap();
        assert_eq!(
            added,
            body(&[
                ("token", None, b"tok"),
                ("attachment-1", Some("a.bin"), b"\xff\xfe"),
                ("signature", None, b"old"),
                ("timestamp", None, b"17"),
            ])
        );
        let removed = remove_field(&b, B, "signature").unwrap();
        assert_eq!(
            removed,
            body(&[
                ("token", None, b"tok"),
                ("attachment-1", Some("a.bin"), b"\xff\xfe"),
            ])
        );
        assert_eq!(set_field(b"plain", B, "x", "y"), None);
    }
}
