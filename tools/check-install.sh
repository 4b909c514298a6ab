#!/bin/sh
# Usage: check-install.sh BUILD_DIR CC [CFLAG...]
# Installs the build into a scratch DESTDIR, then compiles and runs a small
# program against the installed headers and library found through pkg-config
# (nvmx.pc): once linked with libnvmx.so, once with libnvmx.a. CFLAGs are
# passed to every compile and link (the sanitizer flags of the build).
# Run by meson test (suite packaging).
set -eu
build=$(cd "$1" && pwd)
shift
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$dest/install.log" 2>&1 || {
	cat "$dest/install.log"
	echo "FAIL: meson install"
	exit 1
}
pc=$(find "$dest" -name nvmx.pc)
[ -n "$pc" ] || { echo "FAIL: nvmx.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_LIBDIR=/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig
echo "nvmx.pc: $pc, version $(pkg-config --modversion nvmx)"
cat >"$dest/prog.c" <<'PROG'
#include <nvmx/nvmx.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct nvmx_vm_config cfg;
	nvmx_vm_config_default(&cfg);
	const char *ok = nvmx_status_name(NVMX_STATUS_OK);
	printf("libnvmx %s (%d): NVMX_STATUS_OK is \"%s\"\n", NVMX_VERSION, NVMX_VERSION_NUMBER, ok);
	return ok && strlen(ok) ? 0 : 1;
}
PROG
# shellcheck disable=SC2046
"$@" -o "$dest/prog_shared" "$dest/prog.c" $(pkg-config --cflags --libs nvmx)
libdir=$(dirname "$(find "$dest" -name 'libnvmx.so' | head -n1)")
LD_LIBRARY_PATH="$libdir" "$dest/prog_shared"
LD_LIBRARY_PATH="$libdir" ldd "$dest/prog_shared" | grep -q "$libdir/libnvmx.so" || {
	echo "FAIL: prog_shared did not load the installed libnvmx.so"
	exit 1
}
# shellcheck disable=SC2046
"$@" -o "$dest/prog_static" "$dest/prog.c" $(pkg-config --cflags nvmx) \
	$(pkg-config --static --libs-only-L nvmx) -l:libnvmx.a \
	$(pkg-config --static --libs-only-l nvmx | sed 's/-lnvmx\b//')
"$dest/prog_static"
echo "installed headers, libnvmx.so, libnvmx.a and nvmx.pc work"
