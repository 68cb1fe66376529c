//! `mysql-rs`: run SQL against a MySQL / MariaDB server and print the results.
//!
//! ```text
//! mysql-rs [--url URL] [-e SQL] [--batch] [--skip-column-names] [--prepared]
//!          [--runtime blocking|tokio|smol|async-std]
//! ```
//!
//! Statements come from `-e` or standard input, split like the `mariadb` client splits them
//! (delimiters, quotes, comments, `DELIMITER`). With `--batch` (or when standard output is not a
//! terminal) results are printed tab-separated exactly as `mariadb --batch` prints them;
//! otherwise as aligned tables. On a server error the client prints
//! `ERROR <code> (<sqlstate>) at line <n>: <message>` to standard error and exits with 1.
//! `--url` defaults to `$MYSQL_URL`. `--runtime` picks the adapter (default `blocking`); the
//! output is the same whichever runs it. `--prepared` runs every statement as a prepared
//! statement (binary protocol) and prints binary values exactly as the server renders them in
//! text, so the output equals the text protocol's.

mod output;
mod session;
mod split;

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use mysql_proto::{Columns, Error, ErrorKind, Event};
use session::Session;

const USAGE: &str = "usage: mysql-rs [--url URL] [-e SQL | --execute SQL] [-B | --batch] \
[-N | --skip-column-names] [--prepared] [--local-infile[=0|1]] [--compress]\n\
  [--runtime blocking|tokio|smol|async-std]\n\
  --url defaults to $MYSQL_URL; statements are read from standard input without -e.";

struct Args {
    url: Option<String>,
    execute: Option<String>,
    batch: bool,
    column_names: bool,
    runtime: String,
    prepared: bool,
    /// URL options the flags add (`local-infile=true`, `compression=zlib`).
    options: Vec<&'static str>,
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
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
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
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mysql-rs: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(mut url) = args.url.clone() else {
        eprintln!("mysql-rs: no server: pass --url or set MYSQL_URL\n{USAGE}");
        return ExitCode::from(2);
    };
    for option in &args.options {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(option);
    }
    let input = match &args.execute {
        Some(sql) => sql.clone(),
        None => {
            let mut buf = Vec::new();
            if let Err(e) = io::stdin().read_to_end(&mut buf) {
                eprintln!("mysql-rs: reading standard input: {e}");
                return ExitCode::from(1);
            }
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    let mut conn = match session::connect(&args.runtime, &url) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ERROR: cannot connect: {e}");
            return ExitCode::from(1);
        }
    };
    let batch = args.batch || !io::stdout().is_terminal();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 << 10, stdout.lock());
    for stmt in split::split(&input) {
        if let Err((phase, e)) = run_statement(conn.as_mut(), &stmt.sql, &args, batch, &mut out) {
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
            match e.server() {
                Some(s) => eprintln!(
                    "ERROR {} ({}) at line {}: {}",
                    s.code, s.sql_state, stmt.line, s.message
                ),
                None => eprintln!("ERROR at line {}: {e}", stmt.line),
            }
            return ExitCode::from(1);
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("mysql-rs: writing output: {e}");
        return ExitCode::from(1);
    }
    let _ = conn.close();
    ExitCode::SUCCESS
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
    let mut printer = Printer::new(batch, args.column_names);
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

/// Prints result sets: streamed tab-separated rows in batch mode, tables otherwise.
struct Printer {
    batch: bool,
    column_names: bool,
    columns: Option<Columns>,
    header_done: bool,
    table: Option<output::Table>,
}

impl Printer {
    fn new(batch: bool, column_names: bool) -> Printer {
        Printer {
            batch,
            column_names,
            columns: None,
            header_done: false,
            table: None,
        }
    }

    fn start(&mut self, columns: &Columns) {
        // Like the mariadb client, batch mode prints nothing at all for an empty result set,
        // so the header waits for the first row.
        self.header_done = !self.column_names;
        self.columns = Some(columns.clone());
        if !self.batch {
            let names = columns.iter().map(|c| c.name().into_owned()).collect();
            let numeric = columns.iter().map(is_numeric).collect();
            self.table = Some(output::Table::new(names, numeric));
        }
    }

    fn row(&mut self, row: mysql_proto::RowRef<'_>, out: &mut impl Write) -> io::Result<()> {
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
        if let Some(t) = self.table.take() {
            if t.len() == 0 {
                writeln!(out, "Empty set\n")?;
            } else {
                t.print(out)?;
                let n = t.len() as u64;
                writeln!(out, "{n} row{} in set\n", plural(n))?;
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

fn is_numeric(c: &mysql_proto::Column) -> bool {
    use mysql_proto::ColumnType::*;
    matches!(
        c.column_type,
        Decimal | NewDecimal | Tiny | Short | Long | Float | Double | LongLong | Int24 | Year
    )
}
