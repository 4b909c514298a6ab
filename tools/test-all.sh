#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#   1. gcc build with -Werror, every test verbose: Criterion (its Synthesis
#      lines), scenarios, corpus replays, headers in C and C++, exports, install,
#      and (-Dfreestanding=true) the freestanding library's undefined-symbol
#      test and its Criterion test; the bare-metal kernels are built here;
#   2. clang build with AddressSanitizer + UndefinedBehaviorSanitizer, the same
#      tests; any sanitizer report fails the stage, leaks included;
#   3. clang ThreadSanitizer build of the concurrency test alone (4 vCPU
#      threads of one VM and an L0 thread, tests/concurrency); any report
#      fails it;
#   4. clang libFuzzer build, each fuzzer for a short smoke run over a copy of
#      its seed corpus (NVMX_FUZZ_SECONDS each, default 12); a crash, leak or
#      timeout fails it;
#   5. the L1 test kernels of stage 1's build, each run bare on Bochs and as
#      L1 under nvmx-l0, the outputs compared (tools/l1-diff.sh);
#   6. the campaign builds: .clusterfuzzlite/build.sh with the variables
#      OSS-Fuzz/ClusterFuzzLite set (every harness, seed-corpus zip and
#      dictionary in $OUT, each replaying its corpus), and the AFL++ build
#      (-Dfuzz_engine=afl) of every harness replaying its corpus;
#   7. clang source-based coverage of libnvmx/ by every test and seed corpus,
#      per file, with a floor (tools/coverage.sh).
# Each stage's time is printed at the end. Build trees go to build-ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
out=build-ci
rm -rf "$out"
jobs=$(nproc)
# meson test sets a random MALLOC_PERTURB_ per test unless one is set: fix it,
# so that two runs of the same tree behave the same.
export MALLOC_PERTURB_=165
declare -a stage_names=() stage_secs=()
stage_start=0
begin() {
	echo
	echo "== $1"
	stage_names+=("$1")
	stage_start=$SECONDS
}
end() { stage_secs+=($((SECONDS - stage_start))); }

# Criterion runs each test in a child process and has already counted it as
# passed when LeakSanitizer reports at the child's exit, so sanitizer reports
# are looked for in the log as well.
sanitizer_reports() {
	grep -E -n "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1" || true
}

begin "1/7 gcc -Werror build and tests"
CC=gcc CXX=g++ meson setup "$out/gcc" -Dfreestanding=true >/dev/null
ninja -C "$out/gcc" -j"$jobs"
meson test -C "$out/gcc" --print-errorlogs -v --num-processes "$jobs"
end

begin "2/7 clang ASan+UBSan build and tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
CC=clang CXX=clang++ meson setup "$out/san" -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug >/dev/null
ninja -C "$out/san" -j"$jobs"
meson test -C "$out/san" --print-errorlogs -v --num-processes "$jobs"
reports=$(sanitizer_reports "$out/san/meson-logs/testlog.txt")
if [ -n "$reports" ]; then
	echo "sanitizer reports in $out/san/meson-logs/testlog.txt:"
	echo "$reports"
	exit 1
fi
echo "no sanitizer report"
end

begin "3/7 clang ThreadSanitizer: concurrency"
CC=clang CXX=clang++ meson setup "$out/tsan" -Db_sanitize=thread -Db_lundef=false \
	-Dbuildtype=debug >/dev/null
ninja -C "$out/tsan" -j"$jobs" tests/concurrency/test_concurrency
# halt_on_error: the first race fails the stage; the test repeats 3 times
# with different interleavings.
for run in 1 2 3; do
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		"$out/tsan/tests/concurrency/test_concurrency"
done
end

begin "4/7 libFuzzer smoke runs"
CC=clang CXX=clang++ meson setup "$out/fuzz" -Dfuzzing=true -Dtests=disabled \
	-Dbuildtype=debugoptimized >/dev/null
fuzzers=$(cd "$out/fuzz" && ninja -t targets all | sed -n 's/^\(fuzz\/[a-z_]*_libfuzzer\):.*/\1/p' | sort -u)
# shellcheck disable=SC2086
ninja -C "$out/fuzz" -j"$jobs" $fuzzers
smoke=${NVMX_FUZZ_SECONDS:-12}
for target in $fuzzers; do
	f=$out/fuzz/$target
	name=$(basename "$f" _libfuzzer)
	work=$(mktemp -d)
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name"/. "$work"/
	dict=()
	[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
	log=$out/fuzz/$name.log
	echo "-- $name: ${smoke}s over $(find "$work" -type f | wc -l) seeds"
	# -seed: the same mutations on every run; -timeout: an input that takes
	# over 10 s is a hang; crashes are written to build-ci/fuzz/.
	if ! "$f" "$work" "${dict[@]}" -seed=1 -max_total_time="$smoke" -timeout=10 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$out/fuzz/$name-" \
		>"$log" 2>&1; then
		tail -n 80 "$log"
		echo "FAIL: $name crashed (log $log, input $out/fuzz/$name-*)"
		exit 1
	fi
	grep -E "^(Done|stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb))" "$log"
	rm -rf "$work"
done
end

begin "5/7 bare-metal L0 on Bochs: L1 test kernels bare and nested"
tools/l1-diff.sh "$out/gcc"
end

begin "6/7 ClusterFuzzLite build.sh and AFL++ build"
tools/check-clusterfuzzlite.sh "$out/cfl"
tools/check-afl.sh "$out/afl"
end

begin "7/7 coverage of libnvmx/ (llvm-cov)"
tools/coverage.sh "$out/cov"
end

echo
echo "== stage times"
for i in "${!stage_names[@]}"; do
	printf '%5ds  %s\n' "${stage_secs[$i]}" "${stage_names[$i]}"
done
echo "all stages passed"
