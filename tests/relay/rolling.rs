//! Relay instances of two hookcli releases on one database, as during a
//! rolling upgrade (src/relay/pg/payload.rs). The other release is played
//! by the test on a real connection of its own: its application name makes
//! it count as alive, it listens on its instance topic, and it writes and
//! reads the routing payloads as that release does (the unversioned form
//! of the release before versions, or a version newer than this one).
//! Also the gaps around a client attaching: a delivery right after the
//! tunnel is up, and right after a takeover, reaches the new client.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hookcli::relay::frame::Frame;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, NoTls, Notification};

use super::postgres::{Routed, routed};
use super::{App, Relay, attached, http, post, runtime, seq_body};
use crate::common::postgres::Postgres;

/// Another release's relay instance, played by the test.
struct Foreign {
    id: String,
    client: Client,
    notes: mpsc::UnboundedReceiver<Notification>,
}

impl Foreign {
    /// Instance `id` on the database at `url`, listening on its topic.
    async fn start(url: &str, id: &str) -> Foreign {
        let mut config: tokio_postgres::Config = url.parse().expect("database URL");
        config.application_name(format!("hookcli relay {id}"));
        let (client, mut connection) = config.connect(NoTls).await.expect("connect");
        let (tx, notes) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(m)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                if let AsyncMessage::Notification(n) = m {
                    let _ = tx.send(n);
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN hookcli_relay_{id}"))
            .await
            .expect("LISTEN");
        Foreign {
            id: id.to_string(),
            client,
            notes,
        }
    }

    /// Takes `channel`'s lease, as the release does when its client attaches.
    async fn hold(&self, channel: &str) {
        self.client
            .execute(
                "INSERT INTO relay_channels (channel, instance, expires_ms)
                 VALUES ($1, $2, (extract(epoch from clock_timestamp()) * 1000)::bigint + 30000)",
                &[&channel, &self.id],
            )
            .await
            .expect("lease");
    }

    /// The instance holding `channel`'s lease.
    async fn holder(&self, channel: &str) -> String {
        self.client
            .query_one(
                "SELECT instance FROM relay_channels WHERE channel = $1",
                &[&channel],
            )
            .await
            .expect("a lease")
            .get(0)
    }

    /// `NOTIFY` instance `to` with `payload`.
    async fn send(&self, to: &str, payload: &str) {
        self.client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&format!("hookcli_relay_{to}"), &payload],
            )
            .await
            .expect("NOTIFY");
    }

    /// The next payload for this instance, within 5 s.
    async fn next(&mut self) -> String {
        let got = tokio::time::timeout(Duration::from_secs(5), self.notes.recv()).await;
        got.ok()
            .flatten()
            .map(|n| n.payload().to_string())
            .expect("a notification within 5 s")
    }
}

/// A frame as payload text, in the form every version reads (`b` and base64).
fn frame_text(frame: &Frame) -> String {
    format!("b{}", B64.encode(frame.encode()))
}

/// The frame in payload text of either form (`t` escaped text, `b` base64).
fn text_frame(text: &str) -> Frame {
    let bytes = match text.split_at(1) {
        ("b", rest) => B64.decode(rest).expect("base64"),
        ("t", rest) => {
            let mut out = Vec::new();
            let mut bytes = rest.bytes();
            while let Some(b) = bytes.next() {
                if b == b'~' {
                    let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                    let hex = std::str::from_utf8(&hex).expect("hex digits");
                    out.push(u8::from_str_radix(hex, 16).expect("an escape"));
                } else {
                    out.push(b);
                }
            }
            out
        }
        _ => panic!("not payload text: {text:?}"),
    };
    Frame::decode(&bytes).expect("a frame")
}

fn answer_frame(status: u16, body: &[u8]) -> Frame {
    Frame::Answer {
        id: 0,
        status,
        headers: Default::default(),
        body: body.to_vec(),
    }
}

/// `N` fields of a `:`-separated payload, the last one holding the rest.
fn fields(payload: &str, n: usize) -> Vec<&str> {
    let f: Vec<&str> = payload.splitn(n, ':').collect();
    assert_eq!(f.len(), n, "{payload}");
    f
}

