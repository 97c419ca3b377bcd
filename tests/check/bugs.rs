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
        (provider, caught_alone(provider, bugs, "bad-signature", hint))
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
        (provider, caught_alone(provider, bugs, "malformed-body", hint))
    });
    for (provider, report) in reports {
        // The half body refused as it should be; the bytes that are not UTF-8 crash it.
        let c = case(&report, "malformed-body");
        assert_eq!(c["got"], "400, 500", "{provider}\n{report:#}");
        assert_eq!(c["expected"], "400, 4xx");
    }
}
