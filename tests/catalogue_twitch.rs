//! Twitch's catalogue: every EventSub subscription type and version (the
//! list scripts/catalogue/twitch.mjs derived from the twurple typings plus
//! the types only Twitch's reference has, committed in tests/data/twitch/)
//! has a fixture, shaped as Twitch delivers a webhook notification (that
//! each forges, verifies and names itself is the provider unit test's).

use std::collections::BTreeSet;

use hookcli::provider;

fn documented() -> Vec<serde_json::Value> {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("data/twitch/subscriptions.json")).unwrap();
    doc["subscriptions"].as_array().unwrap().clone()
}

#[test]
fn every_subscription_type_and_version_has_a_fixture() {
    let listed = documented();
    assert!(listed.len() >= 85, "{} subscriptions listed", listed.len());
    let fixtures = hookcli::fixture::for_provider("twitch");
    let have: BTreeSet<&str> = fixtures.iter().map(|f| f.event.as_str()).collect();
    for s in &listed {
        let name = s["event"].as_str().unwrap();
        assert!(have.contains(name), "no fixture for {name}");
        let f = fixtures.iter().find(|f| f.event == name).unwrap();
        let body = f.body.as_ref().unwrap();
        assert_eq!(body["subscription"]["type"], s["type"], "{name}");
        assert_eq!(body["subscription"]["version"], s["version"], "{name}");
        assert_eq!(
            f.headers["Twitch-Eventsub-Subscription-Type"], s["type"],
            "{name}"
        );
        assert_eq!(
            f.headers["Twitch-Eventsub-Subscription-Version"], s["version"],
            "{name}"
        );
        assert_eq!(body["subscription"]["status"], "enabled", "{name}");
        assert_eq!(body["subscription"]["transport"]["method"], "webhook");
        assert!(body["event"].is_object(), "{name}");
    }
    for e in [
        "webhook_callback_verification",
        "revocation",
        "channel.follow",
        "stream.online",
    ] {
        assert!(have.contains(e), "{e}");
    }
}

/// The people in one send agree: the broadcaster of the subscription's
/// condition is the broadcaster of the event, and a new send names new ones.
#[test]
fn ids_are_fresh_and_agree_within_a_send() {
    let f = hookcli::fixture::find("twitch", "channel.chat.message").unwrap();
    let ctx = provider::SignContext {
        timestamp: 1_764_000_000,
        id: "x".into(),
    };
    let render = || match f
        .render_in(&ctx, &mut hookcli::fixture::Session::new("twitch"))
        .payload
    {
        hookcli::fixture::Payload::Json(doc) => doc,
        _ => panic!("json"),
    };
    let (a, b) = (render(), render());
    assert_eq!(
        a["subscription"]["condition"]["broadcaster_user_id"],
        a["event"]["broadcaster_user_id"]
    );
    assert_ne!(
        a["event"]["broadcaster_user_id"],
        b["event"]["broadcaster_user_id"]
    );
    assert_ne!(a["subscription"]["id"], b["subscription"]["id"]);
    assert!(
        a["event"]["chatter_user_id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
}
