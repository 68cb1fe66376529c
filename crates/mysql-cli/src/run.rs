//! Running statements and client commands, for every mode (standard input, `-e`, a sourced
//! file, the interactive prompt): sending them, printing their results and the mariadb
//! client's summary lines (`3 rows in set, 1 warning (0.001 sec)`, `Query OK, ...`, the
//! server's info line), `--show-warnings`, and reporting errors as the mariadb client does.

use std::io::{self, Write};
use std::time::Instant;

use mysql_proto::{Error, ErrorKind, Event, Opts};

use crate::printer::{Printer, Style};
use crate::session::Session;
use crate::split::{self, Command, Statement};
use crate::Args;

/// How deep `source` may nest (a file sourcing itself stops there with an error).
const MAX_SOURCE_DEPTH: usize = 16;

/// What a failed statement or command reports.
#[derive(Debug)]
pub enum Failure {
    /// From the driver or the server.
    Driver(Error),
    /// From the client itself (a file that cannot be opened, a command's usage).
    Client(String),
}

impl Failure {
    /// Whether the connection is gone.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Failure::Driver(e) if e.is_fatal())
    }

    fn is_broken_pipe(&self) -> bool {
        matches!(self, Failure::Driver(e) if e.kind() == ErrorKind::Io && e.message().contains("Broken pipe"))
    }
}

/// Where a statement failed: its first response, its rows, or a later result. The mariadb
/// client echoes the statement for an error answering it, an empty statement for an error
/// answering a later result, and nothing for an error in the middle of rows.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    Query,
    Rows,
    NextResult,
}

/// Whether to go on after a list of statements.
pub enum Flow {
    /// Go on.
    Go,
    /// Stop with this exit code.
    Stop(u8),
}

/// One connection and how to show what it returns.
pub struct Runner<'a> {
    /// The connection.
    pub conn: Box<dyn Session>,
    /// The command line.
    pub args: &'a Args,
    /// What it connected with (for `status`).
    pub opts: Opts,
    /// Tables rather than tab-separated rows.
    pub tables: bool,
    /// Summary lines (`1 row in set`, `Query OK`) and their times: at the prompt, or `-vv` /
    /// `-vvv` (times).
    pub summaries: bool,
    /// Times in the summary lines.
    pub times: bool,
    /// At the prompt: informative lines (`Database changed`, help's headings).
    pub interactive: bool,
    /// `--show-warnings` (`\W` / `\w` switch it).
    pub show_warnings: bool,
    /// The default database, as far as this client changed it.
    pub database: Option<String>,
    /// The current delimiter (`DELIMITER` changes it, also inside sourced files).
    pub delimiter: String,
    depth: usize,
}

impl<'a> Runner<'a> {
    /// A runner over `conn`; `interactive`: at the prompt; `terminal`: standard input and
    /// output are both terminals.
    pub fn new(
        conn: Box<dyn Session>,
        args: &'a Args,
        opts: Opts,
        interactive: bool,
        terminal: bool,
    ) -> Self {
        // The mariadb client: tables when reading and writing a terminal (also with `-e`), with
        // --table, or -vvv; tab-separated rows otherwise; summaries at the prompt or from -vv;
        // times at the prompt or from -vvv.
        let silent = !interactive;
        Runner {
            conn,
            args,
            database: opts.database().map(String::from),
            opts,
            tables: args.table || args.verbose >= 3 || (terminal && !args.batch),
            summaries: !silent || args.verbose >= 2,
            times: !silent || args.verbose >= 3,
            interactive,
            show_warnings: args.show_warnings,
            delimiter: ";".into(),
            depth: 0,
        }
    }

