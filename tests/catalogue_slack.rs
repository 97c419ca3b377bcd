//! Slack's catalogue: every event the typings of @slack/types (the
//! `SlackEvent` union) and @slack/bolt (interactivity payloads, slash
//! commands) declare has a fixture, and every fixture forges into a signed
//! request that verifies and names itself. The list is the one
//! scripts/catalogue/slack.mjs derived, committed in tests/data/slack/.

use std::collections::BTreeSet;

use hookcli::provider::{self, VerifyOptions};
use hookcli::secret::Secret;
use hookcli::send::{Forge, forge};

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

#[test]
fn every_fixture_forges_verifies_and_names_itself() {
    let slack = provider::by_name("slack").unwrap();
    let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5");
    let mut wrong = Vec::new();
    for f in hookcli::fixture::for_provider("slack") {
        let forged = forge(&Forge {
            provider: slack.as_ref(),
            event: f.event.clone(),
            url: "https://example.com/slack/events".into(),
            secret: Some(secret.clone()),
            data: None,
            base: None,
            sets: vec![],
            extra_headers: vec![],
            tamper: None,
            timestamp: 1_764_013_200,
        })
        .unwrap();
        let req = &forged.request;
        assert!(
            slack
                .verify(req, &secret, &VerifyOptions::at(1_764_013_201))
                .is_valid(),
            "{}",
            f.event
        );
        let named = slack.event_type(req);
        let id = slack.event_id(req);
        if named.as_deref() != Some(f.event.as_str()) || id.is_none() {
            wrong.push(format!("{}: read back as {named:?}, id {id:?}", f.event));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
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
