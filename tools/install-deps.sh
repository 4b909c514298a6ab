#!/usr/bin/env bash
# Install the Debian 12 packages libnvmx needs, only those that are missing.
set -euo pipefail
pkgs=(meson ninja-build pkg-config gcc g++ clang libclang-rt-14-dev libzydis-dev libxxhash-dev libcriterion-dev cmake zip unzip afl++ llvm
  bochs bochsbios vgabios grub-pc-bin grub-common xorriso mtools
  python3-matplotlib)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
