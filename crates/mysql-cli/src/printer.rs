//! Prints one result set as the mariadb client does: streamed tab-separated rows (batch),
//! a table (`--table`, or at a terminal), one line per column (`--vertical`, `\G`), or one JSON
//! object per row (`--json`).

use std::io::{self, Write};

use mysql_proto::{Column, ColumnFlags, ColumnType, Columns, RowRef};

use crate::output;

/// How results are shown.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Tables (else tab-separated).
    pub tables: bool,
    /// One line per column.
    pub vertical: bool,
    /// A header line (`--skip-column-names` turns it off).
    pub column_names: bool,
    /// One JSON object per row (`--json`), typed as the gateway types values.
    pub json: bool,
}

/// The printer of the result set being read.
pub struct Printer {
    style: Style,
    columns: Option<Columns>,
    header_done: bool,
    rows: usize,
    table: Option<output::Table>,
    vertical: Option<output::Vertical>,
}

impl Printer {
    /// A printer for the result sets of one statement.
    pub fn new(style: Style) -> Printer {
        Printer {
            style,
            columns: None,
            header_done: false,
            rows: 0,
            table: None,
            vertical: None,
        }
    }

    /// A result set starts.
    pub fn start(&mut self, columns: &Columns) {
        // Like the mariadb client, batch mode prints nothing at all for an empty result set,
        // so the header waits for the first row.
        self.header_done = !self.style.column_names;
        self.rows = 0;
        self.columns = Some(columns.clone());
        if self.style.json {
            return;
        }
        if self.style.vertical {
            let names = columns.iter().map(|c| c.name().into_owned()).collect();
            self.vertical = Some(output::Vertical::new(names));
        } else if self.style.tables {
            let columns = columns.iter().map(|c| output::TableColumn {
                name: c.name_bytes().to_vec(),
                right_align: is_numeric(c),
                nullable: !c.flags.contains(ColumnFlags::NOT_NULL),
            });
            let table = output::Table::new(columns.collect(), self.style.column_names);
            self.table = Some(table);
        }
    }

    /// One row of it.
    pub fn row(&mut self, row: RowRef<'_>, out: &mut dyn Write) -> io::Result<()> {
        self.rows += 1;
        if self.style.json {
            let line = mysql_json::object_text(row).map_err(io::Error::other)?;
            return writeln!(out, "{line}");
        }
        if let Some(v) = self.vertical.as_mut() {
            return v.row(out, row.text_values());
        }
        if let Some(t) = self.table.as_mut() {
            t.push(row.text_values());
            return Ok(());
        }
        if !self.header_done {
            if let Some(c) = &self.columns {
                output::write_batch_header(out, c.iter().map(|c| c.name_bytes()))?;
            }
            self.header_done = true;
        }
        output::write_batch_row(out, row.text_values())
    }

    /// The result set ended: prints what was held back (a table); returns its row count.
    pub fn end(&mut self, out: &mut dyn Write) -> io::Result<usize> {
        self.vertical = None;
        if let Some(t) = self.table.take() {
            if t.len() > 0 {
                t.print(out)?;
            }
        }
        Ok(self.rows)
    }
}

/// The mariadb client's `IS_NUM`: the types it right-aligns in tables (NULL-typed columns
/// too, not BIT).
fn is_numeric(c: &Column) -> bool {
    use ColumnType::*;
    matches!(
        c.column_type,
        Decimal
            | NewDecimal
            | Tiny
            | Short
            | Long
            | Float
            | Double
            | Null
            | LongLong
            | Int24
            | Year
    )
}
