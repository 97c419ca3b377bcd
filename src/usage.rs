//! clap's usage errors in hookcli's own shape: one `hookcli: error: …`
//! line, then at most one `try: …` line. clap's text spans several lines,
//! names value placeholders (`<SINCE>`) and picks suggestions by Jaro
//! distance alone (`--frwd` → `--forward-ca`); this picks its own.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The two lines for a usage error; `args` is the command line (without
/// the program name) that `cmd` rejected.
pub fn render(err: &clap::Error, cmd: &clap::Command, args: &[String]) -> (String, Option<String>) {
    let sub = subcommand(cmd, args);
    let scope = sub.unwrap_or(cmd);
    let prefix = match sub {
        Some(s) => format!("hookcli {}", s.get_name()),
        None => "hookcli".to_string(),
    };
    let help = Some(format!("try: {prefix} --help"));
    let arg = |kind| context_text(err, kind).map(|a| flag_of(&a));
    match err.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let value = context_text(err, ContextKind::InvalidValue).unwrap_or_default();
            let flag = arg(ContextKind::InvalidArg).unwrap_or_default();
            let why = match (err.kind(), std::error::Error::source(err)) {
                (ErrorKind::ValueValidation, Some(src)) => src.to_string(),
                _ => match err.get(ContextKind::ValidValue) {
                    Some(ContextValue::Strings(v)) => format!("expected one of {}", v.join(", ")),
                    _ => "not a valid value".into(),
                },
            };
            let line = if value.is_empty() {
                format!("{flag} needs a value")
            } else {
                format!("invalid value {value:?} for {flag}: {why}")
            };
            let tip = match err.get(ContextKind::SuggestedValue) {
                Some(ContextValue::String(s)) => Some(format!("try: {prefix} {flag} {s}")),
                _ => help,
            };
            (line, tip)
        }
        ErrorKind::UnknownArgument => {
            let typed = context_text(err, ContextKind::InvalidArg).unwrap_or_default();
            if !typed.starts_with('-') {
                // A word after a flag whose value is optional: `--inspect 4041`.
                if let Some(flag) = optional_value_flag_before(scope, args, &typed) {
                    return (
                        format!(
                            "unexpected argument {typed:?}: --{flag} takes its value joined, as --{flag}={typed}"
                        ),
                        Some(format!("try: {prefix} --{flag}={typed}")),
                    );
                }
                return (format!("unexpected argument {typed:?}"), help);
            }
            // A value that starts with `-` (`--since -1h`) reads as an option.
            if let Some((flag, value)) = dash_value(scope, args, &typed) {
                return (
                    format!(
                        "{value:?} reads as an option: give it to --{flag} joined, as --{flag}={value}"
                    ),
                    Some(format!("try: {prefix} --{flag}={value}")),
                );
            }
            let name = typed.split('=').next().unwrap_or(&typed);
            let tip = closest(name.trim_start_matches('-'), long_flags(scope))
                .map(|f| format!("try: {prefix} --{f}"))
                .or(help);
            (format!("unknown option {name}"), tip)
        }
        ErrorKind::InvalidSubcommand => {
            let typed = context_text(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            // `hookcli version` means `--version`: a flag's name typed as a word.
            let tip = if long_flags(scope).any(|f| f == typed) {
                Some(format!("try: {prefix} --{typed}"))
            } else {
                let names = scope.get_subcommands().map(|s| s.get_name().to_string());
                closest(&typed, names.collect::<Vec<_>>().into_iter())
                    .map(|s| format!("try: {prefix} {s}"))
                    .or(help)
            };
            (format!("unknown command {typed:?}"), tip)
        }
        ErrorKind::ArgumentConflict => {
            let a = arg(ContextKind::InvalidArg).unwrap_or_default();
            let b = match err.get(ContextKind::PriorArg) {
                Some(ContextValue::String(s)) => flag_of(s),
                Some(ContextValue::Strings(v)) => {
                    v.iter().map(|s| flag_of(s)).collect::<Vec<_>>().join(", ")
                }
                _ => String::new(),
            };
            if b.is_empty() || a == b {
                (format!("{a} was given more than once"), help)
            } else {
                (format!("{a} cannot be used with {b}"), help)
            }
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => {
                    v.iter().map(|s| flag_of(s)).collect::<Vec<_>>().join(", ")
                }
                _ => String::new(),
            };
            (format!("missing {missing}"), help)
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            ("a command is needed".to_string(), help)
        }
        ErrorKind::TooManyValues => {
            let a = arg(ContextKind::InvalidArg).unwrap_or_default();
            (format!("{a} was given more than once"), help)
        }
        _ => (first_line(err), help),
    }
}

