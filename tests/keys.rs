//! Asymmetric schemes end to end: `hookcli keygen` makes pairs that another
//! implementation (ring) accepts, a wrong kind of key is a one-line usage
//! error that never shows the key, and signatures made by ring (with keys
//! made by OpenSSL) get the right verdicts from `listen` and `verify`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};

use crate::common::{Listen, hookcli, raw_request, request_head, run, run_within};
use crate::send::{public_key_for, secret_for};

const ASYMMETRIC: [&str; 3] = ["discord", "standard-v1a", "sendgrid"];
const KEY_VAR: &str = "HOOKCLI_TEST_KEY";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `hookcli keygen --provider P --json`: (private, public).
fn keygen(provider: &str) -> (String, String) {
    let out = run(hookcli().args(["keygen", "--provider", provider, "--json"]));
    out.assert_code(0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["type"], "keygen");
    assert_eq!(doc["provider"], provider);
    (
        doc["private"].as_str().unwrap().to_string(),
        doc["public"].as_str().unwrap().to_string(),
    )
}

/// ring parses the private key and derives exactly the public key printed.
fn ring_accepts_pair(provider: &str, private: &str, public: &str) {
    match provider {
        "discord" => {
            let sk = hex::decode(private).unwrap();
            let pk = hex::decode(public).unwrap();
            assert_eq!((sk.len(), pk.len()), (64, 32));
            assert_eq!(&sk[32..], pk.as_slice());
            Ed25519KeyPair::from_seed_and_public_key(&sk[..32], &pk).expect("a matching pair");
        }
        "standard-v1a" => {
            let seed = B64.decode(private.strip_prefix("whsk_").unwrap()).unwrap();
            let pk = B64.decode(public.strip_prefix("whpk_").unwrap()).unwrap();
            Ed25519KeyPair::from_seed_and_public_key(&seed, &pk).expect("a matching pair");
        }
        "sendgrid" => {
            let pkcs8 = B64.decode(private).unwrap();
            let pair = EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &pkcs8,
                &ring::rand::SystemRandom::new(),
            )
            .expect("PKCS#8 that ring reads");
            let spki = B64.decode(public).unwrap();
            assert_eq!(&spki[spki.len() - 65..], pair.public_key().as_ref());
        }
        other => panic!("{other}"),
    }
}

#[test]
fn keygen_prints_fresh_pairs_that_ring_accepts() {
    for provider in ASYMMETRIC {
        let (private, public) = keygen(provider);
        ring_accepts_pair(provider, &private, &public);
        assert_ne!(
            keygen(provider).0,
            private,
            "{provider}: the same key twice"
        );

        let out = run(hookcli().args(["keygen", "--provider", provider]));
        out.assert_code(0);
        let stdout = out.stdout();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(
            lines[0].starts_with('#')
                && lines[0].contains("private")
                && lines[0].contains("public"),
            "{out}"
        );
        let private = lines[1].strip_prefix("private: ").expect("private line");
        let public = lines[2].strip_prefix("public: ").expect("public line");
        ring_accepts_pair(provider, private, public);
    }
    let out = run(hookcli().args(["keygen", "--provider", "stripe"]));
    out.assert_code(2);
}

/// A pair made by keygen signs with send and verifies with listen.
#[test]
fn keygen_pair_works_with_send_and_listen() {
    let store = tempfile::tempdir().unwrap();
    for provider in ASYMMETRIC {
        let (private, public) = keygen(provider);
        let listen = Listen::start(
            store.path(),
            &["--provider", provider, "--secret-env", KEY_VAR, "--enforce"],
            &[(KEY_VAR, &public)],
        );
        let out = run(hookcli()
            .args(["send", "--provider", provider, "--url", listen.url()])
            .args(["--secret-env", KEY_VAR])
            .env(KEY_VAR, &private));
        out.assert_code(0).assert_hides(&private);
        let out = run(hookcli()
            .args(["send", "--provider", provider, "--url", listen.url()])
            .args(["--secret-env", KEY_VAR, "--tamper", "bad-signature"])
            .args(["--expect-status", "401"])
            .env(KEY_VAR, &private));
        out.assert_code(0);
    }
}

