#!/usr/bin/env bash
# Installs what is missing, builds, and launches the QueueDesk GUI on its default database
# (queuedesk.db in the user's data directory). Extra arguments go to queuedesk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target queuedesk queuedesk-cli
exec build/bin/queuedesk "$@"
