//! Headers in a column: a JSON array of `[name, value]`, the value as text
//! when it is UTF-8, else `{"base64": "…"}`, so that every byte survives.

use serde_json::Value;

use crate::provider::Headers;
use crate::provider::crypto::{b64, b64_decode};

pub fn encode_headers(headers: &Headers) -> String {
    let list: Vec<Value> = headers
        .iter()
        .map(|(name, value)| {
            let v = match std::str::from_utf8(value) {
                Ok(text) => Value::String(text.to_string()),
                Err(_) => serde_json::json!({ "base64": b64(value) }),
            };
            Value::Array(vec![Value::String(name.to_string()), v])
        })
        .collect();
    Value::Array(list).to_string()
}

pub fn decode_headers(text: &str) -> Headers {
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
}
