#!/usr/bin/env bash
# Executions per second of every fuzz harness, one JSON line each
# ({"bench": "fuzz_<name>", "exec_per_sec": N, "seconds": S, "build": B}),
# as in DESIGN.md section 6: B is "plain" (libFuzzer with no sanitizer,
# -O2) or "asan" (ASan+UBSan, as CI stage 3 builds them). Run it alone on
# the machine (flock -x /work/.heavy.lock tools/fuzz-throughput.sh).
# Usage: tools/fuzz-throughput.sh [seconds per harness, default 30] [plain|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
kind=${2:-plain}
b=build-throughput-$kind
if [ ! -f "$b/build.ninja" ]; then
	if [ "$kind" = plain ]; then
		CC=clang CFLAGS="-O2 -g -fsanitize=fuzzer-no-link" LDFLAGS="-fsanitize=fuzzer-no-link" \
			meson setup "$b" -Dfuzzing=true -Dfuzz_engine=external \
			-Dfuzz_link_args=-fsanitize=fuzzer -Dtests=disabled -Dbuildtype=plain \
			-Db_lundef=false >/dev/null
	else
		CC=clang meson setup "$b" -Dfuzzing=true -Dtests=disabled -Dbuildtype=debugoptimized >/dev/null
	fi
fi
targets=$(cd "$b" && ninja -t targets all | sed -n 's/^\(fuzz\/[a-z_]*_libfuzzer\):.*/\1/p' | sort -u)
# shellcheck disable=SC2086
ninja -C "$b" $targets >/dev/null
for t in $targets; do
	name=$(basename "$t" _libfuzzer)
	work=$(mktemp -d)
	cp -r "fuzz/corpus/$name"/. "$work"/
	log=$(mktemp)
	"$b/$t" "$work" -seed=1 -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 || true
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	printf '{"bench": "%s", "exec_per_sec": %s, "seconds": %s, "build": "%s"}\n' \
		"$name" "${eps:-0}" "$secs" "$kind"
	rm -rf "$work" "$log"
done
