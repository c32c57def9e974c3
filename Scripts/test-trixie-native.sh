#!/usr/bin/env bash
# The apt path of Docs/Deploying.md, as a Debian 13 / Raspberry Pi OS 13 user runs it (part of
# `make test`): in the trixie root of Scripts/cross-aarch64.sh, which holds `swiftlang`,
# `libpng-dev`, `libjpeg-dev` and git and nothing else (no OpenBLAS, no OpenSSL, no pkg-config),
#   swift build -c release --product vgg-run
# (amd64 here; a board builds the same sources with the same compiler for arm64), then the binary
# must classify a bundled image exactly as the x86 test build does.
#
# Environment: X86_BIN (default .build/test/release: vgg-quantize and vgg-run built here).
set -euo pipefail
cd "$(dirname "$0")/.."
X86_BIN=${X86_BIN:-.build/test/release}
OUT=.build/trixie-native-check
SCRATCH=.build/trixie-native
F=Tests/Fixtures
mkdir -p "$OUT"

Scripts/cross-aarch64.sh setup > /dev/null
echo "== trixie root: swift build -c release --product vgg-run ($(Scripts/cross-aarch64.sh swift-version))"
start=$(date +%s)
rm -f "$SCRATCH/release/vgg-run"
Scripts/cross-aarch64.sh run "cd /src && swift build -c release --product vgg-run --scratch-path $SCRATCH > $OUT/build.log 2>&1" \
    || { grep -v '^\[' "$OUT/build.log"; echo "trixie-native: 0 passed, 1 failed (the build)"; exit 1; }
[ -x "$SCRATCH/release/vgg-run" ] || { echo "trixie-native: 0 passed, 1 failed (no $SCRATCH/release/vgg-run)"; exit 1; }
echo "   built in $(( $(date +%s) - start )) s"

"$X86_BIN/vgg-quantize" --weights $F/digits/vgg11_bn-digits.pth --calibration $F/digits/calibration \
    --labels $F/digits/labels.txt --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 \
    -o "$OUT/digits.vq8" > /dev/null 2> "$OUT/quantize.log" || { cat "$OUT/quantize.log" >&2; exit 1; }
images="$F/digits/heldout/0005.png $F/images/chelsea.jpg"
# shellcheck disable=SC2086
"$X86_BIN/vgg-run" "$OUT/digits.vq8" --top 3 --logits-out "$OUT/x86.npy" $images > "$OUT/x86.txt" 2> /dev/null
Scripts/cross-aarch64.sh run "cd /src && $SCRATCH/release/vgg-run $OUT/digits.vq8 --top 3 --logits-out $OUT/trixie.npy $images" \
    > "$OUT/trixie.txt" 2> "$OUT/trixie.err" \
    || { echo "FAIL: the trixie build did not run: $(cat "$OUT/trixie.err")"; echo "trixie-native: 0 passed, 1 failed"; exit 1; }
if cmp -s "$OUT/x86.txt" "$OUT/trixie.txt" && cmp -s "$OUT/x86.npy" "$OUT/trixie.npy"; then
    echo "   classifies $images as the x86 test build does (top-3 and logits byte-identical)"
    echo "trixie-native: 1 passed, 0 failed"
else
    diff "$OUT/x86.txt" "$OUT/trixie.txt" || true
    echo "trixie-native: 0 passed, 1 failed"
    exit 1
fi
