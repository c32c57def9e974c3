#!/usr/bin/env bash
# Checks the archives `make dist` wrote (part of `make test`), as a user would receive them:
# unpacked in an empty folder, nothing else of the project on the path.
#   - the folder holds vgg-run, README.txt, NEEDED.txt, LICENSE, THIRD-PARTY.txt, and SHA256SUMS matches;
#   - `file` names the right architecture and says statically linked; `readelf -d` lists no
#     shared library (no libswiftCore, no libc) and NEEDED.txt says so; README.txt states the
#     oldest kernel (`file`'s "for GNU/Linux X") and nothing else; THIRD-PARTY.txt holds the
#     licences of everything linked in;
#   - the archive and the binary are no bigger than their ceilings (a little above the sizes
#     measured when the ceiling was set), so that growth shows up in review;
#   - the binary prints --help and classifies a bundled image exactly as the x86 test build does
#     (the aarch64 one under qemu-aarch64 -cpu cortex-a72, with no sysroot: nothing to load).
#
# Environment: X86_BIN (default .build/test/release: vgg-quantize and vgg-run for x86),
#   QEMU_AARCH64 (default qemu-aarch64).
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=$(cat VERSION)
X86_BIN=${X86_BIN:-.build/test/release}
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
# shellcheck source=Scripts/digits-blob.sh
. Scripts/digits-blob.sh
digits_blob "$X86_BIN/vgg-quantize" "$OUT/digits.vq8" || exit 1
image=$F/digits/heldout/0004.png
"$X86_BIN/vgg-run" "$OUT/digits.vq8" --top 3 "$image" > "$OUT/expected.txt" 2> /dev/null

# Size ceilings in bytes, about 8% above what `make dist` wrote on 2026-12-06 (Docs/Deploying.md):
# aarch64 archive 5,555,773 and binary 13,865,992; x86_64 archive 6,256,485 and binary 16,153,200.
# About half of each binary is FoundationEssentials, which swift-argument-parser imports. Raise a
# ceiling only with the reason in the commit.
declare -A ARCHIVE_CEILING=([aarch64]=6000000 [x86_64]=6800000)
declare -A BINARY_CEILING=([aarch64]=15000000 [x86_64]=17500000)

for arch in aarch64 x86_64; do
    name=vgg-run-$VERSION-$arch-linux
    mkdir -p "$OUT/$arch"
    tar -C "$OUT/$arch" -xzf dist/$name.tar.gz
    dir=$OUT/$arch/$name
    bin=$dir/vgg-run
    echo "== $name.tar.gz: $(cd "$OUT/$arch" && find . -type f | sort | sed 's|^\./[^/]*/||' | tr '\n' ' ')"
    check "$arch: the archive holds one folder $name" test "$(ls "$OUT/$arch")" = "$name"
    archive_size=$(stat -c %s dist/$name.tar.gz)
    binary_size=$(stat -c %s "$bin")
    echo "  sizes: archive $archive_size bytes (ceiling ${ARCHIVE_CEILING[$arch]}), vgg-run $binary_size (ceiling ${BINARY_CEILING[$arch]})"
    check "$arch: archive $archive_size bytes <= ${ARCHIVE_CEILING[$arch]}" test "$archive_size" -le "${ARCHIVE_CEILING[$arch]}"
    check "$arch: vgg-run $binary_size bytes <= ${BINARY_CEILING[$arch]}" test "$binary_size" -le "${BINARY_CEILING[$arch]}"
    for part in vgg-run README.txt NEEDED.txt LICENSE THIRD-PARTY.txt; do
        check "$arch: $part in the archive" test -s "$dir/$part"
    done
    # the licence texts themselves (after the summary): words only they contain
    sed '1,/^====/d' "$dir/THIRD-PARTY.txt" > "$OUT/$arch.licences"
    check "$arch: THIRD-PARTY.txt holds 8 licence files" test "$(grep -c '^==== ' "$dir/THIRD-PARTY.txt")" = 8
    for phrase in "TERMS AND CONDITIONS FOR USE, REPRODUCTION" "Unicode, Inc" "GNU LESSER GENERAL PUBLIC LICENSE" \
                  "GCC RUNTIME LIBRARY EXCEPTION" "PNG Reference Library" "Independent JPEG Group" "Jean-loup Gailly"; do
        check "$arch: THIRD-PARTY.txt holds the licence text with \"$phrase\"" grep -q -i "$phrase" "$OUT/$arch.licences"
    done
    case $arch in
        # (QEMU_LD_PREFIX: no library prefix at all, not even qemu's default /etc/qemu-binfmt/aarch64)
        aarch64) machine="ARM aarch64"; run=(env QEMU_LD_PREFIX=/nonexistent "$QEMU" -cpu cortex-a72 "$bin") ;;
        x86_64) machine="x86-64"; run=("$bin") ;;
    esac
    description=$(file -b "$bin")
    echo "  file: ${description:0:100}"
    check "$arch: file says $machine ($description)" grep -q "ELF 64-bit LSB .*$machine" <<< "$description"
    check "$arch: file says statically linked" grep -q "statically linked" <<< "$description"
    needed=$(readelf -d "$bin" | grep NEEDED || true)
    check "$arch: no shared library needed, libswiftCore or other ($needed)" test -z "$needed"
    check "$arch: NEEDED.txt says none" grep -q "^none: statically linked" "$dir/NEEDED.txt"
    kernel=$(file -b "$bin" | grep -o 'for GNU/Linux [0-9.]*' | awk '{print $3}')
    echo "  needs Linux >= $kernel, nothing else"
    check "$arch: file names the oldest kernel" test -n "$kernel"
    check "$arch: README.txt states the kernel ($kernel) and nothing else" grep -q "Needs: Linux $kernel or newer on $arch, nothing else" "$dir/README.txt"
    # The unpacked binary alone, run as a user would.
    check "$arch: --help" bash -c "$(printf '%q ' "${run[@]}") --help | grep -q 'USAGE: vgg-run'"
    "${run[@]}" "$OUT/digits.vq8" --top 3 "$image" > "$OUT/$arch.txt" 2> "$OUT/$arch.err" || true
    echo "  classifies $(basename $image): $(sed -n 2p "$OUT/$arch.txt" | tr -s ' ')"
    check "$arch: classifies $image as the x86 test build does ($(cat "$OUT/$arch.err"))" cmp -s "$OUT/$arch.txt" "$OUT/expected.txt"
done

echo "test-dist: $passed passed, $failures failed"
[ $failures = 0 ]
