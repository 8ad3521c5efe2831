#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in build-fuzz and runs each for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      targets: accesslog tasklineparser taskpayload clioptions
# Exits non-zero when a target crashes, leaks or breaks an invariant. The input that did it is left in
# build-fuzz/artifacts/TARGET/: copy it to fuzz/regressions/TARGET/ once understood, so that the ctest test
# tst_fuzzreplay_TARGET replays it in every build from then on. New corpus entries stay in build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(accesslog tasklineparser taskpayload clioptions)
scripts/install-deps.sh
build=build-fuzz
# The whole project gets coverage instrumentation and ASan/UBSan (fuzzer-no-link); only the fuzz executables
# link libFuzzer's main. Debug keeps Q_ASSERT on.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DQUEUEDESK_BUILD_FUZZERS=ON -DQUEUEDESK_BUILD_TESTS=OFF -DQUEUEDESK_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j2 --target qd_fuzzers

export QT_QPA_PLATFORM=offscreen
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  log="$build/fuzz-$target.log"
  echo "== fuzzing $target for $seconds s"
  # New inputs go to the first directory (the build's), the committed seeds are only read.
  if "$build/fuzz/qd_fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    echo "   ok: ${runs:-?} executions, corpus $(ls "$corpus" | wc -l) files"
  else
    echo "   FAILED: see $log; reproducer(s): $(ls "$artifacts" | tr '\n' ' ')"
    tail -40 "$log"
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "== fuzzing: no crash in ${#targets[@]} targets"
