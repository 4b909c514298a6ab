#!/bin/sh
# exit_status.sh WANT nvmx-run [args]: passes when nvmx-run exits with WANT.
want=$1
shift
"$@" >/dev/null 2>&1
rc=$?
[ "$rc" -eq "$want" ] || { echo "exit status $rc, want $want" >&2; exit 1; }
