-- The tables of the end-to-end benchmark (loaded by run.py into the test database).
-- `big`: 200,000 rows of 8 columns; `ins`: the empty target of insert_batch.
DROP TABLE IF EXISTS big;
CREATE TABLE big (
  id INT PRIMARY KEY,
  b BIGINT NOT NULL,
  s VARCHAR(40) NOT NULL,
  d DOUBLE NOT NULL,
  dt DATETIME(6) NOT NULL,
  dc DECIMAL(12,2) NOT NULL,
  t TEXT NOT NULL,
  n INT NULL
) ENGINE=InnoDB;
INSERT INTO big
SELECT CAST(seq AS SIGNED),
       CAST(seq AS SIGNED) * 1000003 - 100000000000,
       CONCAT('name-', seq, '-', LEFT(MD5(seq), 20)),
       seq / 7 + 0.125,
       TIMESTAMP('2020-01-01 00:00:00') + INTERVAL seq * 37 SECOND + INTERVAL (seq * 7919) % 1000000 MICROSECOND,
       ((seq * 7) % 100000000) / 100 - 5000.0,
       CONCAT(REPEAT(MD5(seq), 3), 'tail'),
       IF(seq % 3 = 0, NULL, seq % 1000)
FROM seq_1_to_200000;
DROP TABLE IF EXISTS ins;
CREATE TABLE ins LIKE big;
ANALYZE TABLE big;
