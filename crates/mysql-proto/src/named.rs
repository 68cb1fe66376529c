//! Named parameters: `:name` placeholders, rewritten by the client into the `?` the server
//! understands, with the values ordered to match.
//!
//! ```
//! use mysql_proto::named;
//!
//! let (sql, params) = named::bind(
//!     "SELECT * FROM t WHERE a = :id OR b = :id AND c = ':not_a_name' -- :nor_this",
//!     [("id", 7)],
//! )?;
//! assert_eq!(sql, "SELECT * FROM t WHERE a = ? OR b = ? AND c = ':not_a_name' -- :nor_this");
//! assert_eq!(params.len(), 2);
//! // conn.exec_collect(&sql, params) with any adapter; the rewritten SQL is what the
//! // statement cache keys on.
//! # Ok::<(), mysql_proto::Error>(())
//! ```
//!
//! A name is `:` followed by a letter or `_`, then letters, digits and `_`, and not right after
//! an identifier or another `:` (`a::b`, a stored program's `label:`). Nothing inside
//! quotes (`'...'`, `"..."`, `` `...` ``, with doubled quotes and backslash escapes) or comments
//! (`-- `, `#`, `/* */`) is a placeholder, nor is the assignment operator `:=`. SQL may use
//! `?` or names, not both (a misuse error says so); SQL without names passes through unchanged.

use crate::error::{Error, Result};
use crate::value::{ToValue, Value};

/// SQL with its named placeholders rewritten to `?`, and the names in the order they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSql {
    /// The SQL for the server: every `:name` replaced by `?`.
    pub sql: String,
    /// The name of each `?`, in order (a name used twice is listed twice).
    pub names: Vec<String>,
}

/// Rewrites the named placeholders of `sql`. Fails with a misuse error when `sql` mixes `?`
/// with `:name` (the values could not be ordered).
pub fn parse(sql: &str) -> Result<NamedSql> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut names = Vec::new();
    let mut positional = false;
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, q),
            b'#' => i = skip_to_line_end(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                i = skip_to_line_end(bytes, i)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| i + 2 + end + 2)
            }
            b'?' => {
                positional = true;
                i += 1;
            }
            b':' if bytes
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && !(i > 0 && (bytes[i - 1] == b':' || is_word(bytes[i - 1]))) =>
            {
                let end = bytes[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(bytes.len(), |n| i + 1 + n);
                out.push_str(&sql[copied..i]);
                out.push('?');
                names.push(sql[i + 1..end].to_string());
                (i, copied) = (end, end);
            }
            _ => i += 1,
        }
    }
    if positional && !names.is_empty() {
        return Err(Error::misuse(
            "SQL mixes `?` and `:name` placeholders: use one kind",
        ));
    }
    out.push_str(&sql[copied..]);
    Ok(NamedSql { sql: out, names })
}

impl NamedSql {
    /// The values for the placeholders, in order, taken by name from `values`. Fails with a
    /// misuse error naming a placeholder that has no value, or a value that no placeholder
    /// uses (a typo would otherwise go unnoticed), or a name given twice.
    pub fn order<K, V>(&self, values: impl IntoIterator<Item = (K, V)>) -> Result<Vec<Value>>
    where
        K: AsRef<str>,
        V: ToValue,
    {
        let mut given: Vec<(K, Value, bool)> = Vec::new();
        for (name, value) in values {
            if given.iter().any(|(n, _, _)| n.as_ref() == name.as_ref()) {
                return Err(Error::misuse(format!(
                    "parameter `{}` given twice",
                    name.as_ref()
                )));
            }
            given.push((name, value.to_value(), false));
        }
        let mut ordered = Vec::with_capacity(self.names.len());
        for name in &self.names {
            let Some(slot) = given.iter_mut().find(|(n, _, _)| n.as_ref() == name) else {
                return Err(Error::misuse(format!("no value for parameter `:{name}`")));
            };
            slot.2 = true;
            ordered.push(slot.1.clone());
        }
        if let Some((unused, _, _)) = given.iter().find(|(_, _, used)| !used) {
            return Err(Error::misuse(format!(
                "parameter `{}` is not used by the SQL",
                unused.as_ref()
            )));
        }
        Ok(ordered)
    }
}

