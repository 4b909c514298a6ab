#!/bin/bash -eu
# Build every libnvmx fuzz harness for OSS-Fuzz / ClusterFuzzLite, following
# their conventions: the engine sets $CC, $CFLAGS (its instrumentation and
# sanitizer), $LIB_FUZZING_ENGINE (its driver), $SRC, $WORK and $OUT; each
# harness lands in $OUT as <name>, with <name>_seed_corpus.zip and
# <name>.dict beside it. tools/check-clusterfuzzlite.sh runs this script
# outside Docker with the same variables and checks $OUT.
#
# Zydis 4 and xxHash come from $SRC/zydis and $SRC/xxhash when the image
# cloned them (Dockerfile): built here, statically, with the engine's
# compiler and flags; otherwise the system's (Debian: libzydis-dev,
# libxxhash-dev).
src=${SRC:?}/libnvmx
[ -d "$src" ] || src=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:?}
out=${OUT:?}
deps=$work/deps

if [ -d "$SRC/zydis" ] && [ ! -f "$deps/.zydis" ]; then
	cmake -S "$SRC/zydis" -B "$work/zydis-build" -G Ninja -DCMAKE_BUILD_TYPE=None \
		-DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_INSTALL_PREFIX="$deps" \
		-DZYDIS_BUILD_SHARED_LIB=OFF -DZYDIS_BUILD_EXAMPLES=OFF -DZYDIS_BUILD_TOOLS=OFF \
		-DZYDIS_BUILD_TESTS=OFF -DZYDIS_BUILD_DOXYGEN=OFF -DZYDIS_BUILD_MAN=OFF
	cmake --build "$work/zydis-build"
	cmake --install "$work/zydis-build"
	touch "$deps/.zydis"
fi
if [ -d "$SRC/xxhash" ] && [ ! -f "$deps/.xxhash" ]; then
	make -C "$SRC/xxhash" CC="$CC" CFLAGS="$CFLAGS" PREFIX="$deps" install
	# The runner image has no $deps: link xxHash statically.
	rm -f "$deps"/lib/libxxhash.so*
	touch "$deps/.xxhash"
fi
export PKG_CONFIG_PATH="$deps/lib/pkgconfig:$deps/lib64/pkgconfig:${PKG_CONFIG_PATH:-}"
export CMAKE_PREFIX_PATH="$deps${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"

# meson takes CFLAGS for every compilation; the engines expect the same flags
# at link time too (the sanitizer runtimes), hence LDFLAGS.
build=$work/libnvmx-build
rm -rf "$build"
LDFLAGS="$CFLAGS ${LDFLAGS:-}" meson setup "$build" "$src" \
	-Dfuzzing=true -Dfuzz_engine=external -Dfuzz_link_args="$LIB_FUZZING_ENGINE" \
	-Dtests=disabled -Dbuildtype=plain -Dwerror=false -Db_lundef=false
targets=$(cd "$build" && ninja -t targets all | sed -n 's/^\(fuzz\/[a-z_]*_libfuzzer\):.*/\1/p' | sort -u)
[ -n "$targets" ] || { echo "no fuzz targets" >&2; exit 1; }
# shellcheck disable=SC2086
ninja -C "$build" $targets

for t in $targets; do
	name=$(basename "$t" _libfuzzer)
	cp "$build/$t" "$out/$name"
	rm -f "$out/${name}_seed_corpus.zip"
	(cd "$src/fuzz/corpus/$name" && zip -q -j "$out/${name}_seed_corpus.zip" ./*)
	cp "$src/fuzz/$name.dict" "$out/$name.dict"
done
