#!/usr/bin/env bash
# Runs, on loopback, the clusters the multi-host tests need (never the system service):
# a 3-node MariaDB Galera cluster (galera-4, rsync state transfer) and a primary with a GTID
# replica (MariaDB replication).
#
#   scripts/cluster.sh start [galera|replication]  install what is missing, initialise, start
#                                                  (both when no part is named; idempotent)
#   scripts/cluster.sh stop                        stop every node
#   scripts/cluster.sh kill NODE                   kill -9 a node (g1 g2 g3 primary replica)
#   scripts/cluster.sh restart NODE                start a stopped or killed node again (a
#                                                  Galera node rejoins and catches up)
#   scripts/cluster.sh status                      each node: up or down (Galera: its state)
#   scripts/cluster.sh url galera|primary|replica  the URL the tests use
#   scripts/cluster.sh sql NODE SQL                run SQL on a node as root
#
# Everything lives under target/cluster/NODE/: datadir, socket, log. Ports (127.0.0.1 only):
# Galera nodes g1 g2 g3 SQL 3311-3313, group communication 4571-4573, IST 4581-4583, SST
# 4591-4593; primary 3321, replica 3322. User rs_native / native_pw everywhere.
# The Galera timeouts are shortened so that a killed node is evicted within about a second.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${MYSQL_CLUSTER_DIR:-$ROOT/target/cluster}
PATH=$PATH:/usr/sbin:/usr/local/sbin
USER_SQL="CREATE USER IF NOT EXISTS 'rs_native'@'%' IDENTIFIED BY 'native_pw';
CREATE USER IF NOT EXISTS 'rs_native'@'localhost' IDENTIFIED BY 'native_pw';
GRANT ALL ON *.* TO 'rs_native'@'%' WITH GRANT OPTION;
GRANT ALL ON *.* TO 'rs_native'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS test;"

port() {
    case $1 in
    g1) echo 3311 ;; g2) echo 3312 ;; g3) echo 3313 ;;
    primary) echo 3321 ;; replica) echo 3322 ;;
    *) echo "cluster: unknown node $1" >&2; exit 2 ;;
    esac
}

sock() { echo "$DIR/$1/mysqld.sock"; }
admin() { local n=$1; shift; mariadb --no-defaults --protocol=socket --socket="$(sock "$n")" -uroot "$@"; }
alive() { [ -S "$(sock "$1")" ] && mariadb-admin --no-defaults --socket="$(sock "$1")" -uroot ping >/dev/null 2>&1; }
pid_of() { cat "$DIR/$1/mysqld.pid" 2>/dev/null || true; }

install() {
    local need=()
    command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server mariadb-client)
    [ -f /usr/lib/galera/libgalera_smm.so ] || need+=(galera-4)
    command -v rsync >/dev/null 2>&1 || need+=(rsync)
    command -v lsof >/dev/null 2>&1 || need+=(lsof)
    [ ${#need[@]} -eq 0 ] && return
    echo "cluster: installing ${need[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q "${need[@]}" >/dev/null
}

# Galera nodes run as the `mysql` user: as root, the rsync daemon of a state transfer would drop
# to `nobody` and could not write the joiner's datadir.
run_as() { case $1 in g*) echo mysql ;; *) echo root ;; esac; }

init_datadir() {
    local d=$DIR/$1/data user
    user=$(run_as "$1")
    [ -d "$d/mysql" ] && return
    rm -rf "$d"
    mkdir -p "$DIR/$1"
    if [ "$user" != root ]; then
        chown "$user:$user" "$DIR/$1"
        if ! runuser -u "$user" -- test -w "$DIR/$1"; then
            echo "cluster: user $user cannot reach $DIR; set MYSQL_CLUSTER_DIR to a directory it can" >&2
            exit 1
        fi
    fi
    mariadb-install-db --no-defaults --datadir="$d" --user="$user" \
        --auth-root-authentication-method=normal >"$DIR/$1/install.log" 2>&1 ||
        { cat "$DIR/$1/install.log" >&2; exit 1; }
    chown -R "$user:$user" "$DIR/$1"
}