#[test]
fn the_wrong_kind_of_key_is_a_usage_error_that_hides_the_key() {
    let store = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:9/unused";
    for provider in ASYMMETRIC {
        let private = secret_for(provider);
        let public = public_key_for(provider);
        // A delivery in the store, so that verify gets as far as the key.
        {
            let listen = Listen::start(store.path(), &[], &[]);
            run(hookcli()
                .args(["send", "--provider", provider, "--url", listen.url()])
                .args(["--secret-env", KEY_VAR])
                .env(KEY_VAR, private))
            .assert_code(0);
        }
        let signing = [
            vec!["send", "--provider", provider, "--url", url],
            vec!["check", "--provider", provider, "--url", url],
        ];
        for args in &signing {
            for (key, says) in [
                (public, "public key"),
                ("garbage key!", "not"),
                ("AAAA", "bytes"),
            ] {
                // Wrong length or encoding, as the provider's format goes.
                let says = if provider == "sendgrid" && key == "AAAA" {
                    "not a P-256 private key"
                } else if provider == "discord" && key == "AAAA" {
                    "2 bytes"
                } else if provider == "sendgrid" && key == public {
                    "public verification key"
                } else {
                    says
                };
                let out = run(hookcli()
                    .args(args)
                    .args(["--secret-env", KEY_VAR])
                    .env(KEY_VAR, key));
                out.assert_error(2, &[provider, says]).assert_hides(key);
            }
        }
        let out = run(hookcli()
            .args(["verify", "last", "--provider", provider, "--store"])
            .arg(store.path())
            .args(["--secret-env", KEY_VAR])
            .env(KEY_VAR, private));
        out.assert_error(2, &[provider, "private key"])
            .assert_hides(private);
        let out = run_within(
            hookcli()
                .args(["listen", "--port", "0", "--provider", provider, "--store"])
                .arg(store.path())
                .args(["--secret-env", KEY_VAR, "--enforce"])
                .env(KEY_VAR, private),
            Duration::from_secs(20),
        );
        out.assert_error(2, &[provider, "private key"])
            .assert_hides(private);
        // The public key verifies what was recorded.
        let out = run(hookcli()
            .args(["verify", "last", "--provider", provider, "--store"])
            .arg(store.path())
            .args(["--secret-env", KEY_VAR])
            .env(KEY_VAR, public));
        out.assert_code(0);
    }
}

/// The headers of a delivery signed by ring with the OpenSSL-made test keys.
fn ring_signed(provider: &str, body: &[u8], ts: i64) -> Vec<(String, Vec<u8>)> {
    let ts = ts.to_string();
    let h = |n: &str, v: String| (n.to_string(), v.into_bytes());
    match provider {
        "discord" => {
            let sk = hex::decode(secret_for(provider)).unwrap();
            let pair = Ed25519KeyPair::from_seed_and_public_key(&sk[..32], &sk[32..]).unwrap();
            let sig = pair.sign(&[ts.as_bytes(), body].concat());
            vec![
                h("X-Signature-Ed25519", hex::encode(sig.as_ref())),
                h("X-Signature-Timestamp", ts),
            ]
        }
        "standard-v1a" => {
            let seed = B64
                .decode(secret_for(provider).strip_prefix("whsk_").unwrap())
                .unwrap();
            let pk = B64
                .decode(public_key_for(provider).strip_prefix("whpk_").unwrap())
                .unwrap();
            let pair = Ed25519KeyPair::from_seed_and_public_key(&seed, &pk).unwrap();
            let id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
            let sig = pair.sign(&[id.as_bytes(), b".", ts.as_bytes(), b".", body].concat());
            vec![
                h("webhook-id", id.into()),
                h("webhook-timestamp", ts),
                h(
                    "webhook-signature",
                    format!("v1a,{}", B64.encode(sig.as_ref())),
                ),
            ]
        }
        "sendgrid" => {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = B64.decode(secret_for(provider)).unwrap();
            let pair =
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
                    .unwrap();
            let sig = pair.sign(&rng, &[ts.as_bytes(), body].concat()).unwrap();
            vec![
                h(
                    "X-Twilio-Email-Event-Webhook-Signature",
                    B64.encode(sig.as_ref()),
                ),
                h("X-Twilio-Email-Event-Webhook-Timestamp", ts),
            ]
        }
        other => panic!("{other}"),
    }
}

/// Posts `body` with `headers` to listen; the status and the delivery id.
fn post(listen: &Listen, headers: &[(String, Vec<u8>)], body: &[u8]) -> (u16, String) {
    let mut all = vec![
        ("Host".to_string(), listen.addr().to_string().into_bytes()),
        ("Content-Type".to_string(), b"application/json".to_vec()),
        (
            "Content-Length".to_string(),
            body.len().to_string().into_bytes(),
        ),
    ];
    all.extend_from_slice(headers);
    let r = raw_request(listen.addr(), &request_head("POST", "/hooks", &all), body).unwrap();
    let id = r
        .header("x-hookcli-delivery")
        .expect("a delivery id")
        .to_string();
    (r.status, id)
}

