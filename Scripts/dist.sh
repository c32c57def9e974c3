#!/usr/bin/env bash
# `make dist`: the downloads for boards and PCs.
#   dist/vgg-run-VERSION-aarch64-linux.tar.gz   cross-built (Scripts/cross-aarch64.sh), Swift 6.0.3
#   dist/vgg-run-VERSION-x86_64-linux.tar.gz    built here, with this machine's Swift
#   dist/SHA256SUMS
# Each archive holds one folder vgg-run-VERSION-ARCH-linux/ with
#   vgg-run          the binary, Swift runtime and Foundation linked in (--static-swift-stdlib), stripped
#   README.txt       what it needs (glibc version, shared libraries) and how to run it
#   NEEDED.txt       `readelf -d` of the binary: the shared libraries it loads
#   LICENSE          this project's licence
#   THIRD-PARTY.txt  the licences of what is linked in (Swift runtime, Foundation, ICU, swift-argument-parser)
# Archives are written to a temporary name and renamed, so a dist/ file is never half-written.
# Scripts/test-dist.sh checks them.
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=$(cat VERSION)
SWIFT=${SWIFT:-swift}
DIST=dist
STAGE=.build/dist-stage
mkdir -p "$DIST" "$STAGE"

fail() { echo "dist: $*" >&2; exit 1; }

# Highest GLIBC_ symbol version the binary asks for: the oldest glibc that runs it.
min_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1; }

package() {
    local arch=$1 binary=$2 strip=$3 swift_version=$4 licences=$5
    local name=vgg-run-$VERSION-$arch-linux
    local folder=$STAGE/$name
    rm -rf "$folder"
    mkdir -p "$folder"
    cp "$binary" "$folder/vgg-run"
    # Symbols and debug info only; Swift's runtime metadata lives in sections strip keeps.
    $strip "$folder/vgg-run"
    readelf -d "$folder/vgg-run" | grep NEEDED | sed 's/.*\[\(.*\)\]/\1/' > "$folder/NEEDED.txt"
    local glibc; glibc=$(min_glibc "$folder/vgg-run")
    cp LICENSE "$folder/LICENSE"
    {
        echo "vgg-run $VERSION for $arch Linux links these in (--static-swift-stdlib):"
        echo "- the Swift runtime, Foundation and Dispatch ($swift_version): Apache License 2.0 with the Runtime"
        echo "  Library Exception;"
        echo "- ICU, inside Foundation: the Unicode licence;"
        echo "- swift-argument-parser: Apache License 2.0."
        echo "Their licences follow: swift-argument-parser's LICENSE.txt, and Debian's copyright file of"
        echo "its swiftlang package, which holds the licences of the Swift runtime, Foundation and ICU."
        echo
        for file in $licences; do
            echo "==== $(basename "$file")"
            cat "$file"
            echo
        done
    } > "$folder/THIRD-PARTY.txt"
    {
        echo "vgg-run $VERSION, $arch Linux"
        echo
        echo "Classifies images with an int8 VGG blob written by vgg-quantize, with integer-only kernels"
        echo "(the best this CPU runs, chosen at start; VGG_KERNELS=name restricts the choice)."
        echo
        echo "Needs: glibc $glibc or newer and these shared libraries (NEEDED.txt):"
        sed 's/^/  /' "$folder/NEEDED.txt"
        echo "The Swift runtime and Foundation are linked in: no Swift installation is needed."
        echo "On Debian and Raspberry Pi OS: sudo apt install libpng16-16t64 libjpeg62-turbo"
        echo "(Debian 12 / Raspberry Pi OS 12: libpng16-16). Which systems qualify: Docs/Deploying.md."
        echo
        echo "Run:"
        echo "  ./vgg-run model.vq8 photo.jpg --top 5"
        echo "  ./vgg-run model.vq8 photo.jpg --benchmark 20 --json"
        echo "  ./vgg-run --help"
        echo
        echo "Built by $swift_version; project licence: LICENSE; linked-in code: THIRD-PARTY.txt."
    } > "$folder/README.txt"
    local archive=$DIST/$name.tar.gz
    tar --owner=0 --group=0 --numeric-owner -C "$STAGE" -czf "$archive.partial" "$name"
    mv "$archive.partial" "$archive"
    echo "== dist: $archive ($(du -h "$archive" | cut -f1); binary $(du -h "$folder/vgg-run" | cut -f1), glibc >= $glibc)"
}

# x86-64: this machine's toolchain, its own scratch folder (the stdlib linked statically).
echo "== dist: x86_64 vgg-run (swift build -c release --static-swift-stdlib)"
x86_bin=.build/dist-x86_64/release/vgg-run
rm -f "$x86_bin"
$SWIFT build -c release --product vgg-run --static-swift-stdlib --scratch-path .build/dist-x86_64 > "$STAGE/x86_64-build.log" 2>&1 \
    || { grep -v '^\[' "$STAGE/x86_64-build.log" >&2; fail "the x86_64 build failed"; }
[ -x "$x86_bin" ] || fail "the x86_64 build wrote no $x86_bin"
x86_swift=$($SWIFT --version 2>&1 | grep -o 'Swift version [0-9.]*' | head -1)
# The licence texts: swift-argument-parser's own, and Debian's copyright file of swiftlang, which
# holds those of the Swift runtime, Foundation and swift-foundation-icu (ICU's Unicode licence):
# the same upstream projects for both archives (the cross toolchain's root has the file).
Scripts/cross-aarch64.sh setup > /dev/null
sysroot=$(Scripts/cross-aarch64.sh sysroot)
swiftlang_copyright=$(dirname "$(dirname "$sysroot")")/usr/share/doc/swiftlang/copyright
[ -f "$swiftlang_copyright" ] || fail "no $swiftlang_copyright (the licences of the linked-in Swift runtime)"
package x86_64 "$x86_bin" strip "$x86_swift" \
    "$swiftlang_copyright .build/dist-x86_64/checkouts/swift-argument-parser/LICENSE.txt"

# aarch64: the cross-build, with Debian 13's Swift.
Scripts/cross-aarch64.sh build
package aarch64 .build/aarch64/aarch64-unknown-linux-gnu/release/vgg-run aarch64-linux-gnu-strip \
    "$(Scripts/cross-aarch64.sh swift-version), Debian 13's swiftlang" \
    "$swiftlang_copyright .build/aarch64/checkouts/swift-argument-parser/LICENSE.txt"

(cd "$DIST" && sha256sum vgg-run-"$VERSION"-*-linux.tar.gz > SHA256SUMS.partial && mv SHA256SUMS.partial SHA256SUMS)
echo "== dist: $DIST/SHA256SUMS"
cat "$DIST/SHA256SUMS"
# run through sudo: leave the outputs to the user who owns the clone
if [ -n "${SUDO_UID:-}" ]; then chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$DIST" "$STAGE" .build/dist-x86_64; fi
