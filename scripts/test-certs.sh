#!/usr/bin/env bash
# Throwaway certificates for the TLS tests (scripts/pg-test-server.sh and scripts/mariadb-test-server.sh start-tls):
#   scripts/test-certs.sh DIR   writes into DIR (made if missing), all valid two days:
#     ca.pem, ca.key                 a CA of its own
#     server.pem, server.key         signed by ca.pem, for localhost and 127.0.0.1
#     other-host.pem, other-host.key signed by ca.pem, for elsewhere.invalid only (a host-name mismatch)
#     other-ca.pem                   a CA that signed nothing (a client trusting only it must refuse the server)
#     client.pem, client.key         a client certificate signed by ca.pem
# Only the openssl command line (Debian's openssl package); no network.
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $1 failed" >&2; exit 1; }; }
key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() { key "$1.key"; ossl req -x509 -new -key "$1.key" -days 2 -subj "/CN=$2" -out "$1.pem"; }
# signed NAME CN SAN: a certificate NAME.pem for CN and the subjectAltName SAN, signed by ca.pem
signed() {
  key "$1.key"
  ossl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'subjectAltName = %s\n' "$3" >"$1.ext"
  ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}
ca ca qdtest-ca
ca other-ca qdtest-other-ca
signed server localhost "DNS:localhost,IP:127.0.0.1"
signed other-host elsewhere.invalid "DNS:elsewhere.invalid"
signed client qdtest-client "DNS:qdtest-client"
chmod 600 ./*.key
chmod 644 ./*.pem
