#!/bin/sh
# Usage: check-exports.sh LIBNVMX_SO [INCLUDE_DIR [LIBNVMX_A]]
# The shared library exports only nvmx_-prefixed symbols (everything else is
# hidden by -fvisibility=hidden; NVMX_EXPORT marks the definitions); with
# INCLUDE_DIR, exactly the functions the public headers declare with NVMX_API;
# with LIBNVMX_A, the static archive defines no global symbol outside that
# prefix either (a program linking libnvmx.a shares its namespace with every
# internal function).
# Run by meson test.
set -eu
lib=$1
all=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }')
if [ -z "$all" ]; then
	echo "FAIL: $lib exports no symbols at all"
	exit 1
fi
bad=$(printf '%s\n' "$all" | grep -v '^nvmx_' || true)
if [ -n "$bad" ]; then
	echo "FAIL: $lib exports symbols without the nvmx_ prefix:"
	printf '  %s\n' $bad
	exit 1
fi
if [ $# -ge 2 ]; then
	decl=$(grep -ho 'NVMX_API [^(]*(' "$2"/*.h | grep -o 'nvmx_[a-z0-9_]*($' | tr -d '(' | sort)
	diff=$(printf '%s\n' "$all" | sort | comm -3 - "$(printf '%s\n' "$decl" > "${TMPDIR:-/tmp}/nvmx-decl.$$"; echo "${TMPDIR:-/tmp}/nvmx-decl.$$")" || true)
	rm -f "${TMPDIR:-/tmp}/nvmx-decl.$$"
	if [ -n "$diff" ]; then
		echo "FAIL: exported symbols (left) and NVMX_API declarations (right) differ:"
		printf '%s\n' "$diff"
		exit 1
	fi
fi
echo "$(printf '%s\n' "$all" | wc -l) exported symbols, all nvmx_-prefixed and declared with NVMX_API"
if [ $# -ge 3 ]; then
	ar=$3
	globals=$(nm -g --defined-only "$ar" | awk 'NF >= 3 { print $3 }')
	bad=$(printf '%s\n' "$globals" | grep -v '^nvmx_' || true)
	if [ -n "$bad" ]; then
		echo "FAIL: $ar defines global symbols without the nvmx_ prefix:"
		printf '  %s\n' $bad
		exit 1
	fi
	echo "$(printf '%s\n' "$globals" | wc -l) global symbols in $(basename "$ar"), all nvmx_-prefixed"
fi
