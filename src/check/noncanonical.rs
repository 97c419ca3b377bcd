//! The same event in unusual but valid bytes: what a receiver that checks
//! the signature over re-serialized JSON (or re-encoded form) gets wrong.

use serde_json::Value;

/// JSON with extra spaces and newlines, `\u` escapes, raw non-ASCII text and
/// keys in reverse order. Parses to the same document plus one note field.
pub fn json(body: &[u8]) -> Option<Vec<u8>> {
    let mut doc: Value = serde_json::from_slice(body).ok()?;
    if let Value::Object(map) = &mut doc {
        map.insert(
            "hookcli_note".into(),
            Value::String("Café ☕ naïve – “quoted” \u{1F600}".into()),
        );
    }
    let mut out = String::from("\n  ");
    write(&doc, &mut out, 1);
    out.push_str(" \r\n");
    Some(out.into_bytes())
}

fn write(v: &Value, out: &mut String, depth: usize) {
    match v {
        Value::Object(map) => {
            out.push_str("{ ");
            let entries: Vec<(&String, &Value)> = map.iter().rev().collect();
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(" ,\n");
                    out.push_str(&"  ".repeat(depth));
                }
                write_string(k, out, depth);
                out.push_str("  :   ");
                write(val, out, depth + 1);
            }
            out.push_str(" }");
        }
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                write(item, out, depth + 1);
            }
            out.push_str(" ]");
        }
        Value::String(s) => write_string(s, out, depth),
        other => out.push_str(&other.to_string()),
    }
}

/// Escapes every other non-ASCII character as `\uXXXX` (surrogate pairs
/// where needed) and leaves the rest raw, so both forms appear.
fn write_string(s: &str, out: &mut String, depth: usize) {
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if depth.is_multiple_of(2) => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if !c.is_ascii() && i % 2 == 0 => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A form with its fields in reverse order and spaces as `%20` rather
/// than `+`: the same fields to any correct parser.
pub fn form(body: &[u8]) -> Option<Vec<u8>> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    if pairs.is_empty() {
        return None;
    }
    let encode = |s: &str| {
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let text: Vec<String> = pairs
        .iter()
        .rev()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    Some(text.join("&").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_means_the_same_in_other_bytes() {
        let body = r#"{"id":"evt_1","data":{"name":"Zoë","list":[1,"a/b"]}}"#.as_bytes();
        let odd = json(body).unwrap();
        assert_ne!(odd.as_slice(), body);
        let text = String::from_utf8(odd.clone()).unwrap();
        assert!(text.contains("\\u") && text.contains('☕') || text.contains("\\u2615"));
        let mut back: Value = serde_json::from_slice(&odd).unwrap();
        back.as_object_mut().unwrap().remove("hookcli_note");
        assert_eq!(back, serde_json::from_slice::<Value>(body).unwrap());
    }

    #[test]
    fn form_means_the_same_in_other_bytes() {
        let body = b"Body=hello+world&From=%2B1";
        let odd = form(body).unwrap();
        assert_eq!(odd, b"From=%2B1&Body=hello%20world");
        let mut a: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let mut b: Vec<(String, String)> = url::form_urlencoded::parse(&odd).into_owned().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
