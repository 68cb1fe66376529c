//! The client commands that print something of their own: `status` (what the connection is,
//! laid out as the mariadb client lays it out) and `help` (the client's commands; with a topic,
//! the server's help tables through the `HELP 'topic'` statement, formatted as the mariadb
//! client formats them).

use std::io::Write;

use crate::run::{io_failure, nice_time, query_text, Failure, Phase, Runner};

type Outcome = Result<(), (Phase, Failure)>;

/// The client's commands, as `help` lists them.
const COMMANDS: &[(&str, char, &str)] = &[
    ("?", '?', "Synonym for `help'."),
    ("clear", 'c', "Clear the current input statement."),
    ("delimiter", 'd', "Set statement delimiter."),
    (
        "ego",
        'G',
        "Send command to MariaDB server, display result vertically.",
    ),
    ("exit", 'q', "Exit mysql-rs. Same as quit."),
    ("go", 'g', "Send command to MariaDB server."),
    ("help", 'h', "Display this help."),
    (
        "nowarning",
        'w',
        "Don't show warnings after every statement.",
    ),
    ("quit", 'q', "Quit mysql-rs."),
    (
        "source",
        '.',
        "Execute an SQL script file. Takes a file name as an argument.",
    ),
    ("status", 's', "Get status information from the server."),
    (
        "use",
        'u',
        "Use another database. Takes database name as argument.",
    ),
    ("warnings", 'W', "Show warnings after every statement."),
];

/// `help` / `help TOPIC`.
pub fn help(r: &mut Runner<'_>, topic: &str, out: &mut dyn Write) -> Outcome {
    if !topic.is_empty() {
        return server_help(r, topic, out);
    }
    let mut text = String::new();
    if r.interactive {
        text.push_str(
            "\nList of all client commands:\n\
             Note that all text commands must be first on line and end with ';'\n",
        );
    }
    for (name, key, what) in COMMANDS {
        text.push_str(&format!("{name:<10}(\\{key}) {what}\n"));
    }
    if r.interactive {
        text.push_str("\nFor server side help, type 'help contents'\n\n");
    }
    out.write_all(text.as_bytes()).map_err(io_failure)
}

/// `help TOPIC`: the server's `HELP 'TOPIC'`, printed as the mariadb client prints it: one
/// topic in full, or the list of matching topics and categories.
fn server_help(r: &mut Runner<'_>, topic: &str, out: &mut dyn Write) -> Outcome {
    let sql = format!(
        "HELP '{}'",
        topic.replace('\\', "\\\\").replace('\'', "\\'")
    );
    let rows = query_text(r.conn.as_mut(), &sql).map_err(|e| (Phase::Query, Failure::Driver(e)))?;
    let info = r.interactive;
    let mut text = String::new();
    let field =
        |row: &Vec<Option<String>>, i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let width = rows.first().map_or(0, Vec::len);
    if rows.len() == 1 && width == 3 {
        text.push_str(&format!("Name: '{}'\n", field(&rows[0], 0)));
        text.push_str(&format!("Description:\n{}", field(&rows[0], 1)));
        let example = field(&rows[0], 2);
        if !example.is_empty() {
            text.push_str(&format!("Examples:\n{example}"));
        }
        text.push('\n');
    } else if width >= 2 && !rows.is_empty() {
        // Two columns: (name, is_it_category); more: (category name, name, is_it_category).
        let (name, category, mut items) = if width == 2 {
            if info {
                text.push_str(
                    "Many help items for your request exist.\n\
                     To make a more specific request, please type 'help <item>',\n\
                     where <item> is one of the following\n",
                );
            }
            (0, 1, &rows[..])
        } else {
            text.push_str(&format!(
                "You asked for help about help category: \"{}\"\n",
                field(&rows[0], 0)
            ));
            if info {
                text.push_str(
                    "For more information, type 'help <item>', where <item> is one of the following\n",
                );
            }
            (1, 2, &rows[..])
        };
        let mut last = None;
        while let Some((row, rest)) = items.split_first() {
            let kind = field(row, category).chars().next();
            if last != Some(kind) {
                if info {
                    let what = if kind == Some('Y') {
                        "categories:"
                    } else {
                        "topics:"
                    };
                    text.push_str(&format!("{what}\n"));
                }
                last = Some(kind);
            }
            text.push_str(&format!("   {}\n", field(row, name)));
            items = rest;
        }
        text.push('\n');
    } else if info {
        text.push_str(
            "\nNothing found\n\
             Please try to specify a more specific request,\n\
             or type 'help contents' for the list of help categories\n",
        );
    }
    out.write_all(text.as_bytes()).map_err(io_failure)
}

