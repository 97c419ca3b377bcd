//! Reading a few top-level fields of a JSON body without building it: the
//! capture path does this for every delivery, so every other member is
//! skipped over by the parser, and nothing is allocated for it.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The string (or number, as JSON writes it) values of `keys` among the
/// body's top-level members; `None` where absent or of another type, and
/// all `None` when the body is not one JSON object. A repeated key: the
/// last one wins.
pub fn top<const N: usize>(body: &[u8], keys: [&str; N]) -> [Option<String>; N] {
    let mut de = serde_json::Deserializer::from_slice(body);
    match de.deserialize_map(Top { keys }) {
        Ok(found) if de.end().is_ok() => found,
        _ => std::array::from_fn(|_| None),
    }
}

struct Top<'k, const N: usize> {
    keys: [&'k str; N],
}

impl<'de, const N: usize> Visitor<'de> for Top<'_, N> {
    type Value = [Option<String>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        while let Some(slot) = map.next_key_seed(KeyIndex(&self.keys))? {
            match slot {
                Some(i) => found[i] = map.next_value::<Scalar>()?.0,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

/// A member's name, as its position among the wanted keys.
struct KeyIndex<'a, 'k>(&'a [&'k str]);

impl<'de> DeserializeSeed<'de> for KeyIndex<'_, '_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIndex<'_, '_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|k| *k == name))
    }
}

/// A string or a number as text; anything else is skipped and is `None`.
struct Scalar(Option<String>);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar(Some(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar(Some(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar(Some(v.to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar(Some(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        // As serde_json writes a float (1.0 stays "1.0").
        Ok(Scalar(
            serde_json::Number::from_f64(v).map(|n| n.to_string()),
        ))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar(None))
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the fields were before: every member split out, then read.
    fn built<const N: usize>(body: &[u8], keys: [&str; N]) -> [Option<String>; N] {
        let doc: Option<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_slice(body).ok();
        keys.map(|k| match doc.as_ref()?.get(k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    #[test]
    fn agrees_with_building_the_document() {
        let bodies: &[&[u8]] = &[
            br#"{"id":"evt_1","data":{"id":"inner","type":"x"},"type":"invoice.paid"}"#,
            br#"{ "type" : "a\"b\u00e9" , "id" : 42 }"#,
            br#"{"id":1.0,"type":-7}"#,
            br#"{"id":null,"type":true,"x":[1,{"id":"no"}]}"#,
            br#"{"id":"first","id":"last"}"#,
            br#"{"t\u0079pe":"escaped key"}"#,
            br#"[{"id":"array"}]"#,
            br#"{"id":"x"} trailing"#,
            b"not json",
            b"",
            b"{\"id\":\"\xff\"}",
        ];
        for body in bodies {
            assert_eq!(
                top(body, ["type", "id"]),
                built(body, ["type", "id"]),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