    /// Runs the statements of `input` in order; `file` names the file they come from when
    /// sourced. At the top level an error stops the run (exit code 1) unless `--force`; in a
    /// sourced file errors are reported and the file goes on (as the mariadb client does). A
    /// lost connection always stops.
    pub fn script(&mut self, input: &str, file: Option<&str>, out: &mut dyn Write) -> Flow {
        // Split up to each `source`: the file may change the delimiter for the rest.
        let mut offset = 0;
        let mut lines_before = 0;
        'input: loop {
            let rest = &input[offset..];
            let mut delimiter = self.delimiter.clone();
            let statements = split::split(rest, &mut delimiter);
            for mut stmt in statements {
                stmt.line += lines_before;
                let sourced = matches!(stmt.command, Some(Command::Source(_)));
                if let (true, Some((end, delimiter))) = (sourced, &stmt.resume) {
                    self.delimiter = delimiter.clone();
                    if let Flow::Stop(code) = self.run_one(&stmt, file, out) {
                        return Flow::Stop(code);
                    }
                    lines_before = stmt.line - 1;
                    offset += end;
                    continue 'input;
                }
                if let Flow::Stop(code) = self.run_one(&stmt, file, out) {
                    return Flow::Stop(code);
                }
            }
            self.delimiter = delimiter;
            return Flow::Go;
        }
    }

    /// Runs `stmt` of a script, reporting its failure; says whether to go on.
    fn run_one(&mut self, stmt: &Statement, file: Option<&str>, out: &mut dyn Write) -> Flow {
        let Err((phase, failure)) = self.execute(stmt, out) else {
            return Flow::Go;
        };
        let _ = out.flush();
        if failure.is_broken_pipe() {
            return Flow::Stop(1);
        }
        if self.args.verbose == 0 {
            match phase {
                Phase::Query => eprintln!("--------------\n{}\n--------------\n", stmt.sql),
                Phase::NextResult => eprintln!("--------------\n\n--------------\n"),
                Phase::Rows => {}
            }
        }
        report(&failure, Some((stmt.line, file)));
        if failure.is_fatal() {
            return Flow::Stop(1);
        }
        // `--force` goes on (and, as the mariadb client, still exits with 0).
        if file.is_none() && !self.args.force {
            return Flow::Stop(1);
        }
        Flow::Go
    }

    /// Runs one statement or client command, printing what it returns.
    pub fn execute(
        &mut self,
        stmt: &Statement,
        out: &mut dyn Write,
    ) -> Result<(), (Phase, Failure)> {
        let driver = |phase| move |e: Error| (phase, Failure::Driver(e));
        match &stmt.command {
            None => self.statement(stmt, out),
            Some(Command::Use(db)) => {
                self.conn.use_database(db).map_err(driver(Phase::Rows))?;
                self.database = Some(db.clone());
                if self.interactive {
                    writeln!(out, "Database changed").map_err(io_failure)?;
                }
                Ok(())
            }
            Some(Command::Source(path)) => self.source(path, out),
            Some(Command::Status) => crate::commands::status(self, out),
            Some(Command::Help(topic)) => crate::commands::help(self, topic, out),
            Some(Command::Warnings(on)) => {
                self.show_warnings = *on;
                let state = if *on { "enabled" } else { "disabled" };
                if self.interactive {
                    writeln!(out, "Show warnings {state}.").map_err(io_failure)?;
                }
                Ok(())
            }
        }
    }

    /// `source FILE`: its statements, then back here.
    fn source(&mut self, path: &str, out: &mut dyn Write) -> Result<(), (Phase, Failure)> {
        let fail = |m: String| Err((Phase::Rows, Failure::Client(m)));
        if path.is_empty() {
            return fail("Usage: \\. <filename> | source <filename>".into());
        }
        if self.depth >= MAX_SOURCE_DEPTH {
            return fail(format!(
                "Failed to open file '{path}': files nested more than {MAX_SOURCE_DEPTH} deep"
            ));
        }
        let text = match std::fs::read(path) {
            Ok(t) => String::from_utf8_lossy(&t).into_owned(),
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                return fail(format!("Failed to open file '{path}', error: {errno}"));
            }
        };
        self.depth += 1;
        let flow = self.script(&text, Some(path), out);
        self.depth -= 1;
        match flow {
            Flow::Go => Ok(()),
            // A lost connection inside the file: already reported; the caller stops.
            Flow::Stop(_) => Err((
                Phase::Rows,
                Failure::Driver(Error::io(io::Error::other("connection lost"))),
            )),
        }
    }

    /// An SQL statement: sent (prepared with `--prepared`), every result printed.
    fn statement(&mut self, stmt: &Statement, out: &mut dyn Write) -> Result<(), (Phase, Failure)> {
        let driver = |phase| move |e: Error| (phase, Failure::Driver(e));
        if self.args.verbose >= 1 {
            write!(out, "--------------\n{}\n--------------\n\n", stmt.sql).map_err(io_failure)?;
        }
        let started = Instant::now();
        let sent = if self.args.prepared {
            self.conn.send_prepared(&stmt.sql)
        } else {
            self.conn.send_query(&stmt.sql)
        };
        sent.map_err(driver(Phase::Query))?;
        let mut phase = Phase::Query;
        let style = Style {
            tables: self.tables,
            vertical: self.args.vertical || stmt.vertical,
            column_names: self.args.column_names,
            json: self.args.json,
        };
        let mut printer = Printer::new(style);
        let (summaries, times) = (self.summaries, self.times);
        let mut warnings;
        loop {
            let event = self.conn.next_event().map_err(driver(phase))?;
            let line = match event {
                Event::ResultSetStart { columns, .. } => {
                    printer.start(columns);
                    phase = Phase::Rows;
                    continue;
                }
                Event::Row { row, .. } => {
                    printer.row(row, out).map_err(io_failure)?;
                    continue;
                }
                Event::ResultSetEnd { ok, .. } => {
                    let rows = printer.end(out).map_err(io_failure)?;
                    warnings = ok.warnings;
                    let more = ok.status.more_results();
                    let head = match rows {
                        0 => "Empty set".to_string(),
                        n => format!("{n} row{} in set", plural(n as u64)),
                    };
                    (head, String::new(), more)
                }
                Event::Ok { ok, .. } => {
                    warnings = ok.warnings;
                    let n = ok.affected_rows;
                    let head = format!("Query OK, {n} row{} affected", plural(n));
                    (head, ok.info.clone(), ok.status.more_results())
                }
                Event::ServerError { error, .. } => {
                    let e = Error::answer(error.clone());
                    return Err((phase, Failure::Driver(e)));
                }
                other => {
                    let e = Error::protocol(format!("unexpected event {other:?}"));
                    return Err((phase, Failure::Driver(e)));
                }
            };
            let (head, info, more) = line;
            if summaries {
                summary(
                    out,
                    &head,
                    warnings,
                    times.then(|| started.elapsed().as_secs_f64()),
                    &info,
                )
                .map_err(io_failure)?;
            }
            if !more {
                break;
            }
            phase = Phase::NextResult;
        }
        if self.show_warnings && warnings > 0 {
            self.print_warnings(out)?;
        }
        Ok(())
    }

    /// `SHOW WARNINGS`, one `Level (Code N): message` line each.
    fn print_warnings(&mut self, out: &mut dyn Write) -> Result<(), (Phase, Failure)> {
        let rows = query_text(self.conn.as_mut(), "SHOW WARNINGS")
            .map_err(|e| (Phase::Rows, Failure::Driver(e)))?;
        for r in rows {
            let f = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            writeln!(out, "{} (Code {}): {}", f(0), f(1), f(2)).map_err(io_failure)?;
        }
        Ok(())
    }
}

