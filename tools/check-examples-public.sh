#!/bin/sh
# Usage: check-examples-public.sh <source root>
# examples/ is what a hypervisor author copies from: it uses the public API
# (include/nvmx/) only. Every quoted #include in examples/ must resolve to a
# file next to the including file, in examples/ itself, or in the test
# oracles (tests/oracle/, which the reference host links); an include that
# only libnvmx/ could satisfy (core.h, vmcs/fields.h, ...) fails, as does a
# meson.build under examples/ that puts libnvmx/ on the include path.
# Run by meson test.
set -eu
root=$1
fail=0
for f in $(find "$root/examples" -name '*.[chS]' | sort); do
	dir=$(dirname "$f")
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		libnvmx/*|*/libnvmx/*)
			echo "check-examples-public: $f includes $inc, a libnvmx/ internal header" >&2
			fail=1
			continue ;;
		esac
		found=
		for d in "$dir" "$root/examples" "$root/tests/oracle"; do
			if [ -f "$d/$inc" ]; then found=$d/$inc; break; fi
		done
		if [ -z "$found" ]; then
			echo "check-examples-public: $f includes \"$inc\", found neither beside it nor in examples/ or tests/oracle/ (a libnvmx/ internal header?)" >&2
			fail=1
		else
			case $(cd "$(dirname "$found")" && pwd -P) in
			"$(cd "$root/libnvmx" && pwd -P)"*)
				echo "check-examples-public: $f includes $inc from libnvmx/" >&2
				fail=1 ;;
			esac
		fi
	done
done
for m in $(find "$root/examples" -name meson.build | sort); do
	if grep -n "include_directories([^)]*libnvmx" "$m" >&2; then
		echo "check-examples-public: $m puts libnvmx/ on the include path" >&2
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "examples/ includes public headers only"
exit $fail
