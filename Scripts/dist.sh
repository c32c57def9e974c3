#!/usr/bin/env bash
# `make dist`: the downloads for boards and PCs.
#   dist/vgg-run-VERSION-aarch64-linux.tar.gz   cross-built (Scripts/cross-aarch64.sh), Swift 6.0.3
#   dist/vgg-run-VERSION-x86_64-linux.tar.gz    built here, with this machine's Swift
#   dist/SHA256SUMS
# Each archive holds one folder vgg-run-VERSION-ARCH-linux/ with
#   vgg-run          the binary, statically linked (--static-swift-stdlib -static-executable), stripped
#   README.txt       what it needs (a Linux kernel version, nothing else) and how to run it
#   NEEDED.txt       `readelf -d` of the binary: the shared libraries it loads (none)
#   LICENSE          this project's licence
#   THIRD-PARTY.txt  the licences of what is linked in (Swift runtime, FoundationEssentials,
#                    swift-argument-parser, glibc, libstdc++, libpng, libjpeg-turbo, zlib)
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

# The oldest Linux kernel the binary runs on (`file`: "for GNU/Linux 3.7.0").
min_kernel() { file -b "$1" | grep -o 'for GNU/Linux [0-9.]*' | awk '{print $3}'; }

# package ARCH BINARY STRIP SWIFT_VERSION DOC_ROOT SWIFTLANG_COPYRIGHT PARSER_LICENCE GLIBC_VERSION SYSTEMS
# DOC_ROOT: the /usr/share/doc of the system whose static libraries went in (the licences of
# glibc, libstdc++, libpng, libjpeg-turbo and zlib, as Debian ships them).
package() {
    local arch=$1 binary=$2 strip=$3 swift_version=$4 docs=$5 swiftlang_copyright=$6 parser_licence=$7 glibc=$8 systems=$9
    local name=vgg-run-$VERSION-$arch-linux
    local folder=$STAGE/$name
    rm -rf "$folder"
    mkdir -p "$folder"
    cp "$binary" "$folder/vgg-run"
    # Symbols and debug info only; Swift's runtime metadata lives in sections strip keeps.
    $strip "$folder/vgg-run"
    file -b "$folder/vgg-run" | grep -q 'statically linked' || fail "$binary is not statically linked"
    local needed; needed=$(readelf -d "$folder/vgg-run" | grep NEEDED | sed 's/.*\[\(.*\)\]/\1/' || true)
    echo "${needed:-none: statically linked (readelf -d: no dynamic section)}" > "$folder/NEEDED.txt"
    local kernel; kernel=$(min_kernel "$folder/vgg-run")
    [ -n "$kernel" ] || fail "file names no minimum Linux version for $binary"
    cp LICENSE "$folder/LICENSE"
    # (libstdc++6's doc folder is a link to gcc-N-base's)
    local libstdcxx=$docs/libstdc++6/copyright
    local licences=("$swiftlang_copyright" "$parser_licence" "$docs/libc6/copyright" /usr/share/common-licenses/LGPL-2.1
                    "$libstdcxx" "$docs/libpng16-16"*/copyright "$docs/libjpeg62-turbo/copyright" "$docs/zlib1g/copyright")
    {
        echo "vgg-run $VERSION for $arch Linux is statically linked. It holds:"
        echo "- the Swift runtime, FoundationEssentials and Dispatch ($swift_version): Apache License 2.0 with"
        echo "  the Runtime Library Exception (no ICU: Foundation proper is not linked);"
        echo "- swift-argument-parser: Apache License 2.0;"
        echo "- the GNU C Library (glibc): GNU Lesser General Public License 2.1 or later. To relink vgg-run"
        echo "  with a modified glibc, build it from this project's source (make cross-aarch64, or"
        echo "  swift build -c release --product vgg-run --static-swift-stdlib -Xswiftc -static-executable);"
        echo "  the glibc linked in is Debian's $glibc, whose source is Debian's glibc source package of"
        echo "  that version (https://snapshot.debian.org/package/glibc/$glibc/);"
        echo "- libstdc++ and libgcc: GPL 3 with the GCC Runtime Library Exception;"
        echo "- libpng (PNG Reference Library licence), libjpeg-turbo (IJG and BSD-style), zlib (zlib licence)."
        echo "Their licences follow: Debian's copyright file of its swiftlang package (Swift, Foundation, ICU),"
        echo "swift-argument-parser's LICENSE.txt, then Debian's copyright files of libc6 (with the LGPL 2.1),"
        echo "libstdc++6, libpng16, libjpeg62-turbo and zlib1g."
        echo
        for file in "${licences[@]}"; do
            [ -f "$file" ] || fail "licence file $file missing"
            echo "==== $file"
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
        echo "Needs: Linux $kernel or newer on $arch, nothing else. The binary is statically linked: the"
        echo "Swift runtime, FoundationEssentials, glibc, libstdc++, libpng, libjpeg-turbo and zlib are inside"
        echo "(NEEDED.txt: no shared libraries). $systems"
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
    echo "== dist: $archive ($(du -h "$archive" | cut -f1); binary $(du -h "$folder/vgg-run" | cut -f1), static, Linux >= $kernel)"
}

# The licence texts of the Swift runtime, Foundation and swift-foundation-icu: Debian's copyright
# file of swiftlang (the same upstream projects for both archives; the cross toolchain's root has it).
Scripts/cross-aarch64.sh setup > /dev/null
sysroot=$(Scripts/cross-aarch64.sh sysroot)
root=$(Scripts/cross-aarch64.sh root)
swiftlang_copyright=$root/usr/share/doc/swiftlang/copyright
[ -f "$swiftlang_copyright" ] || fail "no $swiftlang_copyright (the licences of the linked-in Swift runtime)"

# x86-64: this machine's toolchain and static libraries, its own scratch folder.
echo "== dist: x86_64 vgg-run (swift build -c release --static-swift-stdlib -static-executable)"
x86_bin=.build/dist-x86_64/release/vgg-run
rm -f "$x86_bin"
$SWIFT build -c release --product vgg-run --static-swift-stdlib -Xswiftc -static-executable --scratch-path .build/dist-x86_64 \
    > "$STAGE/x86_64-build.log" 2>&1 || { grep -v '^\[' "$STAGE/x86_64-build.log" >&2; fail "the x86_64 build failed"; }
[ -x "$x86_bin" ] || fail "the x86_64 build wrote no $x86_bin"
x86_swift=$($SWIFT --version 2>&1 | grep -o 'Swift version [0-9.]*' | head -1)
package x86_64 "$x86_bin" strip "$x86_swift" /usr/share/doc "$swiftlang_copyright" \
    .build/dist-x86_64/checkouts/swift-argument-parser/LICENSE.txt "$(dpkg-query -W -f='${Version}' libc6-dev)" \
    "It runs on any x86-64 Linux with a kernel that new: Debian 11-13, Ubuntu 20.04 and later, RHEL 8 and later alike."

# aarch64: the cross-build (static), with Debian 13's Swift and its arm64 libraries.
Scripts/cross-aarch64.sh build
# (the licences from the sysroot: the arm64 packages whose static libraries went in)
arm64_glibc=$(basename "$(ls "$root"/opt/arm64-debs/libc6-dev_*_arm64.deb)" | cut -d_ -f2)
package aarch64 .build/aarch64/aarch64-unknown-linux-gnu/release/vgg-run aarch64-linux-gnu-strip \
    "$(Scripts/cross-aarch64.sh swift-version), Debian 13's swiftlang" "$sysroot/usr/share/doc" "$swiftlang_copyright" \
    .build/aarch64/checkouts/swift-argument-parser/LICENSE.txt "$arm64_glibc" \
    "It runs on any 64-bit ARM Linux (an arm64 kernel): Raspberry Pi OS 12 and 13 64-bit, Debian 11-13, Ubuntu 20.04 and later, Jetson Linux 35-36, Armbian. Not on a 32-bit (armhf) system."

(cd "$DIST" && sha256sum vgg-run-"$VERSION"-*-linux.tar.gz > SHA256SUMS.partial && mv SHA256SUMS.partial SHA256SUMS)
echo "== dist: $DIST/SHA256SUMS"
cat "$DIST/SHA256SUMS"
# run through sudo: leave the outputs to the user who owns the clone
if [ -n "${SUDO_UID:-}" ]; then chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$DIST" "$STAGE" .build/dist-x86_64; fi
