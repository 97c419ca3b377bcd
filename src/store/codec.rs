//! Headers in a column: a JSON array of `[name, value]`, the value as text
//! when it is UTF-8, else `{"base64": "…"}`, so that every byte survives.

use serde_json::Value;

use crate::provider::Headers;
use crate::provider::crypto::{b64, b64_decode};

pub fn encode_headers(headers: &Headers) -> String {
    // Written by hand: this runs for every delivery, and building a
    // serde_json::Value first cost more than the SQLite insert of the row.
    let mut out = String::with_capacity(
        headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 8)
            .sum::<usize>()
            + 2,
    );
    out.push('[');
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        push_json_str(&mut out, name);
        out.push(',');
        match std::str::from_utf8(value) {
            Ok(text) => push_json_str(&mut out, text),
            Err(_) => {
                out.push_str("{\"base64\":\"");
                out.push_str(&b64(value));
                out.push_str("\"}");
            }
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// `text` as a JSON string literal (RFC 8259 escapes).
fn push_json_str(out: &mut String, text: &str) {
    use std::fmt::Write;
    out.push('"');
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

pub fn decode_headers(text: &str) -> Headers {
    // Straight into the pairs: a bulk replay reads thousands of rows a
    // second, and a `Value` tree first cost more than the rest of the row.
    // Anything but well-formed pairs takes the lenient path below.
    match serde_json::from_str::<Vec<(String, Stored)>>(text) {
        Ok(pairs) => pairs.into_iter().map(|(n, v)| (n, v.0)).collect(),
        Err(_) => decode_leniently(text),
    }
}

/// Every pair that can be read, the others left out.
fn decode_leniently(text: &str) -> Headers {
    let Ok(Value::Array(list)) = serde_json::from_str::<Value>(text) else {
        return Headers::new();
    };
    list.into_iter()
        .filter_map(|pair| {
            let Value::Array(mut pair) = pair else {
                return None;
            };
            let value = pair.pop()?;
            let name = pair.pop()?.as_str()?.to_string();
            let bytes = match value {
                Value::String(s) => s.into_bytes(),
                Value::Object(o) => b64_decode(o.get("base64")?.as_str()?)?,
                _ => return None,
            };
            Some((name, bytes))
        })
        .collect()
}

/// A stored header value: its text, or `{"base64": "…"}` decoded.
struct Stored(Vec<u8>);

impl<'de> serde::Deserialize<'de> for Stored {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StoredVisitor)
    }
}

struct StoredVisitor;

impl<'de> serde::de::Visitor<'de> for StoredVisitor {
    type Value = Stored;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a header value: text or {\"base64\": \"…\"}")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Stored, E> {
        Ok(Stored(v.as_bytes().to_vec()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Stored, E> {
        Ok(Stored(v.into_bytes()))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Stored, A::Error> {
        let mut encoded = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "base64" => encoded = Some(map.next_value::<String>()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        encoded
            .and_then(|e| b64_decode(&e))
            .map(Stored)
            .ok_or_else(|| serde::de::Error::custom("no base64 value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_case_duplicates_and_bytes() {
        let h: Headers = vec![
            ("X-B".to_string(), b"1".to_vec()),
            ("x-a".to_string(), vec![0xff, 0x00, b'a']),
            ("X-B".to_string(), "é".as_bytes().to_vec()),
        ]
        .into_iter()
        .collect();
        assert_eq!(decode_headers(&encode_headers(&h)), h);
    }

    #[test]
    fn escapes_like_json() {
        let text = "q\"b\\n\nr\rt\t\u{1}\u{1f}é\u{7f}";
        let h: Headers = vec![(text.to_string(), text.as_bytes().to_vec())]
            .into_iter()
            .collect();
        let encoded = encode_headers(&h);
        let expected = serde_json::json!([[text, text]]).to_string();
        assert_eq!(encoded, expected);
        assert_eq!(decode_headers(&encoded), h);
    }

    /// Well-formed pairs are read straight, as the lenient reading reads
    /// them; a stray entry (a hand-edited store) leaves out only itself.
    #[test]
    fn the_direct_and_the_lenient_reading_agree() {
        let good = r#"[["A","1"],["B",{"base64":"/wA="}],["C",{"x":1,"base64":"YQ=="}]]"#;
        let read = decode_headers(good);
        assert_eq!(read, decode_leniently(good));
        let pairs: Vec<(&str, &[u8])> = read.iter().collect();
        assert_eq!(
            pairs,
            [("A", &b"1"[..]), ("B", &[0xff, 0][..]), ("C", b"a")]
        );
        let stray = r#"[["A","1"],7,["B",{"base64":"!"}],["C","3"]]"#;
        let stray = decode_headers(stray);
        let names: Vec<&str> = stray.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["A", "C"]);
    }
}
