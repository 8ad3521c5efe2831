#!/usr/bin/env bash
# Builds the benchmark suite (preset "default", RelWithDebInfo) and runs it. Writes bench-results/BENCHMARKS.md and
# bench-results/benchmarks.json; the databases go to bench-results/ too (the disk being measured) and are removed.
#   scripts/bench.sh                 the full suite (about 5-10 minutes on 2 cores)
#   scripts/bench.sh --quick         small sizes, a smoke run (about a minute)
#   scripts/bench.sh --only B1,B4    some figures (B11,B12: PostgreSQL; B20,B21: MariaDB); any other qd_bench option
#                                    passes through
#                                    (qd_bench --help)
#   QD_BENCH_BUILD_DIR=build-x scripts/bench.sh   build in that directory instead of the preset's build/
# The GUI figures (B7-B9) run in qd_bench_ui, which qd_bench starts once per repetition on the offscreen platform.
# B7, B9 and B10 share a 1,000,000-task database that is built once (about a minute) and cached in bench-results/.
# B11 and B12 (PostgreSQL) run on a throwaway server this script starts in bench-results/pg-server (Unix socket
# only, fsync ON, unlike the tests' server) and stops at exit; without the server binaries they are reported as
# skipped. QD_BENCH_PG_URL=postgresql:///db?host=...&user=... uses an existing server instead (it must allow
# CREATE SCHEMA; the figures create and drop schemas named qd_bench_*).
# B20 and B21 (the same on MariaDB) run on a throwaway mariadbd this script starts in bench-results/mariadb-server
# (Unix socket only, the server's defaults: innodb_flush_log_at_trx_commit=1, a log flush per commit, unlike the
# tests' server) and stops at exit, through its pid file; without mariadbd they are reported as skipped.
# QD_BENCH_MARIADB_URL=mariadb://user@localhost/db?socket=... uses an existing server instead (the user must be
# allowed to create and drop databases named qd_bench_*).
# B4's peer, B16 (RabbitMQ in) and B19 (out) run on a throwaway broker started by scripts/rabbitmq-test-server.sh in
# bench-results/amqp-server (loopback, port QD_BENCH_AMQP_PORT or 35500, its own node name and epmd) and stopped at
# exit; without rabbitmq-server it is reported as skipped. QD_BENCH_AMQP_URL=amqp://... uses an existing broker.
# Run it on an otherwise idle machine: every figure is a ratio against a baseline measured in the same run, which
# absorbs slow drift, but not another program's bursts. The load average is recorded in the results.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${QD_BENCH_SKIP_DEPS:-0}" != 1 && -x scripts/install-deps.sh ]]; then
    scripts/install-deps.sh
fi
build="${QD_BENCH_BUILD_DIR:-build}"
if [[ -n "${QD_BENCH_BUILD_DIR:-}" ]]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUEUEDESK_BUILD_BENCHMARKS=ON >/dev/null
else
    cmake --preset default -DQUEUEDESK_BUILD_BENCHMARKS=ON >/dev/null
fi
# Only the benchmarks and what they link (qd_bench depends on qd_bench_ui): not the app or the tests. -j2: the
# machine may be shared.
cmake --build "$build" --target qd_bench -j "${QD_BENCH_JOBS:-2}"
mkdir -p bench-results

# PostgreSQL for B11/B12/B26, only when they are wanted (no --only, or an --only naming one of them).
only=""; out_dir="bench-results"; prev=""
for arg in "$@"; do
    case "$arg" in --only=*) only="${arg#--only=}" ;; --out=*) out_dir="${arg#--out=}" ;; esac
    if [[ "$prev" == --only ]]; then only="$arg"; fi
    if [[ "$prev" == --out ]]; then out_dir="$arg"; fi
    prev="$arg"
