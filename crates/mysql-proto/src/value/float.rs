//! The text form of `DOUBLE` and `FLOAT` values, parsed: the server sends them in decimal
//! (`0.267857142`, `-1.5e300`), and a text result of floating-point columns spends most of its
//! decoding time here.
//!
//! [`parse_f64`] gives exactly what `str::parse::<f64>` gives (the correctly rounded value);
//! for the common spelling it gets there without the standard parser: at most 19 decimal digits
//! with a point and no exponent, whose digits make an integer `w` of at most 2^53 and whose
//! fraction has at most 22 digits. Then `w` and `10^fraction_digits` are both exact `f64`s,
//! and one IEEE division of exact operands is correctly rounded (Clinger's fast path).
//! Anything else goes to the standard parser.

/// The powers of ten that are exact `f64`s (10^22 is the last).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a floating-point column's text form as `str::parse::<f64>` does (same values, same
/// rejections); `None` when it is not a number.
#[inline(never)]
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    match fast(b) {
        Some(v) => Some(v),
        None => std_f64(b),
    }
}

/// The fast path (see the module docs): `-?digits[.digits]`, `None` for anything else.
#[inline(always)]
fn fast(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    // At most 19 digits (checked below), so `w` cannot have overflowed then.
    let (w, rest) = leading_digits(digits, 0);
    let whole = digits.len() - rest.len();
    let (w, fraction) = match rest {
        [] => (w, 0),
        [b'.', tail @ ..] => match leading_digits(tail, w) {
            (w, []) => (w, tail.len()),
            _ => return None,
        },
        _ => return None,
    };
    let count = whole + fraction;
    if count == 0 || count > 19 || w > 1 << 53 || fraction >= POW10.len() {
        return None;
    }
    let v = w as f64 / POW10[fraction];
    Some(if negative { -v } else { v })
}

/// Appends the decimal digits `s` starts with to `w` (wrapping: the caller bounds how many),
/// eight at a time while it can; returns the new `w` and what follows the digits.
#[inline(always)]
fn leading_digits(mut s: &[u8], mut w: u64) -> (u64, &[u8]) {
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

/// The standard parser, out of line (it is large and rarely needed).
#[inline(never)]
fn std_f64(b: &[u8]) -> Option<f64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let want = s.parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(parse_f64(s.as_bytes()).map(f64::to_bits), want, "{s:?}");
    }

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
    fn agrees_with_the_standard_parser() {
        for s in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.5",
            "-1.5",
            "0.267857142",
            "28571.553571428",
            "9007199254740992",
            "9007199254740993",
            "1234567890123456789",
            "12345678901234567890",
            "0.1",
            "0.2",
            "0.30000000000000004",
            "1e300",
            "-1.5e300",
            "1E-7",
            "inf",
            "-inf",
            "NaN",
            "nan",
            "1.",
            ".5",
            ".",
            "-",
            "",
            "+1",
            "1..2",
            "1.2.3",
            "--1",
            "1-",
            " 1",
            "1 ",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "123456789.0123456789",
            "4.9406564584124654e-324",
            "1.7976931348623157e308",
            "00000000000000000000001.5",
        ] {
            same(s);
        }
    }

    /// Spellings of up to 20 characters from digits, points, `e` and a sign, and integers up
    /// to just past 2^53 with a point anywhere: the same bits as the standard parser, or both
    /// rejecting it.
    #[test]
    fn agrees_on_random_spellings() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..200_000 {
            let len = 1 + next(20) as usize;
            let s: String = (0..len)
                .map(|i| match next(24) {
                    0 => '.',
                    1 if i == 0 => '-',
                    2 => 'e',
                    _ => (b'0' + next(10) as u8) as char,
                })
                .collect();
            same(&s);
            // And the fast path's edge: up to 2^53, the point anywhere.
            let w = next((1 << 53) + 2).to_string();
            let at = next(w.len() as u64 + 1) as usize;
            same(&format!("{}.{}", &w[..at], &w[at..]));
        }
    }
}
