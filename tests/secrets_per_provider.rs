//! Issue 16, section 2: one secret is no longer applied to every provider
//! listen recognises. Each provider gets its own (`--secret-env
//! PROVIDER=VAR`, `[secrets]` in hookcli.toml, or its conventional variable
//! such as `STRIPE_WEBHOOK_SECRET`); a delivery from a provider with none
//! is `unchecked`, never `invalid`; `--enforce` refuses invalid ones and
//! `--enforce=strict` unchecked ones too; and no value ever shows.

use std::path::Path;

use serde_json::Value;

use crate::common::{Listen, Run, hookcli, run};
use crate::deliver::{cli, contains, store_bytes, token};

/// `hookcli send -p PROVIDER --url URL --json` signed with `secret` (held
/// in `var`, named by `--secret-env`, plus `extra`): the status and the
/// delivery id listen gave.
fn send(provider: &str, url: &str, secret: &str, extra: &[&str]) -> (u16, String) {
    let var = "HOOKCLI_TEST_SENDER_SECRET";
    let mut cmd = hookcli();
    cmd.args(["send", "-p", provider, "--url", url, "--json"])
        .args(extra);
    // Zapier signs nothing: it is sent with no secret.
    if !secret.is_empty() {
        cmd.env(var, secret).args(["--secret-env", var]);
    }
    let out = run(&mut cmd);
    assert!(matches!(out.code, Some(0 | 1)), "send {provider}\n{out}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let status = doc["response"]["status"].as_u64().expect("status") as u16;
    let id = doc["response"]["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h[0].as_str() == Some("x-hookcli-delivery"))
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no delivery id\n{out}"))
        .to_string();
    (status, id)
}

/// The recorded verdict word and explanation (`show --json`), checked
/// against `list --json`'s verdict too.
fn verdict(store: &Path, id: &str) -> (String, String) {
    let out = cli(store, &["show", id, "--json"]);
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let word = doc["verdict"]["verdict"].as_str().unwrap().to_string();
    let listed = cli(store, &["list", "--json", "--limit", "1000"]);
    let row = listed
        .stdout()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == doc["id"])
        .expect("listed");
    assert_eq!(row["verdict"], word.as_str(), "list and show agree");
    let why = doc["verdict"]["explanation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (word, why)
}

/// Listen's stdout once it holds `needle` (the banner's later lines come
/// after the first); panics after 10 s.
fn printed(listen: &Listen, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let out = listen.stdout();
        if out.contains(needle) {
            return out;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{needle:?} not in\n{out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_plain_secret_in_stripes_variable_checks_stripe_and_leaves_github_unchecked() {
    let (stripe, github) = (token("whsec_"), token("gh_"));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--secret-env", "STRIPE_WEBHOOK_SECRET"],
        &[("STRIPE_WEBHOOK_SECRET", &stripe)],
    );
    let (status, id) = send("stripe", listen.url(), &stripe, &[]);
    assert_eq!(status, 200);
    assert_eq!(verdict(store.path(), &id).0, "valid");
    let (_, id) = send(
        "stripe",
        listen.url(),
        &stripe,
        &["--tamper", "bad-signature"],
    );
    assert_eq!(verdict(store.path(), &id).0, "invalid");
    for provider in ["github", "slack", "shopify"] {
        let (status, id) = send(provider, listen.url(), &github, &[]);
        assert_eq!(status, 200, "{provider}");
        let (word, why) = verdict(store.path(), &id);
        assert_eq!(word, "unchecked", "{provider}: {why}");
        assert!(
            why.starts_with(&format!("no secret for {provider}")),
            "{why}"
        );
    }
    let (_, why) = verdict(store.path(), "last");
    assert!(
        why.contains("SHOPIFY_API_SECRET"),
        "names the variable: {why}"
    );
    printed(
        &listen,
        "secret   stripe from $STRIPE_WEBHOOK_SECRET (--secret-env)",
    );
}

#[test]
fn a_plain_secret_belongs_to_the_one_provider_the_routes_name() {
    let (gh, stripe) = (token("gh_"), token("whsec_"));
    let app = crate::common::Receiver::start(|_| (200, b"ok".to_vec()));
    let route = format!("github={}", app.url());
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--route", &route, "--secret-env", "GH"],
        &[("GH", &gh)],
    );
    let (_, id) = send("github", listen.url(), &gh, &[]);
    assert_eq!(verdict(store.path(), &id).0, "valid");
    let (_, id) = send("stripe", listen.url(), &stripe, &[]);
    assert_eq!(verdict(store.path(), &id).0, "unchecked");
    drop(listen);

    // Routes naming two providers: the plain secret is tried for both, and
    // a mismatch says how to give each its own.
    let route2 = format!("stripe={}", app.url());
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--route", &route, "--route", &route2, "--secret-env", "GH"],
        &[("GH", &gh)],
    );
    let (_, id) = send("github", listen.url(), &gh, &[]);
    assert_eq!(verdict(store.path(), &id).0, "valid");
    let (_, id) = send("stripe", listen.url(), &stripe, &[]);
    let (word, why) = verdict(store.path(), &id);
    assert_eq!(word, "invalid");
    assert!(why.contains("--secret-env stripe=VAR"), "{why}");
}

#[test]
fn each_provider_is_checked_with_its_own_named_secret() {
    let (stripe, github, slack) = (token("whsec_"), token("gh_"), token("sl_"));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &[
            "--secret-env",
            "stripe=MY_STRIPE",
            "--secret-env",
            "github=GH_SECRET",
        ],
        &[("MY_STRIPE", &stripe), ("GH_SECRET", &github)],
    );
    for (provider, secret, want) in [
        ("stripe", &stripe, "valid"),
        ("github", &github, "valid"),
        ("github", &stripe, "invalid"),
        ("slack", &slack, "unchecked"),
    ] {
        let (_, id) = send(provider, listen.url(), secret, &[]);
        assert_eq!(verdict(store.path(), &id).0, want, "{provider}");
    }
    printed(&listen, "secret   stripe from $MY_STRIPE (--secret-env)");
    printed(&listen, "secret   github from $GH_SECRET (--secret-env)");
}

#[test]
fn enforce_refuses_invalid_and_strict_refuses_unchecked_too() {
    let (stripe, github) = (token("whsec_"), token("gh_"));
    for (level, unchecked_status) in [("--enforce", 200), ("--enforce=strict", 401)] {
        let store = tempfile::tempdir().unwrap();
        let listen = Listen::start(
            store.path(),
            &["--secret-env", "stripe=S", level],
            &[("S", &stripe)],
        );
        let (status, _) = send("stripe", listen.url(), &stripe, &[]);
        assert_eq!(status, 200, "{level}: valid passes");
        let (status, _) = send(
            "stripe",
            listen.url(),
            &stripe,
            &["--tamper", "bad-signature"],
        );
        assert_eq!(status, 401, "{level}: invalid is refused");
        let (status, id) = send("github", listen.url(), &github, &[]);
        assert_eq!(status, unchecked_status, "{level}: unchecked");
        assert_eq!(verdict(store.path(), &id).0, "unchecked", "{level}");
        // Zapier signs nothing: unsigned is not unchecked.
        let (status, _) = send("zapier", listen.url(), "", &[]);
        assert_eq!(status, 200, "{level}: unsigned passes");
    }
    let out = run(hookcli().args(["listen", "--enforce=lax"]));
    out.assert_code(2);
}

#[test]
fn an_exported_conventional_variable_is_used_with_no_flag() {
    let (stripe, github) = (token("whsec_"), token("gh_"));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &[],
        &[
            ("STRIPE_WEBHOOK_SECRET", &stripe),
            ("GITHUB_WEBHOOK_SECRET", &github),
        ],
    );
    let banner = printed(
        &listen,
        "secret   github from $GITHUB_WEBHOOK_SECRET (default variable)",
    );
    assert!(
        banner.contains("detected from headers, verifying"),
        "{banner}"
    );
    // The sender needs no flag either.
    let signed = |provider: &str, var: &str, secret: &str| {
        let mut cmd = hookcli();
        cmd.env(var, secret)
            .args(["send", "-p", provider, "--url", listen.url()]);
        run(&mut cmd)
    };
    signed("stripe", "STRIPE_WEBHOOK_SECRET", &stripe).assert_code(0);
    assert_eq!(verdict(store.path(), "last").0, "valid");
    signed("github", "GITHUB_WEBHOOK_SECRET", &github).assert_code(0);
    assert_eq!(verdict(store.path(), "last").0, "valid");
    // verify reads it too.
    let mut cmd = hookcli();
    cmd.env("GITHUB_WEBHOOK_SECRET", &github)
        .args(["verify", "last", "--store"])
        .arg(store.path());
    run(&mut cmd).assert_code(0);
    // A flag beats the variable.
    let mut cmd = hookcli();
    cmd.env("GITHUB_WEBHOOK_SECRET", &github)
        .env("OTHER", "not-it")
        .args(["verify", "last", "--secret-env", "OTHER", "--store"])
        .arg(store.path());
    run(&mut cmd).assert_code(1);
}

