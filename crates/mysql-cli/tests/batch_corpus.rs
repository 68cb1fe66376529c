//! `mysql-rs --batch` against the real `mariadb --batch` client: the same statements through
//! both, on the same server; standard output, standard error and exit code must be identical,
//! with `mysql-rs` run on every runtime (`--runtime blocking|tokio|smol|async-std`), with the
//! text protocol and with `--prepared` (binary protocol).

use std::io::Write;
use std::process::{Command, Stdio};

use integration_tests::url;

use integration_tests::corpus::{setup, DB};

struct Run {
    stdout: Vec<u8>,
    stderr: String,
    code: Option<i32>,
}

fn run(program: &str, args: &[String], input: &str) -> Run {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

fn mariadb_args() -> Vec<String> {
    let port = url()
        .rsplit_once(':')
        .and_then(|(_, p)| p.split('/').next().map(str::to_string))
        .unwrap();
    [
        "--no-defaults",
        "--host=127.0.0.1",
        &format!("--port={port}"),
        "--user=rs_native",
        "--password=native_pw",
        "--default-character-set=utf8mb4",
        "--max-allowed-packet=1G",
        "--batch",
        DB,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn ours(runtime: &str, prepared: bool) -> Vec<String> {
    let u = url().replace("/test", &format!("/{DB}"));
    let mut a: Vec<String> = vec![
        "--url".into(),
        u,
        "--batch".into(),
        "--runtime".into(),
        runtime.into(),
    ];
    if prepared {
        a.push("--prepared".into());
    }
    a
}

const RUNTIMES: [&str; 5] = ["blocking", "tokio", "smol", "async-std", "compio"];

/// Runs `input` through both clients (ours on every runtime) and asserts identical output;
/// returns ours.
fn compare(input: &str) -> Run {
    compare_with(&[], input)
}

/// [`compare`] with `extra` arguments given to both clients.
fn compare_with(extra: &[&str], input: &str) -> Run {
    setup();
    let with = |mut a: Vec<String>| {
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let theirs = run("mariadb", &with(mariadb_args()), input);
    let mut last = None;
    for runtime in RUNTIMES {
        for prepared in [false, true] {
            let mine = run(
                env!("CARGO_BIN_EXE_mysql-rs"),
                &with(ours(runtime, prepared)),
                input,
            );
            let what = format!("{runtime}{}", if prepared { " --prepared" } else { "" });
            assert_same(&without_times(&mine), &without_times(&theirs), &what);
            last = Some(mine);
        }
    }
    last.unwrap()
}

/// `run` with every `(1.234 sec)` of the summary lines (`-vvv`) as `(T sec)`: the one part of
/// the output that differs between two runs.
fn without_times(run: &Run) -> Run {
    let out = &run.stdout;
    let mut stdout = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        if out[i] == b'(' {
            let digits = out[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .count();
            if digits > 0 && out[i + 1 + digits..].starts_with(b" sec)") {
                stdout.extend_from_slice(b"(T sec)");
                i += 1 + digits + 5;
                continue;
            }
        }
        stdout.push(out[i]);
        i += 1;
    }
    Run {
        stdout,
        stderr: run.stderr.clone(),
        code: run.code,
    }
}

fn assert_same(mine: &Run, theirs: &Run, runtime: &str) {
    if mine.stdout != theirs.stdout {
        let a = String::from_utf8_lossy(&mine.stdout);
        let b = String::from_utf8_lossy(&theirs.stdout);
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(a.lines().count().min(b.lines().count()));
        panic!(
            "stdout differs ({runtime}) at line {line}:\n mysql-rs: {:?}\n mariadb:  {:?}\n(lengths {} vs {})",
            a.lines().nth(line),
            b.lines().nth(line),
            mine.stdout.len(),
            theirs.stdout.len()
        );
    }
    assert_eq!(
        mine.code, theirs.code,
        "exit codes ({runtime}); stderr ours: {}",
        mine.stderr
    );
    assert_eq!(mine.stderr, theirs.stderr, "stderr ({runtime})");
}

#[test]
fn every_column_type_with_edge_values() {
    let r = compare(
        "SELECT * FROM ints;\nSELECT * FROM nums;\nSELECT * FROM times;\nSELECT * FROM strs;\n\
         SELECT ti + 0, bi DIV 2, biu DIV 2, zf, -zf FROM ints;\n\
         SELECT HEX(b64), b64 + 0, b9 + 0, d * 2, f * 1, db / 3 FROM nums;\n\
         SELECT TIMEDIFF(t, '00:00:01'), d + INTERVAL 1 DAY, TIMESTAMPADD(SECOND, 1, dt6) FROM times;\n\
         SELECT LENGTH(vc), CHAR_LENGTH(vc), HEX(l1), JSON_EXTRACT(j, '$.a'), ST_AsText(g), HEX(u) FROM strs;\n",
    );
    assert_eq!(r.code, Some(0));
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.contains("18446744073709551615"));
    assert!(out.contains("-838:59:59"));
    assert!(out.contains("0000-00-00 00:00:00.000000"));
    assert!(out.contains("héllo wörld 😀 日本語"));
    assert!(out.contains("\\0\\t\\n\\\\"));
}

#[test]
fn literals_nulls_and_escapes() {
    let r = compare(
        "SELECT NULL, NULL AS n2, '' AS empty, 'NULL' AS text_null;\n\
         SELECT CHAR(0, 9, 10, 92, 13, 65) AS ctl, X'00FF' AS bin, _latin1 X'E9' AS latin1;\n\
         SELECT -0.0, 1/3, 1e-7, 1.5e300, 12345678901234567890123456789.5, ~0, -9223372036854775808;\n\
         SELECT 'x' AS nothing FROM DUAL WHERE 0;\n\
         SELECT 'a\tb' AS `tab\tname`, 'c' AS ``````, 1 AS `é`;\n\
         SELECT CAST(1.5 AS DECIMAL(65,30)), CAST('2020-01-01 10:00:00.5' AS DATETIME(3)), CAST(-1 AS UNSIGNED);\n\
         SELECT JSON_OBJECT('k', 1, 'v', JSON_ARRAY(1, NULL, 'x')), UUID_SHORT() > 0, INET6_ATON('::1');\n",
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn fifty_thousand_rows() {
    let r = compare("SELECT * FROM big ORDER BY id;\nSELECT COUNT(*), SUM(n) FROM big;\n");
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stdout.iter().filter(|&&b| b == b'\n').count(), 50_001 + 2);
}

#[test]
fn a_row_larger_than_16_mib() {
    let r = compare("SELECT id, LENGTH(b), b FROM huge;\n");
    assert!(r.stdout.len() > 17_000_000);
}

#[test]
fn multi_statement_input_and_procedures() {
    let r = compare(
        "SELECT 1; SELECT 2 AS b;\n\n  SELECT 3\n  AS c;\n-- a comment; not a statement\n\
         # another; comment\nCALL multi();\nDO 1;\nSET @x = 5;\nSELECT @x;\n\
         DELIMITER //\nSELECT 'custom delimiter' AS d//\nDELIMITER ;\nSELECT 'back';\n",
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn errors_stop_with_the_same_message_and_exit_code() {
    for input in [
        "SELEC 1;\n",
        "SELECT 1;\nSELECT 2;\n\nSELECT * FROM no_such_table;\nSELECT 'not reached';\n",
        "CALL failing();\nSELECT 'not reached';\n",
        "SELECT 1/0;\nSELECT CAST('x' AS SIGNED);\nSELECT 1 FROM DUAL WHERE\n",
        "SELECT 1 AS ok;\n  SELECT\n\n  unknown_column;\n",
        "SELECT 'a;b' AS `c;d`;\nUSE no_such_database;\n",
        "USE `mysql`;\nSELECT DATABASE();\nuse test\n;SELECT DATABASE();SELECT bi - 1 FROM rs_corpus.ints;\n",
    ] {
        let r = compare(input);
        assert_eq!(r.code, Some(1), "{input}");
        assert!(r.stderr.contains("ERROR "), "{input}");
    }
}

#[test]
fn vertical_output_matches() {
    // Every column type, vertically (`--vertical`), and per statement with `\G`.
    let r = compare_with(
        &["--vertical"],
        "SELECT * FROM ints;\nSELECT * FROM nums;\nSELECT * FROM times;\n\
         SELECT 'x' AS nothing FROM DUAL WHERE 0;\nCALL multi();\n",
    );
    assert_eq!(r.code, Some(0));
    assert!(String::from_utf8_lossy(&r.stdout).contains("*************************** 3. row"));
    let r = compare(
        "SELECT * FROM ints\\G\nSELECT 1 AS a, 'two' AS bb\\g\nSELECT vc, l1, c, e, s FROM strs\\G\n",
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn table_output_matches() {
    // Every column type as `mariadb --table` draws it: widths in bytes, padding in screen cells
    // (wide CJK, emoji, invalid UTF-8 in binary columns), NUL as a space, numbers right-aligned,
    // NULL-able columns at least 4 wide, a value wider than 1024 bytes left unpadded.
    let corpus = "SELECT * FROM ints;\nSELECT * FROM nums;\nSELECT * FROM times;\nSELECT * FROM strs;\n\
         SELECT NULL, 1.5, 'a' AS b, '' AS ``, 'é日' AS `日本`, X'E6' AS bad, _utf8mb4 X'F09F9880' AS emoji;\n\
         SELECT 'x' AS nothing FROM DUAL WHERE 0;\nCALL multi();\n\
         SELECT REPEAT('x', 1030) AS wide, 1 AS n UNION ALL SELECT 'y', NULL;\n\
         SELECT id, v, n, x FROM big WHERE id <= 300 ORDER BY id;\n";
    for extra in [&["--table"][..], &["--table", "--skip-column-names"]] {
        let r = compare_with(extra, corpus);
        assert_eq!(r.code, Some(0));
        assert!(String::from_utf8_lossy(&r.stdout).contains("+------+"));
    }
    // And with `\G` inside table output.
    compare_with(&["-t"], "SELECT * FROM ints\\G\nSELECT 1 AS a;\n");
}

#[test]
fn client_commands_match() {
    for input in [
        // \q, quit and exit at the start of a line stop; `exit;` goes to the server.
        "SELECT 1;\n\\q\nSELECT 'not reached';\n",
        "SELECT 1;\nquit\nSELECT 'not reached';\n",
        "SELECT 1;\n  exit  \nSELECT 'not reached';\n",
        "SELECT 1;\nexit;\n",
        // \c clears the statement being typed; DELIMITER and USE as before.
        "SELECT 'cleared' \\c SELECT 'kept';\nDELIMITER $$\nSELECT 1$$\nDELIMITER ;\nUSE mysql\nSELECT DATABASE();\n",
    ] {
        compare(input);
    }
}

#[test]
fn source_help_warnings_and_verbose_levels_match() {
    // Files to source: nested, one with an error inside (reported with its file and line, the
    // file goes on), one that quits (only itself).
    let dir = std::env::temp_dir().join(format!("rs_corpus_source_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let inner = file("inner.sql", "SELECT 'nested' AS n;\n");
    let outer = file(
        "outer.sql",
        &format!("SELECT 'a' AS f;\nsource {inner}\nSELECT 'b';\nDELIMITER //\nSELECT 'd'//\n"),
    );
    let failing = file(
        "failing.sql",
        "SELECT 'in file' AS f;\nSELECT 2;\n\nSELECT * FROM no_such_table;\nSELECT 'after';\n",
    );
    let quits = file("quits.sql", "SELECT 'q';\n\\q\nSELECT 'not reached';\n");
    let missing = dir.join("missing.sql").display().to_string();
    let inputs = [
        format!("SELECT 1;\nsource {outer}\nSELECT 'delimiter kept'//\nDELIMITER ;\nSELECT 2;\n"),
        format!("\\. {failing};\nsource {quits}\nSELECT 'x';\n"),
        format!("SELECT 1;\nsource {missing}\nSELECT 'not reached';\n"),
        "source\nSELECT 6;\n".to_string(),
        // The server's help tables, printed as the mariadb client prints them.
        "help contents\nhelp 'ROUND'\nhelp REPEAT\nhelp no_such_topic\n".to_string(),
        // Summary lines (-vv, -vvv), warnings and info lines, \W and \w.
        "SET sql_mode = '';\nCREATE TEMPORARY TABLE w (a TINYINT);\n\
         INSERT INTO w VALUES (1), (300), (2);\nSELECT * FROM w WHERE 0;\n\
         UPDATE w SET a = a + 1;\nSELECT CAST('x' AS SIGNED) AS c;\nCALL multi();\n\
         \\W\nSELECT CAST('y' AS SIGNED) AS c;\n\\w\nSELECT CAST('z' AS SIGNED) AS c;\n\
         USE mysql\nSELECT DATABASE();\n"
            .to_string(),
        "SELECT 1 AS a;\nSELECT * FROM no_such_table;\nSELECT 2;\n".to_string(),
    ];
    for input in &inputs {
        for extra in [
            &[][..],
            &["-v"],
            &["-vv"],
            &["-vvv", "--show-warnings"],
            &["--force", "-vv", "--show-warnings"],
        ] {
            compare_with(extra, input);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn force_goes_on_after_errors() {
    let r = compare_with(
        &["--force"],
        "SELECT 1;\nSELECT * FROM no_such_table;\nSELECT 2;\nSELEC 3;\nSELECT 4;\n",
    );
    assert!(String::from_utf8_lossy(&r.stdout).contains('4'));
    assert_eq!(r.stderr.matches("ERROR ").count(), 2);
}

/// The mariadb client's connection flags instead of a URL (attached and separate values, the
/// database as the last argument), and `--version`.
#[test]
fn connection_flags_like_mariadb() {
    setup();
    let port = url()
        .rsplit_once(':')
        .and_then(|(_, p)| p.split('/').next().map(str::to_string))
        .unwrap();
    let input = "SELECT CURRENT_USER(), DATABASE(), @@port;\n";
    let theirs = run("mariadb", &mariadb_args(), input);
    for args in [
        vec![
            "-h",
            "127.0.0.1",
            "-P",
            &port,
            "-urs_native",
            "-pnative_pw",
            "--batch",
            DB,
        ],
        vec![
            "--host=127.0.0.1",
            "--port",
            &port,
            "--user",
            "rs_native",
            "--password=native_pw",
            "-B",
            "-D",
            DB,
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
            .args(&args)
            .env_remove("MYSQL_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(input.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v = Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("mysql-rs Ver "));
    // No server and no flags: a clear usage error, exit code 2.
    let none = Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
        .env_remove("MYSQL_URL")
        .arg("-e")
        .arg("SELECT 1")
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no server"));
}
