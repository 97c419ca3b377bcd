//! `hookcli completions` and the hidden `hookcli man`, both generated from
//! the clap definitions.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// The completion script for a shell, as bytes. Bash, zsh and fish also
/// complete `--event` and `--flow` with the chosen provider's names, which
/// they ask of `hookcli providers P --names` as the user types.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "hookcli", &mut out);
    match shell {
        clap_complete::Shell::Bash => out.extend_from_slice(BASH_EVENTS.as_bytes()),
        clap_complete::Shell::Zsh => {
            let text = String::from_utf8(out).expect("clap writes UTF-8");
            let text = text
                .replace(":EVENT:_default'", ":EVENT:_hookcli_names'")
                .replace(":FLOW:_default'", ":FLOW:_hookcli_names'");
            // After `#compdef`, which must stay the first line.
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            out = format!("{first}\n\n{ZSH_EVENTS}{rest}").into_bytes();
        }
        clap_complete::Shell::Fish => out.extend_from_slice(FISH_EVENTS.as_bytes()),
        _ => {}
    }
    out
}

const BASH_EVENTS: &str = r#"
# Events and flows of the provider on the line, asked of hookcli itself.
_hookcli_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" provider="" i kind
    case "$prev" in
        --event|-e) kind=--names ;;
        --flow) kind=--flow-names ;;
        *) _hookcli "$@"; return ;;
    esac
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --provider|-p) provider="${COMP_WORDS[i+1]}" ;;
            --provider=*) provider="${COMP_WORDS[i]#--provider=}" ;;
        esac
    done
    if [[ -z "$provider" ]]; then
        _hookcli "$@"
        return
    fi
    COMPREPLY=($(compgen -W "$(hookcli providers "$provider" "$kind" 2>/dev/null)" -- "$cur"))
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _hookcli_names -o nosort -o bashdefault -o default hookcli
else
    complete -F _hookcli_names -o bashdefault -o default hookcli
fi
"#;

const ZSH_EVENTS: &str = r#"# Events and flows of the provider on the line, asked of hookcli itself.
_hookcli_names() {
    local provider=${opt_args[--provider]:-${opt_args[-p]}} kind=--names
    [[ $words[CURRENT-1] == --flow* ]] && kind=--flow-names
    [[ -z $provider ]] && return 1
    local -a names
    names=(${(f)"$(hookcli providers $provider $kind 2>/dev/null)"})
    compadd -a names
}

"#;

const FISH_EVENTS: &str = r#"
# Events and flows of the provider on the line, asked of hookcli itself.
function __hookcli_provider
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if contains -- $words[$i] --provider -p
            echo $words[(math $i + 1)]
            return
        end
        if string match -qr -- '^--provider=' $words[$i]
            string replace -- '--provider=' '' $words[$i]
            return
        end
    end
end
complete -c hookcli -n "__fish_hookcli_using_subcommand send; or __fish_hookcli_using_subcommand check" -s e -l event -f -a "(hookcli providers (__hookcli_provider) --names 2>/dev/null)"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l flow -f -a "(hookcli providers (__hookcli_provider) --flow-names 2>/dev/null)"
"#;

/// The man page, as roff.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    std::io::stdout().write_all(&script(args.shell))?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_man() -> anyhow::Result<ExitCode> {
    use std::io::Write;
    std::io::stdout().write_all(&man_page()?)?;
    Ok(ExitCode::SUCCESS)
}
