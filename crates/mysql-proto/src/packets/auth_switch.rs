//! `AuthSwitchRequest`: 0xFE, `string<NUL>` plugin name, `string<EOF>` plugin data. Sent by the
//! server during the handshake to ask for another authentication method. A bare 0xFE (the
//! pre-4.1 "old password" request) is reported as unsupported.

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};

/// A parsed auth switch request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSwitchRequest {
    /// The plugin the server switches to.
    pub plugin_name: String,
    /// The new challenge as sent. Servers append a NUL to 20-byte scrambles but not to
    /// ed25519's 32-byte nonce, so the plugins take the length they need (a nonce may end in a
    /// real 0x00 byte).
    pub plugin_data: Vec<u8>,
}

impl AuthSwitchRequest {
    /// Parses the payload.
    pub fn parse(payload: &[u8]) -> Result<AuthSwitchRequest> {
        let mut r = Reader::new(payload);
        if r.u8()? != 0xfe {
            return Err(Error::protocol(
                "auth switch request without its 0xFE header",
            ));
        }
        if r.is_empty() {
            return Err(Error::unsupported(
                "server asked for the pre-4.1 password method (mysql_old_password)",
            ));
        }
        let plugin_name = String::from_utf8_lossy(r.nul_bytes()?).into_owned();
        let data = r.rest();
        Ok(AuthSwitchRequest {
            plugin_name,
            plugin_data: data.to_vec(),
        })
    }

    /// Encodes the request (used by the test server): the data exactly as given.
    pub fn encode(&self, out: &mut Vec<u8>) {
        Writer::new(out)
            .u8(0xfe)
            .nul_bytes(self.plugin_name.as_bytes())
            .bytes(&self.plugin_data);
    }
}
