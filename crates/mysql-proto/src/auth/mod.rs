//! Authentication plugins: each computes the client's response to the server's challenge.
//!
//! Supported now: `mysql_native_password`. Any other plugin the server asks for (by greeting or
//! auth switch) fails the handshake with [`ErrorKind::Unsupported`](crate::ErrorKind) naming it.

pub mod native_password;

use crate::error::{Error, Result};

/// The name of the `mysql_native_password` plugin.
pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";

/// Computes the first auth response of `plugin` for `password` and the server's `scramble`.
/// Fails with an unsupported error for plugins this client does not implement.
pub fn auth_response(plugin: &str, password: &[u8], scramble: &[u8]) -> Result<Vec<u8>> {
    match plugin {
        MYSQL_NATIVE_PASSWORD => Ok(native_password::scramble(password, scramble)),
        other => Err(Error::unsupported(format!(
            "authentication plugin `{other}` is not supported by this client yet"
        ))),
    }
}
