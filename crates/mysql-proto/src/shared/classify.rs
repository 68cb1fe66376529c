//! Which SQL a shared connection accepts: statements that leave the session as they found it.

use crate::error::{Error, Result};

/// First keywords of statements that change what the session is for the statements after
/// them: transactions (`BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`,
/// `RELEASE`, `XA`), session settings and variables (`SET`, `USE`), table locks (`LOCK`,
/// `UNLOCK`), SQL-level prepared statements (`PREPARE`, `EXECUTE`, `DEALLOCATE`), `HANDLER`
/// cursors, and `LOAD` (a `LOCAL INFILE` request needs the file reader of an exclusive
/// connection).
const SESSION_CHANGING: &[&str] = &[
    "BEGIN",
    "START",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "XA",
    "SET",
    "USE",
    "LOCK",
    "UNLOCK",
    "PREPARE",
    "EXECUTE",
    "DEALLOCATE",
    "HANDLER",
    "LOAD",
];

/// Accepts `sql` for a shared connection, or fails with [`ErrorKind::Misuse`] naming the
/// keyword: statements that change the session (see the list above) or hide their first word
/// in an executable comment (`/*! ... */`) must run on an exclusive checkout, where their
/// effect is the caller's alone. Only the first keyword is read (comments and whitespace
/// skipped); what a statement does further in (a user variable assigned in a `SELECT`,
/// `GET_LOCK`, a temporary table, a procedure that opens a transaction) is the caller's to
/// avoid, as the shared connection's documentation says; a statement that leaves a transaction
/// open is caught when its response arrives.
///
/// ```
/// use mysql_proto::shared::check_shareable;
/// assert!(check_shareable("/* point */ SELECT * FROM t WHERE id = ?").is_ok());
/// assert!(check_shareable("  start transaction").is_err());
/// assert!(check_shareable("-- x\nSET @a = 1").is_err());
/// ```
///
/// [`ErrorKind::Misuse`]: crate::ErrorKind::Misuse
pub fn check_shareable(sql: &str) -> Result<()> {
    let word = first_keyword(sql.as_bytes());
    let refused = match word {
        Keyword::Word(w) => SESSION_CHANGING
            .iter()
            .any(|k| k.as_bytes().eq_ignore_ascii_case(w)),
        Keyword::ExecutableComment => true,
        Keyword::None => false,
    };
    if !refused {
        return Ok(());
    }
    let what = match word {
        Keyword::Word(w) => String::from_utf8_lossy(w).to_ascii_uppercase(),
        _ => "an executable comment".to_string(),
    };
    Err(Error::misuse(format!(
        "{what} changes the session: run it on an exclusive checkout of the shared connection"
    )))
}

enum Keyword<'a> {
    Word(&'a [u8]),
    ExecutableComment,
    None,
}

/// The statement's first word, after whitespace, `#`, `-- ` and `/* */` comments.
fn first_keyword(sql: &[u8]) -> Keyword<'_> {
    let mut i = 0;
    while i < sql.len() {
        let rest = &sql[i..];
        if rest[0].is_ascii_whitespace() || rest[0] == b'(' {
            i += 1;
        } else if rest[0] == b'#' || rest.starts_with(b"-- ") || rest == b"--" {
            i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        } else if rest.starts_with(b"/*!") || rest.starts_with(b"/*M!") {
            return Keyword::ExecutableComment;
        } else if rest.starts_with(b"/*") {
            i += rest[2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(rest.len(), |p| p + 4);
        } else {
            let n = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .unwrap_or(rest.len());
            return Keyword::Word(&rest[..n]);
        }
    }
    Keyword::None
}

#[cfg(test)]
mod tests {
    use super::check_shareable;

    #[test]
    fn refuses_session_changing_statements_whatever_comes_before() {
        for sql in [
            "BEGIN",
            "begin work",
            "Start Transaction",
            "COMMIT",
            "rollback",
            "SAVEPOINT a",
            "RELEASE SAVEPOINT a",
            "XA START 'x'",
            "SET autocommit = 0",
            "set @a := 1",
            "USE test",
            "LOCK TABLES t WRITE",
            "UNLOCK TABLES",
            "PREPARE s FROM 'SELECT 1'",
            "EXECUTE s",
            "DEALLOCATE PREPARE s",
            "HANDLER t OPEN",
            "LOAD DATA LOCAL INFILE '/x' INTO TABLE t",
            "/* c */ SET a = 1",
            "# c\nSET a = 1",
            "-- c\n\tBEGIN",
            "/*! SET a = 1 */",
            "/*M!100000 SET a = 1 */",
        ] {
            let e = check_shareable(sql).expect_err(sql);
            assert_eq!(e.kind(), crate::ErrorKind::Misuse, "{sql}");
        }
    }

    #[test]
    fn accepts_statements_that_leave_the_session_alone() {
        for sql in [
            "SELECT 1",
            "(SELECT 1) UNION (SELECT 2)",
            "  insert into t values (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "/* SET */ SELECT 'BEGIN'",
            "SETTINGS",
            "",
            "-- only a comment",
            "CALL p()",
        ] {
            assert!(check_shareable(sql).is_ok(), "{sql}");
        }
    }
}
