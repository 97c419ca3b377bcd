//! `hookcli relay token add|list|revoke`: the per-developer tokens a relay
//! with `--tokens FILE` accepts.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{TokenAction, TokenFileArgs};
use crate::relay::pg::Db;
use crate::relay::pg::tokens::PgTokens;
use crate::relay::tokens::{
    SqliteTokens, TokenError, TokenRecord, TokenStore, issue, valid_pattern,
};
use crate::timefmt::rfc3339_ms;

use super::usage;

pub fn run(action: TokenAction) -> anyhow::Result<ExitCode> {
    match action {
        TokenAction::Add(args) => {
            if !valid_pattern(&args.channel) {
                return Err(usage(format!(
                    "--channel {:?} is not a channel pattern: letters, digits, - and _, with * ? [ ] as a glob",
                    args.channel
                )));
            }
            let (store, _runtime) = open(&args.file, true)?;
            let issued = issue(store.as_ref(), &args.channel, args.note.as_deref())?;
            println!("{}", issued.token.expose());
            eprintln!(
                "token {} for channels {:?}: shown this once; the relay keeps only its hash",
                issued.id, args.channel
            );
        }
        TokenAction::List(args) => {
            let (store, _runtime) = open(&args.file, false)?;
            let rows: Vec<Row> = store.all()?.iter().map(Row::from).collect();
            if args.json {
                for row in &rows {
                    println!("{}", serde_json::to_string(row)?);
                }
            } else {
                print!("{}", table(&rows));
            }
        }
        TokenAction::Revoke(args) => {
            let (store, _runtime) = open(&args.file, false)?;
            match store.revoke(args.id, crate::store::now_ms()) {
                Ok(true) => eprintln!(
                    "token {} revoked; a relay reading {} cuts its client off within seconds",
                    args.id,
                    location(&args.file)
                ),
                Ok(false) => eprintln!("token {} was already revoked", args.id),
                Err(TokenError::NoSuchToken(id)) => {
                    return Err(usage(format!(
                        "no token with id {id}; `hookcli relay token list` shows them"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The token file, or the database (with the runtime its connection lives on).
fn open(
    file: &TokenFileArgs,
    create: bool,
) -> anyhow::Result<(Box<dyn TokenStore>, Option<tokio::runtime::Runtime>)> {
    match (&file.database_url, &file.tokens) {
        (Some(url), _) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()?;
            let db = runtime.block_on(Db::open(url))?;
            let store = PgTokens::new(db, runtime.handle().clone());
            Ok((Box::new(store), Some(runtime)))
        }
        (None, Some(path)) => Ok((Box::new(SqliteTokens::open(path, create)?), None)),
        (None, None) => Err(usage(
            "name the tokens: --tokens FILE or --database-url URL",
        )),
    }
}

/// Where the tokens are, as shown.
fn location(file: &TokenFileArgs) -> String {
    match (&file.database_url, &file.tokens) {
        (Some(url), _) => crate::relay::pg::redact(url),
        (None, Some(path)) => path.display().to_string(),
        (None, None) => String::new(),
    }
}

/// A token as shown: no secret, not even its hash.
#[derive(Serialize)]
struct Row {
    id: i64,
    channel: String,
    note: Option<String>,
    created: String,
    revoked: Option<String>,
}

impl From<&TokenRecord> for Row {
    fn from(r: &TokenRecord) -> Self {
        Row {
            id: r.id,
            channel: r.channel.clone(),
            note: r.note.clone(),
            created: rfc3339_ms(r.created_ms),
            revoked: r.revoked_ms.map(rfc3339_ms),
        }
    }
}

fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.id.to_string(),
                r.channel.clone(),
                crate::output::one_line(r.note.as_deref().unwrap_or("-")).into_owned(),
                r.created.clone(),
                r.revoked.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let head = ["ID", "CHANNEL", "NOTE", "CREATED", "REVOKED"];
    let mut widths = head.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut out = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        out.truncate(out.trim_end().len());
        out + "\n"
    };
    let mut out = line(&head);
    for row in &cells {
        out.push_str(&line(&row.each_ref().map(String::as_str)));
    }
    out
}
