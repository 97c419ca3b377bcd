//! Embeds the event catalogue: every file under `fixtures/` is deflated
//! into one blob, with an index of each event's provider, name and
//! description kept plain, so listing events decompresses nothing and a
//! send inflates only the one file it needs.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=fixtures");
    let root = Path::new("fixtures");
    let mut blob = Vec::new();
    let mut events = String::new();
    let mut extras = String::new();
    let mut providers: Vec<_> = std::fs::read_dir(root)
        .expect("fixtures/ is readable")
        .map(|e| e.expect("fixtures/ entry").path())
        .filter(|p| p.is_dir())
        .collect();
    providers.sort();
    for dir in providers {
        let provider = name(&dir);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixture folder is readable")
            .map(|e| e.expect("fixture entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("fixture is readable");
            let start = blob.len();
            blob.extend(miniz_oxide::deflate::compress_to_vec(&bytes, 9));
            let range = format!("{start}..{}", blob.len());
            let file_name = name(&file);
            if file_name.starts_with('_') {
                writeln!(extras, "    ({provider:?}, {file_name:?}, {range}),").unwrap();
                continue;
            }
            let doc: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let text = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            writeln!(
                events,
                "    Entry {{ provider: {provider:?}, event: {:?}, description: {:?}, content_type: {:?}, primary: {}, bytes: {range} }},",
                text("event"),
                text("description"),
                text("content_type"),
                doc.get("primary").and_then(|v| v.as_bool()).unwrap_or(false),
            )
            .unwrap();
        }
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    std::fs::write(out.join("catalogue.bin"), &blob).expect("OUT_DIR is writable");
    let index = format!(
        "/// Every event, sorted by provider then file name.\n\
         pub static EVENTS: &[Entry] = &[\n{events}];\n\
         /// Each provider's `_`-files (entities, flows): provider, file, bytes.\n\
         pub static EXTRAS: &[(&str, &str, std::ops::Range<usize>)] = &[\n{extras}];\n\
         static BLOB: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/catalogue.bin\"));\n"
    );
    std::fs::write(out.join("catalogue.rs"), index).expect("OUT_DIR is writable");
}

fn name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .expect("fixture names are UTF-8")
        .to_string()
}
