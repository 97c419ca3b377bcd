//! One vocabulary across commands (issue 16 §3): an idea that several
//! commands share has one visible name in all of them, old spellings stay
//! as hidden aliases, and a short flag means the same thing everywhere.

use std::collections::{BTreeMap, BTreeSet};

use clap::{Arg, Command, CommandFactory, Parser};
use hookcli::cli::{Cli, Command as Sub};

use crate::common::hookcli;
use crate::common::run;
use crate::inspect::{Inspect, tempdir};

/// An idea, its one visible long name, and spellings no visible flag may use.
const IDEAS: &[(&str, &str, &[&str])] = &[
    (
        "where a request goes",
        "url",
        &[
            "to",
            "forward-to",
            "target",
            "dest",
            "destination",
            "endpoint",
        ],
    ),
    (
        "a certificate to trust",
        "ca",
        &["forward-ca", "relay-ca", "cacert", "ca-cert", "ca-file"],
    ),
    (
        "accept any certificate",
        "insecure",
        &[
            "forward-insecure",
            "relay-insecure",
            "no-verify",
            "skip-verify",
            "k",
        ],
    ),
    (
        "how long to wait for an answer",
        "timeout",
        &[
            "forward-timeout",
            "relay-timeout",
            "request-timeout",
            "wait",
        ],
    ),
    (
        "the address to serve on",
        "bind",
        &["addr", "address", "host", "listen", "bind-addr"],
    ),
];

/// Every command and subcommand, by its path (`relay`, `relay token add`).
fn commands(cmd: &Command, path: &str, out: &mut Vec<(String, Command)>) {
    for sub in cmd.get_subcommands() {
        let name = format!("{path} {}", sub.get_name()).trim().to_string();
        out.push((name.clone(), sub.clone()));
        commands(sub, &name, out);
    }
}

fn visible_longs(a: &Arg) -> Vec<String> {
    let mut names: Vec<String> = a.get_long().map(str::to_string).into_iter().collect();
    names.extend(
        a.get_visible_aliases()
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string),
    );
    names
}

/// What in `root`'s definitions spells one idea two ways, or gives one short
/// flag two meanings (or one flag two shorts).
fn violations(root: &Command) -> Vec<String> {
    let mut all = Vec::new();
    commands(root, "", &mut all);
    let mut found = Vec::new();
    // short → the long names it stands for; long → the shorts it has.
    let mut meaning: BTreeMap<char, BTreeSet<String>> = BTreeMap::new();
    let mut shorts: BTreeMap<String, BTreeSet<Option<char>>> = BTreeMap::new();
    for (name, cmd) in &all {
        for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            for long in visible_longs(a) {
                for (idea, canonical, synonyms) in IDEAS {
                    if synonyms.contains(&long.as_str()) {
                        found.push(format!(
                            "`{name}` spells {idea} --{long}; the one name is --{canonical}"
                        ));
                    }
                }
            }
            let Some(long) = a.get_long() else { continue };
            let mut own: Vec<char> = a.get_short().into_iter().collect();
            own.extend(a.get_all_short_aliases().unwrap_or_default());
            for c in &own {
                meaning.entry(*c).or_default().insert(long.to_string());
            }
            shorts
                .entry(long.to_string())
                .or_default()
                .insert(a.get_short());
        }
    }
    for (c, longs) in meaning {
        if longs.len() > 1 {
            found.push(format!("-{c} means {longs:?} in different commands"));
        }
    }
    for (long, set) in shorts {
        if set.len() > 1 && set.iter().any(Option::is_some) {
            found.push(format!(
                "--{long} has a short flag in some commands only: {set:?}"
            ));
        }
    }
    found
}

