//! `--set PATH=VALUE`: edit one field of a JSON document by a dotted path
//! (`data.object.amount`, `items.0.id`).

use serde_json::Value;

/// A parsed `PATH=VALUE` edit. VALUE is JSON when it parses as JSON
/// (`5000`, `true`, `{"a":1}`), else a string.
#[derive(Clone, Debug, PartialEq)]
pub struct SetEdit {
    pub path: String,
    pub value: Value,
}

impl std::str::FromStr for SetEdit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (path, raw) = s
            .split_once('=')
            .ok_or_else(|| format!("--set {s:?} is not PATH=VALUE"))?;
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!("--set {s:?} has an empty segment in its path"));
        }
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        Ok(SetEdit {
            path: path.to_string(),
            value,
        })
    }
}

/// Sets `path` in `doc`. Every segment but the last must exist; the last may
/// add a new key to an object, or replace an existing array element.
pub fn set_path(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    let (last, parents) = segments.split_last().ok_or("empty path")?;
    let mut node = doc;
    let mut walked = String::new();
    for seg in parents {
        node = step(node, seg).ok_or_else(|| missing(&walked, seg))?;
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(seg);
    }
    match node {
        Value::Object(map) => {
            map.insert(last.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let len = items.len();
            let slot = last
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| {
                    format!(
                        "{path}: {last} is not an index of the {}-element array at {}",
                        len,
                        or_root(&walked)
                    )
                })?;
            *slot = value;
            Ok(())
        }
        _ => Err(format!(
            "{path}: {} is not an object or array",
            or_root(&walked)
        )),
    }
}

/// Reads the value at `path`, if there is one.
pub fn get_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |node, seg| match node {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => items.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

fn step<'a>(node: &'a mut Value, seg: &str) -> Option<&'a mut Value> {
    match node {
        Value::Object(map) => map.get_mut(seg),
        Value::Array(items) => items.get_mut(seg.parse::<usize>().ok()?),
        _ => None,
    }
}

fn or_root(walked: &str) -> &str {
    if walked.is_empty() {
        "the top level"
    } else {
        walked
    }
}

fn missing(walked: &str, seg: &str) -> String {
    format!("no field {seg:?} under {}", or_root(walked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_nested_fields_and_indexes() {
        let mut doc = json!({"data": {"object": {"amount": 1, "items": [{"id": "a"}]}}});
        set_path(&mut doc, "data.object.amount", json!(5000)).unwrap();
        set_path(&mut doc, "data.object.items.0.id", json!("b")).unwrap();
        set_path(&mut doc, "data.object.new", json!(true)).unwrap();
        assert_eq!(
            doc,
            json!({"data": {"object": {"amount": 5000, "items": [{"id": "b"}], "new": true}}})
        );
        assert_eq!(get_path(&doc, "data.object.items.0.id"), Some(&json!("b")));
    }

    #[test]
    fn refuses_paths_that_do_not_exist() {
        let mut doc = json!({"data": {"object": {"amount": 1}, "list": [1]}});
        assert!(
            set_path(&mut doc, "data.nope.amount", json!(1))
                .unwrap_err()
                .contains("\"nope\"")
        );
        assert!(
            set_path(&mut doc, "data.object.amount.x", json!(1))
                .unwrap_err()
                .contains("not an object")
        );
        assert!(
            set_path(&mut doc, "data.list.3", json!(1))
                .unwrap_err()
                .contains("1-element")
        );
    }

    #[test]
    fn parses_values_as_json_else_text() {
        let e: SetEdit = "a.b=5000".parse().unwrap();
        assert_eq!(e.value, json!(5000));
        let e: SetEdit = "a=hello world".parse().unwrap();
        assert_eq!(e.value, json!("hello world"));
        assert!("nothing".parse::<SetEdit>().is_err());
        assert!("a..b=1".parse::<SetEdit>().is_err());
    }
}