#[test]
fn no_secret_errors_name_the_variable_that_would_have_worked() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["send", "-p", "github", "--print"],
            "GITHUB_WEBHOOK_SECRET",
        ),
        (&["send", "-p", "discord", "--print"], "DISCORD_PRIVATE_KEY"),
        (
            &["check", "-p", "slack", "--url", "http://127.0.0.1:9/"],
            "SLACK_SIGNING_SECRET",
        ),
        (
            &[
                "listen",
                "-p",
                "twilio",
                "--enforce",
                "--port",
                "0",
                "--store",
                s,
            ],
            "TWILIO_AUTH_TOKEN",
        ),
        (
            &["listen", "--enforce", "--port", "0", "--store", s],
            "hookcli providers",
        ),
    ];
    for (args, var) in cases {
        let out = run(hookcli().args(args));
        out.assert_error(2, &[var]);
    }
    // verify and replay --resign, on a recorded delivery.
    let listen = Listen::start(store.path(), &[], &[]);
    send("shopify", listen.url(), "x", &[]);
    let out = cli(store.path(), &["verify", "last"]);
    out.assert_error(2, &["no secret given for shopify", "SHOPIFY_API_SECRET"]);
    let out = cli(
        store.path(),
        &["replay", "last", "--resign", "--to", "http://127.0.0.1:9/"],
    );
    assert!(out.stderr().contains("SHOPIFY_API_SECRET"), "{out}");
    // Stripe's variable, given plainly, is Stripe's: replay says why the
    // Shopify delivery got none, and how to name Shopify's.
    let mut cmd = hookcli();
    cmd.env("STRIPE_WEBHOOK_SECRET", token("whsec_"))
        .args(["replay", "last", "--resign", "--url", "http://127.0.0.1:9/"])
        .args(["--secret-env", "STRIPE_WEBHOOK_SECRET", "--store"])
        .arg(store.path());
    let out = run(&mut cmd);
    assert!(
        out.stderr().contains(
            "no secret given for shopify (the plain secret, from $STRIPE_WEBHOOK_SECRET (--secret-env), is stripe's): export SHOPIFY_API_SECRET, or pass --secret-env shopify=VAR"
        ),
        "{out}"
    );
    // verify takes it for the delivery's provider, as --provider would, and
    // names the likelier cause of the mismatch first.
    let mut cmd = hookcli();
    cmd.env("STRIPE_WEBHOOK_SECRET", token("whsec_"))
        .args([
            "verify",
            "last",
            "--secret-env",
            "STRIPE_WEBHOOK_SECRET",
            "--store",
        ])
        .arg(store.path());
    let out = run(&mut cmd);
    out.assert_code(1);
    assert!(
        out.stdout().contains(
            "  - --secret-env STRIPE_WEBHOOK_SECRET is stripe's variable, and this is a shopify delivery: for shopify, --secret-env SHOPIFY_API_SECRET"
        ),
        "{out}"
    );
}