common_args() {
    local n=$1
    echo --no-defaults --datadir="$DIR/$n/data" --user="$(run_as "$n")" --bind-address=127.0.0.1 \
        --port="$(port "$n")" --socket="$(sock "$n")" --pid-file="$DIR/$n/mysqld.pid" \
        --log-error="$DIR/$n/error.log" --innodb-buffer-pool-size=32M \
        --innodb-log-file-size=16M --max-connections=300 --character-set-server=utf8mb4
}

galera_args() {
    local n=$1 i=${1#g}
    local opts="gmcast.listen_addr=tcp://127.0.0.1:457$i;ist.recv_addr=127.0.0.1:458$i"
    opts="$opts;evs.suspect_timeout=PT1S;evs.inactive_timeout=PT2S;evs.keepalive_period=PT0.2S"
    opts="$opts;evs.inactive_check_period=PT0.3S;evs.install_timeout=PT2S;gmcast.peer_timeout=PT1S"
    opts="$opts;pc.announce_timeout=PT1S;gcache.size=64M"
    echo --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
        --wsrep-cluster-name=rs_galera --wsrep-node-name="$n" \
        --wsrep-cluster-address=gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573 \
        --wsrep-node-address=127.0.0.1:457"$i" --wsrep-node-incoming-address=127.0.0.1:"$(port "$n")" \
        --wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:459"$i" \
        --wsrep-provider-options="$opts" \
        --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2
}

# Starts node $1 with extra arguments; waits until it answers (and, on Galera, is synced).
launch() {
    local n=$1; shift
    rm -f "$(sock "$n")"
    # setsid: the server must outlive the shell that started it.
    # shellcheck disable=SC2046
    setsid mariadbd $(common_args "$n") "$@" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 600); do
        alive "$n" && break
        sleep 0.1
    done
    if ! alive "$n"; then
        echo "cluster: $n did not start; log follows" >&2
        tail -n 40 "$DIR/$n/error.log" >&2 || true
        exit 1
    fi
    case $n in
    g*)
        for _ in $(seq 1 600); do
            [ "$(galera_state "$n")" = Synced ] && return
            sleep 0.1
        done
        echo "cluster: $n did not reach Synced ($(galera_state "$n")); log follows" >&2
        tail -n 40 "$DIR/$n/error.log" >&2
        exit 1
        ;;
    esac
}

# mariadb-install-db's anonymous accounts would shadow user@'%' for local clients.
drop_anonymous() {
    admin "$1" -e "SET SESSION sql_log_bin = 0; DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;"
}

galera_state() {
    admin "$1" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2
}

start_galera() {
    for n in g1 g2 g3; do init_datadir "$n"; done
    if ! alive g1 && ! alive g2 && ! alive g3; then
        # Bootstrap from g1: it may bootstrap even if it was not the last to leave.
        sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$DIR/g1/data/grastate.dat" 2>/dev/null || true
        # shellcheck disable=SC2046
        launch g1 $(galera_args g1) --wsrep-new-cluster
        drop_anonymous g1
        echo "$USER_SQL" | admin g1
    fi
    for n in g1 g2 g3; do
        # shellcheck disable=SC2046
        alive "$n" || launch "$n" $(galera_args "$n")
    done
}