/// `status`: the connection, the server and its counters.
pub fn status(r: &mut Runner<'_>, out: &mut dyn Write) -> Outcome {
    let failed = |e| (Phase::Query, Failure::Driver(e));
    let session = query_text(
        r.conn.as_mut(),
        "SELECT CONNECTION_ID(), DATABASE(), USER(), @@version, @@version_comment, \
         @@character_set_server, @@character_set_database, @@character_set_client, \
         @@character_set_connection, @@port, @@socket",
    )
    .map_err(failed)?;
    let cipher =
        query_text(r.conn.as_mut(), "SHOW SESSION STATUS LIKE 'Ssl_cipher'").map_err(failed)?;
    let counters = query_text(
        r.conn.as_mut(),
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', 'Threads_connected', \
         'Questions', 'Slow_queries', 'Opened_tables', 'Open_tables')",
    )
    .map_err(failed)?;
    let s = |i: usize| {
        session
            .first()
            .and_then(|r| r.get(i).cloned().flatten())
            .unwrap_or_default()
    };
    let counter = |name: &str| -> u64 {
        counters
            .iter()
            .find(|r| r.first().cloned().flatten().as_deref() == Some(name))
            .and_then(|r| r.get(1).cloned().flatten())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let ssl = match cipher.first().and_then(|r| r.get(1).cloned().flatten()) {
        Some(c) if !c.is_empty() => format!("Cipher in use is {c}"),
        _ => "Not in use".into(),
    };
    let (connection, endpoint) = match r.opts.socket() {
        Some(path) => (
            "Localhost via UNIX socket".to_string(),
            format!("UNIX socket:\t\t{path}"),
        ),
        None => (
            format!("{} via TCP/IP", r.opts.host()),
            format!("TCP port:\t\t{}", r.opts.port()),
        ),
    };
    let uptime = counter("Uptime");
    let questions = counter("Questions");
    let db = match s(1) {
        d if d.is_empty() => String::new(),
        d => d,
    };
    let text = format!(
        "--------------\n\
         mysql-rs Ver {version} for {os} ({arch}), runtime {runtime}\n\n\
         Connection id:\t\t{id}\n\
         Current database:\t{db}\n\
         Current user:\t\t{user}\n\
         SSL:\t\t\t{ssl}\n\
         Using delimiter:\t{delimiter}\n\
         Server:\t\t\t{server}\n\
         Server version:\t\t{server_version} {comment}\n\
         Protocol version:\t10\n\
         Connection:\t\t{connection}\n\
         Server characterset:\t{cs_server}\n\
         Db     characterset:\t{cs_db}\n\
         Client characterset:\t{cs_client}\n\
         Conn.  characterset:\t{cs_conn}\n\
         {endpoint}\n\
         Uptime:\t\t\t{uptime_text}\n\n\
         Threads: {threads}  Questions: {questions}  Slow queries: {slow}  Opens: {opens}  \
         Open tables: {open}  Queries per second avg: {qps:.3}\n\
         --------------\n\n",
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        runtime = r.args.runtime,
        id = s(0),
        user = s(2),
        delimiter = r.delimiter,
        server = if s(3).contains("MariaDB") {
            "MariaDB"
        } else {
            "MySQL"
        },
        server_version = s(3),
        comment = s(4),
        cs_server = s(5),
        cs_db = s(6),
        cs_client = s(7),
        cs_conn = s(8),
        uptime_text = nice_time(uptime as f64, false),
        threads = counter("Threads_connected"),
        slow = counter("Slow_queries"),
        opens = counter("Opened_tables"),
        open = counter("Open_tables"),
        qps = if uptime == 0 {
            0.0
        } else {
            questions as f64 / uptime as f64
        },
    );
    out.write_all(text.as_bytes()).map_err(io_failure)
}