/// An instance of the release before payload versions (id without `_vN`)
/// holds the client: a delivery reaching an instance of this one is routed
/// to it in the unversioned form it reads, and its unversioned answer comes
/// back to the sender.
#[test]
fn relay_on_postgres_routes_to_and_from_an_instance_of_the_release_before_payload_versions() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, app, a, b, .. } = &routed(pg);
    let rt = runtime();
    rt.block_on(async {
        let mut old = Foreign::start(url, "00112233445566aa").await;
        old.hold("old").await;

        // This release to the old one.
        let target = a.at("old", "hook/1");
        let sent = tokio::spawn(async move { post(&http(), &target, seq_body(1)).await });
        let payload = old.next().await;
        assert!(payload.starts_with("p:"), "unversioned: {payload}");
        let [_, id, origin, channel, frame] = fields(&payload, 5)[..] else {
            unreachable!()
        };
        assert!(origin.ends_with("_v2"), "{origin}");
        assert_eq!(channel, "old");
        let Frame::Deliver { target, body, .. } = text_frame(frame) else {
            panic!("a delivery: {payload}")
        };
        assert_eq!((target.as_str(), body), ("/hook/1", seq_body(1).into()));
        let answer = frame_text(&answer_frame(201, b"from the old release"));
        old.send(origin, &format!("r:{id}:1:{answer}")).await;
        let got = sent.await.unwrap();
        assert_eq!(got.status, 201, "{}\n{}", got.text(), a.stderr());
        assert_eq!(got.body, b"from the old release");

        // The old release to this one: its delivery is answered by the app,
        // in the unversioned form.
        let holder = old.holder("dev").await;
        let delivery = Frame::Deliver {
            id: 0,
            method: "POST".into(),
            target: "/hook/2".into(),
            public_url: "http://relay.example/dev/hook/2".into(),
            peer: None,
            headers: Default::default(),
            body: seq_body(2).into(),
        };
        let sent = format!("p:77:{}:dev:{}", old.id, frame_text(&delivery));
        old.send(&holder, &sent).await;
        let back = old.next().await;
        assert!(back.starts_with("r:77:1:"), "unversioned, answered: {back}");
        let Frame::Answer { status, .. } = text_frame(fields(&back, 4)[3]) else {
            panic!("an answer: {back}")
        };
        assert_eq!(status, 201, "{}", b.stderr());
    });
    assert_eq!(app.count(), 1, "the old release's delivery reached the app");
}

/// An instance of a newer release writes a version this one cannot read:
/// its delivery is refused at once with a 503 naming both versions (one log
/// line, and the instance carries on), and an answer in it fails the
/// sender's wait at once. A holder advertising a newer version is written
/// the newest this one knows.
#[test]
fn relay_on_postgres_refuses_a_payload_version_it_cannot_read_at_once_and_carries_on() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, app, a, b, .. } = &routed(pg);
    let rt = runtime();
    rt.block_on(async {
        let mut newer = Foreign::start(url, "ffeeddccbbaa9988_v3").await;
        newer.hold("new").await;

        // A delivery in version 3 to B: answered 503 in version 2, at once.
        let holder = newer.holder("dev").await;
        let started = Instant::now();
        newer
            .send(
                &holder,
                &format!("3:p:88:{}:dev:a form this release never saw", newer.id),
            )
            .await;
        let back = newer.next().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let f = fields(&back, 6);
        assert_eq!(
            (f[0], f[1], f[2], f[3], f[4]),
            ("2", "r", "88", holder.as_str(), "0"),
            "{back}"
        );
        let Frame::Answer {
            status,
            headers,
            body,
            ..
        } = text_frame(f[5])
        else {
            panic!("an answer: {back}")
        };
        assert_eq!(status, 503);
        assert!(
            headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
        );
        let why = String::from_utf8_lossy(&body);
        assert!(
            why.contains("version 3; this one reads versions 1 to 2"),
            "{why}"
        );
        let lines: Vec<String> = b
            .stderr()
            .lines()
            .filter(|l| l.contains("routed delivery 88"))
            .map(str::to_string)
            .collect();
        assert_eq!(lines.len(), 1, "one line: {lines:?}");
        assert!(lines[0].contains("version 3"), "{lines:?}");

        // A holder reading version 3 gets version 2 from A; an answer in
        // version 3 fails the sender's wait at once.
        let target = a.at("new", "hook/3");
        let sent = tokio::spawn(async move { post(&http(), &target, seq_body(3)).await });
        let payload = newer.next().await;
        let f = fields(&payload, 6);
        assert_eq!((f[0], f[1], f[4]), ("2", "p", "new"), "{payload}");
        let (id, origin) = (f[2], f[3]);
        newer
            .send(
                origin,
                &format!("3:r:{id}:{}:whatever version 3 says", newer.id),
            )
            .await;
        let got = sent.await.unwrap();
        assert_eq!(got.status, 503, "{}", got.text());
        assert!(got.text().contains("version 3"), "{}", got.text());
        assert!(got.elapsed < Duration::from_secs(3), "{:?}", got.elapsed);
    });
    // Both carry on: a delivery through A reaches the app on B.
    let live = rt.block_on(post(&http(), &a.at("dev", "hook/4"), seq_body(4)));
    assert_eq!(live.status, 201, "{}\n{}", live.text(), b.stderr());
    assert_eq!(app.count(), 1);
}