start_replication() {
    init_datadir primary
    init_datadir replica
    if ! alive primary; then
        launch primary --server-id=21 --log-bin=mysql-bin --binlog-format=ROW --gtid-strict-mode=ON
        drop_anonymous primary
        echo "$USER_SQL
CREATE USER IF NOT EXISTS 'rs_repl'@'%' IDENTIFIED BY 'repl_pw';
GRANT REPLICATION SLAVE ON *.* TO 'rs_repl'@'%';" | admin primary
    fi
    if ! alive replica; then
        launch replica --server-id=22 --log-bin=mysql-bin --binlog-format=ROW --read-only=ON \
            --gtid-strict-mode=ON --log-slave-updates=ON
        drop_anonymous replica
        if ! admin replica -N -e "SHOW SLAVE STATUS" | grep -q .; then
            admin replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(port primary),
                MASTER_USER='rs_repl', MASTER_PASSWORD='repl_pw', MASTER_USE_GTID=slave_pos,
                MASTER_CONNECT_RETRY=1;"
        fi
        admin replica -e "START SLAVE"
        # The users arrive through replication: wait for them.
        for _ in $(seq 1 300); do
            admin replica -N -e "SELECT COUNT(*) FROM mysql.global_priv WHERE User = 'rs_native'" |
                grep -qv '^0$' && return
            sleep 0.1
        done
        echo "cluster: the replica did not catch up" >&2
        admin replica -e "SHOW SLAVE STATUS\G" >&2
        exit 1
    fi
}

stop_node() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

url() {
    case $1 in
    galera) echo "mysql://rs_native:native_pw@127.0.0.1:3311,127.0.0.1:3312,127.0.0.1:3313/test" ;;
    primary | replica | g1 | g2 | g3) echo "mysql://rs_native:native_pw@127.0.0.1:$(port "$1")/test" ;;
    *) echo "usage: $0 url galera|primary|replica|g1|g2|g3" >&2; exit 2 ;;
    esac
}

case "${1:-}" in
start)
    install
    mkdir -p "$DIR"
    case "${2:-all}" in
    galera) start_galera ;;
    replication) start_replication ;;
    all) start_galera; start_replication ;;
    *) echo "usage: $0 start [galera|replication]" >&2; exit 2 ;;
    esac
    echo "cluster: up" >&2
    ;;
stop)
    # Galera: stop the nodes one by one, g1 last (it may then bootstrap the next start).
    for n in replica primary g3 g2 g1; do stop_node "$n"; done
    ;;
kill)
    pid=$(pid_of "${2:?node}")
    [ -n "$pid" ] && kill -9 "$pid"
    ;;
restart)
    n=${2:?node}
    stop_node "$n"
    case $n in
    g*)
        # A node killed with -9 does not know where it stopped: recover its position from
        # InnoDB first (as mysqld_safe does), so that it rejoins by IST, not a full SST.
        # shellcheck disable=SC2046
        runuser -u mysql -- mariadbd $(common_args "$n") $(galera_args "$n") --wsrep-recover \
            --log-error="$DIR/$n/recover.log" >/dev/null 2>&1 || true
        pos=$(grep -o 'Recovered position: .*' "$DIR/$n/recover.log" | tail -n 1 | awk '{print $NF}')
        # shellcheck disable=SC2046
        launch "$n" $(galera_args "$n") ${pos:+--wsrep-start-position=$pos}
        ;;
    primary) launch primary --server-id=21 --log-bin=mysql-bin --binlog-format=ROW --gtid-strict-mode=ON ;;
    replica)
        launch replica --server-id=22 --log-bin=mysql-bin --binlog-format=ROW --read-only=ON \
            --gtid-strict-mode=ON --log-slave-updates=ON
        ;;
    esac
    ;;
status)
    for n in g1 g2 g3 primary replica; do
        if alive "$n"; then
            case $n in g*) echo "$n up $(galera_state "$n")" ;; *) echo "$n up" ;; esac
        else
            echo "$n down"
        fi
    done
    ;;
url) url "${2:?galera|primary|replica}" ;;
sql) n=${2:?node}; shift 2; admin "$n" -e "$*" ;;
*) echo "usage: $0 start|stop|kill NODE|restart NODE|status|url WHICH|sql NODE SQL" >&2; exit 2 ;;
esac
