//! `mysql-rs --binlog`: the server's binary log as JSON lines, one per row change, statement,
//! GTID or commit (the mapping is `mysql_json::binlog_event`'s), written as they arrive.
//!
//! The start: `FILE:POS` (as `SHOW MASTER STATUS` names them), a MariaDB GTID position
//! (`0-1-100,1-2-7`), or by default the current end of the log. Without `--follow` the output
//! ends at the end of the log; with it, the client waits for new events until interrupted.
//! The line of the event that completes a transaction also says where a new `--binlog` would
//! go on after it: `"resume": "FILE:POS"` and, with MariaDB, `"resume_gtid"`.
//! Errors (no privilege, unknown file, purged position) are printed as `ERROR ...` and exit 1.

use std::io::{self, Write};
use std::process::ExitCode;

use mysql_proto::binlog::{BinlogRequest, BinlogStream};
use mysql_proto::Result;

use crate::session::Session;

/// Streams the log to standard output; the exit code says how it ended.
pub fn run(
    mut conn: Box<dyn Session>,
    start: Option<&str>,
    follow: bool,
    server_id: Option<u32>,
) -> ExitCode {
    let id = server_id.unwrap_or(4_000_000_000 + std::process::id() % 1_000_000);
    match stream(conn.as_mut(), start, follow, id) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}

fn stream(conn: &mut dyn Session, start: Option<&str>, follow: bool, id: u32) -> Result<()> {
    let request = match start {
        None => {
            let (file, pos) = conn.binlog_position()?;
            BinlogRequest::new(id).file(file, pos)
        }
        Some(s) => match s.rsplit_once(':') {
            Some((file, pos)) => {
                let pos = pos.parse().map_err(|_| {
                    mysql_proto::Error::misuse(format!("--binlog: not a position: `{pos}`"))
                })?;
                BinlogRequest::new(id).file(file, pos)
            }
            None => BinlogRequest::new(id).mariadb_gtid(s),
        },
    };
    let mut stream = conn.binlog_dump(&request.non_blocking(!follow))?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut resume = resume_of(&stream);
    while let Some(event) = conn.next_binlog_event(&mut stream)? {
        let mut lines = mysql_json::binlog_event(&event);
        // The event that completes a transaction says where to resume after it.
        let now = resume_of(&stream);
        if now != resume {
            if let (Some(last), Some((at, gtid))) = (lines.last_mut(), &now) {
                last["resume"] = at.clone().into();
                if let Some(gtid) = gtid {
                    last["resume_gtid"] = gtid.clone().into();
                }
            }
            resume = now;
        }
        for line in lines {
            writeln!(out, "{line}").map_err(mysql_proto::Error::io)?;
        }
        // A follower shows each event as it comes; a dump of history writes in blocks.
        if follow {
            out.flush().map_err(mysql_proto::Error::io)?;
        }
    }
    out.flush().map_err(mysql_proto::Error::io)
}

/// Where a new `--binlog` would resume: `FILE:POS`, and the MariaDB GTID position.
fn resume_of(stream: &BinlogStream) -> Option<(String, Option<String>)> {
    let (file, pos) = stream.resume_position()?;
    Some((format!("{file}:{pos}"), stream.resume_gtid()))
}
