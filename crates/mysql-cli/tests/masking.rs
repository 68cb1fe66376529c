//! A password given on the command line does not stay in the process's command line: while
//! `mysql-rs` runs a statement, `/proc/PID/cmdline` (what `ps` shows) has `x` in its place, for
//! `-pPASSWORD`, `--password=PASSWORD` and a URL with a password.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use integration_tests::url;

fn port() -> String {
    url()
        .rsplit_once(':')
        .and_then(|(_, p)| p.split('/').next().map(str::to_string))
        .unwrap()
}

/// Runs mysql-rs with `args` and a statement that takes 2 s; returns its command line as `ps`
/// sees it while it runs, and whether it succeeded.
fn cmdline_while_running(args: &[String]) -> (String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
        .args(args)
        .args(["-e", "SELECT SLEEP(2)"])
        .env_remove("MYSQL_URL")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let path = format!("/proc/{}/cmdline", child.id());
    // Masked right after the arguments are parsed, long before the 2 s statement ends: poll
    // until it is (or give up after 5 s and let the caller's assertions say what was seen).
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = String::new();
    while Instant::now() < deadline {
        let bytes = std::fs::read(&path).unwrap_or_default();
        seen = String::from_utf8_lossy(&bytes).replace('\0', " ");
        if seen.contains("SLEEP") && !seen.contains("native_pw") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let ok = child.wait().unwrap().success();
    (seen, ok)
}

#[test]
fn the_password_is_masked_in_the_process_title() {
    let flags = |pw: &str| -> Vec<String> {
        ["-h", "127.0.0.1", "-P", &port(), "-u", "rs_native", pw]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    for (args, shown) in [
        (flags("-pnative_pw"), "-pxxxxxxxxx"),
        (flags("--password=native_pw"), "--password=xxxxxxxxx"),
        (vec!["--url".into(), url()], "rs_native:xxxxxxxxx@"),
    ] {
        let (cmdline, ok) = cmdline_while_running(&args);
        assert!(
            ok,
            "{args:?}: the statement failed (wrong password after masking?)"
        );
        assert!(
            cmdline.contains("SLEEP"),
            "{args:?}: never saw the process: {cmdline}"
        );
        assert!(
            !cmdline.contains("native_pw"),
            "{args:?}: password visible: {cmdline}"
        );
        assert!(cmdline.contains(shown), "{args:?}: {cmdline}");
    }
}
