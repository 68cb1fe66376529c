//! The interactive prompt, when standard input is a terminal: line editing and history
//! (`~/.mysql_rs_history`), `MariaDB [db]>` and `->` prompts, statements over several lines,
//! the client commands of [`crate::split`], and Ctrl-C: at the prompt it clears the statement
//! being typed; while a statement runs it sends `KILL QUERY` for it on a side connection, so the
//! server stops it too, and the prompt comes back.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustyline::error::ReadlineError;

use crate::run::{report, Runner};
use crate::split;

/// Runs the prompt until `\q`, `quit`, `exit` or end of input (Ctrl-D).
pub fn run(mut runner: Runner<'_>) -> ExitCode {
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("mysql-rs: no line editor: {e}");
            return ExitCode::from(1);
        }
    };
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".mysql_rs_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let id = runner.conn.connection_id();
    println!(
        "Welcome to mysql-rs.  Commands end with ; or \\g.\nYour connection id is {id}\n\
         Type 'help' for the client's commands; \\q, quit or Ctrl-D to leave.\n"
    );
    let running = Arc::new(AtomicBool::new(false));
    let killer = {
        let (running, opts) = (running.clone(), runner.opts.clone());
        move || {
            if !running.load(Ordering::SeqCst) {
                return;
            }
            // The mariadb client's answer to Ctrl-C: kill the statement, keep the session.
            // Said before the kill, so it comes before the statement's error on the terminal.
            eprintln!("Ctrl-C -- query killed. Continuing normally.");
            match mysql_blocking::Conn::connect(opts.clone()) {
                Ok(mut side) => {
                    let _ = side.query_drop(format!("KILL QUERY {id}"));
                    let _ = side.close();
                }
                Err(e) => eprintln!("Ctrl-C -- cannot reach the server to kill the query: {e}"),
            }
        }
    };
    if let Err(e) = ctrlc::set_handler(killer) {
        eprintln!("mysql-rs: Ctrl-C will end the program ({e})");
    }
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            let db = runner.database.as_deref().unwrap_or("(none)");
            format!("MariaDB [{db}]> ")
        } else {
            "    -> ".to_string()
        };
        let line = match editor.readline(&prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("mysql-rs: reading the terminal: {e}");
                break;
            }
        };
        let _ = editor.add_history_entry(line.as_str());
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        buffer.push_str(&line);
        let split = split::split_from(&buffer, &mut runner.delimiter);
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for stmt in &split.statements {
            running.store(true, Ordering::SeqCst);
            let r = runner.execute(stmt, &mut out);
            running.store(false, Ordering::SeqCst);
            let _ = out.flush();
            if let Err((_, failure)) = r {
                report(&failure, None);
                if failure.is_fatal() {
                    return ExitCode::from(1);
                }
            }
        }
        if split.quit {
            break;
        }
        buffer = split.rest;
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    println!("Bye");
    let _ = runner.conn.close();
    ExitCode::SUCCESS
}
