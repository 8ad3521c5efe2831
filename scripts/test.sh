#!/usr/bin/env bash
# Installs what is missing, builds and runs every test with ctest.
#   scripts/test.sh          the normal build
#   scripts/test.sh asan     under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh tsan     under ThreadSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
scripts/install-deps.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" --timeout 600 ${CTEST_ARGS:-}
