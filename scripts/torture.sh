#!/usr/bin/env bash
# The reliability tests, longer than CI runs them (normal build, in build/):
#   scripts/torture.sh [kills N]       the kill test with N SIGKILLs of the worker process (default 500)
#   scripts/torture.sh soak MINUTES    the soak at full speed for MINUTES, RSS and open files sampled
#   scripts/torture.sh full            the full-database tests
# Each prints its figures (kills, tasks, duplicates, lost; or the RSS/fd samples) and exits non-zero on a failure.
# BUILD_DIR=DIR uses an already configured build directory instead of the default preset's build/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-kills}"
arg="${2:-}"
scripts/install-deps.sh
export QT_QPA_PLATFORM=offscreen QT_LOGGING_RULES="qd.*.debug=false"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
build="${BUILD_DIR:-build}"
[ -n "${BUILD_DIR:-}" ] || cmake --preset default >/dev/null
bin="$build/tests/reliability"
case "$mode" in
  kills)
    cmake --build "$build" -j2 --target tst_killtorture qd_torture_node
    QD_TORTURE_KILLS="${arg:-500}" "$bin/tst_killtorture" -maxwarnings 0
    ;;
  soak)
    cmake --build "$build" -j2 --target tst_soak
    QD_SOAK_SECONDS=$(( ${arg:-10} * 60 )) "$bin/tst_soak"
    ;;
  full)
    cmake --build "$build" -j2 --target tst_fulldisk
    "$bin/tst_fulldisk"
    ;;
  *)
    echo "usage: scripts/torture.sh [kills N | soak MINUTES | full]" >&2
    exit 2
    ;;
esac
