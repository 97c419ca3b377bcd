//! Sign and verify per provider on a 3 KB JSON body.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hookcli::provider::{self, SignContext, VerifyOptions, WebhookRequest};
use hookcli::secret::Secret;

fn body_3kb() -> Vec<u8> {
    let mut body = br#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"lines":["#.to_vec();
    while body.len() < 3000 {
        body.extend_from_slice(
            br#"{"amount":2000,"currency":"usd","description":"caf\u00e9 line"},"#,
        );
    }
    body.extend_from_slice(br#"{}]}}}"#);
    body
}

fn bench(c: &mut Criterion) {
    let body = body_3kb();
    let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let ctx = SignContext {
        timestamp: 1_700_000_000,
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek".into(),
    };
    let opts = VerifyOptions::at(1_700_000_000);
    for p in provider::all() {
        // Asymmetric schemes sign with the private key, verify with the public one.
        let (secret, public) = match p.keygen() {
            Some(pair) => (pair.private, Secret::new(pair.public)),
            None => (secret.clone(), secret.clone()),
        };
        let mut template = WebhookRequest::post("https://example.com/hooks?x=1", body.clone());
        template.headers.append("Content-Type", "application/json");
        let mut signed = template.clone();
        p.sign(&mut signed, &secret, &ctx).unwrap();
        assert!(
            p.verify(&signed, &public, &opts).is_valid(),
            "{} does not verify its own signature",
            p.name()
        );
        c.bench_function(&format!("sign/{}", p.name()), |b| {
            b.iter(|| {
                let mut req = template.clone();
                p.sign(black_box(&mut req), &secret, &ctx).unwrap();
                req
            })
        });
        c.bench_function(&format!("verify/{}", p.name()), |b| {
            b.iter(|| p.verify(black_box(&signed), &public, &opts))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