done
pg_args=()
pg_dir=""
amqp_dir=""
mariadb_dir=""
stop_servers() {
    stop_pg
    stop_mariadb
    if [[ -n "$amqp_dir" ]]; then scripts/rabbitmq-test-server.sh stop "$amqp_dir" || true; fi
}
stop_pg() {
    if [[ -n "$pg_dir" && -f "$pg_dir/data/postmaster.pid" ]]; then
        pg_as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null || true
    fi
    if [[ -n "$pg_dir" ]]; then rm -rf "$pg_dir"; fi
}
stop_mariadb() {
    if [[ -n "$mariadb_dir" && -f "$mariadb_dir/mariadb.pid" ]]; then
        local pid
        pid=$(cat "$mariadb_dir/mariadb.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [[ -n "$mariadb_dir" ]]; then rm -rf "$mariadb_dir"; fi
}
pg_as_owner() { if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ -z "$only" ]] || grep -qiE '(^|,)(B1[12]|B26)($|,)' <<<"$only"; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [[ -n "${QD_BENCH_PG_URL:-}" ]]; then
        pg_args=(--pg-url "$QD_BENCH_PG_URL")
    elif [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" ]]; then
        reason="no PostgreSQL server binaries under /usr/lib/postgresql (scripts/install-deps.sh installs them)"
        echo "B11/B12 skipped: $reason" >&2
        pg_args=(--pg-unavailable "$reason.")
    else
        # The same recipe as scripts/pg-test-server.sh (which the tests use, with fsync off), but durable:
        # fsync and synchronous_commit on, as a production server runs. On the disk being measured.
        pg_dir="$PWD/bench-results/pg-server"
        pg_port="${QD_BENCH_PG_PORT:-55432}"
        stop_pg
        trap stop_servers EXIT
        mkdir -p "$pg_dir"
        [[ "$(id -u)" -eq 0 ]] && chown postgres:postgres "$pg_dir"
        pg_as_owner "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync -E UTF8 >"$pg_dir/initdb.log"
        pg_opts="-c listen_addresses='' -k $pg_dir -p $pg_port -c fsync=on -c synchronous_commit=on"
        pg_as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
            -o "$pg_opts -c max_connections=100" start >/dev/null
        pg_as_owner "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -qc "CREATE DATABASE queuedesk_bench" postgres
        echo "$("$pg_bin/postgres" --version) for B11/B12 (fsync on): $pg_dir, port $pg_port"
        pg_args=(--pg-url "postgresql:///queuedesk_bench?host=$pg_dir&port=$pg_port&user=postgres")
    fi
fi
# MariaDB for B20/B21/B26, only when wanted.
mariadb_args=()
if [[ -z "$only" ]] || grep -qiE '(^|,)B2[016]($|,)' <<<"$only"; then
    mariadbd_bin=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null || true)
    if [[ -n "${QD_BENCH_MARIADB_URL:-}" ]]; then
        mariadb_args=(--mariadb-url "$QD_BENCH_MARIADB_URL")
    elif [[ -z "$mariadbd_bin" ]] || ! command -v mariadb-install-db >/dev/null; then
        reason="no mariadbd (scripts/install-deps.sh installs mariadb-server)"
        echo "B20/B21 skipped: $reason" >&2
        mariadb_args=(--mariadb-unavailable "$reason.")
    else
        # As scripts/mariadb-test-server.sh, but durable: the server's own defaults (a log flush per commit, 128 MiB
        # buffer pool, no binary log). On the disk being measured.
        mariadb_dir="$PWD/bench-results/mariadb-server"
        stop_mariadb
        trap stop_servers EXIT
        mkdir -p "$mariadb_dir"
        mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$mariadb_dir/data" \
            --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve >"$mariadb_dir/install.log" 2>&1
        setsid "$mariadbd_bin" --no-defaults --user="$(id -un)" --datadir="$mariadb_dir/data" --skip-networking \
            --socket="$mariadb_dir/mysql.sock" --pid-file="$mariadb_dir/mariadb.pid" --log-error="$mariadb_dir/error.log" \
            --skip-name-resolve --max-connections=200 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
            </dev/null >"$mariadb_dir/stdout.log" 2>&1 &
        for _ in $(seq 1 300); do
            mariadb-admin --no-defaults -uroot --socket="$mariadb_dir/mysql.sock" ping >/dev/null 2>&1 && break
            sleep 0.1
        done
        mariadb --no-defaults -uroot --socket="$mariadb_dir/mysql.sock" -e "CREATE DATABASE queuedesk_bench"
        echo "$("$mariadbd_bin" --version | cut -d' ' -f1-4) for B20/B21 (a log flush per commit): $mariadb_dir"
        mariadb_args=(--mariadb-url "mariadb://root@localhost/queuedesk_bench?socket=$mariadb_dir/mysql.sock")
    fi
fi
# RabbitMQ for B4's peer, B16 and B19, only when wanted.
amqp_args=()
if [[ -z "$only" ]] || grep -qiE '(^|,)B(4|16|19)($|,)' <<<"$only"; then
    if [[ -n "${QD_BENCH_AMQP_URL:-}" ]]; then
        amqp_args=(--amqp-url "$QD_BENCH_AMQP_URL")
    elif [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
        reason="no rabbitmq-server (scripts/install-deps.sh installs it)"
        echo "B4's peer, B16 and B19 skipped: $reason" >&2
        amqp_args=(--amqp-unavailable "$reason.")
    else
        amqp_dir="$PWD/bench-results/amqp-server"
        amqp_port="${QD_BENCH_AMQP_PORT:-35500}"
        trap stop_servers EXIT
        scripts/rabbitmq-test-server.sh start "$amqp_dir" "$amqp_port" >/dev/null
        echo "RabbitMQ for B4, B16 and B19: $amqp_dir, port $amqp_port"
        amqp_args=(--amqp-url "amqp://guest:guest@127.0.0.1:$amqp_port/")
    fi
fi
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build"/bench/qd_bench --out bench-results --scratch bench-results --commit "$commit" \
    --command "scripts/bench.sh${*:+ $*}" ${pg_args[@]+"${pg_args[@]}"} ${mariadb_args[@]+"${mariadb_args[@]}"} \
    ${amqp_args[@]+"${amqp_args[@]}"} "$@"
echo
cat "$out_dir/BENCHMARKS.md"
