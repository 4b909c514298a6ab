#!/usr/bin/env bash
# The CPUID round trip on Bochs (docs/bare-metal-l0.md "Cost report"): the
# bench_cpuid L1 kernel bare and as L1 under nvmx-l0. Prints JSON lines
# (DESIGN.md section 6): what L2 measures in both runs (TSC ticks, which
# Bochs with clock sync=none advances once per instruction), and nvmx-l0's
# split of the nested round trip (L0 instructions, L1 exits by kind).
#   bench/bochs_cpuid.sh BUILD-DIR   (a build with -Dfreestanding=true)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
k=$build/tests/l1/bench_cpuid.elf
out=$build/bench-bochs
tools/bochs-run.sh --out "$out/bare" --idle 20 "$k" &
tools/bochs-run.sh --out "$out/nested" --idle 20 --l0 "$build/examples/l0/nvmx-l0.elf" "$k" &
wait
grep -a '^{"bench"' "$out/bare/serial.txt" | sed 's/"bochs_cpuid_seen_by_l2"/"bochs_cpuid_bare"/'
grep -a '^{"bench"' "$out/nested/serial.txt" | sed 's/"bochs_cpuid_seen_by_l2"/"bochs_cpuid_nested"/'
grep -a '^{"bench": "l0_\(calibration\|roundtrip", "exit_reason": 10,\)' "$out/nested/e9.txt"
