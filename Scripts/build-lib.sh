#!/usr/bin/env bash
# `make lib`: the runtime's C library for this machine, into .build/lib/ (Docs/Embedding.md):
#   include/vgg_int8.h      the header
#   libvgg_int8.so.ABI      the shared library (soname libvgg_int8.so.ABI, link name libvgg_int8.so):
#                           the Swift runtime linked in (no Foundation of any kind), so it needs no Swift
#                           installed where it runs (glibc, libstdc++, libpng, libjpeg, zlib);
#                           only the vgg_* functions of the header are exported
#   libvgg_int8.a           the static library: our code only; a program linking it also links
#                           this toolchain's static Swift runtime (vgg_int8-static.pc says how)
#   vgg_int8.pc, vgg_int8-static.pc   pkg-config files for the two (absolute paths to .build/lib)
#
#   Scripts/build-lib.sh [OUT]      (default .build/lib; SWIFT=... picks the swift)
#   Scripts/build-lib.sh --map FILE  only write the version script (Scripts/cross-aarch64.sh uses it)
set -euo pipefail
cd "$(dirname "$0")/.."

# The version script: export exactly the header's functions; everything else, the Swift runtime
# included, stays local, so a program with its own Swift runtime or a second copy cannot clash.
write_map() {
    local abi=$1 functions
    functions=$(grep -oE '\bvgg_[a-z0-9_]+\(' include/vgg_int8.h | tr -d '(' | sort -u)
    { echo "VGG_INT8_$abi {"; echo "  global:"; for f in $functions; do echo "    $f;"; done; echo "  local: *;"; echo "};"; } > "$2"
}
header_abi() { sed -n 's/^#define VGG_INT8_ABI_VERSION \([0-9][0-9]*\)$/\1/p' include/vgg_int8.h; }
if [ "${1:-}" = --map ]; then write_map "$(header_abi)" "$2"; exit 0; fi

SWIFT=${SWIFT:-swift}
OUT=${1:-.build/lib}
SCRATCH=.build/lib-scratch     # its own: -static-stdlib would rebuild the plain release build
HEADER=include/vgg_int8.h

fail() { echo "build-lib: $*" >&2; exit 1; }

mkdir -p "$OUT/include"
OUT=$(cd "$OUT" && pwd)
ABI=$(header_abi)
[ -n "$ABI" ] || fail "no VGG_INT8_ABI_VERSION in $HEADER"
VERSION=$(cat VERSION)
write_map "$ABI" "$OUT/vgg_int8.map"

FLAGS=(-c release --scratch-path "$SCRATCH" -Xswiftc -static-stdlib
       -Xlinker --version-script="$OUT/vgg_int8.map" -Xlinker -soname=libvgg_int8.so.$ABI)
echo "== build-lib: libvgg_int8.so.$ABI and libvgg_int8.a ($($SWIFT --version 2>&1 | grep -o 'Swift version [^ ]*'))"
BIN=$($SWIFT build "${FLAGS[@]}" --show-bin-path)
rm -f "$BIN/libvgg_int8.so" "$BIN/libvgg_int8_static.a"   # (never ship an earlier build's)
for product in vgg_int8 vgg_int8_static; do
    # (progress lines dropped)
    $SWIFT build "${FLAGS[@]}" --product $product > "$OUT/build.log" 2>&1 \
        || { grep -v -E '^\[[0-9]+/[0-9]+\]' "$OUT/build.log" >&2; fail "swift build --product $product failed (above)"; }
done
rm -f "$OUT/build.log"
[ -f "$BIN/libvgg_int8.so" ] && [ -f "$BIN/libvgg_int8_static.a" ] || fail "the build left no libraries in $BIN"

cp $HEADER "$OUT/include/"
# (strip: the symbol tables of the Swift runtime; the library keeps its dynamic symbols)
strip --strip-unneeded -o "$OUT/libvgg_int8.so.$ABI.tmp" "$BIN/libvgg_int8.so" && mv "$OUT/libvgg_int8.so.$ABI.tmp" "$OUT/libvgg_int8.so.$ABI"
ln -sf "libvgg_int8.so.$ABI" "$OUT/libvgg_int8.so"
cp "$BIN/libvgg_int8_static.a" "$OUT/libvgg_int8.a.tmp" && mv "$OUT/libvgg_int8.a.tmp" "$OUT/libvgg_int8.a"

# The static Swift runtime the archive needs, from this toolchain: its swiftrt.o (registers the
# library's metadata at start-up) and the libraries the objects' autolink entries name, in one
# group (they refer to each other).
RESOURCES=$($SWIFT -print-target-info | sed -n 's/.*"runtimeResourcePath": "\(.*\)".*/\1/p')
STATIC=${RESOURCES}_static/linux
ARCH=$(uname -m)
[ -f "$STATIC/$ARCH/swiftrt.o" ] || fail "no static Swift runtime at $STATIC ($STATIC/$ARCH/swiftrt.o)"
AUTOLINK=$(dirname "$(command -v "$SWIFT")")/swift-autolink-extract
SWIFT_LIBS=$("$AUTOLINK" "$OUT/libvgg_int8.a" -o - | sort -u | grep -E '^-l(swift|dispatch|BlocksRuntime)' | tr '\n' ' ')
SYSTEM_LIBS="-lpng16 -ljpeg -lz -lstdc++ -lm -lpthread -ldl -lutil"

cat > "$OUT/vgg_int8.pc" <<EOF
prefix=$OUT
libdir=\${prefix}
includedir=\${prefix}/include

Name: vgg_int8
Description: VGG int8 runtime, C API (shared library)
Version: $VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lvgg_int8 -Wl,-rpath,\${libdir}
EOF
cat > "$OUT/vgg_int8-static.pc" <<EOF
prefix=$OUT
libdir=\${prefix}
includedir=\${prefix}/include
swiftstatic=$STATIC

Name: vgg_int8-static
Description: VGG int8 runtime, C API (static library, with this toolchain's static Swift runtime)
Version: $VERSION
Cflags: -I\${includedir}
Libs: \${libdir}/libvgg_int8.a \${swiftstatic}/$ARCH/swiftrt.o -L\${swiftstatic} -Wl,--start-group $SWIFT_LIBS-Wl,--end-group $SYSTEM_LIBS
EOF
echo "== build-lib: $OUT: $(cd "$OUT" && ls -l libvgg_int8.so.$ABI libvgg_int8.a | awk '{printf "%s %.1f MB  ", $9, $5/1048576}')"
