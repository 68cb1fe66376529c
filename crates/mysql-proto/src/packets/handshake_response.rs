//! `HandshakeResponse41`: the client's answer to the greeting.
//!
//! Layout: `int<4>` capabilities, `int<4>` max packet size, `int<1>` collation, 19 filler bytes,
//! 4 bytes of MariaDB extended capabilities (zero for MySQL), `string<NUL>` user name, the auth
//! response (`string<lenenc>` with `CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA`, else an `int<1>`
//! length and the bytes), `string<NUL>` database with `CLIENT_CONNECT_WITH_DB`, `string<NUL>` plugin name with
//! `CLIENT_PLUGIN_AUTH`, `string<lenenc>` connection attributes with `CLIENT_CONNECT_ATTRS`,
//! and `int<1>` zstd level with `CLIENT_ZSTD_COMPRESSION_ALGORITHM`.

use crate::codec::{Reader, Writer};
use crate::constants::*;
use crate::error::{Error, Result};

/// The fields of a handshake response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandshakeResponse {
    /// The negotiated capabilities.
    pub capabilities: u32,
    /// MariaDB extended capabilities (sent only to MariaDB servers).
    pub mariadb_capabilities: u32,
    /// The largest packet the client will send.
    pub max_packet_size: u32,
    /// The connection collation id.
    pub collation: u8,
    /// The user name.
    pub user: Vec<u8>,
    /// The auth plugin's first response.
    pub auth_response: Vec<u8>,
    /// The default database, if any.
    pub database: Option<Vec<u8>>,
    /// The auth plugin used for `auth_response`.
    pub auth_plugin_name: Vec<u8>,
    /// Connection attributes (key, value).
    pub attributes: Vec<(String, String)>,
    /// The zstd level, sent last with `CLIENT_ZSTD_COMPRESSION_ALGORITHM`.
    pub zstd_level: u8,
}

impl HandshakeResponse {
    /// Encodes the payload. Fails with a misuse error when a field contains a NUL byte where the
    /// protocol cannot carry one.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let caps = self.capabilities;
        for (what, v) in [
            ("user name", &self.user[..]),
            ("plugin name", &self.auth_plugin_name),
        ] {
            if v.contains(&0) {
                return Err(Error::misuse(format!("{what} contains a NUL byte")));
            }
        }
        if self.database.as_deref().is_some_and(|d| d.contains(&0)) {
            return Err(Error::misuse("database name contains a NUL byte"));
        }
        let mut w = Writer::new(out);
        w.u32(caps)
            .u32(self.max_packet_size)
            .u8(self.collation)
            .zeros(19)
            .u32(self.mariadb_capabilities)
            .nul_bytes(&self.user);
        if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            w.lenenc_bytes(&self.auth_response);
        } else {
            if self.auth_response.len() > 255 {
                return Err(Error::misuse("auth response longer than 255 bytes"));
            }
            w.u8(self.auth_response.len() as u8)
                .bytes(&self.auth_response);
        }
        if caps & CLIENT_CONNECT_WITH_DB != 0 {
            w.nul_bytes(self.database.as_deref().unwrap_or_default());
        }
        if caps & CLIENT_PLUGIN_AUTH != 0 {
            w.nul_bytes(&self.auth_plugin_name);
        }
        if caps & CLIENT_CONNECT_ATTRS != 0 {
            let mut attrs = Vec::new();
            let mut a = Writer::new(&mut attrs);
            for (k, v) in &self.attributes {
                a.lenenc_bytes(k.as_bytes()).lenenc_bytes(v.as_bytes());
            }
            w.lenenc_bytes(&attrs);
        }
        if caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 {
            w.u8(self.zstd_level);
        }
        Ok(())
    }

    /// Parses a payload (used by the test server and tests).
    pub fn parse(payload: &[u8]) -> Result<HandshakeResponse> {
        let mut r = Reader::new(payload);
        let capabilities = r.u32()?;
        if capabilities & CLIENT_PROTOCOL_41 == 0 {
            return Err(Error::unsupported("pre-4.1 handshake response"));
        }
        let max_packet_size = r.u32()?;
        let collation = r.u8()?;
        r.take(19)?;
        let mariadb_capabilities = r.u32()?;
        if capabilities & CLIENT_SSL != 0 && r.is_empty() {
            return Err(Error::unsupported("SSLRequest (TLS) is not supported here"));
        }
        let user = r.nul_bytes()?.to_vec();
        let auth_response = if capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            r.lenenc_bytes()?.to_vec()
        } else {
            let n = r.u8()? as usize;
            r.take(n)?.to_vec()
        };
        let database = if capabilities & CLIENT_CONNECT_WITH_DB != 0 {
            Some(r.nul_bytes()?.to_vec())
        } else {
            None
        };
        let auth_plugin_name = if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            r.nul_bytes_or_rest().to_vec()
        } else {
            Vec::new()
        };
        let mut attributes = Vec::new();
        if capabilities & CLIENT_CONNECT_ATTRS != 0 && !r.is_empty() {
            let mut a = Reader::new(r.lenenc_bytes()?);
            while !a.is_empty() {
                let k = String::from_utf8_lossy(a.lenenc_bytes()?).into_owned();
                let v = String::from_utf8_lossy(a.lenenc_bytes()?).into_owned();
                attributes.push((k, v));
            }
        }
        let zstd_level = if capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 {
            r.u8()?
        } else {
            0
        };
        Ok(HandshakeResponse {
            capabilities,
            mariadb_capabilities,
            max_packet_size,
            collation,
            user,
            auth_response,
            database,
            auth_plugin_name,
            attributes,
            zstd_level,
        })
    }
}
