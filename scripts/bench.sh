#!/usr/bin/env bash
# Builds the benchmark suite (preset "default", RelWithDebInfo) and runs it. Writes bench-results/BENCHMARKS.md and
# bench-results/benchmarks.json; the databases go to bench-results/ too (the disk being measured) and are removed.
#   scripts/bench.sh                 the full suite (about 5-10 minutes on 2 cores)
#   scripts/bench.sh --quick         small sizes, a smoke run (about a minute)
#   scripts/bench.sh --only B1,B4    some figures; any other qd_bench option passes through (qd_bench --help)
#   QD_BENCH_BUILD_DIR=build-x scripts/bench.sh   build in that directory instead of the preset's build/
# The GUI figures (B7-B9) run in qd_bench_ui, which qd_bench starts once per repetition on the offscreen platform.
# B7, B9 and B10 share a 1,000,000-task database that is built once (about a minute) and cached in bench-results/.
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
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build"/bench/qd_bench --out bench-results --scratch bench-results --commit "$commit" \
    --command "scripts/bench.sh${*:+ $*}" "$@"
echo
cat bench-results/BENCHMARKS.md
