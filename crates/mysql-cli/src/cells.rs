//! How many screen cells a value takes, counted as the `mariadb` client counts them when it
//! pads table cells (its `numcells` for utf8mb4), so that `--table` output is byte-identical:
//!
//! - a valid UTF-8 sequence (overlong forms and code points above U+10FFFF are invalid, UTF-16
//!   surrogates are accepted) takes 2 cells when its code point is in one of the East Asian wide
//!   ranges below, else 1 (control characters included);
//! - every byte of an invalid sequence takes 0 cells (the client skips it byte by byte).
//!
//! The wide ranges were read off the real client (MariaDB 10.11) for every code point, by the
//! padding it gives each one in a table; the tests below pin values measured the same way.

/// The wide (2-cell) ranges of the Basic Multilingual Plane and the ideographic planes.
const WIDE: [(u32, u32); 30] = [
    (0x1100, 0x1159),
    (0x115f, 0x115f),
    (0x2329, 0x232a),
    (0x2e80, 0x2e99),
    (0x2e9b, 0x2ef3),
    (0x2f00, 0x2fd5),
    (0x2ff0, 0x2ffb),
    (0x3000, 0x303e),
    (0x3041, 0x3096),
    (0x3099, 0x30ff),
    (0x3105, 0x312c),
    (0x3131, 0x318e),
    (0x3190, 0x31b7),
    (0x31f0, 0x321e),
    (0x3220, 0x3243),
    (0x3250, 0x327d),
    (0x327f, 0x32fe),
    (0x3300, 0x4db5),
    (0x4e00, 0x9fa5),
    (0xa000, 0xa48c),
    (0xa490, 0xa4c6),
    (0xac00, 0xd7a3),
    (0xf900, 0xfa2d),
    (0xfa30, 0xfa6a),
    (0xfe30, 0xfe52),
    (0xfe54, 0xfe66),
    (0xfe68, 0xfe6b),
    (0xff01, 0xff60),
    (0xffe0, 0xffe6),
    (0x20000, 0x3fffd),
];

/// The cells `bytes` take on the screen, as the mariadb client counts them.
pub fn cells(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        match decode(&bytes[i..]) {
            Some((cp, len)) => {
                n += width(cp);
                i += len;
            }
            None => i += 1,
        }
    }
    n
}

fn width(cp: u32) -> usize {
    let wide = WIDE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok();
    if wide {
        2
    } else {
        1
    }
}

/// The code point at the start of `b` and its length, or `None` for an invalid sequence.
fn decode(b: &[u8]) -> Option<(u32, usize)> {
    let cont = |i: usize| {
        b.get(i)
            .filter(|&&c| c & 0xc0 == 0x80)
            .map(|&c| u32::from(c & 0x3f))
    };
    let c = u32::from(b[0]);
    match b[0] {
        0x00..=0x7f => Some((c, 1)),
        0xc2..=0xdf => Some(((c & 0x1f) << 6 | cont(1)?, 2)),
        0xe0..=0xef => {
            if b[0] == 0xe0 && b.get(1).is_some_and(|&x| x < 0xa0) {
                return None;
            }
            Some(((c & 0x0f) << 12 | cont(1)? << 6 | cont(2)?, 3))
        }
        0xf0..=0xf4 => {
            let second = *b.get(1)?;
            if (b[0] == 0xf0 && second < 0x90) || (b[0] == 0xf4 && second > 0x8f) {
                return None;
            }
            Some((
                (c & 0x07) << 18 | cont(1)? << 12 | cont(2)? << 6 | cont(3)?,
                4,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::cells;

    /// Values measured with `mariadb --table` (MariaDB 10.11): the padding it gives each value in
    /// a 40-byte column.
    #[test]
    fn counts_like_the_mariadb_client() {
        for (bytes, n) in [
            (&b"a"[..], 1),
            (b"\x00", 1),
            (b"\t", 1),
            (b"\x7f", 1),
            ("é".as_bytes(), 1),
            ("日本語".as_bytes(), 6),
            ("😀".as_bytes(), 1),
            ("\u{20000}".as_bytes(), 2),
            ("\u{3fffd}".as_bytes(), 2),
            ("\u{3fffe}".as_bytes(), 1),
            ("\u{1100}\u{115a}\u{115f}".as_bytes(), 5),
            ("\u{ffe6}\u{ffe7}\u{ff00}".as_bytes(), 4),
            (b"\xff", 0),
            (b"\xc3", 0),
            (b"\xe6\x97", 0),
            (b"\xe6a", 1),
            (b"\xc0\x80", 0),
            (b"\xe0\x9f\xbf", 0),
            (b"\xf0\x80\x80\x80", 0),
            (b"\xf4\x90\x80\x80", 0),
            (b"\xf8\x88\x80\x80\x80", 0),
            (b"\xf0\x9f\x98a", 1),
            (b"\xed\xa0\x80", 1),
            (b"\xef\xbf\xbf", 1),
            (b"\x00\x09\x0a\x5c\x0d\x41\xff", 6),
        ] {
            assert_eq!(cells(bytes), n, "{bytes:02x?}");
        }
    }
}
