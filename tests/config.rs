//! The config file: its settings apply under flags and environment
//! variables, `hookcli config` says where each comes from, and a malformed
//! file is one clear error naming the line.

use std::process::Command;

fn hookcli(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
    cmd.current_dir(dir)
        .env_remove("HOOKCLI_CONFIG")
        .env_remove("HOOKCLI_STORE")
        .env_remove("HOOKCLI_SECRET")
        .env_remove("HOOKCLI_RELAY_TOKEN")
        // The platform config folder lives under HOME: keep it empty too.
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("xdg"));
    cmd
}

fn out(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

#[test]
fn the_file_sets_defaults_under_env_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("from-file");
    std::fs::write(
        dir.path().join("hookcli.toml"),
        format!(
            "store = {:?}\nprovider = \"github\"\nsecret_env = \"MY_SECRET\"\nport = 9911\n",
            store.display().to_string()
        ),
    )
    .unwrap();

    let (code, stdout, _) = out(hookcli(dir.path())
        .arg("config")
        .env("MY_SECRET", "whsec_topsecret_value"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!(
            "store        {}  (file hookcli.toml)",
            store.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("provider     github  (file hookcli.toml)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("port         9911  (file hookcli.toml)"),
        "{stdout}"
    );
    assert!(stdout.contains("(redacted) from $MY_SECRET"), "{stdout}");
    assert!(
        !stdout.contains("whsec_topsecret_value"),
        "the secret never shows: {stdout}"
    );

    // The environment beats the file.
    let (_, stdout, _) = out(hookcli(dir.path())
        .arg("config")
        .env("HOOKCLI_STORE", "/elsewhere"));
    assert!(
        stdout.contains("store        /elsewhere  (env HOOKCLI_STORE)"),
        "{stdout}"
    );

    // send takes the file's provider and secret variable; a flag beats the file.
    let (code, stdout, stderr) = out(hookcli(dir.path())
        .args(["send", "--print"])
        .env("MY_SECRET", "s3cret"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("X-Hub-Signature-256: sha256="), "{stdout}");
    let (code, stdout, _) = out(hookcli(dir.path())
        .args(["send", "--print", "--provider", "slack"])
        .env("MY_SECRET", "s3cret"));
    assert_eq!(code, 0);
    assert!(stdout.contains("X-Slack-Signature: v0="), "{stdout}");

    // list reads the file's store (nothing there yet, so it says where it looked).
    let (code, stdout, _) = out(hookcli(dir.path()).arg("list"));
    assert_eq!(code, 0);
    assert!(stdout.contains(&store.display().to_string()), "{stdout}");
    let (_, stdout, _) = out(hookcli(dir.path()).args(["list", "--store", "/flag/wins"]));
    assert!(stdout.contains("/flag/wins"), "{stdout}");
}

/// Variables the file names but the shell never set: `config` says so and
/// never shows "(redacted)", which would claim a secret is there.
#[test]
fn config_says_a_named_variable_is_not_set() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hookcli.toml"),
        "secret_env = \"CONFIG_UNSET_SECRET\"\ntoken_env = \"CONFIG_UNSET_TOKEN\"\n",
    )
    .unwrap();
    let (code, stdout, _) = out(hookcli(dir.path()).arg("config"));
    assert_eq!(code, 0);
    for (key, var) in [
        ("secret", "CONFIG_UNSET_SECRET"),
        ("relay_token", "CONFIG_UNSET_TOKEN"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key:<12} ")))
            .unwrap_or_else(|| panic!("no {key} line: {stdout}"));
        assert!(
            line.contains(&format!("${var}, which is not set")) && !line.contains("redacted"),
            "{line}"
        );
    }
    // Once set, it is there, and redacted.
    let (_, stdout, _) = out(hookcli(dir.path())
        .arg("config")
        .env("CONFIG_UNSET_TOKEN", "a-relay-token-value-123456"));
    assert!(
        stdout.contains("relay_token  (redacted) from $CONFIG_UNSET_TOKEN"),
        "{stdout}"
    );
    assert!(!stdout.contains("a-relay-token-value-123456"), "{stdout}");
}

#[test]
fn a_malformed_file_is_one_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hookcli.toml"),
        "port = 9000\nsecret = \"whsec_do_not_put_me_here\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = out(hookcli(dir.path()).arg("list"));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("hookcli: error: config file hookcli.toml: line 2:"),
        "{stderr}"
    );
    assert!(!stderr.contains("whsec_do_not_put_me_here"), "{stderr}");

    std::fs::write(dir.path().join("hookcli.toml"), "port = \"eighty\"\n").unwrap();
    let (code, _, stderr) = out(hookcli(dir.path()).arg("config"));
    assert_eq!(code, 2);
    assert!(stderr.contains("line 1:"), "{stderr}");
}

#[test]
fn no_file_is_fine_and_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = out(hookcli(dir.path()).args(["config", "--json"]));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(doc["file"].is_null());
    assert_eq!(doc["settings"]["port"]["value"], "8787");
    assert_eq!(doc["settings"]["port"]["source"], "default");
    assert!(
        doc["looked_in"][0]
            .as_str()
            .unwrap()
            .ends_with("hookcli.toml")
    );
}

/// The file is applied once, into the parsed arguments, before a command
/// runs: send's default URL follows its port (and says so when nothing
/// listens there), check and the relay take its provider and token
/// variable, and a flag still wins.
#[test]
fn the_file_is_applied_before_the_commands_run() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    std::fs::write(
        dir.path().join("hookcli.toml"),
        format!(
            "port = {port}\nprovider = \"github\"\ntoken_env = \"CONFIG_TEST_TOKEN\"\nstore = {:?}\n",
            dir.path().join("kept").display().to_string()
        ),
    )
    .unwrap();

    let (code, _, stderr) = out(hookcli(dir.path()).args(["send", "--secret", "s"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "nothing is listening at 127.0.0.1:{port} (the default)"
        )),
        "{stderr}"
    );
    let (code, _, stderr) = out(hookcli(dir.path()).args([
        "send",
        "--secret",
        "s",
        "--url",
        &format!("http://127.0.0.1:{port}/elsewhere"),
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(!stderr.contains("(the default)"), "{stderr}");

    let app = crate::common::Receiver::start(|_| (200, b"ok".to_vec()));
    let (code, stdout, stderr) = out(hookcli(dir.path())
        .args(["check", "--secret", "s", "--format", "json", "--url"])
        .arg(format!("{}/gh", app.url())));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("\"provider\": \"github\""), "{stdout}");

    // check --from reads the store the file names, as list and replay do.
    let (code, _, stderr) = out(hookcli(dir.path())
        .args(["check", "--from", "01abc", "--url"])
        .arg(format!("{}/gh", app.url())));
    assert_eq!(code, 3, "{stderr}");
    let kept = dir.path().join("kept").join("hookcli.db");
    assert!(
        stderr.contains(&format!("no store at {}", kept.display())),
        "{stderr}"
    );

    let (code, _, stderr) = out(hookcli(dir.path()).args(["relay", "--port", "0"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("CONFIG_TEST_TOKEN (named for the relay token) is not set"),
        "{stderr}"
    );
}
