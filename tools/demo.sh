#!/usr/bin/env bash
# Install what is missing, build libnvmx, and play the built-in demo scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
exec build/examples/runner/nvmx-run
