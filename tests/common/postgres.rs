//! A real PostgreSQL for the relay's tests: `initdb` in a temp dir and
//! `pg_ctl` on a free loopback port, run as Debian's unprivileged
//! `postgres` user (PostgreSQL refuses root, and CI runs as root), with
//! `fsync=off` for the tests (the bench keeps a default install's
//! durability, see [`Postgres::start_durable`]). Password authentication (scram), so refused credentials
//! can be tested. Stopped (`pg_ctl stop -m immediate`, by its own data
//! dir) on Drop, and by a watchdog if the test binary dies first.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The superuser's password in every test server.
pub const PASSWORD: &str = "pg-test-pw-4f1c9a7e2b";

/// The unprivileged user the server runs as.
const USER: &str = "postgres";

pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    watchdog: Option<std::process::Child>,
    /// Flushes its WAL to disk as a default install does (`fsync=on`,
    /// `full_page_writes=on`), instead of the tests' faster `off`.
    durable: bool,
}

/// The directory of `initdb`, `pg_ctl` and `psql`, newest version first.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("pg_ctl").exists() && d.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

/// `program ARGS` as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        &format!("--reuid={USER}"),
        &format!("--regid={USER}"),
        "--clear-groups",
    ])
    .arg(program)
    .env_remove("PGPASSWORD")
    .env_remove("PGDATA");
    cmd
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn check(what: &str, out: std::io::Result<std::process::Output>) {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({})\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// A new server of its own, or `None` (after saying it skipped, or
    /// failing under `CI=true`) where PostgreSQL is not installed.
    pub fn start() -> Option<Postgres> {
        Postgres::start_with(false)
    }

    /// [`Postgres::start`], but flushing its WAL as a default install does,
    /// so a bench measures what users run.
    #[allow(dead_code)] // only benches/relay_load.rs starts one
    pub fn start_durable() -> Option<Postgres> {
        Postgres::start_with(true)
    }

    fn start_with(durable: bool) -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            super::skip_unless_ci("no PostgreSQL under /usr/lib/postgresql/*/bin");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("hookcli-pg-")
            .tempdir()
            .expect("temp dir");
        let (uid, gid) = ids();
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown to postgres");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).unwrap();
        let data = dir.path().join("data");
        check(
            "initdb",
            as_postgres(&bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    USER,
                    "--auth=scram-sha-256",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .output(),
        );
        let mut pg = Postgres {
            bin,
            dir,
            port: free_port(),
            watchdog: None,
            durable,
        };
        pg.start_again();
        // Stops the server if this test binary dies without dropping it.
        pg.watchdog = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {} 2>/dev/null; do sleep 1; done; setpriv --reuid={USER} --regid={USER} --clear-groups {} stop -D {} -m immediate; rm -rf {}",
                std::process::id(),
                pg.bin.join("pg_ctl").display(),
                data.display(),
                pg.dir.path().display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        Some(pg)
    }

    /// One server for the whole test binary, started by the first caller.
    pub fn shared() -> Option<&'static Postgres> {
        static SHARED: OnceLock<Option<Postgres>> = OnceLock::new();
        SHARED.get_or_init(Postgres::start).as_ref()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (again, after [`Postgres::stop`]), on the same port.
    pub fn start_again(&self) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400",
            self.port,
            self.dir.path().display()
        );
        if !self.durable {
            options.push_str(" -c fsync=off -c full_page_writes=off");
        }
        check(
            "pg_ctl start",
            as_postgres(&self.bin.join("pg_ctl"))
                .arg("start")
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.dir.path().join("log"))
                .args(["-w", "-t", "30", "-o", &options])
                .output(),
        );
    }

    /// Stops the server at once, as if it crashed.
    pub fn stop(&self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w"])
            .output();
    }

    /// The server's process id (its postmaster's), from its pid file; the
    /// relay bench counts its CPU.
    #[allow(dead_code)]
    pub fn server_pid(&self) -> Option<u32> {
        let file = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).ok()?;
        file.lines().next()?.trim().parse().ok()
    }

    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// `psql -c SQL` on database `db`; its output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                "-d",
                db,
                "-c",
                sql,
            ])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A fresh database (`t_<pid>_<n>`); its URL.
    pub fn database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

/// The `postgres` user's uid and gid.
fn ids() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, USER])
            .output()
            .expect("run id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no {USER} user"))
    };
    (id("-u"), id("-g"))
}
