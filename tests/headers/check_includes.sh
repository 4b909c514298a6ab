#!/bin/sh
# Usage: check_includes.sh DIR HEADER...
# Fails when DIR holds a header the list does not name (it would escape the
# stand-alone compile test), when a listed header is missing, or when a header
# includes anything but <stdint.h>, <stddef.h>, <stdbool.h> and its siblings
# ("x.h" or <nvmx/x.h>).
set -eu
dir=$1
shift
rc=0
for f in "$dir"/*.h; do
	b=$(basename "$f")
	case " $* " in
	*" $b "*) ;;
	*) echo "FAIL: $b is not in tests/headers/meson.build's list"; rc=1 ;;
	esac
done
for b in "$@"; do
	f=$dir/$b
	if [ ! -f "$f" ]; then
		echo "FAIL: listed header $b does not exist"
		rc=1
		continue
	fi
	# Every #include line, with spaces folded.
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*//p' "$f" | while read -r inc rest; do
		case $inc in
		'<stdint.h>' | '<stddef.h>' | '<stdbool.h>') continue ;;
		\"*\" | '<nvmx/'*'>')
			sib=${inc#?}
			sib=${sib%?}
			sib=${sib#nvmx/}
			if [ -f "$dir/$sib" ]; then continue; fi
			;;
		esac
		echo "FAIL: $b includes $inc"
		exit 1
	done || rc=1
done
[ $rc -eq 0 ] && echo "$# public headers include only <stdint.h>, <stddef.h>, <stdbool.h> and each other"
exit $rc
