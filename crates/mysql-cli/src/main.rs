//! `mysql-rs`: run SQL against a MySQL / MariaDB server and print the results.
//!
//! ```text
//! mysql-rs [--url URL | -h HOST -P PORT -u USER -p[PASSWORD] -S SOCKET --protocol TCP|SOCKET]
//!          [-e SQL] [-B] [-N] [-t] [-E] [-f] [-C] [--local-infile] [--prepared]
//!          [--runtime blocking|tokio|smol|async-std] [-V] [--help] [DATABASE]
//! ```
//!
//! Statements come from `-e` or standard input, split like the `mariadb` client splits them
//! (delimiters, quotes, comments, `DELIMITER`), with its client commands: `\g`, `\G`
//! (vertical output for that statement), `\c`, `\q`, `quit` / `exit` lines, `USE db`. With
//! `--batch` (or when standard output is not a terminal) results are printed tab-separated
//! exactly as `mariadb --batch` prints them, `--vertical` as `mariadb --vertical`; otherwise
//! (or with `--table`) as aligned tables. On a server error the client prints
//! `ERROR <code> (<sqlstate>) at line <n>: <message>` to standard error and exits with 1
//! (`--force`: goes on, exit code 0, as the mariadb client). The connection flags are the
//! mariadb client's (a bare `-p` asks for the password on the terminal, so that it never shows
//! in `ps`); they override `--url` / `$MYSQL_URL`. `--runtime` picks the adapter (default
//! `blocking`); the output is the same whichever runs it. `--prepared` runs every statement as
//! a prepared statement (binary protocol) and prints binary values exactly as the server
//! renders them in text, so the output equals the text protocol's.
//!
//! On a terminal, without `-e` or `--batch`, it is interactive (see `interactive.rs`): a
//! prompt with line editing and history, and Ctrl-C killing the running statement.

mod cells;
mod interactive;
mod output;
mod session;
mod split;

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use mysql_proto::{Columns, Error, ErrorKind, Event, Opts};
use session::Session;

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
  -f, --force               go on after an error
  -C, --compress            protocol compression (zlib)
  --local-infile[=0|1]      allow LOAD DATA LOCAL INFILE for files the statement names
  --prepared                run statements as prepared statements (binary protocol)
  --runtime RT              blocking (default), tokio, smol or async-std
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
                if !["blocking", "tokio", "smol", "async-std"].contains(&a.runtime.as_str()) {
                    return Err(format!("unknown runtime `{}`", a.runtime));
                }
            }
            "--prepared" => a.prepared = true,
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
    let opts = match connect_opts(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mysql-rs: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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
    let kill_opts = opts.clone();
    let mut conn = match session::connect(&args.runtime, opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ERROR: cannot connect: {e}");
            return ExitCode::from(1);
        }
    };
    if interactive {
        return interactive::run(conn, &args, kill_opts);
    }
    let batch = args.batch || !io::stdout().is_terminal();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 << 10, stdout.lock());
    for stmt in split::split(&input) {
        let vertical = args.vertical || stmt.vertical;
        let run = run_statement(conn.as_mut(), &stmt.sql, &args, batch, vertical, &mut out);
        if let Err((phase, e)) = run {
            let _ = out.flush();
            if e.kind() == ErrorKind::Io && e.message().contains("Broken pipe") {
                return ExitCode::from(1);
            }
            // The mariadb client echoes the statement for an error answering it, an empty
            // statement for an error answering a later result, and nothing for an error in
            // the middle of rows.
            match phase {
                Phase::Query => eprintln!("--------------\n{}\n--------------\n", stmt.sql),
                Phase::NextResult => eprintln!("--------------\n\n--------------\n"),
                Phase::Rows => {}
            }
            report(&e, Some(stmt.line));
            // `--force` goes on, and (as the mariadb client) still exits with 0.
            if !args.force || e.is_fatal() {
                return ExitCode::from(1);
            }
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("mysql-rs: writing output: {e}");
        return ExitCode::from(1);
    }
    let _ = conn.close();
    ExitCode::SUCCESS
}

/// Prints `e` as the mariadb client does: `ERROR <code> (<sqlstate>) at line <n>: <message>`
/// (without the line at the interactive prompt).
fn report(e: &Error, line: Option<usize>) {
    let at = line.map(|n| format!(" at line {n}")).unwrap_or_default();
    match e.server() {
        Some(s) => eprintln!("ERROR {} ({}){at}: {}", s.code, s.sql_state, s.message),
        None => eprintln!("ERROR{at}: {e}"),
    }
}

/// Where a statement failed: its first response, its rows, or a later result.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Query,
    Rows,
    NextResult,
}