#[test]
fn signatures_made_by_ring_get_listen_verdicts_and_verify_explains() {
    let store = tempfile::tempdir().unwrap();
    for provider in ASYMMETRIC {
        let public = public_key_for(provider);
        let listen = Listen::start(
            store.path(),
            &["--provider", provider, "--secret-env", KEY_VAR, "--enforce"],
            &[(KEY_VAR, public)],
        );
        let body: &[u8] = if provider == "sendgrid" {
            br#"[{"email":"jenny@example.com","event":"delivered","sg_event_id":"ZGVsaXZlcmVk","timestamp":1700000000}]"#
        } else {
            br#"{"type":"user.created","id":"1249561010425184286","data":{"caf\u00e9":"\u2615"}}"#
        };
        let headers = ring_signed(provider, body, now());
        let (status, good) = post(&listen, &headers, body);
        assert_eq!(status, 200, "{provider}: a ring signature was refused");
        let mut tampered = body.to_vec();
        let i = tampered
            .iter()
            .position(|b| *b == b'j' || *b == b'u')
            .unwrap();
        tampered[i] ^= 0x01;
        let (status, bad) = post(&listen, &headers, &tampered);
        assert_eq!(status, 401, "{provider}: a modified body was accepted");
        // Discord and SendGrid document no window and their SDKs check none:
        // an old signature passes, as the SDK would judge it.
        let stale = ring_signed(provider, body, now() - 900);
        let (status, _) = post(&listen, &stale, body);
        let windowed = provider == "standard-v1a";
        assert_eq!(
            status,
            if windowed { 401 } else { 200 },
            "{provider}: a stale timestamp"
        );

        let verify = |id: &str| {
            run(hookcli()
                .args(["verify", id, "--store"])
                .arg(store.path())
                .args(["--secret-env", KEY_VAR, "--json"])
                .env(KEY_VAR, public))
        };
        let out = verify(&good);
        out.assert_code(0);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["provider"], provider, "{doc}");
        assert_eq!(doc["verdict"]["verdict"], "valid", "{doc}");
        let out = verify(&bad);
        out.assert_code(1);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["verdict"]["failure"]["cause"], "mismatch", "{doc}");
    }
}

/// `replay --resign` and `send --from --resign` sign again with the private
/// key; a verifying listen (public key) accepts the re-signed deliveries, and
/// the public key given to re-sign is refused before anything is sent.
#[test]
fn replay_and_send_from_resign_with_the_private_key() {
    let store = tempfile::tempdir().unwrap();
    let st = store.path().to_str().unwrap();
    let exported = tempfile::tempdir().unwrap();
    for provider in ASYMMETRIC {
        let (private, public) = (secret_for(provider), public_key_for(provider));
        // Recorded by a plain listen, signed ten minutes ago: stale now.
        {
            let listen = Listen::start(store.path(), &[], &[]);
            let ts = (now() - 600).to_string();
            run(hookcli()
                .args(["send", "--provider", provider, "--url", listen.url()])
                .args(["--timestamp", &ts, "--secret-env", KEY_VAR])
                .env(KEY_VAR, private))
            .assert_code(0);
        }
        let doc = run(hookcli().args(["show", "last", "--json", "--store", st]));
        doc.assert_code(0);
        let file = exported.path().join(format!("{provider}.json"));
        std::fs::write(&file, &doc.stdout).unwrap();

        let verifier_store = tempfile::tempdir().unwrap();
        // Discord and SendGrid set no window: this receiver chooses five minutes.
        let verifier = Listen::start(
            verifier_store.path(),
            &[
                "--provider",
                provider,
                "--secret-env",
                KEY_VAR,
                "--enforce",
                "--tolerance",
                "5m",
            ],
            &[(KEY_VAR, public)],
        );
        let replay = |key: &str| {
            run(hookcli()
                .args(["replay", "last", "--to", verifier.url(), "--store", st])
                .args(["--resign", "--provider", provider, "--secret-env", KEY_VAR])
                .env(KEY_VAR, key))
        };
        replay(public).assert_error(2, &[provider, "private key"]);
        let exact = run(hookcli().args(["replay", "last", "--to", verifier.url(), "--store", st]));
        exact.assert_code(1);
        replay(private).assert_code(0).assert_hides(private);

        let from = |key: &str| {
            run(hookcli()
                .args(["send", "--from"])
                .arg(&file)
                .args(["--url", verifier.url(), "--resign", "--secret-env", KEY_VAR])
                .env(KEY_VAR, key))
        };
        from(public).assert_error(2, &[provider, "private key"]);
        from(private).assert_code(0).assert_hides(private);
    }
}

/// A listen told no provider recognises each asymmetric provider's
/// deliveries from their headers, and names their events and ids.
#[test]
fn listen_recognises_the_asymmetric_providers_from_their_headers() {
    let store = tempfile::tempdir().unwrap();
    let st = store.path().to_str().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    let events = [
        ("discord", "ping"),
        ("discord", "application_command"),
        ("standard-v1a", "invoice.paid"),
        ("sendgrid", "open"),
    ];
    for (provider, event) in events {
        run(hookcli()
            .args(["send", "--provider", provider, "--event", event])
            .args(["--url", listen.url(), "--secret-env", KEY_VAR])
            .env(KEY_VAR, secret_for(provider)))
        .assert_code(0);
    }
    let out = run(hookcli().args(["list", "--json", "--store", st]));
    out.assert_code(0);
    let rows: Vec<serde_json::Value> = out
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), events.len(), "{out}");
    // Newest first.
    for (row, (provider, event)) in rows.iter().zip(events.iter().rev()) {
        assert_eq!(row["provider"], *provider, "{row}");
        assert_eq!(row["event_type"], *event, "{row}");
        assert!(
            row["event_id"].as_str().is_some_and(|id| !id.is_empty()),
            "{row}"
        );
    }
}