/// The lease is recorded before the client hears its tunnel is up: a
/// delivery posted to another instance the moment it says so is routed to
/// it, not answered 503 for want of a lease.
#[test]
fn relay_on_postgres_a_delivery_right_after_tunnel_up_reaches_the_client_through_another_instance()
{
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("main");
    let a = Relay::start(&["--database-url", &url]);
    let b = Relay::start(&["--database-url", &url]);
    let rt = runtime();
    let stores: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut clients = Vec::new();
    for (i, store) in stores.iter().enumerate() {
        let channel = format!("dev{i}");
        clients.push(attached(
            store.path(),
            &b.url,
            &channel,
            &["--forward-to", &app.url()],
        ));
        let got = rt.block_on(post(&http(), &a.at(&channel, "hook"), seq_body(i)));
        assert_eq!(got.status, 201, "{channel}: {}\n{}", got.text(), a.stderr());
    }
}

/// A claim is announced to every instance: the one a delivery reaches
/// forgets the old holder at once, instead of routing to it for up to a
/// second. The new holder is played by the test (claiming as an instance
/// does), so the delivery follows the claim within milliseconds.
#[test]
fn relay_on_postgres_a_delivery_right_after_a_claim_elsewhere_goes_to_the_new_holder() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("first");
    let a = Relay::start(&["--database-url", &url]);
    let c = Relay::start(&["--database-url", &url]);
    let store = tempfile::tempdir().unwrap();
    let _first = attached(store.path(), &a.url, "dev", &["--forward-to", &app.url()]);
    let rt = runtime();
    rt.block_on(async {
        let mut next = Foreign::start(&url, "0123456789abcdef_v2").await;
        // C learns that A holds the channel.
        let got = post(&http(), &c.at("dev", "hook/1"), seq_body(1)).await;
        super::assert_app_answer(got.status, &got.headers, &got.body, "first");
        next.client
            .execute(
                "WITH taken AS (
                     UPDATE relay_channels SET instance = $2 WHERE channel = $1 RETURNING 1
                 )
                 SELECT pg_notify('hookcli_relay_claimed', $1) FROM taken",
                &[&"dev", &next.id],
            )
            .await
            .expect("claim");
        // The announcement reaches C in milliseconds; the old memory lasted 1 s.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let target = c.at("dev", "hook/2");
        let sent = tokio::spawn(async move { post(&http(), &target, seq_body(2)).await });
        let payload = next.next().await;
        let f = fields(&payload, 6);
        assert_eq!((f[0], f[1], f[4]), ("2", "p", "dev"), "{payload}");
        let answer = frame_text(&answer_frame(201, b"the new holder"));
        next.send(f[3], &format!("2:r:{}:{}:1:{answer}", f[2], next.id))
            .await;
        let got = sent.await.unwrap();
        assert_eq!(got.status, 201, "{}", got.text());
        assert_eq!(got.body, b"the new holder");
    });
    assert_eq!(
        app.count(),
        1,
        "only the delivery before the claim reached A's client"
    );
}
