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

use super::digits::plain_number;

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
    let n = plain_number(b)?;
    if n.digits > 1 << 53 || n.fraction >= POW10.len() {
        return None;
    }
    let v = n.digits as f64 / POW10[n.fraction];
    Some(if n.negative { -v } else { v })
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
