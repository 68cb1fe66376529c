//! Collation ids of the handshake (one byte: ids up to 255), by name, and each character set's
//! default collation, for the `charset` and `collation` options.
//!
//! Values: MariaDB 10.11 `information_schema.COLLATIONS` and MySQL 8.0's `utf8mb4_0900_ai_ci`.
//! Strings are decoded as UTF-8: with a character set other than `utf8mb4` / `utf8mb3` /
//! `ascii`, read text columns as bytes (`Vec<u8>`), not `String`.

/// `(name, id)` of the collations the options accept by name.
pub const COLLATIONS: &[(&str, u8)] = &[
    ("big5_chinese_ci", 1),
    ("latin1_swedish_ci", 8),
    ("ascii_general_ci", 11),
    ("utf8mb3_general_ci", 33),
    ("utf8_general_ci", 33),
    ("utf8mb4_general_ci", 45),
    ("utf8mb4_bin", 46),
    ("latin1_bin", 47),
    ("latin1_general_ci", 48),
    ("binary", 63),
    ("ascii_bin", 65),
    ("utf8mb3_bin", 83),
    ("utf8_bin", 83),
    ("utf8mb3_unicode_ci", 192),
    ("utf8_unicode_ci", 192),
    ("utf8mb4_unicode_ci", 224),
    ("utf8mb4_unicode_520_ci", 246),
    ("utf8mb4_0900_ai_ci", 255),
];

/// `(character set, its default collation's id)`.
pub const CHARSETS: &[(&str, u8)] = &[
    ("big5", 1),
    ("latin1", 8),
    ("ascii", 11),
    ("utf8mb3", 33),
    ("utf8", 33),
    ("utf8mb4", 45),
    ("binary", 63),
];

/// The id of collation `name` (case-insensitive), or `None` for one not in [`COLLATIONS`].
pub fn collation_id(name: &str) -> Option<u8> {
    COLLATIONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}

/// The default collation id of character set `name` (case-insensitive).
pub fn charset_collation_id(name: &str) -> Option<u8> {
    CHARSETS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}
