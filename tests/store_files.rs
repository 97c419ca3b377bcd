//! Issue 14: the store's file as the writers and readers find it.
//! - Fault 5: a damaged store (a page overwritten, or page 2's header) is
//!   refused by listen before it takes its port, with the same one line as
//!   list and exit 3, the file left as it was; inspect too.
//! - A store this user may not write (files 0444, folder 0555, with or
//!   without a WAL, never a `-shm`) still lists and shows. Tests run as root
//!   in CI, where permissions do not bind: there the commands run as
//!   `nobody`, from a copy of the binary that user can reach.
//! - An OS error on a store path is said once, on one line.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Listen, Run, hookcli, run_within};
use crate::deliver::{cli, delivery_id, post};

/// A store of 60 deliveries of 3 KiB, stopped cleanly (the WAL folded in).
fn recorded_store() -> tempfile::TempDir {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    for i in 0..60 {
        let body = format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(3000));
        let answer = post(listen.addr(), "/", &[], body.as_bytes());
        assert_eq!(answer.status, 200);
    }
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    store
}

/// `hookcli listen --port P`, P a port free a moment ago.
fn listen_on_a_free_port(store: &Path) -> Run {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
        .to_string();
    let mut cmd = hookcli();
    cmd.args(["listen", "--port", &port, "--store"]).arg(store);
    run_within(&mut cmd, Duration::from_secs(20))
}

/// Damages the store with `damage`, then: list and listen both refuse it
/// with the same one line and exit 3; listen never printed its banner (it
/// had not bound its port); inspect refuses it too; the file is unchanged.
fn refused_and_untouched(damage: impl Fn(&mut Vec<u8>)) {
    let store = recorded_store();
    let db = store.path().join("hookcli.db");
    let mut bytes = std::fs::read(&db).unwrap();
    damage(&mut bytes);
    std::fs::write(&db, &bytes).unwrap();

    let needles = ["hookcli.db is damaged", "nothing was changed", ".recover"];
    cli(store.path(), &["list", "--limit", "100"]).assert_error(3, &needles);
    let out = listen_on_a_free_port(store.path());
    out.assert_error(3, &needles);
    assert!(out.stdout.is_empty(), "listen started anyway\n{out}");
    let mut cmd = hookcli();
    cmd.args(["inspect", "--port", "0", "--store"])
        .arg(store.path());
    run_within(&mut cmd, Duration::from_secs(20)).assert_error(3, &needles);

    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the file is untouched");
    for suffix in ["-wal", "-journal"] {
        let side = store.path().join(format!("hookcli.db{suffix}"));
        assert!(
            std::fs::metadata(&side).map_or(true, |m| m.len() == 0),
            "{} was written",
            side.display()
        );
    }
}

#[test]
fn listen_refuses_a_store_with_a_page_overwritten() {
    refused_and_untouched(|bytes| {
        let mid = bytes.len() / 2;
        bytes[mid..mid + 8192].fill(0xde);
    });
}

#[test]
fn listen_refuses_a_store_whose_page_2_header_is_overwritten() {
    refused_and_untouched(|bytes| {
        let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
        bytes[page..page + 12].fill(0xde);
    });
}

// ---------------------------------------------------------------------------
// Read-only stores

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs hookcli as a user without write access: this user, or `nobody`
/// (from a copy of the binary in a folder it can reach) under root.
struct Unprivileged {
    bin: PathBuf,
    as_nobody: bool,
    _dir: tempfile::TempDir,
}

