#!/usr/bin/env bash
# A throwaway MariaDB server for the tests (a ctest fixture runs it; see tests/CMakeLists.txt).
#   scripts/mariadb-test-server.sh start DIR PORT   creates a data directory in DIR and starts mariadbd on DIR/mysql.sock
#   scripts/mariadb-test-server.sh restart DIR      restarts it on the same data (tests of reconnection); with
#                                                   QD_SERVER_DOWN_SECONDS=N it prints "down" once stopped, N s down
#   scripts/mariadb-test-server.sh start-tls DIR PORT   the same, also on 127.0.0.1:PORT with TLS, its certificates
#                                                   made by scripts/test-certs.sh in DIR/tls; user qd@127.0.0.1 (no
#                                                   password) may do anything. A restart with QD_SERVER_TLS=off
#                                                   starts it on that port without TLS.
#   scripts/mariadb-test-server.sh stop DIR         stops it (through its pid file) and deletes DIR
# Without start-tls the server listens on no TCP port (PORT is only recorded, for a restart); root connects through
# the socket with no password. It runs as root with --user=root (CI containers run as root), or as the calling user otherwise.
set -euo pipefail
action="$1"; dir="$2"; port="${3:-13306}"
for tool in mariadbd mariadb-install-db mariadb-admin; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "$tool not found (scripts/install-deps.sh installs mariadb-server)" >&2
    exit 1
  fi
done
PATH="$PATH:/usr/sbin"
user=$(id -un)

# Sizes for a test server sharing two cores: small buffers, no fsync per commit (the data is thrown away).
start_server() {
  local network=(--skip-networking)
  if [ -d "$dir/tls" ]; then
    network=(--bind-address=127.0.0.1 --port="$(cat "$dir/port")")
    [ "${QD_SERVER_TLS:-on}" = off ] ||
      network+=(--ssl-ca="$dir/tls/ca.pem" --ssl-cert="$dir/tls/server.pem" --ssl-key="$dir/tls/server.key")
  fi
  setsid mariadbd --no-defaults --user="$user" --datadir="$dir/data" "${network[@]}" --socket="$dir/mysql.sock" \
    --pid-file="$dir/mariadb.pid" --log-error="$dir/error.log" --skip-name-resolve --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=32M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=300 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
    </dev/null >"$dir/stdout.log" 2>&1 &
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults -uroot --socket="$dir/mysql.sock" ping >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "mariadbd did not start; its log:" >&2
  cat "$dir/error.log" >&2 || true
  return 1
}

stop_server() {
  [ -f "$dir/mariadb.pid" ] || return 0
  local pid
  pid=$(cat "$dir/mariadb.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

case "$action" in
  start|start-tls)
    stop_server 2>/dev/null || true
    rm -rf "$dir"; mkdir -p "$dir"
    echo "$port" >"$dir/port"
    [ "$action" = start-tls ] && "$(dirname "$0")/test-certs.sh" "$dir/tls"
    mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" --auth-root-authentication-method=socket \
      --skip-test-db --skip-name-resolve >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
    start_server
    mariadb --no-defaults -uroot --socket="$dir/mysql.sock" -e "CREATE DATABASE queuedesk_test CHARACTER SET utf8mb4"
    if [ "$action" = start-tls ]; then
      mariadb --no-defaults -uroot --socket="$dir/mysql.sock" \
        -e "CREATE USER qd@'127.0.0.1'; GRANT ALL ON *.* TO qd@'127.0.0.1'"
      echo "MariaDB over TLS: mariadb://qd@127.0.0.1:$port/queuedesk_test?sslmode=verify-full&sslrootcert=$dir/tls/ca.pem"
    fi
    echo "MariaDB for the tests: mariadb://root@localhost/queuedesk_test?socket=$dir/mysql.sock"
    ;;
  restart)
    stop_server
    if [ -n "${QD_SERVER_DOWN_SECONDS:-}" ]; then echo down; sleep "$QD_SERVER_DOWN_SECONDS"; fi
    start_server
    ;;
  stop)
    stop_server
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|start-tls|restart|stop DIR [PORT]" >&2; exit 2 ;;
esac
