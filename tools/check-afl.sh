#!/usr/bin/env bash
# Build every fuzz harness for AFL++ (-Dfuzz_engine=afl, CC=afl-clang-fast
# from Debian's afl++) and run each binary over its seed corpus outside
# afl-fuzz (AFL++'s driver then runs the file it is given once), so that the
# AFL++ build is known to work. With NVMX_AFL_SECONDS=N it also runs
# afl-fuzz on fuzz_insn for N seconds.
# Usage: tools/check-afl.sh [build-dir]   (default: a temp dir)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$(mktemp -d)/afl}
command -v afl-clang-fast >/dev/null || { echo "FAIL: afl-clang-fast not found (apt-get install afl++)"; exit 1; }
rm -rf "$b"
mkdir -p "$(dirname "$b")"
b=$(cd "$(dirname "$b")" && pwd)/$(basename "$b")
CC=afl-clang-fast CXX=afl-clang-fast++ AFL_QUIET=1 meson setup "$b" "$repo" -Dfuzzing=true -Dfuzz_engine=afl \
	-Dtests=disabled -Dbuildtype=debugoptimized -Db_lundef=false >"$b.setup.log" 2>&1 || {
	tail -n 20 "$b.setup.log"; exit 1; }
targets=$(cd "$b" && ninja -t targets all | sed -n 's/^\(fuzz\/[a-z_]*_libfuzzer\):.*/\1/p' | sort -u)
# shellcheck disable=SC2086
AFL_QUIET=1 ninja -C "$b" $targets >"$b.build.log" 2>&1 || { tail -n 40 "$b.build.log"; exit 1; }
for t in $targets; do
	name=$(basename "$t" _libfuzzer)
	n=0
	for f in "$repo/fuzz/corpus/$name"/*; do
		"$b/$t" "$f" >/dev/null 2>&1 || { echo "FAIL: AFL++ $name on $f"; "$b/$t" "$f" 2>&1 | tail -n 20; exit 1; }
		n=$((n + 1))
	done
	echo "ok: AFL++ $name replays its $n seeds"
done
if [ -n "${NVMX_AFL_SECONDS:-}" ]; then
	o=$(mktemp -d)
	AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
		afl-fuzz -i "$repo/fuzz/corpus/fuzz_insn" -o "$o" -V "$NVMX_AFL_SECONDS" \
		-- "$b/fuzz/fuzz_insn_libfuzzer" >/dev/null 2>&1
	grep -E "execs_done|execs_per_sec|saved_crashes" "$o/default/fuzzer_stats"
	[ "$(sed -n 's/^saved_crashes *: //p' "$o/default/fuzzer_stats")" = 0 ]
fi
echo "AFL++ build: every harness built and replayed its corpus"
