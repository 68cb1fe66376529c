//! Runs every example (built by `cargo test` with the crate) against the test server and checks
//! what it prints.

use std::path::PathBuf;
use std::process::Command;

/// Runs example `name`; its standard output.
fn run(name: &str) -> String {
    // target/debug/deps/examples-<hash> -> target/debug/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let dir: PathBuf = exe.parent().unwrap().parent().unwrap().join("examples");
    let out = Command::new(dir.join(name))
        .output()
        .unwrap_or_else(|e| panic!("example {name} not built in {}: {e}", dir.display()));
    assert!(
        out.status.success(),
        "example {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The runtime examples print the same lines.
fn check_runtime_example(name: &str) {
    let out = run(name);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("server ") && lines[0].contains("MariaDB"),
        "{out}"
    );
    assert_eq!(
        &lines[1..],
        ["row 2 item 2", "row 3 item 3", "sum 42"],
        "{out}"
    );
}

#[test]
fn blocking() {
    check_runtime_example("blocking");
}

#[test]
fn tokio() {
    check_runtime_example("tokio");
}

#[test]
fn smol() {
    check_runtime_example("smol");
}

#[test]
fn async_std() {
    check_runtime_example("async_std");
}

#[test]
fn compio() {
    check_runtime_example("compio");
}

/// Milliseconds in a "done in N ms" line.
fn millis(out: &str) -> u64 {
    let at = out.find("done in ").expect("a duration") + 8;
    out[at..].split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn mio_loop() {
    let out = run("mio_loop");
    for i in 0..3 {
        assert!(
            out.contains(&format!("connection {i}: answered {}", 40 + i)),
            "{out}"
        );
    }
    // Three 1 s sleeps one after another would take 3 s.
    assert!(millis(&out) < 2500, "{out}");
}

#[test]
fn nonblocking() {
    let out = run("nonblocking");
    assert!(out.contains("answer 42"), "{out}");
    assert!(out.contains("error: ERROR 1146 (42S02)"), "{out}");
    // The program kept working while the 0.5 s query ran (10 ms slices).
    let slices: u64 = out
        .split("ran ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a slice count");
    assert!(slices >= 20, "{out}");
}

#[test]
fn local_executor() {
    let out = run("local_executor");
    assert!(out.contains("task 0: 0\ntask 1: 10\ntask 2: 20"), "{out}");
    assert!(millis(&out) < 1400, "{out}");
}

#[test]
fn binlog_tail() {
    assert_eq!(
        run("binlog_tail"),
        "insert (1, ada)\ninsert (2, bob)\nupdate (1, ada) -> (1, grace)\ndelete (2, bob)\n"
    );
}
