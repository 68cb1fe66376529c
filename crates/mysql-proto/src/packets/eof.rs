//! The EOF packet (header 0xFE, shorter than 9 bytes): ends column definitions and rows when
//! `CLIENT_DEPRECATE_EOF` is not negotiated. Layout: 0xFE, `int<2>` warnings, `int<2>` status.

use crate::codec::{Reader, Writer};
use crate::constants::StatusFlags;
use crate::error::{Error, Result};

/// A parsed EOF packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EofPacket {
    /// Number of warnings.
    pub warnings: u16,
    /// Server status flags.
    pub status: StatusFlags,
}

impl EofPacket {
    /// Parses an EOF payload (0xFE header, at most 8 bytes; older servers send only the header).
    pub fn parse(payload: &[u8]) -> Result<EofPacket> {
        let mut r = Reader::new(payload);
        if r.u8()? != 0xfe || payload.len() >= 9 {
            return Err(Error::protocol("malformed EOF packet"));
        }
        if r.is_empty() {
            return Ok(EofPacket::default());
        }
        Ok(EofPacket {
            warnings: r.u16()?,
            status: StatusFlags(r.u16()?),
        })
    }

    /// Encodes the packet (used by the test server).
    pub fn encode(&self, out: &mut Vec<u8>) {
        Writer::new(out)
            .u8(0xfe)
            .u16(self.warnings)
            .u16(self.status.0);
    }
}
