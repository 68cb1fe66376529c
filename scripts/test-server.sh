#!/usr/bin/env bash
# Manages the project's private MariaDB test server (never the system service).
#
#   scripts/test-server.sh start    install MariaDB if missing, initialise, start (idempotent)
#   scripts/test-server.sh stop     stop it
#   scripts/test-server.sh status   exit 0 when it answers
#   scripts/test-server.sh url      print the main test URL (TCP)
#   scripts/test-server.sh urls     print every URL and file the tests use
#
# Everything lives under target/test-server/: datadir, TLS files, socket, logs.
# TCP 127.0.0.1:${MYSQL_TEST_PORT:-3307}, Unix socket target/test-server/mysqld.sock, TLS on,
# max_allowed_packet=64M, binary log on (GTIDs for last_gtid), ed25519 plugin loaded, database `test`, one user per auth plugin.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${MYSQL_TEST_DIR:-$ROOT/target/test-server}
PORT=${MYSQL_TEST_PORT:-3307}
DATA=$DIR/data
SOCK=$DIR/mysqld.sock
PID=$DIR/mysqld.pid
LOG=$DIR/error.log
TLS=$DIR/tls
PATH=$PATH:/usr/sbin:/usr/local/sbin

# Users: name, plugin, password. The main URL uses rs_native.
NATIVE_USER=rs_native NATIVE_PW=native_pw
ED_USER=rs_ed25519 ED_PW=ed_pw

url() { echo "mysql://$NATIVE_USER:$NATIVE_PW@127.0.0.1:$PORT/test"; }

urls() {
    echo "MYSQL_URL=$(url)"
    echo "MYSQL_SOCKET_URL=mysql://$NATIVE_USER:$NATIVE_PW@localhost/test?socket=$SOCK"
    echo "MYSQL_ED25519_URL=mysql://$ED_USER:$ED_PW@127.0.0.1:$PORT/test"
    echo "MYSQL_NOPW_URL=mysql://rs_nopw@127.0.0.1:$PORT/test"
    echo "MYSQL_SSL_URL=mysql://rs_ssl:ssl_pw@127.0.0.1:$PORT/test"
    echo "MYSQL_X509_URL=mysql://rs_x509:x509_pw@127.0.0.1:$PORT/test"
    echo "MYSQL_SOCKET=$SOCK"
    echo "MYSQL_PORT=$PORT"
    echo "MYSQL_TLS_CA=$TLS/ca.pem"
    echo "MYSQL_TLS_WRONG_CA=$TLS/wrong-ca.pem"
    echo "MYSQL_TLS_CLIENT_CERT=$TLS/client-cert.pem"
    echo "MYSQL_TLS_CLIENT_KEY=$TLS/client-key.pem"
}

admin() { mariadb --no-defaults --protocol=socket --socket="$SOCK" -uroot "$@"; }

alive() { [ -S "$SOCK" ] && mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1; }

install() {
    if command -v mariadbd >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1; then return; fi
    echo "test-server: installing MariaDB (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q mariadb-server mariadb-client >/dev/null
}

make_tls() {
    mkdir -p "$TLS"
    if [ ! -f "$TLS/wrong-ca.pem" ]; then
        # A CA that signed nothing here: VERIFY_CA with it must fail.
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mysql-rs wrong CA" \
            -keyout "$TLS/wrong-ca-key.pem" -out "$TLS/wrong-ca.pem" 2>/dev/null
    fi
    [ -f "$TLS/server-cert.pem" ] && return
    mkdir -p "$TLS"
    (
        cd "$TLS"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mysql-rs test CA" \
            -keyout ca-key.pem -out ca.pem 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' >server.ext
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout server-key.pem -out server.csr 2>/dev/null
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile server.ext -out server-cert.pem 2>/dev/null
        # X.509 v3 (with extensions): rustls and webpki accept no v1 certificates.
        printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >client.ext
        openssl req -newkey rsa:2048 -nodes -subj "/CN=mysql-rs test client" \
            -keyout client-key.pem -out client.csr 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
            -extfile client.ext -out client-cert.pem 2>/dev/null
        rm -f ./*.csr server.ext client.ext
    )
}

setup_sql() {
    cat <<SQL
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4;
ALTER DATABASE test CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$NATIVE_USER'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$NATIVE_PW');
CREATE USER IF NOT EXISTS '$NATIVE_USER'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$NATIVE_PW');
CREATE USER IF NOT EXISTS '$ED_USER'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('$ED_PW');
CREATE USER IF NOT EXISTS 'rs_nopw'@'%';
CREATE USER IF NOT EXISTS 'rs_ssl'@'%' IDENTIFIED BY 'ssl_pw' REQUIRE SSL;
CREATE USER IF NOT EXISTS 'rs_x509'@'%' IDENTIFIED BY 'x509_pw' REQUIRE X509;
GRANT ALL ON *.* TO '$NATIVE_USER'@'%' WITH GRANT OPTION;
GRANT ALL ON *.* TO '$NATIVE_USER'@'localhost' WITH GRANT OPTION;
GRANT ALL ON test.* TO '$ED_USER'@'%';
GRANT ALL ON test.* TO 'rs_nopw'@'%';
GRANT ALL ON test.* TO 'rs_ssl'@'%';
GRANT ALL ON test.* TO 'rs_x509'@'%';
SQL
}

start() {
    mkdir -p "$DIR"
    if alive; then make_tls; return; fi
    install
    make_tls
    if [ ! -d "$DATA/mysql" ]; then
        rm -rf "$DATA"
        mariadb-install-db --no-defaults --datadir="$DATA" --user=root \
            --auth-root-authentication-method=normal >"$DIR/install.log" 2>&1 ||
            { cat "$DIR/install.log" >&2; exit 1; }
    fi
    rm -f "$SOCK"
    # setsid: the server must outlive the shell that started it.
    setsid mariadbd --no-defaults --datadir="$DATA" --user=root \
        --port="$PORT" --bind-address=127.0.0.1 --socket="$SOCK" --pid-file="$PID" \
        --log-error="$LOG" --plugin-load-add=auth_ed25519 \
        --ssl-ca="$TLS/ca.pem" --ssl-cert="$TLS/server-cert.pem" --ssl-key="$TLS/server-key.pem" \
        --max-allowed-packet=64M --max-connections=500 \
        --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
        --log-bin=mysql-bin --server-id=1 --binlog-format=ROW --expire-logs-days=1 \
        </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
        if alive; then break; fi
        sleep 0.1
    done
    if ! alive; then
        echo "test-server: mariadbd did not start; log follows" >&2
        tail -n 30 "$LOG" >&2 || true
        exit 1
    fi
    setup_sql | admin
}

stop() {
    if [ -f "$PID" ]; then
        kill "$(cat "$PID")" 2>/dev/null || true
        for _ in $(seq 1 100); do
            [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

case "${1:-}" in
start) start; echo "test-server: up at $(url)" >&2 ;;
stop) stop ;;
status) alive && echo "test-server: running ($(url))" ;;
url) url ;;
urls) urls ;;
*) echo "usage: $0 start|stop|status|url|urls" >&2; exit 2 ;;
esac
