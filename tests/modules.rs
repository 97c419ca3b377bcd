//! The crate's module graph, read from its sources: no two top-level modules
//! import each other, directly or round about, and `base` imports nothing of
//! the crate. A cycle is where a change in one place breaks another far away.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/listen/forward.rs` → `listen`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// The code a build without tests compiles. A `#[cfg(test)] mod name;`
/// declaration (a test file beside the module, often at the top) is dropped
/// alone; a `#[cfg(test)]` module with a body sits at the file's end, by this
/// crate's habit, so everything from it is cut.
fn non_test_code(text: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut code = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(MARK) {
        code.push_str(&rest[..i]);
        let after = &rest[i + MARK.len()..];
        let declaration = after.trim_start().starts_with("mod ")
            && after
                .find(';')
                .is_some_and(|semi| after.find('{').is_none_or(|brace| semi < brace));
        if !declaration {
            return code;
        }
        rest = &after[after.find(';').map_or(after.len(), |semi| semi + 1)..];
    }
    code.push_str(rest);
    code
}

/// Every top-level module named after `crate::` (grouped `crate::{…}` too).
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    found.insert(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let to = edges.entry(from.clone()).or_default();
        to.extend(
            imports(&non_test_code(&text))
                .into_iter()
                .filter(|m| *m != from),
        );
    }
    edges
}

/// A path from `to` back to `from`, if one exists: with the edge
/// `from → to`, that closes a cycle.
fn path_back(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut stack = vec![vec![to.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        if last == from {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(last).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let edges = graph();
    assert!(edges.len() > 10, "the sources were not found: {edges:?}");
    let mut cycles = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            if let Some(back) = path_back(&edges, from, to) {
                cycles.push(format!("{from} → {}", back.join(" → ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn base_imports_nothing_of_the_crate() {
    let edges = graph();
    let base = edges.get("base").expect("src/base/ exists");
    assert!(base.is_empty(), "base imports {base:?}");
}

#[test]
fn the_reader_finds_plain_and_grouped_imports() {
    let code = "use crate::store::Delivery;\nuse crate::{listen::x, output};\nfn f() { crate::timefmt::now() }\n#[cfg(test)]\nuse crate::cli;";
    let found = imports(&non_test_code(code));
    let want: BTreeSet<String> = ["store", "listen", "output", "timefmt"]
        .map(String::from)
        .into();
    assert_eq!(found, want);
}

/// A test file declared at the top of a module (`#[cfg(test)] mod fuzz;`)
/// hides nothing below it: the imports after it are still edges.
#[test]
fn a_test_module_declaration_hides_nothing_after_it() {
    let code = "#[cfg(test)]\nmod capture_fuzz;\npub mod x;\nuse crate::relay::client;\nfn f() { crate::store::now() }\n#[cfg(test)]\nmod tests {\n    use crate::cli;\n}";
    let found = imports(&non_test_code(code));
    let want: BTreeSet<String> = ["relay", "store"].map(String::from).into();
    assert_eq!(found, want);
}

/// listen starts the relay client; the relay hands it arrivals through a
/// trait of `incoming`, so relay never reaches into listen (the cycle test
/// would catch it, this one names it).
#[test]
fn listen_and_relay_do_not_import_each_other() {
    let edges = graph();
    let imports = |from: &str, to: &str| edges.get(from).is_some_and(|t| t.contains(to));
    assert!(
        !(imports("listen", "relay") && imports("relay", "listen")),
        "listen and relay import each other: listen → {:?}, relay → {:?}",
        edges.get("listen"),
        edges.get("relay")
    );
    assert!(
        !imports("relay", "listen"),
        "relay imports listen: {:?}",
        edges.get("relay")
    );
}

/// The command line is one layer: only it (cli, its value mapping, the
/// commands, usage errors, main) knows clap. Domain modules take plain values.
#[test]
fn only_the_command_line_layer_imports_clap() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed = ["cli", "cli_values", "cmd", "usage", "main"];
    let mut found = Vec::new();
    for file in files {
        if allowed.contains(&module_of(&src, &file).as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        if text.contains("clap::") || text.contains("use clap") {
            found.push(file.display().to_string());
        }
    }
    assert!(found.is_empty(), "clap outside the command line: {found:?}");
}

/// Domain modules return values or events; only the command line layer and
/// the renderers (`render`, `output`, the `printer` thread) write to stdout
/// or stderr; the relay logs through `render::relay_log`.
#[test]
fn only_the_command_line_and_its_renderers_print() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed = ["cmd", "main", "output", "printer", "render"];
    let printing = [
        "println!",
        "print!",
        "eprint!",
        "io::stdout()",
        "io::stderr()",
    ];
    let mut found = Vec::new();
    for file in files {
        if allowed.contains(&module_of(&src, &file).as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = non_test_code(&text);
        if let Some(p) = printing.iter().find(|p| code.contains(*p)) {
            found.push(format!("{} ({p})", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "printing outside the command line: {found:?}"
    );
}
