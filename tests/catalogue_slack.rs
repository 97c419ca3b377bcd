//! Slack's catalogue: every event the typings of @slack/types (the
//! `SlackEvent` union) and @slack/bolt (interactivity payloads, slash
//! commands) declare has a fixture (that each forges, verifies and names itself is
//! the provider unit test's, for every provider). The list is the one
//! scripts/catalogue/slack.mjs derived, committed in tests/data/slack/.

use std::collections::BTreeSet;

use hookcli::provider;

fn documented() -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("data/slack/events.json")).unwrap();
    doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_documented_event_has_a_fixture() {
    let listed = documented();
    assert!(listed.len() >= 115, "{} events listed", listed.len());
    let have: BTreeSet<String> = hookcli::fixture::for_provider("slack")
        .into_iter()
        .map(|f| f.event)
        .collect();
    let missing: Vec<&String> = listed.iter().filter(|e| !have.contains(*e)).collect();
    assert!(missing.is_empty(), "no fixture for {missing:?}");
    // the handshake probe and the common events stay
    for e in [
        "url_verification",
        "app_mention",
        "message",
        "block_actions",
        "slash_command",
    ] {
        assert!(have.contains(e), "{e}");
    }
}

/// Ids come from `_entities.json`, so one send's team, user and channel agree
/// everywhere and differ between sends.
#[test]
fn ids_are_fresh_and_agree_within_a_send() {
    let f = hookcli::fixture::find("slack", "app_mention").unwrap();
    let ctx = provider::SignContext {
        timestamp: 1_764_013_200,
        id: "x".into(),
    };
    let render = || match f
        .render_in(&ctx, &mut hookcli::fixture::Session::new("slack"))
        .payload
    {
        hookcli::fixture::Payload::Json(doc) => doc,
        _ => panic!("json"),
    };
    let (a, b) = (render(), render());
    assert_ne!(a["team_id"], b["team_id"]);
    assert_eq!(a["team_id"], a["event"]["team"]);
    assert_eq!(a["team_id"], a["authorizations"][0]["team_id"]);
    let team = a["team_id"].as_str().unwrap();
    assert!(team.starts_with('T') && team.len() == 11, "{team}");
    assert!(a["event"]["user"].as_str().unwrap().starts_with('U'));
    assert!(a["event"]["channel"].as_str().unwrap().starts_with('C'));
    assert_eq!(a["event"]["ts"], a["event"]["event_ts"]);
    assert!(
        a["event"]["ts"]
            .as_str()
            .unwrap()
            .starts_with("1764013200.")
    );
}
