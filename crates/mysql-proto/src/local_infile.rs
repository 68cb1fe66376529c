//! `LOAD DATA LOCAL INFILE`: the server asks the client for a file's bytes.
//!
//! The request comes from the server (a `0xFB` packet naming a file), so a hostile or
//! compromised server could ask for any file the client can read (`/etc/passwd`, keys): the
//! "rogue server" attack. The core therefore decides, before any byte is read:
//!
//! 1. the option `local-infile` must be on (it is off by default; [`LocalInfile`]). Off, the
//!    capability is not even offered;
//! 2. the file must be one the statement itself named: the core reads the names from the SQL
//!    text of each query ([`statement_files`]), in order, and refuses any other;
//! 3. with `local-infile-paths`, the file must lie in one of the allowed directories (checked on
//!    the name, which may hold no `..`; the adapters check the resolved path again).
//!
//! A refused request is answered with an empty file (the protocol has no other refusal) and
//! the statement then fails with [`ErrorKind::LocalInfile`](crate::ErrorKind::LocalInfile), even
//! when the server reports success for the empty file. An accepted request is served by the
//! adapter's runner: it opens the file (or calls the caller's handler, which may stream from any
//! reader), hands the bytes to [`Connection::send_local_infile_data`] in chunks, and ends with
//! [`Connection::end_local_infile`]; memory stays bounded whatever the file's size.
//!
//! [`Connection::send_local_infile_data`]: crate::Connection::send_local_infile_data
//! [`Connection::end_local_infile`]: crate::Connection::end_local_infile

/// Client error code of a refused request (MySQL's `CR_LOAD_DATA_LOCAL_INFILE_REJECTED`),
/// carried by the `ServerError` event that ends the statement.
pub const REFUSED_CODE: u16 = 2068;

/// Bytes of file data per packet (and per read of the adapters' runners).
pub const CHUNK: usize = 64 << 10;

/// The `local-infile` / `local-infile-paths` options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LocalInfile {
    /// Never (the default): the capability is not offered and every request is refused.
    #[default]
    Off,
    /// Any file the statement names (the `mariadb` client's `--local-infile`), read by the
    /// adapter or by the caller's handler.
    On,
    /// Only files the statement names inside these directories (`local-infile-paths`).
    Paths(Vec<String>),
}

impl LocalInfile {
    /// Whether requests may be honoured at all.
    pub fn is_on(&self) -> bool {
        *self != LocalInfile::Off
    }

    /// Whether `path` may be read under this setting: never when off; with allowed
    /// directories, only an absolute path without `.` or `..` components inside one of them.
    /// Adapters call it again with the resolved (canonical) path before opening.
    pub fn allows(&self, path: &str) -> bool {
        match self {
            LocalInfile::Off => false,
            LocalInfile::On => !path.is_empty(),
            LocalInfile::Paths(dirs) => {
                let clean = path.starts_with('/')
                    && !path.split('/').any(|c| c == ".." || c == ".")
                    && !path.contains('\0');
                clean
                    && dirs.iter().any(|d| {
                        let d = d.trim_end_matches('/');
                        path.strip_prefix(d)
                            .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
                    })
            }
        }
    }
}

/// Where an adapter keeps the caller's LOCAL INFILE handler (a closure): `Debug` says only
/// whether one is set.
pub struct HandlerSlot<H>(pub Option<H>);

impl<H> Default for HandlerSlot<H> {
    fn default() -> Self {
        HandlerSlot(None)
    }
}

impl<H> std::fmt::Debug for HandlerSlot<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(handler)"
        } else {
            "None"
        })
    }
}

/// The file names of the `LOAD DATA ... LOCAL INFILE 'name'` statements in `sql`, in order
/// (several in a multi-statement query). Comments and other string literals are skipped; the
/// name's escapes (`\'`, `''`, `\\`, ...) are resolved as the server does.
///
/// ```
/// use mysql_proto::local_infile::statement_files;
/// let sql = b"/* x */ LOAD DATA LOW_PRIORITY LOCAL INFILE '/tmp/it''s.csv' INTO TABLE t";
/// assert_eq!(statement_files(sql), vec![b"/tmp/it's.csv".to_vec()]);
/// assert!(statement_files(b"SELECT 'LOAD DATA LOCAL INFILE ''x'''").is_empty());
/// ```
pub fn statement_files(sql: &[u8]) -> Vec<Vec<u8>> {
    let tokens = tokens(sql);
    let mut out = Vec::new();
    let word =
        |t: &Token, w: &str| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w.as_bytes()));
    for (i, t) in tokens.iter().enumerate() {
        if !word(t, "LOAD") || !tokens.get(i + 1).is_some_and(|t| word(t, "DATA")) {
            continue;
        }
        let mut j = i + 2;
        if tokens
            .get(j)
            .is_some_and(|t| word(t, "LOW_PRIORITY") || word(t, "CONCURRENT"))
        {
            j += 1;
        }
        if tokens.get(j).is_some_and(|t| word(t, "LOCAL"))
            && tokens.get(j + 1).is_some_and(|t| word(t, "INFILE"))
        {
            if let Some(Token::Str(name)) = tokens.get(j + 2) {
                out.push(name.clone());
            }
        }
    }
    out
}

