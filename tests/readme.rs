//! The README cannot rot: every `hookcli …` command in its shell blocks
//! parses with the real command-line definitions (subcommands, flags and
//! their values), and the opening commands are the two CI relies on.

use clap::Parser;
use hookcli::cli::Cli;

const README: &str = include_str!("../README.md");

/// Splits a shell line into words: single and double quotes, backslash
/// continuations already joined; stops at pipes, `&&`, `;`, `&`, `>` and `#`.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, '|' | ';' | '&' | '>' | '#') => break,
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Every command line of the README's sh blocks that runs hookcli.
fn commands() -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for (n, line) in README.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("```") {
            in_sh = t == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(start) = t.strip_suffix('\\') {
            pending.push_str(start);
            pending.push(' ');
            continue;
        }
        let full = format!("{pending}{t}");
        pending.clear();
        // Environment assignments in front of the command, as in `A=b hookcli …`.
        let ws = words(&full);
        let start = ws.iter().position(|w| w == "hookcli");
        if let Some(i) = start
            && ws[..i].iter().all(|w| w.contains('='))
        {
            out.push((n + 1, ws[i..].to_vec()));
        }
    }
    out
}

#[test]
fn every_readme_command_parses() {
    let cmds = commands();
    assert!(cmds.len() > 30, "found only {} commands", cmds.len());
    let mut broken = Vec::new();
    for (line, args) in &cmds {
        // URLs and secrets shown as placeholders are fine: only the shape is checked.
        if let Err(e) = Cli::try_parse_from(args) {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            broken.push(format!("README line {line}: `{}`: {first}", args.join(" ")));
        }
    }
    assert!(
        broken.is_empty(),
        "README commands that no longer parse:\n{}",
        broken.join("\n")
    );
}

#[test]
fn readme_opens_with_the_run_and_test_commands() {
    let block: Vec<&str> = README
        .split("```sh")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(block, ["cargo run --release -- listen", "cargo test"]);
    let ci = include_str!("../.ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn the_splitter_handles_quotes_and_pipes() {
    assert_eq!(
        words("hookcli list --event 'invoice.*' --json | jq ."),
        ["hookcli", "list", "--event", "invoice.*", "--json"]
    );
    assert_eq!(
        words("A=b hookcli show last # the newest"),
        ["A=b", "hookcli", "show", "last"]
    );
}

#[test]
fn readme_says_what_hookcli_is_for_before_the_commands() {
    let before = README.split("```sh").next().unwrap_or_default();
    let said: Vec<&str> = before
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(said.len(), 1, "one line before the commands: {said:?}");
    assert!(said[0].contains("webhooks"), "{said:?}");
}

/// Walked top to bottom, the README's background listens (`hookcli listen
/// … &`) never take the same port: a second one on 8787 would fail.
#[test]
fn readme_background_listens_take_distinct_ports() {
    let mut taken = Vec::new();
    for (n, line) in README.lines().enumerate() {
        let t = line.split(" #").next().unwrap_or(line).trim();
        if !(t.starts_with("hookcli listen") && t.ends_with('&')) {
            continue;
        }
        let w = words(t);
        let port = w
            .iter()
            .position(|a| a == "--port")
            .and_then(|i| w.get(i + 1).cloned())
            .unwrap_or_else(|| "8787".into());
        if port != "0" {
            assert!(
                !taken.contains(&port),
                "README line {}: a second listen on port {port}",
                n + 1
            );
            taken.push(port);
        }
    }
    assert!(
        !taken.is_empty(),
        "the tour runs a listen in the background"
    );
}

/// "Delivery timeouts used: GitHub 10 s, …" names every provider, each with
/// the figure `check` uses (its own, else the default): a new provider or a
/// changed figure cannot leave the README behind.
#[test]
fn readme_delivery_timeouts_are_the_ones_check_uses() {
    let para = README
        .split("Delivery timeouts used: ")
        .nth(1)
        .and_then(|p| p.split(". A case").next())
        .expect("the README's delivery timeouts paragraph")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for p in hookcli::provider::all() {
        let name = p.name().trim_end_matches("-v1a");
        let at = para
            .find(name)
            .unwrap_or_else(|| panic!("README's delivery timeouts leave out {name}: {para}"));
        // The first "N s" after the provider's name is its figure.
        let words: Vec<&str> = para[at..].split(' ').collect();
        let said = words
            .windows(2)
            .find_map(|w| {
                let n = w[0].trim_start_matches('(');
                (w[1].trim_end_matches([',', ';', ')']) == "s")
                    .then(|| n.parse::<u64>().ok())
                    .flatten()
            })
            .unwrap_or_else(|| panic!("no figure after {name}: {para}"));
        let used = p
            .info()
            .delivery_timeout_secs
            .unwrap_or(hookcli::check::DEFAULT_TIMEOUT_SECS);
        assert_eq!(said, used, "README's delivery timeout for {}", p.name());
    }
}

/// The `Examples:` under every `--help` are a newcomer's second README:
/// each `hookcli …` command there parses too, and each of its lines fits an
/// 80-column terminal, where clap would otherwise wrap it mid-command and a
/// copied line would lose its flags' values (a long one continues with `\`).
#[test]
fn every_help_example_parses() {
    use clap::CommandFactory;
    fn helps(cmd: &clap::Command, out: &mut Vec<String>) {
        if let Some(h) = cmd.get_after_help() {
            out.push(h.to_string());
        }
        for sub in cmd.get_subcommands() {
            helps(sub, out);
        }
    }
    let mut texts = Vec::new();
    helps(&Cli::command(), &mut texts);
    let mut seen = 0;
    let mut broken = Vec::new();
    let mut pending = String::new();
    for line in texts.iter().flat_map(|t| t.lines()) {
        if line.trim_start().starts_with("hookcli") || !pending.is_empty() {
            assert!(
                line.len() <= 80,
                "a --help example wider than 80 columns: {line}"
            );
        }
        if let Some(start) = line.trim().strip_suffix('\\') {
            pending.push_str(start);
            continue;
        }
        let full = format!("{pending}{}", line.trim());
        pending.clear();
        let ws = words(&full);
        if ws.first().map(String::as_str) != Some("hookcli") {
            continue;
        }
        seen += 1;
        if let Err(e) = Cli::try_parse_from(&ws) {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            broken.push(format!("`{}`: {first}", ws.join(" ")));
        }
    }
    assert!(seen > 30, "found only {seen} help examples");
    assert!(
        broken.is_empty(),
        "--help examples that do not parse:\n{}",
        broken.join("\n")
    );
}