/// A summary line: `head`, the warning count, the time; the server's info line; an empty line.
fn summary(
    out: &mut dyn Write,
    head: &str,
    warnings: u16,
    secs: Option<f64>,
    info: &str,
) -> io::Result<()> {
    write!(out, "{head}")?;
    if warnings > 0 {
        write!(out, ", {warnings} warning{}", plural(u64::from(warnings)))?;
    }
    if let Some(s) = secs {
        write!(out, " ({})", nice_time(s, true))?;
    }
    writeln!(out)?;
    if !info.is_empty() {
        writeln!(out, "{info}")?;
    }
    writeln!(out)
}

/// A duration as the mariadb client writes it: `1 day 2 hours 3 min 4.567 sec`.
pub fn nice_time(mut secs: f64, fraction: bool) -> String {
    let mut s = String::new();
    for (unit, one, many) in [
        (86_400.0, " day ", " days "),
        (3_600.0, " hour ", " hours "),
        (60.0, " min ", " min "),
    ] {
        if secs >= unit {
            let n = (secs / unit).floor();
            secs -= n * unit;
            s.push_str(&format!("{n}{}", if n > 1.0 { many } else { one }));
        }
    }
    if fraction {
        s.push_str(&format!("{secs:.3} sec"));
    } else {
        s.push_str(&format!("{} sec", secs as u64));
    }
    s
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn io_failure(e: io::Error) -> (Phase, Failure) {
    (Phase::Rows, Failure::Driver(Error::io(e)))
}

/// Runs `sql` and returns its rows as text (the first result set; the rest is read and
/// dropped).
pub fn query_text(
    conn: &mut dyn Session,
    sql: &str,
) -> mysql_proto::Result<Vec<Vec<Option<String>>>> {
    conn.send_query(sql)?;
    let mut rows = Vec::new();
    let mut sets = 0;
    loop {
        match conn.next_event()? {
            Event::ResultSetStart { .. } => sets += 1,
            Event::Row { row, .. } if sets == 1 => rows.push(
                row.text_values()
                    .map(|v| v.map(|b| String::from_utf8_lossy(b.as_ref()).into_owned()))
                    .collect(),
            ),
            Event::ResultSetEnd { ok, .. } | Event::Ok { ok, .. } if !ok.status.more_results() => {
                return Ok(rows);
            }
            Event::ServerError { error, .. } => return Err(Error::answer(error.clone())),
            _ => {}
        }
    }
}

/// Prints a failure as the mariadb client does: `ERROR <code> (<sqlstate>) at line <n>:
/// <message>`, with ` in file: '<name>'` inside a sourced file; no line at the prompt.
pub fn report(f: &Failure, at: Option<(usize, Option<&str>)>) {
    let at = match at {
        Some((line, Some(file))) => format!(" at line {line} in file: '{file}'"),
        Some((line, None)) => format!(" at line {line}"),
        None => String::new(),
    };
    match f {
        Failure::Driver(e) => match e.server() {
            Some(s) => eprintln!("ERROR {} ({}){at}: {}", s.code, s.sql_state, s.message),
            None => eprintln!("ERROR{at}: {e}"),
        },
        Failure::Client(m) => eprintln!("ERROR{at}: {m}"),
    }
}
