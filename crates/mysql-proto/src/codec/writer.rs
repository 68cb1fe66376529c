//! [`Writer`]: appends protocol fields to a caller-owned `Vec<u8>`.

/// Appends fields to a `Vec<u8>`; writing cannot fail.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `buf`.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Writer { buf }
    }

    /// `int<1>`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// `int<2>`.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// `int<3>` (the upper byte of `v` is dropped).
    pub fn u24(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes()[..3]);
        self
    }

    /// `int<4>`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// `int<8>`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Raw bytes (`string<fix>` / `string<EOF>`).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// `n` zero bytes (fillers).
    pub fn zeros(&mut self, n: usize) -> &mut Self {
        self.buf.resize(self.buf.len() + n, 0);
        self
    }

    /// `int<lenenc>` in its shortest form.
    pub fn lenenc_int(&mut self, v: u64) -> &mut Self {
        match v {
            0..=250 => self.u8(v as u8),
            251..=0xffff => self.u8(0xfc).u16(v as u16),
            0x1_0000..=0xff_ffff => self.u8(0xfd).u24(v as u32),
            _ => self.u8(0xfe).u64(v),
        }
    }

    /// `string<lenenc>`.
    pub fn lenenc_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.lenenc_int(b.len() as u64).bytes(b)
    }

    /// `string<NUL>` (the caller guarantees `b` has no 0x00).
    pub fn nul_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.bytes(b).u8(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Reader;

    #[test]
    fn lenenc_round_trip_at_every_boundary() {
        for v in [
            0u64,
            250,
            251,
            0xffff,
            0x1_0000,
            0xff_ffff,
            0x100_0000,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            Writer::new(&mut buf).lenenc_int(v);
            let expected_len = match v {
                0..=250 => 1,
                251..=0xffff => 3,
                0x1_0000..=0xff_ffff => 4,
                _ => 9,
            };
            assert_eq!(buf.len(), expected_len, "{v}");
            let mut r = Reader::new(&buf);
            assert_eq!(r.lenenc_int().unwrap(), v);
            assert!(r.is_empty());
        }
    }
}