/// Runs one statement and prints every result set it returns, reading its events.
fn run_statement(
    conn: &mut dyn Session,
    sql: &str,
    args: &Args,
    batch: bool,
    vertical: bool,
    out: &mut impl Write,
) -> Result<(), (Phase, Error)> {
    if let Some(db) = use_command(sql) {
        // `USE db` is a client command of the mariadb client: COM_INIT_DB, errors not echoed.
        return conn.use_database(&db).map_err(|e| (Phase::Rows, e));
    }
    let sent = if args.prepared {
        conn.send_prepared(sql)
    } else {
        conn.send_query(sql)
    };
    sent.map_err(|e| (Phase::Query, e))?;
    let mut phase = Phase::Query;
    let mut printer = Printer::new(batch, args.column_names, args.table, vertical);
    loop {
        let io = |e: io::Error| (Phase::Rows, Error::io(e));
        match conn.next_event().map_err(|e| (phase, e))? {
            Event::ResultSetStart { columns, .. } => {
                printer.start(columns);
                phase = Phase::Rows;
            }
            Event::Row { row, .. } => printer.row(row, out).map_err(io)?,
            Event::ResultSetEnd { ok, .. } => {
                printer.end(out).map_err(io)?;
                if !ok.status.more_results() {
                    return Ok(());
                }
                phase = Phase::NextResult;
            }
            Event::Ok { ok, .. } => {
                if !batch {
                    let n = ok.affected_rows;
                    writeln!(out, "Query OK, {n} row{} affected\n", plural(n)).map_err(io)?;
                }
                if !ok.status.more_results() {
                    return Ok(());
                }
                phase = Phase::NextResult;
            }
            Event::ServerError { error, .. } => return Err((phase, Error::answer(error.clone()))),
            other => {
                let e = Error::protocol(format!("unexpected event {other:?}"));
                return Err((phase, e));
            }
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Prints result sets: streamed tab-separated rows in batch mode, tables otherwise (or with
/// `--table`), one line per column with `--vertical` / `\\G`.
struct Printer {
    batch: bool,
    column_names: bool,
    columns: Option<Columns>,
    header_done: bool,
    table: Option<output::Table>,
    vertical: Option<output::Vertical>,
    want_table: bool,
    want_vertical: bool,
}

impl Printer {
    fn new(batch: bool, column_names: bool, table: bool, vertical: bool) -> Printer {
        Printer {
            batch,
            column_names,
            columns: None,
            header_done: false,
            table: None,
            vertical: None,
            want_table: table || !batch,
            want_vertical: vertical,
        }
    }

    fn start(&mut self, columns: &Columns) {
        // Like the mariadb client, batch mode prints nothing at all for an empty result set,
        // so the header waits for the first row.
        self.header_done = !self.column_names;
        self.columns = Some(columns.clone());
        let names = || columns.iter().map(|c| c.name().into_owned()).collect();
        if self.want_vertical {
            self.vertical = Some(output::Vertical::new(names()));
        } else if self.want_table {
            let columns = columns.iter().map(|c| output::TableColumn {
                name: c.name_bytes().to_vec(),
                right_align: is_numeric(c),
                nullable: !c.flags.contains(mysql_proto::ColumnFlags::NOT_NULL),
            });
            self.table = Some(output::Table::new(columns.collect(), self.column_names));
        }
    }

    fn row(&mut self, row: mysql_proto::RowRef<'_>, out: &mut impl Write) -> io::Result<()> {
        if let Some(v) = self.vertical.as_mut() {
            return v.row(out, row.text_values());
        }
        if let Some(t) = self.table.as_mut() {
            t.push(row.text_values());
            return Ok(());
        }
        if !self.header_done {
            if let Some(c) = &self.columns {
                output::write_batch_header(out, c.iter().map(|c| c.name_bytes()))?;
            }
            self.header_done = true;
        }
        output::write_batch_row(out, row.text_values())
    }

    fn end(&mut self, out: &mut impl Write) -> io::Result<()> {
        let summary = |out: &mut dyn Write, n: usize| -> io::Result<()> {
            match n {
                0 => writeln!(out, "Empty set\n"),
                n => writeln!(out, "{n} row{} in set\n", plural(n as u64)),
            }
        };
        if let Some(v) = self.vertical.take() {
            if !self.batch {
                summary(out, v.len())?;
            }
        } else if let Some(t) = self.table.take() {
            if t.len() > 0 {
                t.print(out)?;
            }
            if !self.batch {
                summary(out, t.len())?;
            }
        }
        Ok(())
    }
}

/// The database of a `USE db` statement (quotes removed), as the mariadb client reads it.
fn use_command(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("use") {
        return None;
    }
    let db = words.next()?;
    let db = db
        .strip_prefix('`')
        .and_then(|d| d.strip_suffix('`'))
        .or_else(|| db.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')))
        .or_else(|| db.strip_prefix('"').and_then(|d| d.strip_suffix('"')))
        .unwrap_or(db);
    Some(db.to_string())
}

/// The mariadb client's `IS_NUM`: the types it right-aligns in tables (NULL-typed columns
/// too, not BIT).
fn is_numeric(c: &mysql_proto::Column) -> bool {
    use mysql_proto::ColumnType::*;
    matches!(
        c.column_type,
        Decimal
            | NewDecimal
            | Tiny
            | Short
            | Long
            | Float
            | Double
            | Null
            | LongLong
            | Int24
            | Year
    )
}