enum Token<'a> {
    Word(&'a [u8]),
    Str(Vec<u8>),
    Other,
}

/// Splits SQL into words, string literals (unescaped) and other characters; comments vanish.
fn tokens(sql: &[u8]) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sql.len() {
        let c = sql[i];
        match c {
            b'\'' | b'"' => {
                let (s, end) = literal(sql, i);
                out.push(Token::Str(s));
                i = end;
            }
            b'`' => {
                i = sql[i + 1..]
                    .iter()
                    .position(|&b| b == b'`')
                    .map_or(sql.len(), |p| i + p + 2);
                out.push(Token::Other);
            }
            b'#' => i = line_end(sql, i),
            b'-' if sql[i..].starts_with(b"-- ") || sql[i..] == *b"--" => i = line_end(sql, i),
            b'/' if sql[i..].starts_with(b"/*") => {
                i = sql[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(sql.len(), |p| i + 2 + p + 2);
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => {
                let start = i;
                while i < sql.len()
                    && (sql[i].is_ascii_alphanumeric() || sql[i] == b'_' || sql[i] == b'$')
                {
                    i += 1;
                }
                out.push(Token::Word(&sql[start..i]));
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                out.push(Token::Other);
                i += 1;
            }
        }
    }
    out
}

fn line_end(sql: &[u8], i: usize) -> usize {
    sql[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(sql.len(), |p| i + p + 1)
}

/// The string literal quoted at `sql[start]`: its unescaped bytes and where it ends.
fn literal(sql: &[u8], start: usize) -> (Vec<u8>, usize) {
    let quote = sql[start];
    let mut s = Vec::new();
    let mut i = start + 1;
    while i < sql.len() {
        let c = sql[i];
        if c == b'\\' && i + 1 < sql.len() {
            s.push(match sql[i + 1] {
                b'0' => 0,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'b' => 8,
                b'Z' => 26,
                other => other,
            });
            i += 2;
        } else if c == quote {
            if sql.get(i + 1) == Some(&quote) {
                s.push(quote);
                i += 2;
            } else {
                return (s, i + 1);
            }
        } else {
            s.push(c);
            i += 1;
        }
    }
    (s, sql.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_the_statement() {
        let f = |s: &str| statement_files(s.as_bytes());
        assert_eq!(
            f("load data local infile \"/a/b\" into table t"),
            vec![b"/a/b".to_vec()]
        );
        assert_eq!(
            f("LOAD DATA CONCURRENT LOCAL INFILE '/x\\'y' INTO TABLE t; LOAD DATA LOCAL INFILE 'z' INTO TABLE u"),
            vec![b"/x'y".to_vec(), b"z".to_vec()]
        );
        // Not LOCAL, in a comment, in a string: none.
        assert!(f("LOAD DATA INFILE '/srv/f' INTO TABLE t").is_empty());
        assert!(f("-- LOAD DATA LOCAL INFILE '/etc/passwd'\nSELECT 1").is_empty());
        assert!(f("/* LOAD DATA LOCAL INFILE '/etc/passwd' */ SELECT 1").is_empty());
        assert!(f("SELECT \"LOAD DATA LOCAL INFILE '/etc/passwd'\"").is_empty());
        assert!(f("SELECT `LOAD DATA LOCAL INFILE '/etc/passwd'`").is_empty());
        // Unterminated input ends cleanly.
        assert_eq!(f("LOAD DATA LOCAL INFILE '/open"), vec![b"/open".to_vec()]);
        assert!(f("/* never closed").is_empty());
    }

    #[test]
    fn paths_are_checked_by_name() {
        let p = LocalInfile::Paths(vec!["/data/in/".into(), "/srv".into()]);
        assert!(p.allows("/data/in/a.csv"));
        assert!(p.allows("/srv/x/y.tsv"));
        for bad in [
            "/data/in",
            "/data/in/",
            "/data/inside/a",
            "/data/in/../../etc/passwd",
            "/data/in/./a",
            "data/in/a",
            "/etc/passwd",
            "",
        ] {
            assert!(!p.allows(bad), "{bad}");
        }
        assert!(!LocalInfile::Off.allows("/data/in/a.csv"));
        assert!(LocalInfile::On.allows("relative.csv"));
    }
}
