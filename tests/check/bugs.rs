//! Receivers with bugs real webhook handlers have that the first battery
//! let through or named vaguely: a signature parser that keeps the last
//! of several, an empty secret, a body decoded as text before it is
//! verified, a secret read with its newline or quotes, a MAC in the wrong
//! encoding. Each is caught by the case that names it, nothing else fails.

use super::*;

#[test]
fn bug_checking_only_the_last_signature_fails_secret_rotation() {
    let providers = ["stripe", "standard", "clerk", "resend", "standard-v1a"];
    let reports = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            last_signature_only: true,
            ..Bugs::default()
        };
        let hint = "checks only the last of the signatures";
        (
            provider,
            caught_alone(provider, bugs, "secret-rotation", hint),
        )
    });
    for (provider, report) in reports {
        let c = case(&report, "secret-rotation");
        // Refused with the outgoing secret's signature last only.
        assert_eq!(c["got"], "200, 401", "{provider}\n{report:#}");
        assert!(c["hint"].as_str().unwrap().contains("(a dict or map)"));
    }
}

#[test]
fn bug_accepting_an_empty_secret_fails_bad_signature() {
    let providers = ["github", "stripe", "shopify", "slack", "gitlab"];
    let reports = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            empty_secret_too: true,
            ..Bugs::default()
        };
        let hint = "accepts a delivery signed with an empty secret";
        (
            provider,
            caught_alone(provider, bugs, "bad-signature", hint),
        )
    });
    for (provider, report) in reports {
        // Another secret's signature refused, the empty one's accepted.
        assert_eq!(
            case(&report, "bad-signature")["got"],
            "401, 200",
            "{provider}\n{report:#}"
        );
    }
}

#[test]
fn bug_decoding_the_body_as_text_before_verifying_fails_malformed_body() {
    let providers = ["github", "stripe", "slack", "standard"];
    let reports = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            decodes_body_first: true,
            ..Bugs::default()
        };
        let hint = "a body that is not UTF-8 makes the handler fail with 500";
        (
            provider,
            caught_alone(provider, bugs, "malformed-body", hint),
        )
    });
    for (provider, report) in reports {
        // The half body refused as it should be; the bytes that are not UTF-8 crash it.
        let c = case(&report, "malformed-body");
        assert_eq!(c["got"], "400, 500", "{provider}\n{report:#}");
        assert_eq!(c["expected"], "400, 4xx");
    }
}

/// check against a receiver that refuses every correctly signed delivery
/// for one mistake: valid fails with the mistake named, and so does the
/// diagnosis.
fn refused_for(provider: &'static str, server: &Server, mistake: &str) -> Value {
    let url = format!("http://{}{}", server.addr, path_for(provider));
    let (out, report) = check_json(provider, &url, &[]);
    assert_eq!(out.code, Some(1), "{provider}\n{out}");
    let valid = case(&report, "valid");
    assert_eq!(valid["outcome"], "fail", "{provider}\n{report:#}");
    let hint = valid["hint"].as_str().unwrap();
    assert!(hint.contains(mistake), "{provider}: {hint}");
    let diagnosis = report["diagnosis"].as_str().unwrap_or_default();
    assert!(diagnosis.contains(mistake), "{provider}: {diagnosis}");
    report
}

#[test]
fn an_endpoint_with_an_empty_secret_is_told_so() {
    let providers = ["github", "stripe", "shopify", "slack", "twilio"];
    par_map(providers.to_vec(), |provider| {
        let server = receiver_with_secret(provider, "", Bugs::default());
        refused_for(provider, &server, "verifies with an empty secret");
    });
}

#[test]
fn an_endpoint_whose_secret_ends_in_a_newline_is_told_so() {
    let providers = ["github", "stripe", "shopify", "slack"];
    par_map(providers.to_vec(), |provider| {
        let secret = format!("{}\n", secret_for(provider));
        let server = receiver_with_secret(provider, &secret, Bugs::default());
        refused_for(provider, &server, "ends in a newline");
    });
}

#[test]
fn an_endpoint_whose_secret_keeps_its_quotes_is_told_so() {
    let providers = ["github", "stripe"];
    par_map(providers.to_vec(), |provider| {
        let secret = format!("\"{}\"", secret_for(provider));
        let server = receiver_with_secret(provider, &secret, Bugs::default());
        refused_for(provider, &server, "wrapped in quotes");
    });
}

#[test]
fn a_standard_webhooks_endpoint_keyed_with_the_whole_whsec_text_is_told_so() {
    let providers = ["standard", "clerk", "resend"];
    par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            whsec_as_is: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        refused_for(provider, &server, "keys the HMAC with the whole whsec_");
    });
}

