//! Receivers with bugs real webhook handlers have that the first battery
//! let through or named vaguely: a signature parser that keeps the last
//! of several, an empty secret, a body decoded as text before it is
//! verified, a secret read with its newline or quotes, a MAC in the wrong
//! encoding, a clock in milliseconds, a body limit answered 500. Each is
//! caught by the case that names it, nothing else fails; where every
//! correctly signed delivery is refused, the valid row names the mistake.

use super::*;

/// Each provider's receiver with `bugs` is caught by `name` alone, with
/// `hint`; `got` is what the case's row says it got, for every provider.
fn caught_alone_each(providers: &[&'static str], bugs: Bugs, name: &str, hint: &str, got: &str) {
    par_map(providers.to_vec(), |provider| {
        let report = caught_alone(provider, bugs.clone(), name, hint);
        assert_eq!(case(&report, name)["got"], got, "{provider}\n{report:#}");
    });
}

#[test]
fn bug_checking_only_the_last_signature_fails_secret_rotation() {
    let bugs = Bugs {
        last_signature_only: true,
        ..Bugs::default()
    };
    // Refused with the outgoing secret's signature last only.
    caught_alone_each(
        &["stripe", "standard", "clerk", "resend", "standard-v1a"],
        bugs,
        "secret-rotation",
        "checks only the last of the signatures in",
        "200, 401",
    );
}

#[test]
fn bug_accepting_an_empty_secret_fails_bad_signature() {
    let bugs = Bugs {
        empty_secret_too: true,
        ..Bugs::default()
    };
    // Another secret's signature refused, the empty one's accepted.
    caught_alone_each(
        &["github", "stripe", "shopify", "slack", "gitlab"],
        bugs,
        "bad-signature",
        "accepts a delivery signed with an empty secret",
        "401, 200",
    );
}

/// Warned, not failed: Svix's and Standard Webhooks' own Python libraries
/// decode the body before verifying it, so a receiver built on them does
/// this too, and no provider sends such bytes.
#[test]
fn bug_decoding_the_body_as_text_before_verifying_warns_malformed_body() {
    par_map(vec!["github", "stripe", "slack", "standard"], |provider| {
        let bugs = Bugs {
            decodes_body_first: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let url = server.url(&path_for(provider));
        let (out, report) = check_json(provider, &url, &[]);
        out.assert_code(0);
        let c = case(&report, "malformed-body");
        assert_eq!(c["outcome"], "warn", "{provider}\n{report:#}");
        assert_eq!(c["got"], "400, 500", "{provider}\n{report:#}");
        let hint = c["hint"].as_str().unwrap();
        assert!(
            hint.contains("not UTF-8 makes the handler fail with 500"),
            "{hint}"
        );
        let (out, _) = check_json(provider, &url, &["--strict"]);
        out.assert_code(1);
    });
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
    let bugs = Bugs {
        body_limit: Some((MIB, 500)),
        ..Bugs::default()
    };
    caught_alone_each(
        &["github", "stripe", "slack"],
        bugs,
        "large-body",
        "a 5 MiB body makes the handler fail with 500",
        "500",
    );
}

#[test]
fn bug_verifying_only_what_a_fixed_buffer_holds_fails_large_body() {
    let bugs = Bugs {
        reads_first: Some(MIB),
        ..Bugs::default()
    };
    caught_alone_each(
        &["github", "shopify", "standard"],
        bugs,
        "large-body",
        "verifies only part of it",
        "401",
    );
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

#[test]
fn bug_falling_back_to_githubs_sha1_signature_fails_missing_signature() {
    let bugs = Bugs {
        sha1_fallback: true,
        ..Bugs::default()
    };
    // No signature refused; the legacy SHA-1 one alone accepted.
    caught_alone_each(
        &["github"],
        bugs,
        "missing-signature",
        "on its legacy signature alone",
        "401, 200",
    );
}

#[test]
fn bug_comparing_a_base64_mac_case_insensitively_fails_truncated_signature() {
    let bugs = Bugs {
        case_insensitive_mac: true,
        ..Bugs::default()
    };
    // Half the MAC and none refused; the case-swapped one accepted.
    caught_alone_each(
        &["shopify"],
        bugs,
        "truncated-signature",
        "its letters' case swapped",
        "401, 401, 200",
    );
}
