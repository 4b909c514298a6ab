#!/usr/bin/env bash
# The differential run (docs/bare-metal-l0.md): every L1 test kernel of
# tests/l1 boots twice on Bochs, bare (Bochs is the hardware oracle) and as
# L1 under nvmx-l0, and the lines each prints between "BEGIN name" and
# "END name" on COM1 must be equal, line for line, except the pairs that
# tests/l1/allowed-differences.txt lists with their reasons. Any other
# difference, a missing END, or an L0 FATAL line fails the run.
#   tools/l1-diff.sh BUILD-DIR [KERNEL-NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
shift
l0=$build/examples/l0/nvmx-l0.elf
[ -f "$l0" ] || { echo "l1-diff.sh: $l0 missing (meson setup -Dfreestanding=true)" >&2; exit 2; }
kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
	# bench_* kernels measure, their numbers differ by design
	for k in "$build"/tests/l1/*.elf; do
		case $(basename "$k") in bench_*) continue ;; esac
		kernels+=("$(basename "$k" .elf)")
	done
fi
allowed=tests/l1/allowed-differences.txt
work=$build/l1-diff
mkdir -p "$work"
fail=0
extract() { # the lines between BEGIN and END of kernel $2 in file $1
	tr -d '\r' <"$1" | sed -n "/^BEGIN $2\$/,/^END $2\$/p"
}
for k in "${kernels[@]}"; do
	elf=$build/tests/l1/$k.elf
	t0=$SECONDS
	# the Multiboot kernel gets a command line and two modules
	extra=()
	[ "$k" = mb_info ] && extra=(--args "alpha beta=2" --module tests/l1/link.ld
		--module-args "first module" --module tests/l1/allowed-differences.txt)
	tools/bochs-run.sh --out "$work/$k-bare" --idle 20 --timeout 240 "${extra[@]}" "$elf" &
	bare_pid=$!
	tools/bochs-run.sh --out "$work/$k-nested" --idle 20 --timeout 240 --l0 "$l0" "${extra[@]}" "$elf" &
	nested_pid=$!
	wait $bare_pid || echo "$k: the bare run timed out"
	wait $nested_pid || echo "$k: the nested run timed out"
	extract "$work/$k-bare/serial.txt" "$k" >"$work/$k.bare"
	extract "$work/$k-nested/serial.txt" "$k" >"$work/$k.nested"
	grep -a '^nvmx-l0: \|^{"bench"' "$work/$k-nested/e9.txt" >"$work/$k.l0" || true
	ok=1
	for f in bare nested; do
		if ! grep -q "^END $k\$" "$work/$k.$f"; then
			echo "FAIL $k: the $f run did not reach END (serial: $work/$k-$f/serial.txt)"
			ok=0
		fi
	done
	if grep -q "FATAL" "$work/$k.l0"; then
		echo "FAIL $k: nvmx-l0 stopped:"
		grep "FATAL\|REFUSED" "$work/$k.l0" | head -5
		sed -n '1,40p' "$work/$k-nested/bochs-vmx.txt"
		ok=0
	fi
	# line-for-line comparison with the allowed pairs
	python3 - "$k" "$work/$k.bare" "$work/$k.nested" "$allowed" <<'PY' || ok=0
import sys
k, bare, nested, allowed = sys.argv[1:5]
a = open(bare).read().splitlines()
b = open(nested).read().splitlines()
pairs = {}
for line in open(allowed):
    if not line.strip() or line.startswith('#'):
        continue
    f = line.rstrip('\n').split(' | ')
    if len(f) != 4:
        sys.exit(f"malformed line in {allowed}: {line!r}")
    if f[0] == k:
        pairs[(f[1], f[2])] = f[3]
bad = 0
for i in range(max(len(a), len(b))):
    x = a[i] if i < len(a) else '<none>'
    y = b[i] if i < len(b) else '<none>'
    if x == y:
        continue
    why = pairs.get((x, y))
    if why:
        print(f"  allowed {k}:{i+1}: bare {x!r} nested {y!r} ({why})")
        continue
    print(f"FAIL {k}:{i+1}: bare {x!r} nested {y!r}")
    bad += 1
sys.exit(1 if bad else 0)
PY
	if [ $ok = 1 ]; then
		echo "ok $k: $(wc -l <"$work/$k.bare") lines match bare and nested, allowed differences included ($((SECONDS - t0))s)"
	else
		fail=1
	fi
	grep '^{"bench"' "$work/$k.l0" || true
done
exit $fail
