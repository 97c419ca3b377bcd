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
