#!/usr/bin/env bash
# Builds the benchmark suite (preset "default", RelWithDebInfo) and runs it. Writes bench-results/BENCHMARKS.md and
# bench-results/benchmarks.json; the databases go to bench-results/ too (the disk being measured) and are removed.
#   scripts/bench.sh                 the full suite (about 5-10 minutes on 2 cores)
#   scripts/bench.sh --quick         small sizes, a smoke run (about a minute)
#   scripts/bench.sh --only B1,B4    some figures; any other qd_bench option passes through (qd_bench --help)
# Run it on an otherwise idle machine: every figure is a ratio against a baseline measured in the same run, which
# absorbs slow drift, but not another program's bursts. The load average is recorded in the results.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${QD_BENCH_SKIP_DEPS:-0}" != 1 && -x scripts/install-deps.sh ]]; then
    scripts/install-deps.sh
fi
cmake --preset default -DQUEUEDESK_BUILD_BENCHMARKS=ON >/dev/null
# Only the benchmark and what it links: the GUI and the tests are not needed. -j2: the machine may be shared.
cmake --build --preset default --target qd_bench -j "${QD_BENCH_JOBS:-2}"
mkdir -p bench-results
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
build/bench/qd_bench --out bench-results --scratch bench-results --commit "$commit" \
    --command "scripts/bench.sh${*:+ $*}" "$@"
echo
cat bench-results/BENCHMARKS.md