impl Unprivileged {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let as_nobody = is_root();
        let bin = if as_nobody {
            chmod(dir.path(), 0o755);
            let bin = dir.path().join("hookcli");
            std::fs::copy(env!("CARGO_BIN_EXE_hookcli"), &bin).unwrap();
            chmod(&bin, 0o755);
            bin
        } else {
            PathBuf::from(env!("CARGO_BIN_EXE_hookcli"))
        };
        Unprivileged {
            bin,
            as_nobody,
            _dir: dir,
        }
    }

    fn run(&self, args: &[&str], store: &Path) -> Run {
        use std::os::unix::process::CommandExt;
        let mut cmd = std::process::Command::new(&self.bin);
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOOKCLI_CONFIG", "")
            .args(args)
            .arg("--store")
            .arg(store);
        if self.as_nobody {
            cmd.uid(65534).gid(65534);
        }
        // The copy may still be open for writing in a child another test
        // thread forked meanwhile (ETXTBSY) until that child execs: retry.
        let mut tries = 0;
        let out = loop {
            match cmd.output() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.expect("run hookcli"),
            }
        };
        Run {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

/// The store made read-only for everyone: files 0444, folder 0555 (and
/// readable from outside it). Undone on Drop, so the folder can be removed.
struct ReadOnly<'a>(&'a Path);

impl<'a> ReadOnly<'a> {
    fn new(dir: &'a Path) -> Self {
        for e in std::fs::read_dir(dir).unwrap() {
            chmod(&e.unwrap().path(), 0o444);
        }
        chmod(dir, 0o555);
        ReadOnly(dir)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        chmod(self.0, 0o755);
    }
}

#[test]
fn list_and_show_read_a_store_they_may_not_write() {
    // Two deliveries, stopped cleanly: hookcli.db alone, in WAL mode.
    let at_rest = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(at_rest.path(), &[], &[]);
    let ids: Vec<String> = (0..2)
        .map(|i| {
            delivery_id(&post(
                listen.addr(),
                "/",
                &[],
                format!("{{\"n\":{i}}}").as_bytes(),
            ))
        })
        .collect();
    assert!(
        listen
            .terminate(Duration::from_secs(10))
            .is_some_and(|s| s.success())
    );

    // A copy whose newest change is still in its WAL, with no -shm: what
    // a backup taken while listen ran looks like.
    let with_wal = tempfile::tempdir().unwrap();
    {
        let db = at_rest.path().join("hookcli.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute(
            "UPDATE deliveries SET event_type = 'from-the-wal' WHERE id = ?1",
            [&ids[1]],
        )
        .unwrap();
        for name in ["hookcli.db", "hookcli.db-wal"] {
            std::fs::copy(at_rest.path().join(name), with_wal.path().join(name)).unwrap();
        }
        conn.execute(
            "UPDATE deliveries SET event_type = NULL WHERE id = ?1",
            [&ids[1]],
        )
        .unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    for name in ["hookcli.db-wal", "hookcli.db-shm"] {
        let _ = std::fs::remove_file(at_rest.path().join(name));
    }
    assert!(!with_wal.path().join("hookcli.db-shm").exists());

    let user = Unprivileged::new();
    for (dir, event) in [
        (at_rest.path(), None),
        (with_wal.path(), Some("from-the-wal")),
    ] {
        let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let b = std::fs::read(&p).unwrap();
                (p, b)
            })
            .collect();
        let _guard = ReadOnly::new(dir);
        let list = user.run(&["list", "--json"], dir);
        list.assert_code(0);
        let rows: Vec<Value> = list
            .stdout()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON row"))
            .collect();
        assert_eq!(rows.len(), 2, "{list}");
        assert_eq!(rows[0]["id"], ids[1].as_str());
        assert_eq!(rows[0]["event_type"].as_str(), event, "{list}");
        user.run(&["list"], dir).assert_code(0);
        for id in &ids {
            let show = user.run(&["show", id], dir);
            show.assert_code(0);
            assert!(show.stdout().contains(id.as_str()), "{show}");
            let doc = user.run(&["show", id, "--json"], dir);
            doc.assert_code(0);
        }
        for (path, bytes) in before {
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "{} changed",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// OS errors, once

#[test]
fn an_os_error_on_a_store_path_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(b"not a folder")
        .unwrap();
    let file_s = file.to_str().unwrap();
    let below = file.join("sub");
    let below_s = below.to_str().unwrap();
    for (store, args) in [
        (file_s, &["list"][..]),
        (file_s, &["show", "last"][..]),
        (below_s, &["list"][..]),
        (file_s, &["listen", "--port", "0"][..]),
        (below_s, &["listen", "--port", "0"][..]),
    ] {
        let mut cmd = hookcli();
        cmd.args(args).args(["--store", store]);
        let out = run_within(&mut cmd, Duration::from_secs(20));
        out.assert_error(3, &[file_s]);
        let line = out.stderr();
        assert_eq!(
            line.matches("(os error").count(),
            1,
            "{args:?} --store {store}\n{out}"
        );
        assert_eq!(line.matches(file_s).count(), 1, "the path once\n{out}");
    }

    // A parent folder this user may not write.
    let user = Unprivileged::new();
    let parent = tempfile::tempdir().unwrap();
    let _guard = ReadOnly::new(parent.path());
    let out = user.run(&["listen", "--port", "0"], &parent.path().join("sub"));
    out.assert_error(3, &["cannot create the store folder"]);
    assert_eq!(out.stderr().matches("(os error").count(), 1, "{out}");
}

/// `list --json` rows of `store`, as (id, last_status, attempts).
fn outcomes(store: &Path, extra: &[&str]) -> Vec<(String, Value, Value)> {
    let mut args = vec!["list", "--json"];
    args.extend_from_slice(extra);
    let out = cli(store, &args);
    out.assert_code(0);
    out.stdout()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            let id = row["id"].as_str().unwrap().to_string();
            (id, row["last_status"].clone(), row["attempts"].clone())
        })
        .collect()
}

