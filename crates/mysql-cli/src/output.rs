//! Printing results: the tab-separated `--batch` format of the `mariadb` client, byte for byte,
//! and an aligned table for terminals.

use std::io::{self, Write};

/// Writes `value` escaped as `mariadb --batch` does: NUL, tab, newline and backslash become
/// `\0`, `\t`, `\n`, `\\`; every other byte is copied.
pub fn write_escaped(out: &mut (impl Write + ?Sized), value: &[u8]) -> io::Result<()> {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let esc: &[u8] = match b {
            0 => b"\\0",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\\' => b"\\\\",
            _ => continue,
        };
        out.write_all(&value[start..i])?;
        out.write_all(esc)?;
        start = i + 1;
    }
    out.write_all(&value[start..])
}

/// Writes one batch row: fields separated by tabs, NULL as `NULL`, newline at the end.
pub fn write_batch_row<B: AsRef<[u8]>>(
    out: &mut (impl Write + ?Sized),
    values: impl Iterator<Item = Option<B>>,
) -> io::Result<()> {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        match v {
            None => out.write_all(b"NULL")?,
            Some(b) => write_escaped(out, b.as_ref())?,
        }
    }
    out.write_all(b"\n")
}

/// Writes the batch header: column names unescaped, tab-separated.
pub fn write_batch_header<'a>(
    out: &mut (impl Write + ?Sized),
    names: impl Iterator<Item = &'a [u8]>,
) -> io::Result<()> {
    for (i, n) in names.enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        out.write_all(n)?;
    }
    out.write_all(b"\n")
}

/// The widest a table column is padded to (the mariadb client's `MAX_COLUMN_LENGTH`): a longer
/// value is printed whole, unpadded, and its row's borders no longer line up (as there).
const MAX_COLUMN_LENGTH: usize = 1024;

/// A table as `mariadb --table` prints it, byte for byte: collected in memory, then printed
/// with `+---+` borders. A column is as wide as its longest value or name in bytes (at least 4
/// when it may hold NULL); cells are padded by screen cells ([`crate::cells`]), NUL bytes shown
/// as spaces, numeric columns right-aligned.
pub struct Table {
    columns: Vec<TableColumn>,
    column_names: bool,
    rows: Vec<Vec<Option<Vec<u8>>>>,
}

/// What [`Table`] needs to know of a column.
pub struct TableColumn {
    /// Its name as the server sent it.
    pub name: Vec<u8>,
    /// Numbers (and NULL-typed columns) are right-aligned.
    pub right_align: bool,
    /// Without the `NOT NULL` flag the column is at least 4 wide, for `NULL`.
    pub nullable: bool,
}

impl Table {
    /// A table of these columns, with a header line when `column_names`.
    pub fn new(columns: Vec<TableColumn>, column_names: bool) -> Table {
        Table {
            columns,
            column_names,
            rows: Vec::new(),
        }
    }

    /// Adds a row (`None` is NULL).
    pub fn push<B: AsRef<[u8]>>(&mut self, values: impl Iterator<Item = Option<B>>) {
        self.rows
            .push(values.map(|v| v.map(|b| b.as_ref().to_vec())).collect());
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Prints the table.
    pub fn print(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = if self.column_names { c.name.len() } else { 0 };
                let longest = self.rows.iter().filter_map(|r| r[i].as_ref());
                let w = longest.map(Vec::len).fold(name, usize::max);
                if w < 4 && c.nullable {
                    4
                } else {
                    w
                }
            })
            .collect();
        let mut line = Vec::new();
        for w in &widths {
            line.push(b'+');
            line.resize(line.len() + w + 2, b'-');
        }
        line.extend_from_slice(b"+\n");
        out.write_all(&line)?;
        if self.column_names {
            out.write_all(b"|")?;
            for (c, w) in self.columns.iter().zip(&widths) {
                let display =
                    (w + c.name.len() - crate::cells::cells(&c.name)).min(MAX_COLUMN_LENGTH);
                out.write_all(b" ")?;
                out.write_all(&c.name)?;
                spaces(out, display.saturating_sub(c.name.len()))?;
                out.write_all(b" |")?;
            }
            out.write_all(b"\n")?;
            out.write_all(&line)?;
        }
        for row in &self.rows {
            out.write_all(b"|")?;
            for ((v, c), w) in row.iter().zip(&self.columns).zip(&widths) {
                let v: &[u8] = v.as_deref().unwrap_or(b"NULL");
                let total = (*w).min(MAX_COLUMN_LENGTH) + v.len() - crate::cells::cells(v);
                let pad = total.saturating_sub(v.len());
                out.write_all(b" ")?;
                if c.right_align {
                    spaces(out, pad)?;
                }
                write_nul_as_space(out, v)?;
                if !c.right_align {
                    spaces(out, pad)?;
                }
                out.write_all(b" |")?;
            }
            out.write_all(b"\n")?;
        }
        out.write_all(&line)
    }
}

