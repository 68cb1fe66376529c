//! Decimal digits as servers send them in text values, read eight at a time: the integers,
//! `DOUBLE`s and `DECIMAL`s of text rows (a result set of numbers spends most of its decoding
//! time here).

/// A number spelled `-?digits[.digits]`, its digits read as one integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlainNumber {
    /// A leading `-`.
    pub negative: bool,
    /// The integer all the digits make, the point ignored (`12.50`: 1250).
    pub digits: u64,
    /// How many digits there are (1 to 19).
    pub count: usize,
    /// How many of them follow the point (`12.50`: 2).
    pub fraction: usize,
}

/// Reads `-?digits[.digits]` with 1 to 19 digits (so that they fit a `u64`); `None` for
/// anything else: no digit, more than 19, another character, a second point.
#[inline(always)]
pub(crate) fn plain_number(b: &[u8]) -> Option<PlainNumber> {
    let (negative, all) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    let (digits, rest) = leading_digits(all, 0);
    let whole = all.len() - rest.len();
    let (digits, fraction) = match rest {
        [] => (digits, 0),
        [b'.', tail @ ..] => match leading_digits(tail, digits) {
            (digits, []) => (digits, tail.len()),
            _ => return None,
        },
        _ => return None,
    };
    let count = whole + fraction;
    // At most 19 digits: `digits` did not wrap.
    (1..=19).contains(&count).then_some(PlainNumber {
        negative,
        digits,
        count,
        fraction,
    })
}

/// Appends the decimal digits `s` starts with to `w` (wrapping: the caller bounds how many),
/// eight at a time while it can; returns the new `w` and what follows the digits.
#[inline(always)]
pub(crate) fn leading_digits(mut s: &[u8], mut w: u64) -> (u64, &[u8]) {
    while let Some((eight, tail)) = s.split_first_chunk::<8>() {
        let v = u64::from_le_bytes(*eight);
        if !eight_digits(v) {
            break;
        }
        w = w
            .wrapping_mul(100_000_000)
            .wrapping_add(eight_digits_value(v));
        s = tail;
    }
    while let [c, tail @ ..] = s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        w = w.wrapping_mul(10).wrapping_add(d as u64);
        s = tail;
    }
    (w, s)
}

/// Whether the eight bytes of `v` (little-endian) are all ASCII digits: each byte's high
/// nibble is 3, and adding 6 does not carry into it.
#[inline(always)]
fn eight_digits(v: u64) -> bool {
    let high = v & 0xF0F0_F0F0_F0F0_F0F0;
    let carried = v.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0;
    high | (carried >> 4) == 0x3333_3333_3333_3333
}

/// The value of eight ASCII digits (the first in the lowest byte of `v`), in three steps of
/// lanes working in parallel: each byte pair's low byte becomes its two-digit number, then
/// two multiplications place the four pairs at 10^6, 10^4, 10^2 and 1 in the upper half.
#[inline(always)]
fn eight_digits_value(v: u64) -> u64 {
    let v = v.wrapping_sub(0x3030_3030_3030_3030);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let pairs_0_2 = v & 0x0000_00FF_0000_00FF;
    let pairs_1_3 = (v >> 16) & 0x0000_00FF_0000_00FF;
    (pairs_0_2
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(pairs_1_3.wrapping_mul(1 + (10_000 << 32))))
        >> 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_at_once() {
        for s in ["00000000", "12345678", "99999999", "10000001", "07060504"] {
            let v = u64::from_le_bytes(s.as_bytes().try_into().unwrap());
            assert!(eight_digits(v), "{s}");
            assert_eq!(eight_digits_value(v), s.parse::<u64>().unwrap(), "{s}");
        }
        for s in [
            "1234567/",
            "1234567:",
            "a2345678",
            "1234 678",
            "\x00\x00\x00\x00\x00\x00\x00\x00",
        ] {
            let v = u64::from_le_bytes(s.as_bytes()[..8].try_into().unwrap());
            assert!(!eight_digits(v), "{s}");
        }
    }

    #[test]
    fn plain_numbers() {
        let n = |negative, digits, count, fraction| {
            Some(PlainNumber {
                negative,
                digits,
                count,
                fraction,
            })
        };
        assert_eq!(plain_number(b"12.50"), n(false, 1250, 4, 2));
        assert_eq!(plain_number(b"-0.000001"), n(true, 1, 7, 6));
        assert_eq!(
            plain_number(b"1234567890123456789"),
            n(false, 1234567890123456789, 19, 0)
        );
        assert_eq!(
            plain_number(b"12345678.12345678"),
            n(false, 1234567812345678, 16, 8)
        );
        assert_eq!(plain_number(b"7."), n(false, 7, 1, 0));
        assert_eq!(plain_number(b".5"), n(false, 5, 1, 1));
        for bad in [
            &b""[..],
            b"-",
            b".",
            b"-.",
            b"1.2.3",
            b"1e5",
            b"+1",
            b" 1",
            b"1 ",
            b"--1",
            b"12345678901234567890",
            b"1234567890.1234567890",
            b"1234567a",
        ] {
            assert_eq!(
                plain_number(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
