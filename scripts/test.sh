#!/usr/bin/env bash
# Installs what is missing, builds and runs every test with ctest.
#   scripts/test.sh          the normal build
#   scripts/test.sh asan     under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh tsan     under ThreadSanitizer
# CONFIGURE_ARGS are added to the configure step (e.g. -DQUEUEDESK_BUILD_GUI=OFF), CTEST_ARGS to ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
scripts/install-deps.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# The scope options are given every time, so one run's narrower scope does not stay in the build tree's cache.
cmake --preset "$preset" -DQUEUEDESK_BUILD_GUI=ON -DQUEUEDESK_TEST_AMQP=ON ${CONFIGURE_ARGS:-} >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" --timeout 600 ${CTEST_ARGS:-}
