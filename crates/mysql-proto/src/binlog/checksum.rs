//! The CRC32 that ends every binlog event when `binlog_checksum = CRC32` (the default of MySQL
//! 5.6.6+ and MariaDB 10.2+): the IEEE 802.3 polynomial, as zlib's `crc32`, over the event's
//! header and body, stored little-endian in its last four bytes.

use crate::error::{Error, Result};

/// The length of the checksum at the end of an event.
pub const LEN: usize = 4;

/// Checks the CRC32 ending `event` and returns where the event's body ends (before it).
/// Fails with a protocol error when the event is too short to hold one or it does not match.
///
/// A FORMAT_DESCRIPTION is summed with its `LOG_EVENT_BINLOG_IN_USE_F` flag clear: the server
/// sets the flag in the file it is writing and clears it when it closes the file, without
/// summing the event again.
pub fn verify(event: &[u8]) -> Result<usize> {
    let Some(end) = event.len().checked_sub(LEN) else {
        return Err(Error::protocol("binlog event too short for its checksum"));
    };
    let stored = u32::from_le_bytes(event[end..].try_into().expect("four bytes"));
    let computed = if end > FLAGS_AT && event[4] == FORMAT_DESCRIPTION {
        let flags = [event[FLAGS_AT] & !BINLOG_IN_USE];
        let crc = update(!0, &event[..FLAGS_AT]);
        let crc = update(crc, &flags);
        !update(crc, &event[FLAGS_AT + 1..end])
    } else {
        crc32(&event[..end])
    };
    if stored != computed {
        return Err(Error::protocol(format!(
            "binlog event checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
        )));
    }
    Ok(end)
}

/// Where the low byte of the header's flags is, the type code of FORMAT_DESCRIPTION, and its
/// flag `LOG_EVENT_BINLOG_IN_USE_F`.
const FLAGS_AT: usize = 17;
const FORMAT_DESCRIPTION: u8 = 15;
const BINLOG_IN_USE: u8 = 1;

/// CRC-32/ISO-HDLC (zlib's) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    !update(!0, bytes)
}

/// The running (not yet inverted) CRC after `bytes`.
fn update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

/// The byte-at-a-time table of the reflected polynomial 0xEDB88320.
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value_of_the_standard() {
        // The "check" value of CRC-32/ISO-HDLC: the CRC of "123456789".
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn a_flipped_bit_or_a_short_event_is_refused() {
        let mut e = b"some event bytes".to_vec();
        e.extend_from_slice(&crc32(&e).to_le_bytes());
        assert_eq!(verify(&e).unwrap(), e.len() - 4);
        e[3] ^= 0x10;
        assert!(verify(&e).unwrap_err().to_string().contains("mismatch"));
        assert!(verify(&[1, 2, 3]).is_err());
    }
}
