#!/usr/bin/env bash
# A throwaway RabbitMQ server for the tests (a ctest fixture runs it; see tests/CMakeLists.txt). It listens on
# 127.0.0.1 only, with its own node name, ports and epmd, and everything it writes lives in DIR.
#   scripts/rabbitmq-test-server.sh start DIR PORT   a fresh server in DIR: AMQP on PORT, distribution on PORT+1000,
#                                                    its epmd on PORT+2000, AMQP over TLS on PORT+3000 (DIR/tls);
#                                                    guest/guest works
#   scripts/rabbitmq-test-server.sh halt DIR         stops the broker only (DIR, its queues and epmd stay)
#   scripts/rabbitmq-test-server.sh resume DIR       starts the broker again on DIR (durable queues come back)
#   scripts/rabbitmq-test-server.sh stop DIR         stops broker and epmd and deletes DIR
# Processes are stopped through their pid files only, never by name: a system rabbitmq may run beside it.
set -euo pipefail
action="$1"; dir="$2"
server=/usr/lib/rabbitmq/bin/rabbitmq-server
if [ ! -x "$server" ]; then
  echo "rabbitmq-server not found at $server (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

# Waits until the pid in file $1 has exited (up to $2 tenths of a second), then KILLs it.
stop_pid() {
  local file="$1" tenths="$2" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq "$tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

start_broker() {
  local port; port=$(cat "$dir/port")
  HOME="$dir/home" ERL_EPMD_PORT=$((port + 2000)) RABBITMQ_NODENAME="qdtest$port@localhost" \
  RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
  RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
  RABBITMQ_DIST_PORT=$((port + 1000)) \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}" \
    setsid "$server" >>"$dir/stdout.log" 2>&1 </dev/null &
  # Ready when the AMQP port accepts a connection (the listener opens last, after the boot steps).
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "RabbitMQ for the tests: amqp://guest:guest@127.0.0.1:$port/"
      return 0
    fi
    sleep 0.1
  done
  echo "RabbitMQ did not start within 60 s; its output:" >&2
  tail -n 30 "$dir/stdout.log" >&2
  return 1
}

case "$action" in
  start)
    port="${3:-35672}"
    if [ -d "$dir" ]; then "$0" stop "$dir"; fi
    mkdir -p "$dir/home" "$dir/log"
    echo "$port" >"$dir/port"
    echo '[].' >"$dir/enabled_plugins"
    printf 'listeners.tcp.1 = 127.0.0.1:%s\nloopback_users = none\n' "$port" >"$dir/rabbitmq.conf"
    # TLS on PORT+3000 for the amqps:// tests: a CA of its own (tls/ca.pem) signs the server's certificate for
    # localhost; tls/other-ca.pem is a CA that signed nothing (a client trusting it must refuse the server).
    tls="$dir/tls"; mkdir -p "$tls"
    ossl() { openssl "$@" >/dev/null 2>&1; }
    ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=qdtest-ca -keyout "$tls/ca.key" -out "$tls/ca.pem"
    ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=qdtest-other-ca -keyout "$tls/other-ca.key" \
      -out "$tls/other-ca.pem"
    ossl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$tls/server.key" -out "$tls/server.csr"
    printf 'subjectAltName = DNS:localhost\n' >"$tls/san.ext"
    ossl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
      -extfile "$tls/san.ext" -out "$tls/server.pem"
    if [ -s "$tls/server.pem" ]; then
      chmod 644 "$tls"/*
      printf 'listeners.ssl.1 = 127.0.0.1:%s\nssl_options.cacertfile = %s\nssl_options.certfile = %s\nssl_options.keyfile = %s\nssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n' \
        $((port + 3000)) "$tls/ca.pem" "$tls/server.pem" "$tls/server.key" >>"$dir/rabbitmq.conf"
    fi
    ERL_EPMD_ADDRESS=127.0.0.1 setsid epmd -port $((port + 2000)) </dev/null >"$dir/epmd.log" 2>&1 &
    echo $! >"$dir/epmd.pid"
    start_broker
    ;;
  halt)
    stop_pid "$dir/rabbitmq.pid" 300
    ;;
  resume)
    start_broker
    ;;
  stop)
    stop_pid "$dir/rabbitmq.pid" 300
    stop_pid "$dir/epmd.pid" 30
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR PORT | halt DIR | resume DIR | stop DIR" >&2; exit 2 ;;
esac
