//! One filter syntax in both formats: `RUST_LOG`, when set, wins over `log.level`; an invalid
//! `RUST_LOG` is reported and `log.level` used instead.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use crate::support::{binary, Running};

/// Starts the binary with `env` and returns its stdout lines up to the first that contains
/// `until` (all of them, if it never comes within 30 s or the process ends).
fn output_until(env: &[(&str, &str)], until: &'static str) -> Vec<String> {
    let mut cmd = binary();
    cmd.env_remove("RUST_LOG")
        .env("INTENTFUL_AUTH__DEFAULT__MODE", "none")
        .env("INTENTFUL_AUTH__DEFAULT__ACKNOWLEDGED", "true")
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut running = Running(cmd.spawn().expect("spawn intentful"));
    let stdout = running.0.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let found = line.contains(until);
            if tx.send(line).is_err() || found {
                return;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let found = line.contains(until);
        lines.push(line);
        if found {
            break;
        }
    }
    lines
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

#[test]
fn rust_log_wins_over_log_level_in_json() {
    let lines = output_until(
        &[("RUST_LOG", "info"), ("INTENTFUL_LOG__LEVEL", "error")],
        "intentful listening",
    );
    assert!(has(&lines, "\"severity\":\"INFO\""), "{lines:?}");
}

#[test]
fn rust_log_wins_over_log_level_on_a_terminal_format() {
    let lines = output_until(
        &[
            ("INTENTFUL_LOG__FORMAT", "pretty"),
            ("RUST_LOG", "intentful=info,error"),
            ("INTENTFUL_LOG__LEVEL", "error"),
        ],
        "intentful listening",
    );
    assert!(has(&lines, "intentful listening"), "{lines:?}");
    assert!(!has(&lines, "\"severity\""), "not JSON: {lines:?}");
}

#[test]
fn an_invalid_rust_log_is_reported_and_log_level_used() {
    let lines = output_until(
        &[
            ("RUST_LOG", "intentful=loud"),
            ("INTENTFUL_LOG__LEVEL", "info"),
        ],
        "intentful listening",
    );
    assert!(has(&lines, "RUST_LOG ignored"), "{lines:?}");
    assert!(has(&lines, "intentful listening"), "{lines:?}");
}
