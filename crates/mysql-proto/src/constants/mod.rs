//! Numeric constants of the protocol, named as in the MySQL and MariaDB documentation.

pub mod capabilities;
pub mod collation;
pub mod column_type;
pub mod command;
pub mod status;

pub use capabilities::*;
pub use column_type::{ColumnFlags, ColumnType};
pub use command::Command;
pub use status::StatusFlags;