/// clap's own text, first line, without its `error: ` prefix.
fn first_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let line = text.lines().next().unwrap_or("usage error");
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

fn context_text(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        _ => None,
    }
}

/// `--since <SINCE>` → `--since`; a positional `<ID>` stays as it is.
fn flag_of(text: &str) -> String {
    if text.starts_with('-') {
        text.split([' ', '=']).next().unwrap_or(text).to_string()
    } else {
        text.to_string()
    }
}

/// The subcommand the command line names, if any.
fn subcommand<'a>(cmd: &'a clap::Command, args: &[String]) -> Option<&'a clap::Command> {
    args.iter()
        .take_while(|a| *a != "--")
        .find_map(|a| cmd.find_subcommand(a))
}

fn long_flags(cmd: &clap::Command) -> impl Iterator<Item = String> + '_ {
    let shown = || cmd.get_arguments().filter(|a| !a.is_hide_set());
    shown()
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain(["help".to_string()])
        .chain(cmd.get_version().map(|_| "version".to_string()))
        // Old spellings last: a typo of one (`--frwd`) is offered the
        // spelling it was nearest, which still works.
        .chain(shown().flat_map(|a| {
            a.get_all_aliases()
                .unwrap_or_default()
                .into_iter()
                .map(str::to_string)
        }))
}

/// The flag just before `word` on the command line, when its value is
/// optional (`--inspect[=PORT]`): clap then takes the next word as a stray.
fn optional_value_flag_before(cmd: &clap::Command, args: &[String], word: &str) -> Option<String> {
    let at = args.iter().position(|a| a == word)?;
    let before = args.get(at.checked_sub(1)?)?.strip_prefix("--")?;
    let arg = cmd.get_arguments().find(|a| a.get_long() == Some(before))?;
    let range = arg.get_num_args()?;
    (range.min_values() == 0 && range.max_values() >= 1).then(|| before.to_string())
}

/// `--since -1h`: the word clap refused (`-1…`) right after a long flag
/// that takes a value, and the value it was meant to be.
fn dash_value(cmd: &clap::Command, args: &[String], typed: &str) -> Option<(String, String)> {
    let at = args.iter().position(|a| a.starts_with(typed))?;
    let value = &args[at];
    let before = args.get(at.checked_sub(1)?)?.strip_prefix("--")?;
    let arg = cmd.get_arguments().find(|a| a.get_long() == Some(before))?;
    arg.get_action()
        .takes_values()
        .then(|| (before.to_string(), value.clone()))
}

/// The candidate `typed` most likely meant, in order of trust: one it is a
/// prefix of, one a single edit away (`lst` → `list`), one holding its letters in order (`frwd` in `forward-to`),
/// then the nearest by edit distance. Ties go to the one declared first, which in
/// hookcli's flags is the more common one.
fn closest(typed: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    let candidates: Vec<String> = candidates.collect();
    let typed = typed.to_ascii_lowercase();
    if typed.is_empty() {
        return None;
    }
    if let Some(c) = candidates.iter().find(|c| c.starts_with(&typed)) {
        return Some(c.clone());
    }
    if let Some(c) = candidates
        .iter()
        .find(|c| strsim::damerau_levenshtein(&typed, c) == 1)
    {
        return Some(c.clone());
    }
    if let Some(c) = candidates.iter().find(|c| is_subsequence(&typed, c)) {
        return Some(c.clone());
    }
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&typed, c), c))
        .filter(|(d, c)| *d <= (typed.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.clone())
}

fn is_subsequence(needle: &str, hay: &str) -> bool {
    let mut hay = hay.chars();
    needle.chars().all(|n| hay.any(|h| h == n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> impl Iterator<Item = String> {
        v.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn closest_prefers_prefix_then_subsequence_then_edits() {
        let flags = ["port", "forward-to", "forward-ca", "inspect"];
        assert_eq!(
            closest("frwd", names(&flags)).as_deref(),
            Some("forward-to")
        );
        assert_eq!(
            closest("forw", names(&flags)).as_deref(),
            Some("forward-to")
        );
        assert_eq!(closest("prot", names(&flags)).as_deref(), Some("port"));
        assert_eq!(closest("zzzz", names(&flags)), None);
        let subs = ["listen", "list", "show"];
        assert_eq!(closest("lst", names(&subs)).as_deref(), Some("list"));
    }

    #[test]
    fn flag_of_drops_the_placeholder() {
        assert_eq!(flag_of("--since <SINCE>"), "--since");
        assert_eq!(flag_of("--flow [<FLOW>]"), "--flow");
        assert_eq!(flag_of("<ID>"), "<ID>");
    }
}
