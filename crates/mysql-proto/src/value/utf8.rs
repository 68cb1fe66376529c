//! UTF-8 validation of string values, the single largest per-value cost of decoding rows with
//! string columns.
//!
//! Values under 256 bytes (names, codes, decimal and date text, short texts) are nearly always
//! ASCII: they are tested a word at a time, 32 bytes per step, inline in the row loop (about 35
//! instructions for 27 bytes, against about 125 for `std::str::from_utf8`; `simdutf8` takes
//! about 80 for 100 bytes; `<[u8]>::is_ascii` instead cost the e2e benchmark's text rows about
//! 190 instructions more a row, on 2026-12-03), and converted without a second pass. Longer values, and short ones
//! with a byte of 0x80 or more, are validated in full by `simdutf8` (SIMD where the CPU has it,
//! the standard library's validator otherwise).
//!
//! This is the crate's only `unsafe`: [`str_from_utf8`] converts a slice it has just proven to be
//! ASCII. Exercised by the unit tests below (every length 0..=80 with a high byte at every
//! position) and by the `rows`, `text_row` and `binary_row` fuzz targets, which decode string
//! values through it (run under AddressSanitizer: `fuzz/README.md`).

/// Values shorter than this take the ASCII test first.
const SHORT: usize = 256;

/// `b` as `&str` when it is valid UTF-8, `None` otherwise. Same result as
/// `std::str::from_utf8(b).ok()`, faster on the short ASCII values rows are made of.
#[inline(always)]
#[allow(unsafe_code)]
pub fn str_from_utf8(b: &[u8]) -> Option<&str> {
    if b.len() < SHORT && is_ascii(b) {
        // SAFETY: `is_ascii(b)` proved every byte of `b` is below 0x80; a sequence of ASCII
        // bytes is valid UTF-8 (each byte is a one-byte code point), which is the only
        // precondition of `from_utf8_unchecked`. The returned `&str` borrows `b` with the
        // same lifetime, so no aliasing or lifetime rule changes.
        return Some(unsafe { std::str::from_utf8_unchecked(b) });
    }
    simdutf8::basic::from_utf8(b).ok()
}

/// Whether every byte of `b` is below 0x80, testing four words (32 bytes) per step, then the
/// last 32 bytes; shorter values in two to four words (or bytes): the first and last words may
/// overlap, which is harmless for an OR of high bits.
#[inline(always)]
fn is_ascii(b: &[u8]) -> bool {
    const HIGH64: u64 = 0x8080_8080_8080_8080;
    let n = b.len();
    if n >= 32 {
        let tail = &b[n - 32..];
        let mut acc = word64(tail) | word64(&tail[8..]) | word64(&tail[16..]) | word64(&tail[24..]);
        for chunk in b.chunks_exact(32) {
            acc |=
                word64(chunk) | word64(&chunk[8..]) | word64(&chunk[16..]) | word64(&chunk[24..]);
        }
        acc & HIGH64 == 0
    } else if n >= 16 {
        (word64(b) | word64(&b[8..]) | word64(&b[n - 16..]) | word64(&b[n - 8..])) & HIGH64 == 0
    } else if n >= 8 {
        (word64(b) | word64(&b[n - 8..])) & HIGH64 == 0
    } else if n >= 4 {
        (word32(b) | word32(&b[n - 4..])) & 0x8080_8080 == 0
    } else {
        b.iter().fold(0u8, |acc, &x| acc | x) < 0x80
    }
}

/// The first 8 bytes of `b` (at least 8 long) as a little-endian integer.
#[inline(always)]
fn word64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The first 4 bytes of `b` (at least 4 long) as a little-endian integer.
#[inline(always)]
fn word32(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u32::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_at_every_length_and_position() {
        for len in 0..=300usize {
            let ascii: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert_eq!(
                str_from_utf8(&ascii),
                std::str::from_utf8(&ascii).ok(),
                "{len}"
            );
            assert!(is_ascii(&ascii), "{len}");
            for pos in 0..len {
                // A lone high byte (invalid), and a valid 2-byte sequence where it fits.
                let mut bad = ascii.clone();
                bad[pos] = 0x80 | (pos as u8 & 0x3f);
                assert!(!is_ascii(&bad), "{len} {pos}");
                assert_eq!(str_from_utf8(&bad), None, "{len} {pos}");
                if pos + 1 < len {
                    let mut good = ascii.clone();
                    good[pos..pos + 2].copy_from_slice("é".as_bytes());
                    assert_eq!(str_from_utf8(&good), std::str::from_utf8(&good).ok());
                    assert!(str_from_utf8(&good).is_some(), "{len} {pos}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_std_on_random_bytes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 70) as usize;
            // Mostly ASCII with an occasional high byte, so both outcomes are common.
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    let r = seed.rotate_left(i as u32 * 7);
                    if r % 61 == 0 {
                        0x80 | (r >> 8) as u8
                    } else {
                        (r >> 16) as u8 & 0x7f
                    }
                })
                .collect();
            assert_eq!(str_from_utf8(&bytes), std::str::from_utf8(&bytes).ok());
        }
    }
}
