//! Splits client input into statements the way the `mariadb` / `mysql` command-line clients do:
//! on the delimiter (`;` by default, changed by a `DELIMITER xx` line) outside quotes and
//! comments. Comments are removed (`-- ` and `#` to the end of the line, `/* ... */`), except
//! the executable `/*! ... */` and `/*M! ... */` ones, which the server must see. Each statement
//! remembers the line it starts on, for `ERROR ... at line N`.
//!
//! The client commands of `mariadb` outside quotes: `\g` ends a statement like the delimiter,
//! `\G` ends it and asks for vertical output, `\c` clears the statement being typed, `\q`
//! (and a line `quit` or `exit` at the start of a statement) stops reading. The line commands
//! (a whole line at the start of a statement, delimiter optional): `USE db` / `\u db`,
//! `source FILE` / `\. FILE`, `status` / `\s`, `help [TOPIC]` / `\h` / `?`, `warnings` /
//! `\W`, `nowarning` / `\w`, `DELIMITER x` / `\d x`.

/// One statement to send, and the 1-based input line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL text, trimmed, without its delimiter.
    pub sql: String,
    /// The line of its first character.
    pub line: usize,
    /// Ended by `\G`: print its results vertically.
    pub vertical: bool,
    /// A client command rather than SQL for the server.
    pub command: Option<Command>,
    /// For a client command: the byte offset in the input just after its line, and the
    /// delimiter then in force (a sourced file may change the delimiter for what follows).
    pub resume: Option<(usize, String)>,
}

/// A client command of the mariadb client: a whole line at the start of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USE db`, `\u db`: change the default database (`COM_INIT_DB`).
    Use(String),
    /// `source FILE`, `\. FILE`: run the statements of a file (empty: no file was named).
    Source(String),
    /// `status`, `\s`: what the connection is.
    Status,
    /// `help`, `\h`, `?`: the client's commands; `help TOPIC`: the server's help on it.
    Help(String),
    /// `warnings` / `\W` (true), `nowarning` / `\w` (false): show warnings after statements.
    Warnings(bool),
}

/// Splits `input` into statements, starting with `delimiter` (updated by `DELIMITER` lines).
/// Empty statements (only whitespace or comments) are dropped; the text after the last
/// delimiter is the last statement (as the mariadb client runs it at the end of its input).
/// A quit command ends the list.
pub fn split(input: &str, delimiter: &mut String) -> Vec<Statement> {
    let mut s = split_from(input, delimiter);
    if !s.quit {
        push(&mut s.statements, &mut s.rest, s.rest_line, false);
    }
    s.statements
}

/// What [`split_from`] found: the statements ended so far, whether a quit command came, and the
/// text of the statement not yet ended (for a prompt to go on reading).
#[derive(Debug, Default)]
pub struct Split {
    /// Statements ended by the delimiter, `\g`, `\G`, or a `USE` line.
    pub statements: Vec<Statement>,
    /// `\q`, or a `quit` / `exit` line: stop.
    pub quit: bool,
    /// The unfinished statement's text (comments removed).
    pub rest: String,
    /// The line `rest` starts on.
    pub rest_line: usize,
}

