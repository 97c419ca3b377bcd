//! Property tests (issue 14's fuzz target) of what reads bytes a sender or a
//! file controls: every provider's signature headers and event fields, and
//! the portable document. Arbitrary input never panics; valid input signed
//! by a provider verifies, and a document reads back what it holds. A
//! bounded number of cases each, so they run in the normal suite.

use proptest::prelude::*;

use hookcli::provider::{self, Provider, SignContext, VerifyOptions, WebhookRequest};
use hookcli::secret::Secret;
use hookcli::store::{Delivery, VerdictRecord, portable};

const NOW: i64 = 1_700_000_000;

/// Header values shaped like the schemes' own (`t=…,v1=…`, `v1,…`,
/// `ts=…;h1=…`, `sha256=…`), and anything at all.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ =,;:.tvhsa0-9a-fA-F_+/-]{0,160}",
        "t=-?[0-9]{0,20},v1=[0-9a-f]{0,80}(,v1=[0-9a-z]{0,70}){0,3}",
        "v1[,a][A-Za-z0-9+/=]{0,60}( v1,[A-Za-z0-9+/=]{0,60}){0,3}",
        "ts=-?[0-9]{0,20};h1=[0-9a-f]{0,70}(;h1=[0-9a-f]{0,8}){0,2}",
        "(sha1|sha256|sha512)=[0-9a-f]{0,130}",
        "[0-9]{0,24}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        (any::<String>(), any::<String>(), any::<i64>()).prop_map(|(t, id, n)| {
            serde_json::json!({"type": t, "id": id, "event": t, "data": {"n": n}})
                .to_string()
                .into_bytes()
        }),
    ]
}

/// A JSON event with the fields that schemes signing inside the body
/// read (Linear's `webhookTimestamp`, in milliseconds), and any others.
fn event_body() -> impl Strategy<Value = Vec<u8>> {
    (any::<String>(), any::<String>(), any::<i64>()).prop_map(|(t, id, n)| {
        serde_json::json!({
            "type": t,
            "id": id,
            "event": t,
            "webhookTimestamp": NOW * 1000,
            "data": {"n": n},
        })
        .to_string()
        .into_bytes()
    })
}

/// The secret a provider signs with and the one it verifies with: the same
/// shared secret, or a fresh key pair for the asymmetric ones.
fn keys(p: &dyn Provider) -> (Secret, Secret) {
    match p.keygen() {
        Some(pair) => (pair.private, Secret::new(pair.public)),
        None => {
            let s = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            (s.clone(), s)
        }
    }
}

fn options() -> VerifyOptions {
    VerifyOptions {
        now: NOW,
        tolerance: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every provider's own headers set to hostile values, with any body:
    /// verify and the event readers answer, never panic, never say valid.
    #[test]
    fn provider_header_parsers_never_panic(
        values in proptest::collection::vec(header_value(), 1..6),
        body in body(),
    ) {
        for p in provider::all() {
            let (_, verify_key) = keys(p.as_ref());
            let mut req = WebhookRequest::post(format!("https://example.com/{}", p.name()), body.clone());
            let ctx = SignContext { timestamp: NOW, id: "msg_1".into() };
            for (n, v) in p.default_headers(&ctx) {
                req.headers.set(&n, v);
            }
            for (i, h) in p.info().signature_headers.iter().enumerate() {
                req.headers.set(h, values[i % values.len()].clone());
            }
            let verdict = p.verify(&req, &verify_key, &options());
            let _ = verdict.explain();
            let _ = p.event(&req);
            let _ = p.signed_at(&req);
            let _ = p.detect(&req.headers);
            if p.signed() {
                prop_assert!(!verdict.is_valid(), "{} took {:?}", p.name(), values);
            }
        }
    }

    /// What a provider signs, its verify accepts, for any event body.
    #[test]
    fn what_a_provider_signs_it_verifies(body in event_body(), id in "[A-Za-z0-9_-]{1,24}") {
        let mut failed = Vec::new();
        for p in provider::all() {
            let (sign_key, verify_key) = keys(p.as_ref());
            let ctx = SignContext { timestamp: NOW, id: id.clone() };
            let mut req = WebhookRequest::post(format!("https://example.com/{}", p.name()), body.clone());
            for (n, v) in p.default_headers(&ctx) {
                req.headers.set(&n, v);
            }
            // Some schemes sign inside a JSON body (Mailgun): others cannot.
            if p.sign(&mut req, &sign_key, &ctx).is_err() {
                continue;
            }
            let verdict = p.verify(&req, &verify_key, &options());
            if !verdict.is_valid() && p.signed() {
                failed.push(format!("{}: {}", p.name(), verdict.explain()));
            }
        }
        prop_assert!(failed.is_empty(), "{:#?}", failed);
    }

    /// Any bytes as a portable document: a clear error or a delivery.
    #[test]
    fn the_portable_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = portable::parse(&bytes);
        let mut doc = br#"{"schema":"hookcli.delivery/1","id":"x","request":"#.to_vec();
        doc.extend_from_slice(&bytes);
        let _ = portable::parse(&doc);
    }

    /// A document written from any delivery reads back the same request.
    #[test]
    fn a_portable_document_round_trips(
        method in "[A-Z]{1,10}",
        target in any::<String>(),
        headers in proptest::collection::vec(
            (any::<String>(), proptest::collection::vec(any::<u8>(), 0..40)),
            0..8,
        ),
        body in proptest::collection::vec(any::<u8>(), 0..256),
        event in proptest::option::of(any::<String>()),
    ) {
        let d = Delivery {
            id: "01m8fmww9jprv1y29c41206862".into(),
            received_at: NOW * 1000 + 123,
            peer: None,
            method,
            target,
            http_version: "HTTP/1.1".into(),
            headers: headers.into_iter().collect(),
            body_sha256: hookcli::provider::crypto::sha256_hex(&body),
            body: body.into(),
            provider: Some("stripe".into()),
            event_type: event,
            event_id: None,
            verdict: VerdictRecord::unknown(),
            source: "direct".into(),
            public_url: None,
            rejected: None,
        };
        let text = portable::document(&d, &[]).to_string();
        let back = portable::parse(text.as_bytes()).expect("its own document reads back");
        prop_assert_eq!(back, d);
    }
}
