#!/usr/bin/env bash
# A screenshot of the main window on a busy day: builds, fills a scratch database with the demo workload (images,
# logs, webhooks, some failing on purpose), opens it in queuedesk (4 workers run it), waits, and saves the window.
#   scripts/screenshot.sh [OUT.png] [WAIT_MS]      default: queuedesk-screenshot.png after 8000 ms
# Runs on the offscreen platform, so it needs no display; the user's own settings and database are not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-queuedesk-screenshot.png}")"
wait_ms="${2:-8000}"
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target queuedesk queuedesk-cli
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
build/bin/queuedesk-cli --db "$scratch/demo.db" demo >/dev/null
QT_QPA_PLATFORM=offscreen build/bin/queuedesk "$scratch/demo.db" --screenshot "$out" --screenshot-after-ms "$wait_ms"
echo "saved $out"
