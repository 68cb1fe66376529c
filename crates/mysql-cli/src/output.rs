//! Printing results: the tab-separated `--batch` format of the `mariadb` client, byte for byte,
//! and an aligned table for terminals.

use std::io::{self, Write};

/// Writes `value` escaped as `mariadb --batch` does: NUL, tab, newline and backslash become
/// `\0`, `\t`, `\n`, `\\`; every other byte is copied.
pub fn write_escaped(out: &mut impl Write, value: &[u8]) -> io::Result<()> {
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
    out: &mut impl Write,
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
    out: &mut impl Write,
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

/// An aligned table, collected in memory then printed (terminal mode).
pub struct Table {
    names: Vec<String>,
    right_align: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names; `right_align` marks numeric columns.
    pub fn new(names: Vec<String>, right_align: Vec<bool>) -> Table {
        Table {
            names,
            right_align,
            rows: Vec::new(),
        }
    }

    /// Adds a row (`None` is NULL).
    pub fn push<B: AsRef<[u8]>>(&mut self, values: impl Iterator<Item = Option<B>>) {
        self.rows.push(
            values
                .map(|v| {
                    v.map_or("NULL".to_string(), |b| {
                        String::from_utf8_lossy(b.as_ref()).into_owned()
                    })
                })
                .collect(),
        );
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Prints the table with `+---+` borders.
    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        let width = |s: &str| s.chars().count();
        let mut w: Vec<usize> = self.names.iter().map(|n| width(n)).collect();
        for r in &self.rows {
            for (i, v) in r.iter().enumerate() {
                w[i] = w[i].max(width(v));
            }
        }
        let line: String = w
            .iter()
            .map(|n| format!("+{}", "-".repeat(n + 2)))
            .collect::<String>()
            + "+";
        writeln!(out, "{line}")?;
        let cells = |vals: &[String], align: bool| -> String {
            let mut s = String::new();
            for (i, v) in vals.iter().enumerate() {
                let pad = " ".repeat(w[i] - width(v));
                if align && self.right_align[i] {
                    s.push_str(&format!("| {pad}{v} "));
                } else {
                    s.push_str(&format!("| {v}{pad} "));
                }
            }
            s + "|"
        };
        writeln!(out, "{}", cells(&self.names, false))?;
        writeln!(out, "{line}")?;
        for r in &self.rows {
            writeln!(out, "{}", cells(r, true))?;
        }
        writeln!(out, "{line}")
    }
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
        out: &mut impl Write,
        values: impl Iterator<Item = Option<B>>,
    ) -> io::Result<()> {
        self.rows += 1;
        let stars = "*".repeat(27);
        writeln!(out, "{stars} {}. row {stars}", self.rows)?;
        for (name, v) in self.names.iter().zip(values) {
            write!(out, "{name:>w$}: ", w = self.width)?;
            match v {
                None => out.write_all(b"NULL")?,
                Some(b) => {
                    for part in b.as_ref().split_inclusive(|&c| c == 0) {
                        match part.split_last() {
                            Some((0, head)) => {
                                out.write_all(head)?;
                                out.write_all(b" ")?;
                            }
                            _ => out.write_all(part)?,
                        }
                    }
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Rows printed.
    pub fn len(&self) -> usize {
        self.rows
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
    fn table_alignment() {
        let mut t = Table::new(vec!["id".into(), "name".into()], vec![true, false]);
        t.push([Some(&b"7"[..]), None].into_iter());
        t.push([Some(&b"100"[..]), Some(&b"x"[..])].into_iter());
        let mut out = Vec::new();
        t.print(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "+-----+------+\n| id  | name |\n+-----+------+\n|   7 | NULL |\n| 100 | x    |\n+-----+------+\n"
        );
    }
}
