//! `mysql-rs --binlog` against the test server: the row changes of a table, as JSON lines,
//! from a file position on every runtime; `--follow` from the end of the log showing a change
//! made after it started; a refusal as an error and exit code 1.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use integration_tests::{blocking, url};
use serde_json::{json, Value as Json};

fn mysql_rs() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
}

/// The JSON lines of `stdout` about `table`.
fn about(stdout: &[u8], table: &str) -> Vec<Json> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .filter(|j| j["table"] == table)
        .collect()
}

#[test]
fn row_changes_from_a_position_on_every_runtime() {
    let mut c = blocking(&url());
    c.query_drop(
        "CREATE OR REPLACE TABLE binlog_cli (id INT PRIMARY KEY, s VARCHAR(10), b VARBINARY(4))",
    )
    .unwrap();
    let (file, position) = c.binlog_position().unwrap();
    let start = format!("{file}:{position}");
    c.query_drop("INSERT INTO binlog_cli VALUES (1, 'one', x'ff00'), (2, NULL, NULL)")
        .unwrap();
    c.query_drop("UPDATE binlog_cli SET s = 'uno' WHERE id = 1")
        .unwrap();
    c.query_drop("DELETE FROM binlog_cli WHERE id = 2").unwrap();
    for (i, runtime) in ["blocking", "tokio", "smol", "async-std", "compio"]
        .iter()
        .enumerate()
    {
        let out = mysql_rs()
            .args([
                "--url",
                &url(),
                "--runtime",
                runtime,
                &format!("--binlog={start}"),
            ])
            .args(["--server-id", &(2000 + i).to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{runtime}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines = about(&out.stdout, "binlog_cli");
        let changes: Vec<(Json, Json, Json)> = lines
            .iter()
            .map(|l| (l["event"].clone(), l["before"].clone(), l["after"].clone()))
            .collect();
        // The line that completes a transaction says where to resume: from the one after the
        // insert, the update and the delete follow.
        if i == 0 {
            let all: Vec<Json> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let insert = all.iter().position(|j| j["table"] == "binlog_cli").unwrap();
            let resume = all[insert..]
                .iter()
                .find_map(|j| j["resume"].as_str())
                .expect("a resume position after the insert");
            let resumed = mysql_rs()
                .args(["--url", &url(), "--server-id", "2300"])
                .arg(format!("--binlog={resume}"))
                .output()
                .unwrap();
            assert!(resumed.status.success());
            let events: Vec<Json> = about(&resumed.stdout, "binlog_cli")
                .iter()
                .map(|l| l["event"].clone())
                .collect();
            assert_eq!(events, [json!("update"), json!("delete")]);
        }
        assert_eq!(
            changes,
            [
                (
                    json!("insert"),
                    Json::Null,
                    json!([1, "one", {"base64": "/wA="}])
                ),
                (json!("insert"), Json::Null, json!([2, null, null])),
                (
                    json!("update"),
                    json!([1, "one", {"base64": "/wA="}]),
                    json!([1, "uno", {"base64": "/wA="}])
                ),
                (json!("delete"), json!([2, null, null]), Json::Null),
            ],
            "{runtime}"
        );
    }
}

#[test]
fn follow_shows_changes_made_after_it_started() {
    let mut c = blocking(&url());
    c.query_drop("CREATE OR REPLACE TABLE binlog_follow (id INT PRIMARY KEY)")
        .unwrap();
    let mut child = mysql_rs()
        .args([
            "--url",
            &url(),
            "--binlog",
            "--follow",
            "--server-id",
            "2100",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Inserts until the follower shows one (it may start after the first ones).
    let reader = std::thread::spawn(move || {
        lines.find_map(|l| {
            let j: Json = serde_json::from_str(&l.unwrap()).unwrap();
            (j["table"] == "binlog_follow" && j["event"] == "insert").then_some(j)
        })
    });
    let started = Instant::now();
    let mut id = 0;
    while !reader.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing followed"
        );
        id += 1;
        c.query_drop(format!("INSERT INTO binlog_follow VALUES ({id})"))
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let j = reader.join().unwrap().expect("an insert");
    assert!(j["after"][0].as_i64().unwrap() >= 1, "{j}");
    child.kill().unwrap();
    child.wait().unwrap();
    c.query_drop("DROP TABLE binlog_follow").unwrap();
}

#[test]
fn a_refused_dump_is_an_error_with_exit_code_one() {
    let out = mysql_rs()
        .args([
            "--url",
            &url(),
            "--binlog=no-such-log.000001:4",
            "--server-id",
            "2200",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("ERROR: ") && err.contains("1236"), "{err}");
    let out = mysql_rs()
        .args(["--url", &url(), "--binlog=x:y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a position"));
}
