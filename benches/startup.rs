//! Start-up benchmark of the embedded catalogue (issue 13): `hookcli send
//! --print` of one event (the catalogue's largest provider and its largest
//! event), `send --flow` of Stripe's longest flow with `--print`,
//! `providers --json` (every provider's whole index) and `hookcli --help`,
//! each run as a new process, beside `hookcli --version` (process start
//! with nothing to do) in the same run. Goal: each under 20 ms, process
//! start included. Also prints the binary's size and the catalogue's, raw
//! and as embedded.
//!
//! Runs the release binary (`cargo build --release` first, or HOOKCLI_BIN).
//! Knobs: STARTUP_RUNS (runs per command, 60).

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let bin = common::hookcli_bin("startup");
    let runs = common::env_num("STARTUP_RUNS", 60) as usize;
    let secret = ("HOOKCLI_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let (largest_provider, largest_event) = largest_fixture();
    let cases: Vec<(String, Vec<String>)> = vec![
        ("--version (baseline)".into(), vec!["--version".into()]),
        ("--help".into(), vec!["--help".into()]),
        (
            "providers --json".into(),
            vec!["providers".into(), "--json".into()],
        ),
        (
            "send --print (default event)".into(),
            "send --provider stripe --print"
                .split(' ')
                .map(String::from)
                .collect(),
        ),
        (
            format!("send --print {largest_provider} {largest_event}"),
            vec![
                "send".into(),
                "--provider".into(),
                largest_provider.clone(),
                "--event".into(),
                largest_event.clone(),
                "--print".into(),
            ],
        ),
        (
            "send --flow subscription-signup --print".into(),
            "send --provider stripe --flow subscription-signup --print"
                .split(' ')
                .map(String::from)
                .collect(),
        ),
    ];
    println!(
        "{:<52} {:>9} {:>9} {:>9}",
        "command", "median", "p90", "max"
    );
    let mut report = Vec::new();
    for (name, args) in &cases {
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                let status = Command::new(&bin)
                    .args(args)
                    .env(secret.0, secret.1)
                    .env("NO_COLOR", "1")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("run hookcli");
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                assert!(status.success(), "hookcli {args:?} failed");
                ms
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{name:<52} {:>7.2}ms {:>7.2}ms {:>7.2}ms",
            at(0.5),
            at(0.9),
            at(1.0)
        );
        report.push(serde_json::json!({"command": name, "median_ms": at(0.5), "p90_ms": at(0.9)}));
    }
    let binary = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    let (raw, files) = dir_size(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .as_path(),
    );
    let embedded: u64 = files
        .iter()
        .map(|f| miniz_oxide::deflate::compress_to_vec(&std::fs::read(f).unwrap(), 9).len() as u64)
        .sum();
    println!(
        "binary {:.2} MiB; catalogue {} files, {:.2} MiB raw, {:.2} MiB embedded",
        mib(binary),
        files.len(),
        mib(raw),
        mib(embedded)
    );
    let doc = serde_json::json!({
        "runs": runs,
        "commands": report,
        "binary_bytes": binary,
        "catalogue_files": files.len(),
        "catalogue_raw_bytes": raw,
        "catalogue_embedded_bytes": embedded,
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/startup.json");
    let _ = std::fs::write(out, serde_json::to_vec_pretty(&doc).unwrap());
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// Total size and the files of a folder tree.
fn dir_size(dir: &Path) -> (u64, Vec<std::path::PathBuf>) {
    let mut total = 0;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let (t, f) = dir_size(&path);
            total += t;
            files.extend(f);
        } else {
            total += std::fs::metadata(&path).unwrap().len();
            files.push(path);
        }
    }
    (total, files)
}

/// The largest fixture file: the worst case for one send's inflate and parse.
fn largest_fixture() -> (String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (_, files) = dir_size(&root);
    let largest = files
        .iter()
        .filter(|f| !f.file_name().unwrap().to_str().unwrap().starts_with('_'))
        .max_by_key(|f| std::fs::metadata(f).unwrap().len())
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(largest).unwrap()).unwrap();
    let provider = largest
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    let provider = if provider == "standard" {
        "standard"
    } else {
        provider
    };
    (
        provider.to_string(),
        doc["event"].as_str().unwrap().to_string(),
    )
}
