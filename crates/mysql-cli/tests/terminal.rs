//! `mysql-rs` on a terminal, driven through a pseudo-terminal (Python's `pty`): the prompt, a
//! statement over two lines, summary lines with warnings and times, `source`, `status`, `help`,
//! `USE`, `\G`, history recall with the Up arrow, and Ctrl-C on `SELECT SLEEP(30)`: back at
//! the prompt within a second, the statement gone from the server.

use std::process::Command;

use integration_tests::url;

const SCRIPT: &str = r#"
import os, pty, re, sys, time, select, fcntl, termios, struct
exe, url, home = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = home
    os.environ["TERM"] = "xterm"
    os.execv(exe, [exe, "--url", url])
# A wide terminal: long lines do not wrap (a wrap redraws the prompt).
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
seen = b""
def expect(text, timeout=20):
    global seen
    end = time.time() + timeout
    while text.encode() not in seen:
        left = end - time.time()
        if left <= 0:
            sys.exit("timed out waiting for %r; got:\n%s" % (text, seen.decode(errors="replace")))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    at = seen.index(text.encode()) + len(text)
    got, seen = seen[:at], seen[at:]
    return got.decode(errors="replace")
def send(s):
    # Give the line editor a moment to switch the terminal to raw mode after its prompt.
    time.sleep(0.3)
    os.write(fd, s.encode())
expect("MariaDB [test]> ")
send("SELECT 1 +\r")
expect("    -> ")
send("1 AS two;\r")
out = expect("MariaDB [test]> ")
assert "| two |" in out and "|   2 |" in out, out
# The summary line with its time, as the mariadb client prints it at the prompt.
assert re.search(r"\n1 row in set \(\d+\.\d{3} sec\)\r?\n", out), out
send("SELECT CAST('x' AS SIGNED) AS c;\r")
out = expect("MariaDB [test]> ")
assert re.search(r"1 row in set, 1 warning \(\d+\.\d{3} sec\)", out), out
send("DO 1;\r")
out = expect("MariaDB [test]> ")
assert re.search(r"Query OK, 0 rows affected \(\d+\.\d{3} sec\)", out), out
# The client commands: source, status, help, USE.
with open(os.path.join(home, "script.sql"), "w") as f:
    f.write("SELECT 'from a file' AS f;\n")
send("source %s\r" % os.path.join(home, "script.sql"))
out = expect("MariaDB [test]> ")
assert "| from a file |" in out, out
send("status\r")
out = expect("MariaDB [test]> ")
assert "Connection id:" in out and "TCP port:" in out and "Threads:" in out, out
send("help\r")
out = expect("MariaDB [test]> ")
assert "source    (\\.) Execute an SQL script file." in out, out
send("USE mysql\r")
out = expect("MariaDB [mysql]> ")
assert "Database changed" in out, out
send("USE test\r")
expect("MariaDB [test]> ")
send("SELECT 42 AS answer\\G\r")
out = expect("MariaDB [test]> ")
assert "answer: 42" in out, out
send("\x1b[A")                        # Up: the last line comes back (redrawn) ...
expect("SELECT 42 AS answer\\G")
send("\r")                            # ... and runs again
out = expect("MariaDB [test]> ")
assert "answer: 42" in out, out
send("SELECT SLEEP(30) AS slept;\r")
time.sleep(1.0)
started = time.time()
os.write(fd, b"\x03")                 # Ctrl-C while it runs
out = expect("MariaDB [test]> ", timeout=10)
back = time.time() - started
assert "query killed" in out, out
assert back < 1.0, "back at the prompt after %.2f s" % back
send("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%';\r")
out = expect("MariaDB [test]> ")
assert "| 0 |" in out, out
send("quit\r")
expect("Bye")
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
print("ok %.3f" % back)
"#;

#[test]
fn prompt_history_vertical_and_ctrl_c() {
    // The server must be up (the suite's helper fails with instructions otherwise).
    drop(integration_tests::blocking(&url()));
    let home = std::env::temp_dir().join(format!("mysql-rs-tty-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new("python3")
        .args(["-c", SCRIPT, env!("CARGO_BIN_EXE_mysql-rs"), &url()])
        .arg(&home)
        .output()
        .expect("python3");
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok "));
}
