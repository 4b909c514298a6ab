#!/usr/bin/env bash
# The freestanding libnvmx (meson -Dfreestanding=true) may leave undefined
# only the four memory primitives compilers emit calls to even with
# -ffreestanding (docs/freestanding.md): memcpy, memset, memmove, memcmp.
# Any other undefined symbol, once those defined inside the archive are taken
# away, is a dependency a kernel embedding could not satisfy: fail.
# Usage: check-freestanding.sh NM LIBRARY.a
set -euo pipefail
nm=$1 lib=$2
allowed="memcmp memcpy memmove memset"
undef=$("$nm" -u "$lib" | awk 'NF && $0 !~ /:$/ {print $NF}' | sort -u)
defined=$("$nm" --defined-only "$lib" | awk 'NF == 3 {print $3}' | sort -u)
left=$(comm -23 <(echo "$undef") <(echo "$defined") | sed '/^$/d')
bad=$(comm -23 <(echo "$left") <(tr ' ' '\n' <<<"$allowed"))
echo "undefined outside the archive: $(echo $left)"
if [ -n "$bad" ]; then
	echo "FAIL: not in the allowed list ($allowed): $(echo $bad)"
	exit 1
fi
echo "ok: only $allowed are allowed"
