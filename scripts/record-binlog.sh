#!/usr/bin/env bash
# Records the binlog fixture of the core's tests (crates/mysql-proto/tests/data/binlog-events.bin)
# from the project's test server: runs the statements below with binlog_row_metadata NO_LOG (the
# default) and then FULL (a global setting: put back to NO_LOG after), and copies the events they wrote, byte for byte, from the server's log file,
# after the file's FORMAT_DESCRIPTION. Needs scripts/test-server.sh start.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${MYSQL_TEST_DIR:-$ROOT/target/test-server}
OUT=$ROOT/crates/mysql-proto/tests/data/binlog-events.bin
sql() { mariadb --no-defaults --protocol=socket --socket="$DIR/mysqld.sock" -uroot -N -B test -e "$1"; }

sql "FLUSH BINARY LOGS"
read -r FILE START _ < <(sql "SHOW MASTER STATUS")
sql "SET GLOBAL binlog_row_metadata = NO_LOG; SET time_zone = '+00:00';
CREATE OR REPLACE TABLE binlog_fixture (id INT PRIMARY KEY, ti TINYINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, bi BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(12,3), dec2 DECIMAL(30,10),
  dt DATE, dtm DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), y YEAR, vc VARCHAR(300),
  ch CHAR(255), bin VARBINARY(10), tx TEXT, e ENUM('red','green','blue'), st SET('a','b','c'),
  b BIT(12), n INT NULL);
INSERT INTO binlog_fixture VALUES (1, -5, 65535, -8388608, 18000000000000000000, 1.5, -2.25,
  -123456789.125, 12345678901234567890.0123456789, '2024-02-29', '2023-12-31 23:59:58.123456',
  '2001-09-09 01:46:40.250', '-838:59:58.99', 2155, REPEAT('v', 300), 'char', x'00ff10',
  'text é', 'blue', 'a,c', b'101000000001', NULL);
UPDATE binlog_fixture SET n = 7, vc = 'short' WHERE id = 1;
SET GLOBAL binlog_row_metadata = FULL;
DELETE FROM binlog_fixture WHERE id = 1;
DROP TABLE binlog_fixture;
SET GLOBAL binlog_row_metadata = NO_LOG;"
read -r _ END _ < <(sql "SHOW MASTER STATUS")

python3 - "$DIR/data/$FILE" "$START" "$END" "$OUT" <<'PY'
import struct, sys
log, start, end, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(log, 'rb').read()
assert data[:4] == b'\xfebin', 'not a binlog file'
def event_at(pos):
    size = struct.unpack_from('<I', data, pos + 9)[0]
    return data[pos:pos + size]
fde = event_at(4)
assert fde[4] == 15, 'the first event is not a FORMAT_DESCRIPTION'
events, pos = [fde], start
while pos < end:
    e = event_at(pos)
    events.append(e)
    pos += len(e)
open(out, 'wb').write(b''.join(events))
print(f'{out}: {len(events)} events, {sum(map(len, events))} bytes from {log}')
PY
