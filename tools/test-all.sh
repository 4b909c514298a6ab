#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. gcc build with -Werror, every Criterion test, scenario and corpus replay;
#   2. clang build with AddressSanitizer + UndefinedBehaviorSanitizer, the same tests;
#   3. clang libFuzzer build, each fuzzer for a short smoke run over its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
out=build-ci
rm -rf "$out"
jobs=$(nproc)

echo "== 1/3 gcc build and tests"
CC=gcc meson setup "$out/gcc" >/dev/null
ninja -C "$out/gcc" -j"$jobs"
meson test -C "$out/gcc" --print-errorlogs -v --num-processes "$jobs"

echo "== 2/3 clang ASan+UBSan build and tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
CC=clang meson setup "$out/san" -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debug >/dev/null
ninja -C "$out/san" -j"$jobs"
meson test -C "$out/san" --print-errorlogs -v --num-processes "$jobs" --timeout-multiplier 4

echo "== 3/3 libFuzzer smoke runs"
CC=clang meson setup "$out/fuzz" -Dfuzzing=true -Dtests=disabled -Dbuildtype=debugoptimized >/dev/null
ninja -C "$out/fuzz" -j"$jobs"
smoke=${NVMX_FUZZ_SECONDS:-20}
for f in "$out"/fuzz/fuzz/*_libfuzzer; do
  name=$(basename "$f" _libfuzzer)
  corpus=fuzz/corpus/$name
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  dict=()
  [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  echo "-- $name: ${smoke}s over $(ls "$work" | wc -l) seeds"
  "$f" "$work" "${dict[@]}" -max_total_time="$smoke" -rss_limit_mb=4096 -print_final_stats=1 \
    2>&1 | tail -n 12
  rm -rf "$work"
done
echo "all stages passed"
