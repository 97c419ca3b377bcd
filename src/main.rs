//! hookcli: parse, settle colour, dispatch, map the result to an exit status.

use std::process::ExitCode;

use hookcli::cli::{Command, NotRun};
use hookcli::cmd;

fn main() -> ExitCode {
    let file = match hookcli::config::load() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("hookcli: error: config file {e}");
            return ExitCode::from(2);
        }
    };
    let cli = match hookcli::cli::parse_with(file.as_ref().map(|(_, c)| c)) {
        Ok(cli) => cli,
        Err(NotRun::Shown(help)) => help.exit(),
        Err(NotRun::Usage { line, tip }) => {
            eprintln!("hookcli: error: {line}");
            tip.into_iter().for_each(|t| eprintln!("{t}"));
            return ExitCode::from(2);
        }
    };
    hookcli::output::settle_color(cli.color.forced());
    let result = match cli.command {
        Command::Listen(args) => cmd::listen::run(*args),
        Command::List(args) => cmd::list::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Verify(args) => cmd::verify::run(*args),
        Command::Relay(args) => cmd::relay::run(*args),
        Command::Check(args) => cmd::check::run(*args),
        Command::Replay(args) => cmd::replay::run(*args),
        Command::Inspect(args) => cmd::inspect::run(*args),
        Command::Send(args) => cmd::send::run(*args),
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Providers(args) => cmd::providers::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Config(args) => {
            let (path, settings) = file.unzip();
            cmd::config::run(args, path.as_deref(), &settings.unwrap_or_default())
        }
        Command::Man => cmd::completions::run_man(),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hookcli: error: {}", hookcli::output::error_line(&err));
            if let Some(usage) = err.downcast_ref::<cmd::UsageError>() {
                if let Some(try_) = &usage.1 {
                    eprintln!("try: {try_}");
                }
                ExitCode::from(2)
            } else {
                ExitCode::from(3)
            }
        }
    }
}

/// A reader that went away (`hookcli providers | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
