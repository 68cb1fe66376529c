//! Compile checks of `#[derive(FromRow)]` (run as doctests of this crate): what it accepts, and
//! the shapes it refuses with a compile error.
//!
//! Accepted (so the refusals below fail for their own reason, not the setup's):
//!
//! ```
//! use mysql_blocking::FromRow;
//! #[derive(FromRow)]
//! struct Owned {
//!     id: i64,
//!     #[mysql(rename = "n", default)]
//!     name: Option<String>,
//! }
//! #[derive(FromRow)]
//! #[mysql(crate = "mysql_blocking")]
//! struct Borrowed<'a> {
//!     #[mysql(try_from = "i64")]
//!     small: u8,
//!     text: &'a str,
//!     #[mysql(flatten)]
//!     owned: Owned,
//! }
//! ```
//!
//! A tuple struct (positional columns read into tuples):
//!
//! ```compile_fail
//! #[derive(mysql_blocking::FromRow)]
//! struct Pair(i64, String);
//! ```
//!
//! An enum:
//!
//! ```compile_fail
//! #[derive(mysql_blocking::FromRow)]
//! enum Kind { A, B }
//! ```
//!
//! A type parameter:
//!
//! ```compile_fail
//! #[derive(mysql_blocking::FromRow)]
//! struct Wrapper<T> { value: T }
//! ```
//!
//! An unknown attribute:
//!
//! ```compile_fail
//! #[derive(mysql_blocking::FromRow)]
//! struct S { #[mysql(renamed = "x")] x: i64 }
//! ```
//!
//! `flatten` with a rename:
//!
//! ```compile_fail
//! #[derive(mysql_blocking::FromRow)]
//! struct Inner { a: i64 }
//! #[derive(mysql_blocking::FromRow)]
//! struct Outer { #[mysql(flatten, rename = "x")] inner: Inner }
//! ```
