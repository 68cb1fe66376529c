//! `Protocol::HandshakeV10`, the server's first packet ("greeting").
//!
//! Layout: `int<1>` protocol version (10), `string<NUL>` server version, `int<4>` connection id,
//! `string[8]` auth-plugin-data part 1, filler 0x00, `int<2>` capabilities (low), `int<1>`
//! character set, `int<2>` status flags, `int<2>` capabilities (high), `int<1>` auth-plugin-data
//! length, 6 reserved bytes, 4 bytes that MariaDB uses for its extended capabilities when it
//! clears `CLIENT_MYSQL`, then `max(13, len - 8)` bytes of auth-plugin-data part 2 (ending in a
//! 0x00 that is not part of the scramble) and the `string<NUL>` auth plugin name.

use crate::codec::Reader;
use crate::constants::{
    StatusFlags, CLIENT_MYSQL, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41, CLIENT_SECURE_CONNECTION,
};
use crate::error::{Error, Result};

/// The parsed server greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// Always 10 (version 9 is refused as unsupported).
    pub protocol_version: u8,
    /// The server version string, e.g. `8.0.18` or `5.5.5-10.11.6-MariaDB`.
    pub server_version: String,
    /// The connection (thread) id, as used by `KILL`.
    pub connection_id: u32,
    /// The server's capability flags.
    pub capabilities: u32,
    /// MariaDB's extended capabilities (0 for MySQL servers).
    pub mariadb_capabilities: u32,
    /// The server's default collation id.
    pub collation: u8,
    /// The server status flags.
    pub status: StatusFlags,
    /// The authentication challenge (the 20-byte scramble for the usual plugins).
    pub auth_plugin_data: Vec<u8>,
    /// The default authentication plugin (`mysql_native_password` if the server sent none).
    pub auth_plugin_name: String,
}

impl Greeting {
    /// Parses a greeting payload. Fails with a protocol error on malformed input and with
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) for protocol version 9 or servers
    /// without the 4.1 protocol.
    pub fn parse(payload: &[u8]) -> Result<Greeting> {
        let mut r = Reader::new(payload);
        let protocol_version = r.u8()?;
        if protocol_version != 10 {
            return Err(Error::unsupported(format!(
                "handshake protocol version {protocol_version} (only 10 is supported)"
            )));
        }
        let server_version = String::from_utf8_lossy(r.nul_bytes()?).into_owned();
        let connection_id = r.u32()?;
        let mut scramble = r.take(8)?.to_vec();
        r.u8()?; // filler
        let mut capabilities = r.u16()? as u32;
        let mut collation = 0;
        let mut status = StatusFlags::default();
        let mut mariadb_capabilities = 0;
        let mut auth_plugin_name = String::new();
        if !r.is_empty() {
            collation = r.u8()?;
            status = StatusFlags(r.u16()?);
            capabilities |= (r.u16()? as u32) << 16;
            let data_len = r.u8()? as usize;
            r.take(6)?;
            let ext = r.u32()?;
            if capabilities & CLIENT_MYSQL == 0 {
                mariadb_capabilities = ext;
            }
            if capabilities & CLIENT_SECURE_CONNECTION != 0 {
                let part2_len = data_len.saturating_sub(8).max(13);
                let part2 = r.take(part2_len.min(r.remaining()))?;
                // The last byte of part 2 is a NUL terminator, not scramble.
                let part2 = part2.strip_suffix(&[0]).unwrap_or(part2);
                scramble.extend_from_slice(part2);
            }
            if capabilities & CLIENT_PLUGIN_AUTH != 0 {
                auth_plugin_name = String::from_utf8_lossy(r.nul_bytes_or_rest()).into_owned();
            }
        }
        if capabilities & CLIENT_PROTOCOL_41 == 0 {
            return Err(Error::unsupported(
                "server does not speak the 4.1 protocol (CLIENT_PROTOCOL_41)",
            ));
        }
        if auth_plugin_name.is_empty() {
            auth_plugin_name = "mysql_native_password".to_string();
        }
        Ok(Greeting {
            protocol_version,
            server_version,
            connection_id,
            capabilities,
            mariadb_capabilities,
            collation,
            status,
            auth_plugin_data: scramble,
            auth_plugin_name,
        })
    }

    /// Whether the server is MariaDB (it clears `CLIENT_MYSQL` or says so in its version).
    pub fn is_mariadb(&self) -> bool {
        self.capabilities & CLIENT_MYSQL == 0 || self.server_version.contains("MariaDB")
    }

    /// Encodes a greeting (used by the in-memory test server).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = crate::codec::Writer::new(out);
        w.u8(self.protocol_version)
            .nul_bytes(self.server_version.as_bytes())
            .u32(self.connection_id);
        let data = &self.auth_plugin_data;
        let (p1, p2) = data.split_at(data.len().min(8));
        w.bytes(p1).zeros(8 - p1.len()).u8(0);
        w.u16(self.capabilities as u16)
            .u8(self.collation)
            .u16(self.status.0)
            .u16((self.capabilities >> 16) as u16)
            .u8((data.len() + 1) as u8)
            .zeros(6)
            .u32(self.mariadb_capabilities);
        // Part 2 is at least 13 bytes including its NUL terminator.
        w.bytes(p2).zeros(12usize.saturating_sub(p2.len())).u8(0);
        w.nul_bytes(self.auth_plugin_name.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let g = Greeting {
            protocol_version: 10,
            server_version: "5.5.5-10.11.6-MariaDB".into(),
            connection_id: 42,
            capabilities: crate::constants::CLIENT_DEFAULT & !CLIENT_MYSQL,
            mariadb_capabilities: 7,
            collation: 45,
            status: StatusFlags(2),
            auth_plugin_data: (1..=20).collect(),
            auth_plugin_name: "mysql_native_password".into(),
        };
        let mut buf = Vec::new();
        g.encode(&mut buf);
        assert_eq!(Greeting::parse(&buf).unwrap(), g);
        assert!(g.is_mariadb());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let g = Greeting {
            protocol_version: 10,
            server_version: "8.0.36".into(),
            connection_id: 1,
            capabilities: crate::constants::CLIENT_DEFAULT,
            mariadb_capabilities: 0,
            collation: 255,
            status: StatusFlags(2),
            auth_plugin_data: vec![9; 20],
            auth_plugin_name: "caching_sha2_password".into(),
        };
        let mut buf = Vec::new();
        g.encode(&mut buf);
        for cut in 0..buf.len() {
            // Some cuts still parse (the plugin name may be unterminated), none may panic.
            let _ = Greeting::parse(&buf[..cut]);
        }
        assert!(Greeting::parse(&buf[..10]).is_err());
    }
}
