#!/usr/bin/env bash
# Runs a test inside a D-Bus session of its own whose Secret Service is gnome-keyring, unlocked with a throwaway
# password and keeping its keyring in a temporary folder, so tests of the desktop keyring never touch the user's.
# When the session or the service cannot start, the test runs anyway with QD_TEST_KEYRING_MISSING saying why (the
# tests that need the keyring skip, the others run).
# Usage: keyring-test-session.sh COMMAND [ARGS...]
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/qd-keyring-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -m 700 "$dir/run" "$dir/data"
export XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run"
if ! command -v dbus-run-session >/dev/null; then
  QD_TEST_KEYRING_MISSING="dbus-run-session is not installed (scripts/install-deps.sh)" "$@"
  exit $?
fi
if ! command -v gnome-keyring-daemon >/dev/null; then
  QD_TEST_KEYRING_MISSING="gnome-keyring-daemon is not installed (scripts/install-deps.sh)" "$@"
  exit $?
fi
# The daemon forks and lives as long as the session bus; its output (the variables it would export) is not needed.
exec dbus-run-session -- bash -c '
  if ! printf "qd-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>"$XDG_RUNTIME_DIR/daemon.log"; then
    export QD_TEST_KEYRING_MISSING="gnome-keyring-daemon did not start: $(tr "\n" " " <"$XDG_RUNTIME_DIR/daemon.log")"
  fi
  export QD_TEST_KEYRING_SESSION=1
  exec "$@"' keyring-test-session "$@"
