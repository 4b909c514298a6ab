#!/bin/sh
# SPDX-License-Identifier: MIT
# The library calls the host only through the wrappers that libnvmx/host_ops.h
# generates from its host-op table. Fails, naming the lines, on any direct
# callback call (`ops.name(`, `ops->name(`, or through a table pointer `o`)
# elsewhere in libnvmx/.
set -eu
root=${1:?usage: host_ops_one_path.sh LIBNVMX_DIR}
hits=$(grep -rnE '(\bops|\bo)(\.|->)[a-z_0-9]+[[:space:]]*\(' "$root" --include='*.c' --include='*.h' |
	grep -v "/host_ops.h:" || true)
if [ -n "$hits" ]; then
	echo "direct host callback calls outside libnvmx/host_ops.h:"
	echo "$hits"
	exit 1
fi
# The table has one row per member of struct nvmx_host_ops that is a callback.
rows=$(grep -cE '^[[:space:]]*[RV]\(' "$root/host_ops.h")
members=$(grep -cE '\(\*[a-z_0-9]+\)\(' "$root/../include/nvmx/host.h")
if [ "$rows" -ne "$members" ]; then
	echo "host_ops.h has $rows rows, struct nvmx_host_ops $members callbacks"
	exit 1
fi
echo "ok: $rows callbacks, every call through the wrappers"
