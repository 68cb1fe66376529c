//! What `#[derive(FromRow)]` generates calls into (not a public API: its shape may change with
//! the derive). Each function reads one field of a struct from a row by column name.

use std::fmt::Display;

use crate::error::{Error, Result};
use crate::value::{FromValue, RowRef};

/// The value of column `column` for a field of `owner`; fails with a conversion error when the
/// row has no such column (naming the columns it has) or the value does not fit `T`.
pub fn field<'a, T: FromValue<'a>>(row: &RowRef<'a>, column: &str, owner: &str) -> Result<T> {
    match index(row, column) {
        Some(i) => row.get(i),
        None => Err(missing(row, column, owner)),
    }
}

/// Like [`field`], with `T::default()` when the row has no such column (`#[mysql(default)]`).
pub fn field_or_default<'a, T: FromValue<'a> + Default>(
    row: &RowRef<'a>,
    column: &str,
) -> Result<T> {
    match index(row, column) {
        Some(i) => row.get(i),
        None => Ok(T::default()),
    }
}

/// The value of `column` read as `S`, then converted with `T::try_from` (`#[mysql(try_from =
/// "S")]`); a failed conversion is a conversion error naming the column and both types.
pub fn field_try_from<'a, S, T>(row: &RowRef<'a>, column: &str, owner: &str) -> Result<T>
where
    S: FromValue<'a>,
    T: TryFrom<S>,
    T::Error: Display,
{
    let source: S = field(row, column, owner)?;
    T::try_from(source).map_err(|e| {
        Error::conversion(format!(
            "column `{column}` read as {} does not convert to {} for `{owner}`: {e}",
            std::any::type_name::<S>(),
            std::any::type_name::<T>(),
        ))
    })
}

fn index(row: &RowRef<'_>, column: &str) -> Option<usize> {
    row.columns()
        .iter()
        .position(|c| c.name_bytes() == column.as_bytes())
}

#[cold]
fn missing(row: &RowRef<'_>, column: &str, owner: &str) -> Error {
    let have: Vec<String> = row
        .columns()
        .iter()
        .map(|c| c.name().into_owned())
        .collect();
    Error::conversion(format!(
        "`{owner}` needs a column `{column}`, which the row does not have (it has: {})",
        have.join(", ")
    ))
}
