#!/usr/bin/env bash
# ARM speed on paper (Docs/Performance.md, "ARM boards: an estimate"): compiles the ARM kernel
# files (neon: the direct and Winograd kernels; neondot; one .s per ISA) to AArch64 assembly with the compiler of the cross-build (the trixie root
# of Scripts/cross-aarch64.sh: Debian 13's swiftlang clang), then Scripts/arm_estimate.py runs
# llvm-mca (Debian 13's llvm-19, installed into the root on first use) on their inner loops.
# Not part of `make test`: it measures nothing, it models.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.build/arm-estimate
Scripts/cross-aarch64.sh setup
Scripts/cross-aarch64.sh run "command -v llvm-mca-19 >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends llvm-19 >/dev/null; }" \
    || { echo "arm-estimate: could not get package llvm-19 (trixie, amd64)" >&2; exit 1; }
mkdir -p "$OUT"
# -O2: what SwiftPM gives C targets in a release build
Scripts/cross-aarch64.sh run "cd /src && /usr/libexec/swift/bin/clang --version | head -1 && llvm-mca-19 --version | grep 'LLVM version' && \
  for k in neon neondot; do for f in Sources/CInt8Kernels/arm/q8_*__\$k.c; do \
    /usr/libexec/swift/bin/clang --target=aarch64-linux-gnu --sysroot=/opt/aarch64-sysroot -O2 -S \
    -I Sources/CInt8Kernels/include -I Sources/CInt8Kernels \$f -o -; done > $OUT/\$k.s; done"
python3 Scripts/arm_estimate.py "$OUT" bash -c 'Scripts/cross-aarch64.sh run "llvm-mca-19 $*"' _
