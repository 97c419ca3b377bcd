//! Every delivery shape a provider uses (issue 17 §1): Twilio's form and
//! JSON posts, Slack's JSON events beside form-encoded interactivity and
//! slash commands, URLs with a query string and behind a public URL, the
//! body's framing (chunked, `Expect: 100-continue`) and a sibling path.
//! Each buggy receiver is caught by exactly the right case, with its hint.

use super::*;

/// The row of `name` in `mode` (`None`: the first mode).
fn row<'a>(report: &'a Value, name: &str, mode: Option<&str>) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name && c["mode"].as_str() == mode)
        .unwrap_or_else(|| panic!("no {name} in mode {mode:?}\n{report:#}"))
}

/// Every row that failed or warned, as `name (mode)`.
fn flagged(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "fail" || c["outcome"] == "warn")
        .map(|c| match c["mode"].as_str() {
            Some(m) => format!("{} ({m})", c["name"].as_str().unwrap()),
            None => c["name"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn hint<'a>(report: &'a Value, name: &str, mode: Option<&str>) -> &'a str {
    row(report, name, mode)["hint"].as_str().unwrap_or_default()
}

#[test]
fn twilio_and_slack_run_the_signature_cases_in_each_mode() {
    let results = par_map(vec!["twilio", "slack"], |provider| {
        let server = receiver(provider, Bugs::default());
        (
            provider,
            check_json(provider, &server.url(&path_for(provider)), &[]),
        )
    });
    for (provider, (out, report)) in results {
        out.assert_code(0);
        let (modes, further): (&[&str], &[&str]) = match provider {
            "twilio" => (&["form", "json"], &["json"]),
            _ => (
                &["events", "interactivity", "slash-command"],
                &["interactivity", "slash-command"],
            ),
        };
        assert_eq!(report["modes"], serde_json::json!(modes), "{report:#}");
        for mode in further {
            for name in [
                "valid",
                "bad-signature",
                "missing-signature",
                "body-modified",
            ] {
                assert_eq!(
                    row(&report, name, Some(mode))["outcome"],
                    "pass",
                    "{report:#}"
                );
            }
        }
        assert!(flagged(&report).is_empty(), "{report:#}");
    }
}

#[test]
fn twilio_validating_only_form_posts_fails_valid_in_json_mode_alone() {
    let server = receiver(
        "twilio",
        Bugs {
            twilio_form_only: true,
            ..Bugs::default()
        },
    );
    let (out, report) = check_json("twilio", &server.url(&path_for("twilio")), &[]);
    out.assert_code(1);
    assert_eq!(flagged(&report), ["valid (json)"], "{report:#}");
    let h = hint(&report, "valid", Some("json"));
    assert!(
        h.contains("bodySHA256") && h.contains("validateRequestWithBody"),
        "{h}"
    );
    // The JSON post really went with its body hash in the URL.
    assert!(
        server
            .requests()
            .iter()
            .any(|(_, target)| target.contains("?bodySHA256=")),
        "{:?}",
        server.requests()
    );
}

#[test]
fn twilio_dropping_the_query_string_fails_url_query_with_its_hint() {
    let server = receiver(
        "twilio",
        Bugs {
            drop_query: true,
            ..Bugs::default()
        },
    );
    let url = server.url(&path_for("twilio"));
    let (out, report) = check_json("twilio", &url, &["--mode", "form"]);
    out.assert_code(1);
    assert_eq!(flagged(&report), ["url-query"], "{report:#}");
    assert!(
        hint(&report, "url-query", None).contains("query string"),
        "{report:#}"
    );
    assert_eq!(report["modes"], serde_json::json!(["form"]));
    // In JSON mode the query carries bodySHA256, so the same bug breaks it.
    let (_, report) = check_json("twilio", &url, &["--mode", "json"]);
    assert_eq!(outcome(&report, "valid"), "fail", "{report:#}");
}

#[test]
fn public_url_signs_for_the_url_the_provider_calls() {
    let public = "https://hooks.example.com";
    let results = par_map(vec!["twilio", "square", "hubspot"], |provider| {
        let server = receiver_at(provider, public, Bugs::default());
        let url = server.url(&path_for(provider));
        let given = format!("{public}{}", path_for(provider));
        let with = check_json(provider, &url, &["--public-url", &given]);
        let without = check_json(provider, &url, &[]);
        (provider, given, with, without)
    });
    for (provider, given, (out, report), (_, plain)) in results {
        out.assert_code(0);
        assert_eq!(report["public_url"], given.as_str(), "{provider}");
        assert_eq!(
            outcome(&report, "url-query"),
            "pass",
            "{provider}\n{report:#}"
        );
        // Signed for the local URL, the tunnelled receiver refuses it.
        assert_eq!(outcome(&plain, "valid"), "fail", "{provider}\n{plain:#}");
    }
}

#[test]
fn a_receiver_that_needs_a_content_length_fails_transport_alone() {
    let server = receiver(
        "stripe",
        Bugs {
            needs_length: true,
            ..Bugs::default()
        },
    );
    let (out, report) = check_json("stripe", &server.url(&path_for("stripe")), &[]);
    out.assert_code(1);
    assert_eq!(flagged(&report), ["transport"], "{report:#}");
    let c = case(&report, "transport");
    assert_eq!(c["got"], "411, 200", "{report:#}");
    assert!(hint(&report, "transport", None).contains("411 Length Required"));
}

#[test]
fn a_receiver_that_verifies_before_the_whole_body_fails_transport_alone() {
    let hook = Hook::new("github", secret_for("github"), Bugs::default());
    let server = Server::first_read(move |req| hook.handle(req));
    let (out, report) = check_json("github", &server.url(&path_for("github")), &[]);
    out.assert_code(1);
    assert_eq!(flagged(&report), ["transport"], "{report:#}");
    assert_eq!(case(&report, "transport")["got"], "401, 401", "{report:#}");
    assert!(
        hint(&report, "transport", None).contains("before the whole body has arrived"),
        "{report:#}"
    );
}

#[test]
fn a_receiver_answering_any_path_is_warned_never_failed() {
    let server = receiver(
        "shopify",
        Bugs {
            any_path: true,
            ..Bugs::default()
        },
    );
    let url = server.url(&path_for("shopify"));
    let runs = par_map(vec![false, true], |strict| {
        let args: &[&str] = if strict { &["--strict"] } else { &[] };
        (strict, check_json("shopify", &url, args))
    });
    for (strict, (out, report)) in runs {
        out.assert_code(if strict { 1 } else { 0 });
        assert_eq!(flagged(&report), ["wrong-path"], "{report:#}");
        assert_eq!(outcome(&report, "wrong-path"), "warn");
        assert!(
            hint(&report, "wrong-path", None).contains("any path"),
            "{report:#}"
        );
    }
    assert!(
        server
            .requests()
            .iter()
            .any(|(_, t)| t == "/webhooks/hookcli-wrong-path"),
        "{:?}",
        server.requests()
    );
}

#[test]
fn mode_names_a_providers_own_mode() {
    let out = check(
        "stripe",
        "http://127.0.0.1:9/webhooks/stripe",
        &["--mode", "json"],
    );
    out.assert_error(2, &["--mode json", "one delivery shape"]);
    let out = check(
        "twilio",
        "http://127.0.0.1:9/webhooks/twilio",
        &["--mode", "xml"],
    );
    out.assert_error(2, &["--mode xml", "form, json"]);
}
