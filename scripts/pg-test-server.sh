#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (a ctest fixture runs it; see tests/CMakeLists.txt).
#   scripts/pg-test-server.sh start DIR PORT   creates a cluster in DIR and starts it on a Unix socket in DIR
#   scripts/pg-test-server.sh restart DIR       restarts it (tests of reconnection); with QD_SERVER_DOWN_SECONDS=N
#                                               it prints "down" once stopped and stays down N seconds
#   scripts/pg-test-server.sh start-tls DIR PORT   the same, also on 127.0.0.1:PORT with ssl=on, its certificates
#                                               made by scripts/test-certs.sh in DIR/tls (ssl settings go in
#                                               postgresql.conf, so a test may change them by ALTER SYSTEM and reload)
#   scripts/pg-test-server.sh stop DIR         stops it and deletes DIR
# Without start-tls the server listens on no TCP port. initdb refuses to run as root, so as root the cluster belongs to `postgres`.
set -euo pipefail
action="$1"; dir="$2"; port="${3:-54329}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/install-deps.sh installs them)" >&2
  exit 1
fi
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start|start-tls)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop || true; fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log"
    if [ "$action" = start-tls ]; then
      "$(dirname "$0")/test-certs.sh" "$dir/tls"
      [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir/tls"
      printf "listen_addresses = '127.0.0.1'\nssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" \
        "$dir/tls/server.pem" "$dir/tls/server.key" >>"$dir/data/postgresql.conf"
      echo "-k $dir -p $port -c fsync=off -c max_connections=50" >"$dir/options"
    else
      echo "-c listen_addresses='' -k $dir -p $port -c fsync=off -c max_connections=200" >"$dir/options"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -qc "CREATE DATABASE queuedesk_test" postgres
    echo "PostgreSQL for the tests: postgresql:///queuedesk_test?host=$dir&port=$port&user=postgres"
    ;;
  restart)
    if [ -n "${QD_SERVER_DOWN_SECONDS:-}" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
      echo down
      sleep "$QD_SERVER_DOWN_SECONDS"
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null
    else
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 restart >/dev/null
    fi
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|start-tls|restart|stop DIR [PORT]" >&2; exit 2 ;;
esac
