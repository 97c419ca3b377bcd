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
fn twilio_slack_and_mailgun_run_the_signature_cases_in_each_mode() {
    let results = par_map(vec!["twilio", "slack", "mailgun"], |provider| {
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
            "mailgun" => (&["json", "form"], &["form"]),
            _ => (
                &["events", "interactivity", "slash-command"],
                &["interactivity", "slash-command"],
            ),
        };
        assert_eq!(report["modes"], serde_json::json!(modes), "{report:#}");
        // Mailgun signs no body, so a modified one is not a case of its.
        let signature_cases: &[&str] = match provider {
            "mailgun" => &[
                "valid",
                "bad-signature",
                "missing-signature",
                "stale-timestamp",
                "future-timestamp",
            ],
            _ => &[
                "valid",
                "bad-signature",
                "missing-signature",
                "body-modified",
            ],
        };
        for mode in further {
            for name in signature_cases.iter().copied() {
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
fn mailgun_reading_only_the_json_signature_object_fails_only_the_form_rows() {
    let server = receiver(
        "mailgun",
        Bugs {
            mailgun_json_only: true,
            ..Bugs::default()
        },
    );
    let (out, report) = check_json("mailgun", &server.url(&path_for("mailgun")), &[]);
    out.assert_code(1);
    // Its JSON parse fails on a form: 400 to everything signed, so the valid
    // form post fails and the forged one gets no 401; the JSON rows all pass.
    assert_eq!(
        flagged(&report),
        ["valid (form)", "bad-signature (form)"],
        "{report:#}"
    );
    assert_eq!(
        row(&report, "bad-signature", Some("form"))["outcome"],
        "warn"
    );
    let h = hint(&report, "valid", Some("form"));
    assert!(
        h.contains("route") && h.contains("form's own fields"),
        "{h}"
    );
}

#[test]
fn mailgun_form_mode_alone_posts_signed_forms() {
    let server = receiver("mailgun", Bugs::default());
    let (out, report) = check_json(
        "mailgun",
        &server.url(&path_for("mailgun")),
        &["--mode", "form"],
    );
    out.assert_code(0);
    assert_eq!(report["modes"], serde_json::json!(["form"]), "{report:#}");
    assert_eq!(report["event"], "inbound", "{report:#}");
    assert!(flagged(&report).is_empty(), "{report:#}");
    for name in [
        "valid",
        "bad-signature",
        "missing-signature",
        "stale-timestamp",
    ] {
        assert_eq!(outcome(&report, name), "pass", "{name}\n{report:#}");
    }
}

#[test]
fn twilio_hmac_sha256_runs_only_when_asked() {
    let correct = receiver("twilio", Bugs::default());
    let sha1_only = receiver(
        "twilio",
        Bugs {
            twilio_sha1_only: true,
            ..Bugs::default()
        },
    );
    let urls = vec![
        correct.url(&path_for("twilio")),
        sha1_only.url(&path_for("twilio")),
    ];
    let mut runs = par_map(urls, |url| {
        check_json("twilio", &url, &["--mode", "hmac-sha256"])
    });
    let (bad_out, bad) = runs.pop().unwrap();
    let (out, report) = runs.pop().unwrap();
    out.assert_code(0);
    assert_eq!(
        report["modes"],
        serde_json::json!(["hmac-sha256"]),
        "{report:#}"
    );
    assert!(flagged(&report).is_empty(), "{report:#}");
    for name in [
        "valid",
        "bad-signature",
        "missing-signature",
        "body-modified",
    ] {
        assert_eq!(outcome(&report, name), "pass", "{name}\n{report:#}");
    }
    // The correct receiver uses SHA-256 only when the settings header says
    // so, and the SHA-1 one refuses: the header went, and SHA-256 signed.
    // A receiver that always computes HMAC-SHA1 refuses them, told why.
    bad_out.assert_code(1);
    assert_eq!(outcome(&bad, "valid"), "fail", "{bad:#}");
    let h = hint(&bad, "valid", None);
    assert!(h.contains("HMAC_SHA256") && h.contains("SharedKey"), "{h}");
    // Not part of the usual battery.
    let (_, usual) = check_json(
        "twilio",
        &correct.url(&path_for("twilio")),
        &["--case", "valid"],
    );
    assert_eq!(
        usual["modes"],
        serde_json::json!(["form", "json"]),
        "{usual:#}"
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
    // The large body arrives in many reads: refused for the same cause.
    assert_eq!(flagged(&report), ["large-body", "transport"], "{report:#}");
    assert_eq!(case(&report, "large-body")["got"], "401", "{report:#}");
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
