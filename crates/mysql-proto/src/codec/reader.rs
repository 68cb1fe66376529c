//! [`Reader`]: a cursor over a packet payload whose every read is bounds-checked.
//!
//! Every length read from the wire goes through this type, so a short or lying packet
//! becomes [`ErrorKind::Protocol`](crate::ErrorKind::Protocol), never a panic.

use crate::error::{Error, Result};

/// A cursor over a payload. All reads fail with a protocol error when the payload is too short.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// The current offset from the start of the payload.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next byte without consuming it.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Takes `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(short(n, self.remaining()));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes everything left (`string<EOF>`).
    #[inline]
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// `int<1>`.
    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// `int<2>`, little-endian.
    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// `int<3>`, little-endian.
    #[inline]
    pub fn u24(&mut self) -> Result<u32> {
        let b = self.take(3)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], 0]))
    }

    /// `int<4>`, little-endian.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `int<8>`, little-endian.
    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// `int<lenenc>`. Fails on `0xFB` (NULL marker) and `0xFF` (ERR marker), which are not integers.
    #[inline]
    pub fn lenenc_int(&mut self) -> Result<u64> {
        match self.u8()? {
            b @ 0..=0xfa => Ok(b as u64),
            0xfc => Ok(self.u16()? as u64),
            0xfd => Ok(self.u24()? as u64),
            0xfe => self.u64(),
            b => Err(Error::protocol(format!(
                "invalid length-encoded integer prefix 0x{b:02x}"
            ))),
        }
    }

    /// `string<lenenc>`: a length-encoded length, then that many bytes (checked against the payload).
    #[inline]
    pub fn lenenc_bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.lenenc_int()?;
        if n > self.remaining() as u64 {
            return Err(Error::protocol(format!(
                "length-encoded string of {n} bytes but only {} left in the packet",
                self.remaining()
            )));
        }
        self.take(n as usize)
    }

    /// `string<NUL>`: bytes up to a 0x00, which is consumed and not returned.
    pub fn nul_bytes(&mut self) -> Result<&'a [u8]> {
        let rest = &self.buf[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(i) => {
                self.pos += i + 1;
                Ok(&rest[..i])
            }
            None => Err(Error::protocol("NUL-terminated string without its NUL")),
        }
    }

    /// `string<NUL>`, tolerating a missing terminator at the end of the payload
    /// (MySQL 5.5.8 sends the auth plugin name that way).
    pub fn nul_bytes_or_rest(&mut self) -> &'a [u8] {
        let rest = &self.buf[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(i) => {
                self.pos += i + 1;
                &rest[..i]
            }
            None => self.rest(),
        }
    }

    /// Fails unless the whole payload was read.
    pub fn finish(&self, what: &str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::protocol(format!(
                "{} trailing bytes after {what}",
                self.remaining()
            )))
        }
    }
}

#[cold]
#[inline(never)]
fn short(wanted: usize, left: usize) -> Error {
    Error::protocol(format!(
        "packet too short: needed {wanted} more bytes, {left} left"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenenc_ints_of_every_width() {
        let cases: &[(&[u8], u64)] = &[
            (&[0x00], 0),
            (&[0xfa], 250),
            (&[0xfc, 0xfb, 0x00], 251),
            (&[0xfc, 0xff, 0xff], 0xffff),
            (&[0xfd, 0x00, 0x00, 0x01], 0x10000),
            (&[0xfe, 1, 2, 3, 4, 5, 6, 7, 8], 0x0807060504030201),
        ];
        for (bytes, want) in cases {
            let mut r = Reader::new(bytes);
            assert_eq!(r.lenenc_int().unwrap(), *want, "{bytes:02x?}");
            assert!(r.is_empty());
        }
    }

    #[test]
    fn lenenc_int_rejects_markers_and_truncation() {
        for bad in [
            &[0xfb][..],
            &[0xff],
            &[0xfc, 1],
            &[0xfd, 1, 2],
            &[0xfe, 1, 2, 3],
            &[],
        ] {
            let e = Reader::new(bad).lenenc_int().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Protocol, "{bad:02x?}");
        }
    }

    #[test]
    fn lenenc_string_length_checked_against_packet() {
        assert_eq!(
            Reader::new(&[3, b'a', b'b', b'c']).lenenc_bytes().unwrap(),
            b"abc"
        );
        // Claims 2^64-1 bytes: must be an error, not an allocation or a panic.
        let huge = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, b'x'];
        assert!(Reader::new(&huge).lenenc_bytes().is_err());
        assert!(Reader::new(&[4, b'a']).lenenc_bytes().is_err());
    }

    #[test]
    fn nul_strings() {
        let mut r = Reader::new(b"abc\0def");
        assert_eq!(r.nul_bytes().unwrap(), b"abc");
        assert!(r.clone().nul_bytes().is_err());
        assert_eq!(r.nul_bytes_or_rest(), b"def");
        assert!(r.finish("x").is_ok());
    }
}