fn spaces(out: &mut (impl Write + ?Sized), n: usize) -> io::Result<()> {
    const SPACES: [u8; 64] = [b' '; 64];
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// Writes `v` with each NUL byte shown as a space (as the mariadb client, whose terminal would
/// swallow it).
fn write_nul_as_space(out: &mut (impl Write + ?Sized), v: &[u8]) -> io::Result<()> {
    for (i, part) in v.split(|&c| c == 0).enumerate() {
        if i > 0 {
            out.write_all(b" ")?;
        }
        out.write_all(part)?;
    }
    Ok(())
}

/// Vertical output (`--vertical`, `\\G`) as the `mariadb` client prints it: a
/// `*** N. row ***` line, then `name: value` per column, names right-aligned, values as the
/// server sent them but NUL bytes shown as spaces, NULL as `NULL`.
pub struct Vertical {
    names: Vec<String>,
    width: usize,
    rows: usize,
}

impl Vertical {
    /// For columns named `names`.
    pub fn new(names: Vec<String>) -> Vertical {
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        Vertical {
            names,
            width,
            rows: 0,
        }
    }

    /// Prints one row.
    pub fn row<B: AsRef<[u8]>>(
        &mut self,
        out: &mut (impl Write + ?Sized),
        values: impl Iterator<Item = Option<B>>,
    ) -> io::Result<()> {
        self.rows += 1;
        let stars = "*".repeat(27);
        writeln!(out, "{stars} {}. row {stars}", self.rows)?;
        for (name, v) in self.names.iter().zip(values) {
            write!(out, "{name:>w$}: ", w = self.width)?;
            match v {
                None => out.write_all(b"NULL")?,
                Some(b) => write_nul_as_space(out, b.as_ref())?,
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_mariadb_client() {
        let mut out = Vec::new();
        write_batch_row(
            &mut out,
            [Some(&b"a\0b\tc\nd\\e\rf"[..]), None, Some(b"")].into_iter(),
        )
        .unwrap();
        assert_eq!(out, b"a\\0b\\tc\\nd\\\\e\rf\tNULL\t\n");
    }

    #[test]
    fn vertical_like_the_mariadb_client() {
        let mut v = Vertical::new(vec!["a".into(), "bb".into(), "ccc".into()]);
        let mut out = Vec::new();
        v.row(&mut out, [Some(&b"1"[..]), None, Some(b"x\ty")].into_iter())
            .unwrap();
        let stars = "*".repeat(27);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{stars} 1. row {stars}\n  a: 1\n bb: NULL\nccc: x\ty\n")
        );
    }

    #[test]
    fn table_like_the_mariadb_client() {
        let col = |name: &str, right_align, nullable| TableColumn {
            name: name.as_bytes().to_vec(),
            right_align,
            nullable,
        };
        let mut t = Table::new(
            vec![
                col("id", true, true),
                col("日本", false, true),
                col("x", false, false),
            ],
            true,
        );
        t.push([Some(&b"7"[..]), None, Some(b"a")].into_iter());
        t.push([Some(&b"100"[..]), Some("é日".as_bytes()), Some(b"\0")].into_iter());
        let mut out = Vec::new();
        t.print(&mut out).unwrap();
        // As `mariadb --table` prints it: `id` widened to 4 for NULL, `日本` 6 bytes wide
        // but 4 cells, padded by cells; `x` NOT NULL stays 1 wide; the NUL shown as a space.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "+------+--------+---+\n| id   | 日本   | x |\n+------+--------+---+\n\
             |    7 | NULL   | a |\n|  100 | é日    |   |\n+------+--------+---+\n"
        );
    }
}
