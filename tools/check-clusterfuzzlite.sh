#!/usr/bin/env bash
# Run .clusterfuzzlite/build.sh outside Docker, with the variables OSS-Fuzz
# and ClusterFuzzLite set for a libFuzzer + AddressSanitizer build (their
# base-builder's defaults for SANITIZER=address, FUZZING_ENGINE=libfuzzer),
# then check that every harness fuzz/meson.build lists landed in $OUT with
# <name>_seed_corpus.zip (holding its whole corpus) and <name>.dict, and that
# each binary replays its seed corpus (-runs=0) without a crash.
# Usage: tools/check-clusterfuzzlite.sh [work-dir]   (default: a temp dir)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-$(mktemp -d)}
mkdir -p "$base/src" "$base/work" "$base/out"
base=$(cd "$base" && pwd)
ln -sfn "$repo" "$base/src/libnvmx"
export SRC=$base/src WORK=$base/work OUT=$base/out
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
bash "$repo/.clusterfuzzlite/build.sh" >"$base/build.log" 2>&1 || {
	tail -n 40 "$base/build.log"
	echo "FAIL: build.sh (log $base/build.log)"
	exit 1
}
names=$(sed -n "s/^ *\['\(fuzz_[a-z_]*\)',.*/\1/p" "$repo/fuzz/meson.build")
[ -n "$names" ] || { echo "FAIL: no harness found in fuzz/meson.build"; exit 1; }
fail=0
for n in $names; do
	want=$(find "$repo/fuzz/corpus/$n" -type f | wc -l)
	got=$(unzip -Z1 "$OUT/${n}_seed_corpus.zip" 2>/dev/null | wc -l || true)
	if [ ! -x "$OUT/$n" ]; then echo "FAIL: $OUT/$n missing"; fail=1; continue; fi
	if [ "$got" -ne "$want" ] || [ "$want" -eq 0 ]; then
		echo "FAIL: ${n}_seed_corpus.zip holds $got files, fuzz/corpus/$n $want"; fail=1
	fi
	if [ ! -s "$OUT/$n.dict" ]; then echo "FAIL: $OUT/$n.dict missing"; fail=1; fi
	seeds=$(mktemp -d)
	unzip -q "$OUT/${n}_seed_corpus.zip" -d "$seeds"
	if ! "$OUT/$n" -runs=0 -dict="$OUT/$n.dict" "$seeds" >"$base/$n.log" 2>&1; then
		tail -n 20 "$base/$n.log"; echo "FAIL: $n on its seed corpus"; fail=1
	fi
	rm -rf "$seeds"
	echo "ok: $n, ${n}_seed_corpus.zip ($got seeds), $n.dict"
done
[ "$fail" -eq 0 ] || exit 1
echo "clusterfuzzlite build.sh: every harness, corpus and dictionary in \$OUT"
