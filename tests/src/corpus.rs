//! The corpus of every column type with edge values (database `rs_corpus`), shared by the
//! tests that compare output with the real `mariadb` client and the JSON mapping tests.

use std::sync::OnceLock;

use crate::{blocking, url};

/// The corpus database.
pub const DB: &str = "rs_corpus";

/// Creates the corpus database (every column type with edge values) once per test process,
/// and only when it is missing or was made from other setup SQL: test processes running in
/// parallel (cargo-nextest) take a server lock around it, so none drops the database under
/// another.
pub fn setup() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut c = blocking(&url());
        let version = SETUP.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        c.query_drop("DO GET_LOCK('rs_corpus_setup', 120)")
            .expect("corpus lock");
        let made: Option<u64> = c
            .query_first(format!("SELECT version FROM {DB}.corpus_version"))
            .unwrap_or(None);
        if made != Some(version) {
            c.query_drop(SETUP.replace("{DB}", DB))
                .expect("corpus setup");
            c.query_drop(format!(
                "CREATE TABLE {DB}.corpus_version (version BIGINT UNSIGNED);
                 INSERT INTO {DB}.corpus_version VALUES ({version})"
            ))
            .expect("corpus version");
        }
        c.query_drop("DO RELEASE_LOCK('rs_corpus_setup')")
            .expect("corpus unlock");
    });
}

pub const SETUP: &str = r#"
SET SESSION sql_mode = '';
DROP DATABASE IF EXISTS {DB};
CREATE DATABASE {DB} CHARACTER SET utf8mb4;
USE {DB};
CREATE TABLE ints (
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
  mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED, zf INT(6) ZEROFILL, b BOOL);
INSERT INTO ints VALUES
  (-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, FALSE),
  (127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
   9223372036854775807, 18446744073709551615, 42, TRUE),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE nums (
  d DECIMAL(65,30), d2 DECIMAL(10,2), f FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), b9 BIT(9), y YEAR);
INSERT INTO nums VALUES
  ('99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99,
   3.40282e38, -1.7976931348623157e308, b'1', 0xFFFFFFFFFFFFFFFF, b'100000001', 2155),
  ('-99999999999999999999999999999999999.999999999999999999999999999999', 0.01,
   -1.17549e-38, 2.2250738585072014e-308, b'0', 0, b'1', 1901),
  (0, 0, 0, -0.0, 0, 1, 0, 0),
  (0.000000000000000000000000000001, 1.5, 1.5, 0.1, NULL, 0x0102030405060708, 9, 2000),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE times (
  t TIME, t6 TIME(6), d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL);
INSERT INTO times VALUES
  ('-838:59:59', '838:59:59.000000', '1000-01-01', '1000-01-01 00:00:00',
   '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999'),
  ('00:00:00', '-00:00:01.5', '0000-00-00', '0000-00-00 00:00:00',
   '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', NULL),
  ('25:00:00', '100:00:00.123456', '2024-02-29', '2024-02-29 12:34:56',
   '2024-02-29 12:34:56.000001', '2024-02-29 12:34:56', '2024-02-29 12:34:56.5'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE strs (
  vc VARCHAR(100) CHARACTER SET utf8mb4, l1 VARCHAR(100) CHARACTER SET latin1, c CHAR(10),
  bin VARBINARY(100), bl BLOB, tx TEXT, e ENUM('a', 'b', 'c d'), s SET('x', 'y', 'z'),
  j JSON, u UUID, ip INET6, g GEOMETRY);
INSERT INTO strs VALUES
  ('héllo wörld 😀 日本語', 'café ñ', 'abc', X'00090A5C0D41FF', X'00', 'multi\nline\ttab\\back',
   'c d', 'x,z', '{"a": [1, 2.5, "x"], "b": null}', '123e4567-e89b-12d3-a456-426614174000',
   '2001:db8::1', ST_GeomFromText('POINT(1 2)')),
  ('', '', '', '', '', '', 'a', '', '[]', '00000000-0000-0000-0000-000000000000',
   '::ffff:1.2.3.4', ST_GeomFromText('LINESTRING(0 0, 1 1, 2 5)')),
  ('tab\there', 'nl\nhere', 'bs\\', X'5C30', X'0A0D09', 'NULL', 'b', 'x,y,z', '"str"',
   'ffffffff-ffff-ffff-ffff-ffffffffffff', '::', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40), n INT, x DOUBLE);
INSERT INTO big SELECT seq, CONCAT('row-', seq, REPEAT('.', seq % 17)),
  IF(seq % 10 = 0, NULL, seq * 7), seq / 3 FROM seq_1_to_50000;
CREATE TABLE huge (id INT, b LONGBLOB);
INSERT INTO huge SELECT 1, CONCAT(REPEAT('ab', 8500000), X'000A09');
CREATE PROCEDURE multi() BEGIN
  SELECT 1 AS one;
  SELECT * FROM ints;
  SELECT 'x' AS empty FROM DUAL WHERE 0;
  SELECT 2 AS two, 'second' AS label;
END;
CREATE PROCEDURE failing() BEGIN
  SELECT 1 AS before_error;
  SELECT * FROM no_such_table;
END;
"#;