/// A store an older hookcli wrote (schema 4: each attempt also updated its
/// delivery's row, the body rewritten with it) opens, is migrated, and
/// shows the outcomes it held; an attempt made now leaves the row alone.
#[test]
fn a_schema_4_store_is_migrated_and_keeps_its_outcomes() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    let ok = delivery_id(&post(listen.addr(), "/ok", &[], b"{\"n\":1}"));
    let failed = delivery_id(&post(listen.addr(), "/failed", &[], b"{\"n\":2}"));
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");

    // Back to schema 4, as its writer left things: `failed` was replayed
    // since, answered 503, and its row updated to say so.
    let db = store.path().join("hookcli.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP VIEW deliveries_now; PRAGMA user_version = 4;")
        .unwrap();
    conn.execute(
        "INSERT INTO attempts (delivery_id, kind, target, started_at, status, headers, body, duration_ms)
         VALUES (?1, 'replay', 'http://127.0.0.1:9/failed', 1, 503, '[]', x'', 1.0)",
        [&failed],
    )
    .unwrap();
    conn.execute(
        "UPDATE deliveries SET last_status = 503, attempt_count = attempt_count + 1 WHERE id = ?1",
        [&failed],
    )
    .unwrap();
    drop(conn);

    let all = outcomes(store.path(), &[]);
    assert_eq!(
        all,
        vec![
            (failed.clone(), 503.into(), 2.into()),
            (ok.clone(), 200.into(), 1.into()),
        ]
    );
    let version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5, "migrated");
    assert_eq!(outcomes(store.path(), &["--failed"]), all[..1].to_vec());

    // A replay now: one attempt row; the delivery's row keeps what it had.
    let bare = TcpListener::bind("127.0.0.1:0").unwrap();
    let to = format!("http://{}/", bare.local_addr().unwrap());
    drop(bare);
    cli(store.path(), &["replay", &ok, "--to", &to]).assert_code(1);
    assert_eq!(
        outcomes(store.path(), &["--failed"]),
        vec![
            (failed.clone(), 503.into(), 2.into()),
            (ok.clone(), Value::Null, 2.into()),
        ]
    );
    let row: (i64, i64) = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT last_status, attempt_count FROM deliveries WHERE id = ?1",
            [&ok],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(row, (200, 1), "the delivery's row is not rewritten");
}
