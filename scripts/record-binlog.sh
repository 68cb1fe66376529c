#!/usr/bin/env bash
# Records the binlog fixture of the core's tests (crates/mysql-proto/tests/data/binlog-events.bin)
# from the project's test server: runs the fixture's statements (create, insert and update with
# binlog_row_metadata NO_LOG, the default; the delete with FULL, a global setting put back
# after), and copies the events they wrote, byte for byte, from the server's log file, after
# the file's FORMAT_DESCRIPTION. Needs scripts/test-server.sh start.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${MYSQL_TEST_DIR:-$ROOT/target/test-server}
OUT=$ROOT/crates/mysql-proto/tests/data/binlog-events.bin
sql() { mariadb --no-defaults --protocol=socket --socket="$DIR/mysqld.sock" -uroot -N -B test -e "$1"; }

sql "FLUSH BINARY LOGS"
read -r FILE START _ < <(sql "SHOW MASTER STATUS")
# The table and its row, as the tests expect them (mysql_proto::testing::binlog_fixture).
mapfile -t STMT < <(cd "$ROOT" && cargo run -q -p mysql-proto --example binlog_fixture_sql)
[ "${#STMT[@]}" = 4 ] || { echo "expected 4 statements" >&2; exit 1; }
sql "SET GLOBAL binlog_row_metadata = NO_LOG; SET time_zone = '+00:00';
${STMT[0]} ${STMT[1]} ${STMT[2]}
SET GLOBAL binlog_row_metadata = FULL;
${STMT[3]} DROP TABLE binlog_fixture;
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
