//! `mysql-rs`: run SQL against a MySQL / MariaDB server and print the results.
//!
//! ```text
//! mysql-rs [--url URL | -h HOST -P PORT -u USER -p[PASSWORD] -S SOCKET --protocol TCP|SOCKET]
//!          [-e SQL] [-B] [-N] [-t] [-E] [--json] [-f] [-v] [--show-warnings] [-C]
//!          [--local-infile] [--prepared]
//!          [--runtime blocking|tokio|smol|async-std|compio] [-V] [--help] [DATABASE]
//! mysql-rs [connection flags] --binlog[=FILE:POS|GTID] [--follow] [--server-id N]
//! ```
//!
//! Statements come from `-e` or standard input, split like the `mariadb` client splits them
//! (delimiters, quotes, comments, `DELIMITER`), with its client commands: `\g`, `\G`
//! (vertical output for that statement), `\c`, `\q`, `quit` / `exit` lines, `USE db`,
//! `source FILE`, `status`, `help [TOPIC]`, `warnings` / `nowarning` (see `split.rs`). Results
//! are printed exactly as `mariadb` prints them: tab-separated (`--batch`, or when standard
//! input or output is not a terminal), as tables (`--table`, or at a terminal), vertically
//! (`--vertical`), or one JSON object per line (`--json`: numbers, exact strings for DECIMAL
//! and integers beyond 2^53, ISO 8601 dates, base64 binary, as `mysql-gateway`); `-v`, `-vv`, `-vvv` echo statements, add the summary lines (`3 rows in
//! set`, `Query OK, 1 row affected, 1 warning`, the server's info line) and their times;
//! `--show-warnings` prints the warnings. On a server error the client prints
//! `ERROR <code> (<sqlstate>) at line <n>: <message>` to standard error and exits with 1
//! (`--force`: goes on, exit code 0, as the mariadb client; in a sourced file errors name the
//! file and the file goes on). The connection flags are the mariadb client's (a bare `-p` asks
//! for the password on the terminal; a password given is masked in `ps`, see `argv.rs`); they override `--url` /
//! `$MYSQL_URL`. `--runtime` picks the adapter (default `blocking`); the output is the same
//! whichever runs it. `--prepared` runs every statement as a prepared statement (binary
//! protocol) and prints binary values exactly as the server renders them in text, so the
//! output equals the text protocol's.
//!
//! `--binlog` prints the server's binary log instead, one JSON object per line (row changes,
//! statements, GTIDs, commits: see `binlog.rs`).
//!
//! On a terminal, without `-e` or `--batch`, it is interactive (see `interactive.rs`): a
//! prompt with line editing and history, summary lines with times, and Ctrl-C killing the
//! running statement.

mod argv;
mod binlog;
mod cells;
mod commands;
mod interactive;
mod output;
mod printer;
mod run;
mod session;
mod split;

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use mysql_proto::Opts;
use run::{Flow, Runner};

