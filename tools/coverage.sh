#!/usr/bin/env bash
# Line and branch coverage of libnvmx/ by the tests and the seed corpora
# (every meson test: Criterion tests, scenarios, corpus replays), measured
# with clang's source-based coverage (llvm-profdata, llvm-cov from Debian's
# llvm), printed per file. The generated name tables (libnvmx/util/names.c)
# are left out. Fails when the total is under the floor: 96.5% of lines and
# 88% of branches, what the tests and seed corpora reached when the floor was
# set (measured 96.65% / 88.15% after the sync owner, APIC virtualization and
# the fuzzer-found seeds landed; the floor only goes up; the goal of issue 15
# is 97% / 90%).
# Usage: tools/coverage.sh [build-dir]
#   NVMX_COV_LINES / NVMX_COV_BRANCHES override the floors (percent).
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-cov}
lines_floor=${NVMX_COV_LINES:-96.5}
branches_floor=${NVMX_COV_BRANCHES:-88}
flags="-fprofile-instr-generate -fcoverage-mapping"
if [ ! -f "$b/build.ninja" ]; then
	CC=clang CXX=clang++ meson setup "$b" -Dbuildtype=debug -Dc_args="$flags" \
		-Dc_link_args="-fprofile-instr-generate" -Dcpp_args="$flags" \
		-Dcpp_link_args="-fprofile-instr-generate" >/dev/null
fi
ninja -C "$b" >/dev/null
prof=$(cd "$b" && pwd)/prof
rm -rf "$prof"
mkdir -p "$prof"
# %p: Criterion runs each test in a child process; %m: one file per binary.
LLVM_PROFILE_FILE="$prof/%p-%m.profraw" meson test -C "$b" --num-processes "$(nproc)" \
	--no-suite packaging >/dev/null || { echo "FAIL: tests failed under coverage"; exit 1; }
llvm-profdata merge -sparse "$prof"/*.profraw -o "$b/cov.profdata"
objs=()
while IFS= read -r f; do objs+=(-object "$f"); done < <(find "$b/tests" "$b/fuzz" "$b/examples" \
	-type f -perm -u+x \( -name 'test_*' -o -name '*_replay' -o -name 'nvmx-run' \) | sort)
llvm-cov report "${objs[@]:1}" -instr-profile="$b/cov.profdata" \
	-ignore-filename-regex='(^|/)(tests|examples|include|fuzz)/|util/names\.c' >"$b/coverage.txt"
# Per file: lines and branches covered.
awk 'NR > 2 && $1 != "Files" && NF >= 13 { printf "%-28s lines %8s  branches %8s\n", $1, $10, $13 }' "$b/coverage.txt"
total=$(grep '^TOTAL' "$b/coverage.txt")
# TOTAL regions missed cover functions missed executed lines missed cover branches missed cover
line_pct=$(echo "$total" | awk '{print $10}' | tr -d %)
branch_pct=$(echo "$total" | awk '{print $13}' | tr -d %)
echo "libnvmx/ (without util/names.c): lines ${line_pct}% (floor ${lines_floor}%), branches ${branch_pct}% (floor ${branches_floor}%)"
awk -v l="$line_pct" -v lf="$lines_floor" -v br="$branch_pct" -v bf="$branches_floor" \
	'BEGIN { exit !(l + 0 >= lf + 0 && br + 0 >= bf + 0) }' || { echo "FAIL: coverage under the floor"; exit 1; }
