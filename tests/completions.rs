//! The checked-in completions and man page equal what the binary generates.
//! Regenerate after changing the CLI: `HOOKCLI_REGENERATE=1 cargo test completions`.

use std::path::Path;

use assert_cmd::Command;

const FILES: &[(&str, &[&str])] = &[
    ("completions/hookcli.bash", &["completions", "bash"]),
    ("completions/_hookcli", &["completions", "zsh"]),
    ("completions/hookcli.fish", &["completions", "fish"]),
    ("completions/_hookcli.ps1", &["completions", "powershell"]),
    ("completions/hookcli.elv", &["completions", "elvish"]),
    ("man/hookcli.1", &["man"]),
];

#[test]
fn checked_in_completions_and_man_page_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("HOOKCLI_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (file, args) in FILES {
        let out = Command::cargo_bin("hookcli")
            .unwrap()
            .args(*args)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert!(out.status.success(), "hookcli {args:?} failed");
        assert!(!out.stdout.is_empty(), "hookcli {args:?} printed nothing");
        let path = root.join(file);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(out.stdout.as_slice()) {
            stale.push(*file);
        }
    }
    assert!(
        stale.is_empty(),
        "these files drifted from the CLI: {stale:?}; run `HOOKCLI_REGENERATE=1 cargo test completions`"
    );
}

#[test]
fn completions_know_every_subcommand() {
    let out = Command::cargo_bin("hookcli")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["send", "providers", "completions"] {
        assert!(text.contains(sub), "bash completions lack {sub}");
    }
}

/// Bash completes `--event` and `--flow` with the events and flows of the
/// provider already on the line, by asking the real binary.
#[test]
fn bash_completes_the_providers_events_and_flows() {
    let bin = Path::new(env!("CARGO_BIN_EXE_hookcli"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/hookcli.bash");
    let complete = |line: &str| -> Vec<String> {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {script:?}; COMP_WORDS=({}); COMP_CWORD={}; _hookcli_names hookcli; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1
        );
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &program])
            .env("PATH", path)
            .output()
            .expect("bash runs");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    };
    let events = complete("hookcli send --provider stripe --event invoice.pa");
    assert!(events.contains(&"invoice.paid".to_string()), "{events:?}");
    assert!(
        events.iter().all(|e| e.starts_with("invoice.pa")),
        "{events:?}"
    );
    let events = complete("hookcli send -p github -e pull_request.cl");
    assert_eq!(events, ["pull_request.closed"]);
    let flows = complete("hookcli send --provider=stripe --flow sub");
    assert_eq!(flows, ["subscription-signup"]);
}