/// Splits `input` with `delimiter` as the current delimiter (updated by `DELIMITER` lines): the
/// interactive prompt calls it on each new line of input, keeping the delimiter between calls.
pub fn split_from(input: &str, delimiter: &mut String) -> Split {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut start_line = 0;
    let mut line = 1;
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let at =
        |i: usize, s: &str| -> bool { (i..).zip(s.chars()).all(|(j, c)| chars.get(j) == Some(&c)) };
    while i < chars.len() {
        let c = chars[i];
        // A DELIMITER command is a whole line at the start of a statement.
        let delimiter_word = if starts_with_ci(&chars[i..], "delimiter") {
            9
        } else if at(i, "\\d") {
            2
        } else {
            0
        };
        if buf.trim().is_empty() && delimiter_word > 0 {
            let after = chars.get(i + delimiter_word).copied();
            if after.is_some_and(|a| a == ' ' || a == '\t') {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                let arg: String = chars[i + delimiter_word..end].iter().collect();
                let arg = arg.trim();
                if !arg.is_empty() {
                    *delimiter = arg.split_whitespace().next().unwrap_or(";").to_string();
                }
                buf.clear();
                i = end;
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        if at(i, delimiter) {
            push(&mut out, &mut buf, start_line, false);
            i += delimiter.chars().count();
            continue;
        }
        if c == '\\' {
            match chars.get(i + 1) {
                Some('g') | Some('G') => {
                    push(&mut out, &mut buf, start_line, chars[i + 1] == 'G');
                    i += 2;
                    continue;
                }
                Some('c') => {
                    buf.clear();
                    i += 2;
                    continue;
                }
                Some('q') => return quit(out),
                _ => {}
            }
        }
        if buf.trim().is_empty() && (at_word(&chars[i..], "quit") || at_word(&chars[i..], "exit")) {
            return quit(out);
        }
        // The line commands: they end at the end of their line, delimiter or not. (The line
        // is only read when its first word can be one: a statement is not copied per char.)
        if buf.trim().is_empty() && may_start_command(&chars[i..]) {
            let end = skip_to_eol(&chars, i);
            let text: String = chars[i..end].iter().collect();
            let text = text.trim_end();
            if let Some(command) = line_command(text, delimiter) {
                let offset = chars[..end].iter().map(|c| c.len_utf8()).sum();
                out.push(Statement {
                    sql: text.to_string(),
                    line,
                    vertical: false,
                    command: Some(command),
                    resume: Some((offset, delimiter.clone())),
                });
                buf.clear();
                i = end;
                continue;
            }
        }
        match c {
            '\'' | '"' | '`' => {
                if buf.trim().is_empty() {
                    start_line = line;
                }
                // Copy the quoted text verbatim (backslash escapes inside ' and ").
                buf.push(c);
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    buf.push(d);
                    i += 1;
                    if d == '\n' {
                        line += 1;
                    }
                    if d == '\\' && c != '`' && i < chars.len() {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        buf.push(chars[i]);
                        i += 1;
                    } else if d == c {
                        if chars.get(i) == Some(&c) {
                            buf.push(c);
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                continue;
            }
            '#' => {
                i = skip_to_eol(&chars, i);
                continue;
            }
            '-' if at(i, "--")
                && chars
                    .get(i + 2)
                    .is_none_or(|c| c.is_whitespace() || c.is_control()) =>
            {
                i = skip_to_eol(&chars, i);
                continue;
            }
            '/' if at(i, "/*") && !at(i, "/*!") && !at(i, "/*M!") => {
                let mut j = i + 2;
                while j < chars.len() && !at(j, "*/") {
                    if chars[j] == '\n' {
                        line += 1;
                    }
                    j += 1;
                }
                i = (j + 2).min(chars.len());
                if !buf.trim().is_empty() {
                    buf.push(' ');
                }
                continue;
            }
            _ => {}
        }
        if buf.trim().is_empty() && !c.is_whitespace() {
            buf.clear();
            start_line = line;
        }
        buf.push(c);
        i += 1;
    }
    let rest = buf.trim().to_string();
    Split {
        statements: out,
        quit: false,
        rest,
        rest_line: start_line,
    }
}

fn quit(statements: Vec<Statement>) -> Split {
    Split {
        statements,
        quit: true,
        ..Split::default()
    }
}

fn push(out: &mut Vec<Statement>, buf: &mut String, line: usize, vertical: bool) {
    let sql = buf.trim();
    if !sql.is_empty() {
        out.push(Statement {
            sql: sql.to_string(),
            line,
            vertical,
            command: None,
            resume: None,
        });
    }
    buf.clear();
}

/// Whether `chars` starts with a word [`line_command`] may take: a backslash command or one of
/// the command names (any case, the delimiter possibly attached).
fn may_start_command(chars: &[char]) -> bool {
    if chars.first() == Some(&'\\') {
        return true;
    }
    let word: String = chars
        .iter()
        .take_while(|c| !c.is_whitespace())
        .take(10)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    [
        "use",
        "source",
        "status",
        "help",
        "?",
        "warnings",
        "nowarning",
    ]
    .iter()
    .any(|name| word.starts_with(name))
}

/// The client command a line is, if any. As in the mariadb client, the delimiter ending a
/// word command (`source f;`) is dropped, while a backslash command takes the rest of its line
/// as it is (`\. f;` names the file `f;`).
fn line_command(text: &str, delimiter: &str) -> Option<Command> {
    let (word, arg) = if text.starts_with('\\') && text.len() >= 2 && text.is_char_boundary(2) {
        (&text[..2], text[2..].trim())
    } else {
        let text = text.strip_suffix(delimiter).unwrap_or(text).trim_end();
        match text.split_once([' ', '\t']) {
            Some((w, a)) => (w, a.trim()),
            None => (text, ""),
        }
    };
    let unquote = |a: &str| {
        for q in ['`', '\'', '"'] {
            if let Some(inner) = a.strip_prefix(q).and_then(|a| a.strip_suffix(q)) {
                return inner.to_string();
            }
        }
        a.to_string()
    };
    let lower = word.to_ascii_lowercase();
    let name = match word {
        "\\u" => "use",
        "\\." => "source",
        "\\s" => "status",
        "\\h" | "\\?" | "?" => "help",
        "\\W" => "warnings",
        "\\w" => "nowarning",
        _ => lower.as_str(),
    };
    match name {
        "use" if !arg.is_empty() => {
            // The first argument: a quoted name whole, else the first word.
            let quoted = arg.chars().next().filter(|q| ['`', '\'', '"'].contains(q));
            let db = match quoted.and_then(|q| arg[1..].find(q).map(|end| &arg[..end + 2])) {
                Some(name) => name,
                None => arg.split_whitespace().next().unwrap_or(arg),
            };
            Some(Command::Use(unquote(db)))
        }
        "source" => Some(Command::Source(arg.to_string())),
        "status" => Some(Command::Status),
        "help" => Some(Command::Help(unquote(arg))),
        "warnings" => Some(Command::Warnings(true)),
        "nowarning" => Some(Command::Warnings(false)),
        _ => None,
    }
}

/// Whether `chars` starts with `word` (any case) alone on its line: `quit`, `exit`.
fn at_word(chars: &[char], word: &str) -> bool {
    starts_with_ci(chars, word)
        && chars[word.len()..]
            .iter()
            .take_while(|&&c| c != '\n')
            .all(|c| c.is_whitespace())
}

fn skip_to_eol(chars: &[char], i: usize) -> usize {
    chars[i..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |p| i + p)
}

fn starts_with_ci(chars: &[char], word: &str) -> bool {
    chars.len() >= word.len()
        && chars
            .iter()
            .zip(word.chars())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(input: &str) -> Vec<(String, usize)> {
        split(input, &mut ";".to_string())
            .into_iter()
            .map(|s| (s.sql, s.line))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            sqls("SELECT 1;\n\nSELECT ';', \"a;b\", `c;d` -- x;y\n;# z;\nSELECT 2"),
            vec![
                ("SELECT 1".into(), 1),
                ("SELECT ';', \"a;b\", `c;d`".into(), 3),
                ("SELECT 2".into(), 5),
            ]
        );
    }

    #[test]
    fn escapes_and_doubled_quotes() {
        assert_eq!(
            sqls(r"SELECT 'it''s;', 'a\';b'; SELECT 2"),
            vec![
                (r"SELECT 'it''s;', 'a\';b'".into(), 1),
                ("SELECT 2".into(), 1)
            ]
        );
    }

    #[test]
    fn comments_removed_but_executable_comments_kept() {
        assert_eq!(
            sqls("/* a;\n b */ SELECT /*! 1 */;\n-- only a comment;\n"),
            vec![("SELECT /*! 1 */".into(), 2)]
        );
        assert_eq!(sqls("SELECT 1--2;"), vec![("SELECT 1--2".into(), 1)]);
    }

    #[test]
    fn client_commands() {
        let got: Vec<(String, bool)> = split(
            "SELECT 1\\G SELECT 2\\g\nSELECT 'a\\Gb';\nSELECT x \\c SELECT 3;\nquit\nSELECT 4;",
            &mut ";".to_string(),
        )
        .into_iter()
        .map(|s| (s.sql, s.vertical))
        .collect();
        assert_eq!(
            got,
            vec![
                ("SELECT 1".into(), true),
                ("SELECT 2".into(), false),
                ("SELECT 'a\\Gb'".into(), false),
                ("SELECT 3".into(), false),
            ]
        );
        assert_eq!(
            sqls("SELECT 1;\n\\q\nSELECT 2;"),
            vec![("SELECT 1".into(), 1)]
        );
        // `exit;` is not the command (the mariadb client sends it).
        assert_eq!(sqls("exit;"), vec![("exit".into(), 1)]);
        // The line commands end at the end of their line; a word command drops the delimiter,
        // a backslash command keeps the rest of its line as it is.
        let commands: Vec<(Option<Command>, usize)> = split(
            "USE mysql\nSELECT 1;\nuse `te st`;\n\\u db;\nsource a b.sql;\n\\. f.sql;\n\
             status;\n\\s\nhelp 'ROUND';\n?\n\\W\nnowarning\nsource\n",
            &mut ";".to_string(),
        )
        .into_iter()
        .map(|s| (s.command, s.line))
        .collect();
        use Command::*;
        assert_eq!(
            commands,
            vec![
                (Some(Use("mysql".into())), 1),
                (None, 2),
                (Some(Use("te st".into())), 3),
                (Some(Use("db;".into())), 4),
                (Some(Source("a b.sql".into())), 5),
                (Some(Source("f.sql;".into())), 6),
                (Some(Status), 7),
                (Some(Status), 8),
                (Some(Help("ROUND".into())), 9),
                (Some(Help(String::new())), 10),
                (Some(Warnings(true)), 11),
                (Some(Warnings(false)), 12),
                (Some(Source(String::new())), 13),
            ]
        );
        // Only at the start of a statement.
        assert_eq!(sqls("SELECT\nstatus;"), vec![("SELECT\nstatus".into(), 1)]);
    }

    #[test]
    fn delimiter_command() {
        let input = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\ndelimiter ;\nCALL p();";
        assert_eq!(
            sqls(input),
            vec![
                (
                    "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END".into(),
                    2
                ),
                ("CALL p()".into(), 4),
            ]
        );
    }
}