/// [`parse`] and [`NamedSql::order`] in one call: the SQL for the server and its parameters
/// (a map, an array of pairs, any iterator of `(name, value)`). Fails as those do.
pub fn bind<K, V>(
    sql: &str,
    values: impl IntoIterator<Item = (K, V)>,
) -> Result<(String, Vec<Value>)>
where
    K: AsRef<str>,
    V: ToValue,
{
    let named = parse(sql)?;
    let params = named.order(values)?;
    Ok((named.sql, params))
}

/// Whether `c` can be part of an identifier (a `:` right after one is no placeholder).
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The index after the quoted string starting at `start` (quote `q`); doubled quotes and
/// backslash escapes stay inside. An unterminated string runs to the end.
fn skip_quoted(bytes: &[u8], start: usize, q: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q != b'`' => i += 2,
            c if c == q && bytes.get(i + 1) == Some(&q) => i += 2,
            c if c == q => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index of the end of the line containing `start` (a `#` or `-- ` comment).
fn skip_to_line_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(bytes.len(), |n| start + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_question_marks_in_order() {
        let n = parse("INSERT INTO t VALUES (:a, :b_2, :a)").unwrap();
        assert_eq!(n.sql, "INSERT INTO t VALUES (?, ?, ?)");
        assert_eq!(n.names, ["a", "b_2", "a"]);
    }

    #[test]
    fn quotes_comments_and_assignments_are_left_alone() {
        let sql = "SELECT ':x', \":y\", `:z`, 'it''s :q', 'a\\':r', @v := 1, /* :c */ :real \
                   -- :d\n# :e\n, :again -- :f";
        let n = parse(sql).unwrap();
        assert_eq!(n.names, ["real", "again"]);
        assert_eq!(
            n.sql,
            "SELECT ':x', \":y\", `:z`, 'it''s :q', 'a\\':r', @v := 1, /* :c */ ? \
             -- :d\n# :e\n, ? -- :f"
        );
        // `--` without a space after it is an operator, not a comment.
        assert_eq!(parse("SELECT 1--:f").unwrap().names, ["f"]);
    }

    #[test]
    fn sql_without_names_passes_through() {
        for sql in [
            "SELECT ?",
            "SELECT 1",
            "SELECT 'unterminated :x",
            "SELECT a::b",
            "",
        ] {
            let n = parse(sql).unwrap();
            assert_eq!((n.sql.as_str(), n.names.len()), (sql, 0), "{sql}");
        }
    }

    #[test]
    fn mixing_kinds_is_an_error() {
        let e = parse("SELECT ?, :a").unwrap_err();
        assert!(e.message().contains("mixes"), "{e}");
    }

    #[test]
    fn values_are_ordered_and_checked_by_name() {
        let n = parse("SELECT :b, :a, :b").unwrap();
        let v = n.order([("a", 1), ("b", 2)]).unwrap();
        assert_eq!(v, [Value::Int(2), Value::Int(1), Value::Int(2)]);
        let missing = n.order([("a", 1)]).unwrap_err();
        assert!(
            missing.message().contains("no value for parameter `:b`"),
            "{missing}"
        );
        let unused = n.order([("a", 1), ("b", 2), ("c", 3)]).unwrap_err();
        assert!(unused.message().contains("`c` is not used"), "{unused}");
        let twice = n.order([("a", 1), ("a", 2)]).unwrap_err();
        assert!(twice.message().contains("given twice"), "{twice}");
        let map: std::collections::HashMap<String, &str> =
            [("a".into(), "x"), ("b".into(), "y")].into();
        let (sql, v) = bind("SELECT :a, :b", map).unwrap();
        assert_eq!(sql, "SELECT ?, ?");
        assert_eq!(v, ["x".to_value(), "y".to_value()]);
    }
}