const USAGE: &str = "usage: mysql-rs [OPTIONS] [DATABASE]
  --url URL                 mysql://user:password@host:port/database?option=... ($MYSQL_URL)
  -h, --host HOST           server host (overrides the URL's)
  -P, --port PORT           server port
  -u, --user USER           user name
  -p, --password[=PASSWORD] password; prompted for on the terminal when not given
  -D, --database DATABASE   default database
  -S, --socket PATH         Unix socket
  --protocol TCP|SOCKET     transport
  -e, --execute SQL         run SQL and exit
  -B, --batch               tab-separated output (also when the output is not a terminal)
  -N, --skip-column-names   no header line
  -t, --table               tables, also in batch mode
  -E, --vertical            one line per column (also per statement with \\G)
  --json                    one JSON object per row, typed as the HTTP gateway types values
  -f, --force               go on after an error
  -v, --verbose             echo statements (-v), summary lines (-vv), times and tables (-vvv)
  --show-warnings           print the warnings after every statement that has some
  -C, --compress            protocol compression (zlib)
  --local-infile[=0|1]      allow LOAD DATA LOCAL INFILE for files the statement names
  --prepared                run statements as prepared statements (binary protocol)
  --runtime RT              blocking (default), tokio, smol, async-std or compio
  --binlog[=FILE:POS|GTID]  print the binary log's row changes, statements and commits as
                            JSON lines, from a file position, a MariaDB GTID position, or
                            (no value) the current end of the log; needs REPLICATION SLAVE
  --follow                  with --binlog: wait for new events instead of ending at the end
  --server-id N             with --binlog: the replica id to present (default: 4000000000
                            plus this process's id modulo 1000000)
  -V, --version             print the version and exit
  --help                    print this help and exit";

struct Args {
    url: Option<String>,
    execute: Option<String>,
    batch: bool,
    column_names: bool,
    runtime: String,
    prepared: bool,
    /// URL options the flags add (`local-infile=true`, `compression=zlib`).
    options: Vec<&'static str>,
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    /// `Some(None)`: ask for it on the terminal.
    password: Option<Option<String>>,
    database: Option<String>,
    socket: Option<String>,
    protocol: Option<String>,
    table: bool,
    vertical: bool,
    force: bool,
    verbose: u8,
    show_warnings: bool,
    json: bool,
    /// `--binlog`: `Some(None)` from the current end of the log, `Some(Some(start))` from there.
    binlog: Option<Option<String>>,
    follow: bool,
    server_id: Option<u32>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        url: std::env::var("MYSQL_URL").ok(),
        execute: None,
        batch: false,
        column_names: true,
        runtime: "blocking".into(),
        prepared: false,
        options: Vec::new(),
        host: None,
        port: None,
        user: None,
        password: None,
        database: None,
        socket: None,
        protocol: None,
        table: false,
        vertical: false,
        force: false,
        verbose: 0,
        show_warnings: false,
        json: false,
        binlog: None,
        follow: false,
        server_id: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        // `--name=value`, and the short options' attached values (`-uroot`, `-psecret`).
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ if arg.len() > 2 && arg.starts_with('-') && !arg.starts_with("--") => {
                (arg[..2].to_string(), Some(arg[2..].to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{what} needs a value"))
        };
        match name.as_str() {
            "--url" => a.url = Some(value("--url")?),
            "-e" | "--execute" => a.execute = Some(value("--execute")?),
            "-B" | "--batch" => a.batch = true,
            "-N" | "--skip-column-names" => a.column_names = false,
            "-t" | "--table" => a.table = true,
            "-E" | "--vertical" => a.vertical = true,
            "-f" | "--force" => a.force = true,
            "--show-warnings" => a.show_warnings = true,
            "--json" => a.json = true,
            // -v, -vv, -vvv, --verbose
            "-v" | "--verbose" => match inline.as_deref() {
                None => a.verbose = a.verbose.saturating_add(1),
                Some(v) if name == "-v" && v.bytes().all(|b| b == b'v') => {
                    a.verbose = a.verbose.saturating_add(1 + v.len().min(8) as u8)
                }
                Some(v) => return Err(format!("{name} takes no value, not `{v}`")),
            },
            "-h" | "--host" => a.host = Some(value("--host")?),
            "-u" | "--user" => a.user = Some(value("--user")?),
            "-D" | "--database" => a.database = Some(value("--database")?),
            "-S" | "--socket" => a.socket = Some(value("--socket")?),
            "-P" | "--port" => {
                let v = value("--port")?;
                a.port = Some(v.parse().map_err(|_| format!("invalid port `{v}`"))?);
            }
            // As the mariadb client: a password only when attached (`-pX`, `--password=X`);
            // alone, it is asked for on the terminal (so it never shows in `ps`).
            "-p" | "--password" => a.password = Some(inline.clone()),
            "--protocol" => {
                let v = value("--protocol")?.to_ascii_uppercase();
                if v != "TCP" && v != "SOCKET" {
                    return Err(format!("--protocol takes TCP or SOCKET, not `{v}`"));
                }
                a.protocol = Some(v);
            }
            "--runtime" => {
                a.runtime = value("--runtime")?;
                if !["blocking", "tokio", "smol", "async-std", "compio"]
                    .contains(&a.runtime.as_str())
                {
                    return Err(format!("unknown runtime `{}`", a.runtime));
                }
            }
            "--prepared" => a.prepared = true,
            "--binlog" => a.binlog = Some(inline.clone()),
            "--follow" => a.follow = true,
            "--server-id" => {
                let v = value("--server-id")?;
                let id = v
                    .parse()
                    .map_err(|_| format!("--server-id takes a number, not `{v}`"))?;
                a.server_id = Some(id);
            }
            // The mariadb client's flags: LOAD DATA LOCAL INFILE for files the statement
            // names; protocol compression.
            "--local-infile" => match inline.as_deref() {
                None | Some("1") => a.options.push("local-infile=true"),
                Some("0") => a.options.push("local-infile=false"),
                Some(v) => return Err(format!("--local-infile takes 0 or 1, not `{v}`")),
            },
            "-C" | "--compress" => a.options.push("compression=zlib"),
            "-V" | "--version" => {
                println!(
                    "mysql-rs Ver {} for {} ({}), a sans-IO Rust client",
                    env!("CARGO_PKG_VERSION"),
                    std::env::consts::OS,
                    std::env::consts::ARCH
                );
                std::process::exit(0);
            }
            "--help" | "-?" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other if !other.starts_with('-') && a.database.is_none() => {
                a.database = Some(other.to_string())
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

/// The connection options: the URL (or `localhost`), the flags' options, then the
/// connection flags over it. Asks for the password on the terminal for a bare `-p`.
fn connect_opts(args: &Args) -> Result<Opts, String> {
    let flags = args.host.is_some()
        || args.port.is_some()
        || args.user.is_some()
        || args.password.is_some()
        || args.database.is_some()
        || args.socket.is_some();
    let mut url = match &args.url {
        Some(u) => u.clone(),
        None if flags => "mysql://localhost/".to_string(),
        None => return Err("no server: pass --url, set MYSQL_URL, or give -h / -u / -S".into()),
    };
    for option in &args.options {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(option);
    }
    let mut b = Opts::builder_from(Opts::from_url(&url).map_err(|e| e.to_string())?);
    if let Some(h) = &args.host {
        b = b.host(h.clone());
    }
    if let Some(p) = args.port {
        b = b.port(p);
    }
    if let Some(u) = &args.user {
        b = b.user(u.clone());
    }
    if let Some(d) = &args.database {
        b = b.database(d.clone());
    }
    let socket = match args.protocol.as_deref() {
        Some("TCP") => None,
        Some(_) => Some(
            args.socket
                .clone()
                .unwrap_or_else(|| "/run/mysqld/mysqld.sock".into()),
        ),
        None => args.socket.clone(),
    };
    if let Some(s) = socket {
        b = b.socket(s);
    }
    match &args.password {
        Some(Some(pw)) => b = b.password(pw.clone()),
        Some(None) => {
            let pw = rpassword::prompt_password("Enter password: ")
                .map_err(|e| format!("reading the password: {e}"))?;
            b = b.password(pw);
        }
        None => {}
    }
    Ok(b.build())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mysql-rs: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // As the mariadb client: the password no longer shows in `ps`.
    argv::mask_passwords();
    let opts = match connect_opts(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mysql-rs: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(start) = &args.binlog {
        return match session::connect(&args.runtime, opts) {
            Ok(conn) => binlog::run(conn, start.as_deref(), args.follow, args.server_id),
            Err(e) => {
                eprintln!("ERROR: cannot connect: {e}");
                ExitCode::from(1)
            }
        };
    }
    // A terminal and no statements given: the interactive prompt.
    let interactive = args.execute.is_none() && !args.batch && io::stdin().is_terminal();
    let input = match &args.execute {
        Some(sql) => sql.clone(),
        None if interactive => String::new(),
        None => {
            let mut buf = Vec::new();
            if let Err(e) = io::stdin().read_to_end(&mut buf) {
                eprintln!("mysql-rs: reading standard input: {e}");
                return ExitCode::from(1);
            }
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    let conn = match session::connect(&args.runtime, opts.clone()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ERROR: cannot connect: {e}");
            return ExitCode::from(1);
        }
    };
    let terminal = io::stdin().is_terminal() && io::stdout().is_terminal();
    let mut runner = Runner::new(conn, &args, opts, interactive, terminal);
    if interactive {
        return interactive::run(runner);
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let flow = runner.script(&input, None, &mut out);
    if let Err(e) = out.flush() {
        eprintln!("mysql-rs: writing output: {e}");
        return ExitCode::from(1);
    }
    if args.verbose >= 2 {
        println!("Bye");
    }
    if let Flow::Stop(code) = flow {
        return ExitCode::from(code);
    }
    let _ = runner.conn.close();
    ExitCode::SUCCESS
}
