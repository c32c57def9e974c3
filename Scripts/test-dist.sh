#!/usr/bin/env bash
# Checks the archives `make dist` wrote (part of `make test`), as a user would receive them:
# unpacked in an empty folder, nothing else of the project on the path.
#   - the folder holds vgg-run, README.txt, NEEDED.txt, LICENSE, THIRD-PARTY.txt, and SHA256SUMS matches;
#   - `file` names the right architecture; no libswift*.so among the shared libraries (the Swift
#     runtime is linked in); NEEDED.txt is the binary's `readelf -d`;
#   - README.txt states the glibc the binary needs (its highest GLIBC_ symbol version);
#   - the binary prints --help and classifies a bundled image exactly as the x86 test build does
#     (the aarch64 one under qemu-aarch64 -cpu cortex-a72, with the cross sysroot's libraries).
#
# Environment: X86_BIN (default .build/test/release: vgg-quantize and vgg-run for x86),
#   AARCH64_SYSROOT (default: Scripts/cross-aarch64.sh sysroot), QEMU_AARCH64 (default qemu-aarch64).
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=$(cat VERSION)
X86_BIN=${X86_BIN:-.build/test/release}
SYSROOT=${AARCH64_SYSROOT:-$(Scripts/cross-aarch64.sh sysroot)}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
OUT=$(mktemp -d /tmp/vgg-dist-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
F=Tests/Fixtures
passed=0
failures=0
check() { # check DESCRIPTION COMMAND...
    local description=$1; shift
    if "$@"; then passed=$((passed + 1)); else echo "FAIL: $description"; failures=$((failures + 1)); fi
}

for file in dist/SHA256SUMS dist/vgg-run-$VERSION-{aarch64,x86_64}-linux.tar.gz; do
    [ -f "$file" ] || { echo "test-dist: $file missing (make dist)" >&2; exit 1; }
done
check "SHA256SUMS matches the archives" bash -c "cd dist && sha256sum --quiet -c SHA256SUMS"

# A blob and the x86 test build's answer for one image.
"$X86_BIN/vgg-quantize" --weights $F/digits/vgg11_bn-digits.pth --calibration $F/digits/calibration \
    --labels $F/digits/labels.txt --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 \
    -o "$OUT/digits.vq8" > /dev/null 2> "$OUT/quantize.log" || { cat "$OUT/quantize.log" >&2; exit 1; }
image=$F/digits/heldout/0004.png
"$X86_BIN/vgg-run" "$OUT/digits.vq8" --top 3 "$image" > "$OUT/expected.txt" 2> /dev/null

for arch in aarch64 x86_64; do
    name=vgg-run-$VERSION-$arch-linux
    mkdir -p "$OUT/$arch"
    tar -C "$OUT/$arch" -xzf dist/$name.tar.gz
    dir=$OUT/$arch/$name
    bin=$dir/vgg-run
    echo "== $name.tar.gz: $(cd "$OUT/$arch" && find . -type f | sort | sed 's|^\./[^/]*/||' | tr '\n' ' ')"
    check "$arch: the archive holds one folder $name" test "$(ls "$OUT/$arch")" = "$name"
    for part in vgg-run README.txt NEEDED.txt LICENSE THIRD-PARTY.txt; do
        check "$arch: $part in the archive" test -s "$dir/$part"
    done
    for licence in "Apache License" "Unicode" "swift-argument-parser"; do
        check "$arch: THIRD-PARTY.txt holds the $licence licence" grep -q "$licence" "$dir/THIRD-PARTY.txt"
    done
    case $arch in
        aarch64) machine="ARM aarch64"; run=("$QEMU" -cpu cortex-a72 -L "$SYSROOT" "$bin") ;;
        x86_64) machine="x86-64"; run=("$bin") ;;
    esac
    description=$(file -b "$bin")
    echo "  file: ${description:0:90}"
    check "$arch: file says $machine ($description)" grep -q "ELF 64-bit LSB .*$machine" <<< "$description"
    needed=$(readelf -d "$bin" | grep NEEDED | sed 's/.*\[\(.*\)\]/\1/')
    echo "  needs: $(echo $needed)"
    check "$arch: no Swift shared library needed ($needed)" bash -c "! grep -q libswift <<< '$needed' && ! grep -q libFoundation <<< '$needed'"
    check "$arch: NEEDED.txt is readelf -d's list" test "$needed" = "$(cat "$dir/NEEDED.txt")"
    check "$arch: libpng and libjpeg among them" bash -c "grep -q libpng <<< '$needed' && grep -q libjpeg <<< '$needed'"
    glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
    echo "  glibc >= $glibc"
    check "$arch: README.txt states glibc $glibc" grep -q "glibc $glibc or newer" "$dir/README.txt"
    # The unpacked binary alone, run as a user would.
    check "$arch: --help" bash -c "$(printf '%q ' "${run[@]}") --help | grep -q 'USAGE: vgg-run'"
    "${run[@]}" "$OUT/digits.vq8" --top 3 "$image" > "$OUT/$arch.txt" 2> "$OUT/$arch.err" || true
    echo "  classifies $(basename $image): $(sed -n 2p "$OUT/$arch.txt" | tr -s ' ')"
    check "$arch: classifies $image as the x86 test build does ($(cat "$OUT/$arch.err"))" cmp -s "$OUT/$arch.txt" "$OUT/expected.txt"
done

echo "test-dist: $passed passed, $failures failed"
[ $failures = 0 ]