#[test]
fn every_command_spells_an_idea_the_same_way() {
    let found = violations(&Cli::command());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The check above is not vacuous: the canonical names are where the issue
/// found the synonyms, and a definition with a synonym is caught.
#[test]
fn the_canonical_names_are_in_every_command_that_has_the_idea() {
    let root = Cli::command();
    let has = |sub: &str, long: &str| {
        let cmd = root.find_subcommand(sub).unwrap();
        let arg = cmd.get_arguments().find(|a| a.get_long() == Some(long));
        arg.is_some_and(|a| !a.is_hide_set())
    };
    for sub in ["listen", "replay", "send", "check"] {
        for long in ["url", "ca", "insecure", "timeout"] {
            assert!(has(sub, long), "{sub} lacks --{long}");
        }
    }
    for sub in ["listen", "inspect", "relay"] {
        assert!(
            has(sub, "bind") && has(sub, "port"),
            "{sub}: --bind and --port"
        );
        let cmd = root.find_subcommand(sub).unwrap();
        let bind = cmd.get_arguments().find(|a| a.get_id() == "bind").unwrap();
        let value = bind.get_value_names().unwrap_or_default();
        assert_eq!(
            value.first().map(|v| v.as_str()),
            Some("HOST[:PORT]"),
            "{sub}"
        );
    }
    let broken = Command::new("x")
        .subcommand(
            Command::new("a")
                .arg(Arg::new("to").long("to").short('t'))
                .arg(Arg::new("data").long("data").short('d')),
        )
        .subcommand(
            Command::new("b")
                .arg(Arg::new("url").long("url").short('t'))
                .arg(Arg::new("data").long("data")),
        );
    let found = violations(&broken);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].contains("--to; the one name is --url"),
        "{found:#?}"
    );
}

/// The old spellings are hidden aliases: they still parse, to the same field.
#[test]
fn old_spellings_still_work() {
    let parse = |args: &[&str]| Cli::try_parse_from(args).unwrap().command;
    let Sub::Listen(l) = parse(&[
        "hookcli",
        "listen",
        "--forward-to",
        "http://127.0.0.1:9/",
        "--forward-timeout",
        "5s",
        "--forward-insecure",
    ]) else {
        panic!()
    };
    assert_eq!(l.forward_to.as_deref(), Some("http://127.0.0.1:9/"));
    assert_eq!(l.forward_timeout.as_secs(), 5);
    assert!(l.forward_insecure);
    let Sub::Replay(r) = parse(&["hookcli", "replay", "last", "--to", "http://127.0.0.1:9/"])
    else {
        panic!()
    };
    assert_eq!(r.to.as_deref(), Some("http://127.0.0.1:9/"));
    let Sub::Replay(r) = parse(&["hookcli", "replay", "last", "-u", "http://127.0.0.1:8/"]) else {
        panic!()
    };
    assert_eq!(r.to.as_deref(), Some("http://127.0.0.1:8/"));
    let Sub::Listen(l) = parse(&[
        "hookcli",
        "listen",
        "--relay-ca",
        "r.pem",
        "--forward-ca",
        "f.pem",
    ]) else {
        panic!()
    };
    assert_eq!(
        (l.relay_ca.unwrap().to_str(), l.forward_ca.unwrap().to_str()),
        (Some("r.pem"), Some("f.pem"))
    );
    // The new --ca stands for both, so it cannot be mixed with either.
    assert!(Cli::try_parse_from(["hookcli", "listen", "--ca", "a", "--relay-ca", "b"]).is_err());
    // --to, --forward-to and --relay-ca stay out of --help.
    let help = run(hookcli().args(["listen", "--help"])).stdout();
    assert!(
        help.contains("--url <URL>") && help.contains("--ca <FILE>"),
        "{help}"
    );
    assert!(
        !help.contains("--forward-to") && !help.contains("--relay-ca"),
        "{help}"
    );
}

/// `--bind HOST:PORT` is taken by every server command; a port typed twice,
/// differently, is refused rather than one silently winning.
#[test]
fn bind_takes_host_and_port_everywhere() {
    let store = tempdir();
    let inspect = Inspect::start(store.path(), &["--bind", "127.0.0.1:0"], &[]);
    assert!(inspect.addr.ip().is_loopback() && inspect.addr.port() != 0);
    for sub in ["listen", "inspect", "relay"] {
        run(hookcli().args([sub, "--bind", "127.0.0.1:9", "--port", "10"])).assert_error(
            2,
            &["--bind 127.0.0.1:9 names port 9 and --port names 10: give the port once"],
        );
    }
}
