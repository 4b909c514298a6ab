#!/bin/sh
# Usage: check-exports.sh LIBNVMX_SO [LIBNVMX_A]
# The shared library exports only nvmx_-prefixed symbols (everything else is
# hidden by -fvisibility=hidden; NVMX_EXPORT marks the API), and the static
# archive defines no global symbol outside that prefix either (a program
# linking libnvmx.a shares its namespace with every internal function).
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
echo "$(printf '%s\n' "$all" | wc -l) exported symbols, all nvmx_-prefixed"
if [ $# -ge 2 ]; then
	ar=$2
	globals=$(nm -g --defined-only "$ar" | awk 'NF >= 3 { print $3 }')
	bad=$(printf '%s\n' "$globals" | grep -v '^nvmx_' || true)
	if [ -n "$bad" ]; then
		echo "FAIL: $ar defines global symbols without the nvmx_ prefix:"
		printf '  %s\n' $bad
		exit 1
	fi
	echo "$(printf '%s\n' "$globals" | wc -l) global symbols in $(basename "$ar"), all nvmx_-prefixed"
fi