#[test]
fn the_secrets_table_gives_each_provider_its_variable_and_config_says_where() {
    let (gh, stripe) = (token("gh_"), token("whsec_"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hookcli.toml");
    std::fs::write(
        &file,
        "[secrets]\ngithub = \"GH\"\nslack = \"UNSET_SLACK\"\n",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &[],
        &[
            ("HOOKCLI_CONFIG", file.to_str().unwrap()),
            ("GH", &gh),
            ("STRIPE_WEBHOOK_SECRET", &stripe),
        ],
    );
    let (_, id) = send("github", listen.url(), &gh, &[]);
    assert_eq!(verdict(store.path(), &id).0, "valid");
    let (_, id) = send("slack", listen.url(), &gh, &[]);
    let (word, why) = verdict(store.path(), &id);
    assert_eq!(word, "unchecked");
    assert!(why.contains("UNSET_SLACK"), "{why}");
    printed(&listen, "secret   github from $GH (hookcli.toml)");

    let config = |json: bool| {
        let mut cmd = hookcli();
        cmd.env("HOOKCLI_CONFIG", &file)
            .env("GH", &gh)
            .env("STRIPE_WEBHOOK_SECRET", &stripe)
            .arg("config");
        if json {
            cmd.arg("--json");
        }
        let out = run(&mut cmd);
        out.assert_code(0).assert_hides(&gh).assert_hides(&stripe);
        out
    };
    let human = config(false).stdout();
    assert!(
        human.contains("  github     (redacted) from $GH  (file "),
        "{human}"
    );
    assert!(
        human.contains("  slack      $UNSET_SLACK, which is not set"),
        "{human}"
    );
    assert!(
        human.contains("  stripe     (redacted) from $STRIPE_WEBHOOK_SECRET  (default variable)"),
        "{human}"
    );
    let doc: Value = serde_json::from_str(&config(true).stdout()).unwrap();
    assert_eq!(doc["secrets"]["github"]["variable"], "GH");
    assert_eq!(doc["secrets"]["github"]["value"], "(redacted)");
    assert_eq!(doc["secrets"]["slack"]["value"], Value::Null);
    assert_eq!(doc["secrets"]["stripe"]["source"], "default variable");

    // A secret's value in the file is refused without echoing it.
    std::fs::write(&file, "[secrets]\ngithub = \"gh_value=\"\n").unwrap();
    let out = run(hookcli().env("HOOKCLI_CONFIG", &file).arg("config"));
    out.assert_error(2, &["environment variable"])
        .assert_hides("gh_value");
}

#[test]
fn providers_names_each_ones_variable() {
    let out = run(hookcli().arg("providers"));
    out.assert_code(0);
    let text = out.stdout();
    for line in [
        "  env      STRIPE_WEBHOOK_SECRET",
        "  env      SHOPIFY_API_SECRET",
        "  env      TWILIO_AUTH_TOKEN",
        "  env      DISCORD_PUBLIC_KEY (listen, verify), DISCORD_PRIVATE_KEY (send, check, replay)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let out = run(hookcli().args(["providers", "--json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |name: &str| {
        doc["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(of("slack")["secret_env"], "SLACK_SIGNING_SECRET");
    assert_eq!(
        of("sendgrid")["signing_secret_env"],
        "SENDGRID_WEBHOOK_PRIVATE_KEY"
    );
    assert_eq!(of("zapier")["secret_env"], Value::Null);
    for p in doc["providers"].as_array().unwrap() {
        assert!(
            p["secret_env"].is_string() || p["signed"] == false,
            "{}",
            p["name"]
        );
    }
}

#[test]
fn no_secret_value_shows_in_output_store_or_json() {
    let (stripe, github, gitlab) = (token("whsec_"), token("gh_"), token("glpat_"));
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(
        store.path(),
        &[
            "--secret-env",
            "github=GH",
            "--secret-env",
            "gitlab=GL",
            "--json",
        ],
        &[
            ("GH", &github),
            ("GL", &gitlab),
            ("STRIPE_WEBHOOK_SECRET", &stripe),
        ],
    );
    send("stripe", listen.url(), &stripe, &[]);
    send("github", listen.url(), &github, &[]);
    send("gitlab", listen.url(), &gitlab, &[]);
    let (_, id) = send("gitlab", listen.url(), &gitlab, &[]);
    assert_eq!(verdict(store.path(), &id).0, "valid");
    let outputs: Vec<Run> = vec![
        cli(store.path(), &["list", "--json"]),
        cli(store.path(), &["show", &id, "--json"]),
        cli(store.path(), &["show", &id]),
        cli(store.path(), &["show", &id, "--curl"]),
    ];
    listen.terminate(std::time::Duration::from_secs(10));
    let banner: Value = serde_json::from_str(listen.stdout().lines().next().unwrap()).unwrap();
    assert_eq!(banner["secrets"][0]["provider"], "stripe", "{banner}");
    assert_eq!(
        banner["secrets"][0]["from"],
        "$STRIPE_WEBHOOK_SECRET (default variable)"
    );
    let bytes = store_bytes(store.path());
    for secret in [&stripe, &github, &gitlab] {
        for out in &outputs {
            out.assert_hides(secret);
        }
        assert!(
            !listen.stdout().contains(secret.as_str()),
            "listen printed it"
        );
        assert!(
            !listen.stderr().contains(secret.as_str()),
            "listen printed it"
        );
        assert!(!contains(&bytes, secret), "the store holds it");
    }
}