#[test]
fn a_shopify_endpoint_comparing_a_hex_mac_is_told_so() {
    let bugs = Bugs {
        mac_hex: true,
        ..Bugs::default()
    };
    let server = receiver("shopify", bugs);
    let report = refused_for("shopify", &server, "compares the MAC hex-encoded");
    let hint = case(&report, "valid")["hint"].as_str().unwrap();
    assert!(hint.contains("Shopify sends it base64-encoded"), "{hint}");
}

/// A secret that differs for no reason the probes know keeps the general
/// hint: the probes name no mistake they did not see.
#[test]
fn an_endpoint_with_another_secret_keeps_the_general_hint() {
    let server = receiver_with_secret("github", "another-secret-entirely", Bugs::default());
    let url = format!("http://{}{}", server.addr, path_for("github"));
    let (out, report) = check_json("github", &url, &[]);
    assert_eq!(out.code, Some(1), "{out}");
    let hint = case(&report, "valid")["hint"].as_str().unwrap();
    assert!(hint.contains("secret differs"), "{hint}");
    let diagnosis = report["diagnosis"].as_str().unwrap();
    assert!(diagnosis.contains("secret differs"), "{diagnosis}");
}

#[test]
fn bug_refusing_a_charset_parameter_fails_valid_where_the_provider_sends_one() {
    // Stripe and Linear send `application/json; charset=utf-8`.
    par_map(vec!["stripe", "linear"], |provider| {
        let bugs = Bugs {
            exact_content_type: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "valid", false, &[]);
        let valid = case(&report, "valid");
        assert_eq!(valid["got"], "415", "{provider}\n{report:#}");
        let hint = valid["hint"].as_str().unwrap();
        assert!(hint.contains("compare the media type alone"), "{hint}");
    });
}

#[test]
fn bug_judging_the_window_in_milliseconds_fails_stale_timestamp() {
    par_map(vec!["slack", "stripe", "standard"], |provider| {
        let bugs = Bugs {
            window_in_ms: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "stale-timestamp", true, &[]);
        let hint = case(&report, "stale-timestamp")["hint"].as_str().unwrap();
        assert!(hint.contains("replay attacks work"), "{provider}: {hint}");
        // Ten minutes ahead gets through too: failed where the provider's
        // own libraries refuse it, warned where they do not.
        let future = outcome(&report, "future-timestamp");
        let want = if provider == "standard" {
            "fail"
        } else {
            "warn"
        };
        assert_eq!(future, want, "{provider}\n{report:#}");
    });
}

#[test]
fn an_endpoint_comparing_seconds_with_a_clock_in_milliseconds_is_told_so() {
    par_map(vec!["slack", "stripe", "standard"], |provider| {
        let bugs = Bugs {
            now_in_ms: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = refused_for(provider, &server, "a clock in milliseconds");
        // Refused as stale, which read as a body parser's 400 before.
        assert_eq!(case(&report, "valid")["got"], "400", "{provider}");
    });
}

#[test]
fn an_endpoint_signing_the_body_alone_is_told_so() {
    let providers = ["stripe", "slack", "standard", "clerk"];
    par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            body_alone: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = refused_for(provider, &server, "computes the MAC over the body alone");
        // The hint quotes what the scheme signs.
        let hint = case(&report, "valid")["hint"].as_str().unwrap();
        assert!(hint.contains("TS"), "{provider}: {hint}");
    });
}

const MIB: usize = 1 << 20;

#[test]
fn bug_failing_on_a_body_over_its_limit_fails_large_body() {
    par_map(vec!["github", "stripe", "slack"], |provider| {
        let bugs = Bugs {
            body_limit: Some((MIB, 500)),
            ..Bugs::default()
        };
        let hint = "a 5 MiB body makes the handler fail with 500";
        let report = caught_alone(provider, bugs, "large-body", hint);
        assert_eq!(case(&report, "large-body")["got"], "500");
    });
}

#[test]
fn bug_verifying_only_what_a_fixed_buffer_holds_fails_large_body() {
    par_map(vec!["github", "shopify", "standard"], |provider| {
        let bugs = Bugs {
            reads_first: Some(MIB),
            ..Bugs::default()
        };
        let hint = "verifies only part of it";
        let report = caught_alone(provider, bugs, "large-body", hint);
        assert_eq!(case(&report, "large-body")["got"], "401");
    });
}

/// A body limit answered 413, as Express's `express.raw({ limit })` does,
/// is no fault: nothing fails or warns.
#[test]
fn a_body_limit_answered_413_passes_large_body() {
    let bugs = Bugs {
        body_limit: Some((MIB, 413)),
        ..Bugs::default()
    };
    let server = receiver("stripe", bugs);
    let url = server.url(&path_for("stripe"));
    let (out, report) = check_json("stripe", &url, &["--strict"]);
    out.assert_code(0);
    let large = case(&report, "large-body");
    assert_eq!(large["got"], "413");
    assert_eq!(large["outcome"], "pass");
}
