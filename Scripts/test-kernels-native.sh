#!/usr/bin/env bash
# The C kernels on this machine's own CPU, outside SwiftPM: builds every C file of the
# CInt8Kernels target with Tests/KernelDriver/kernel_test.c (warnings are errors, assertions
# on) and runs the driver: every kernel this CPU runs against the scalar kernel over the random
# grid (guard pages, sentinels; the pair-bounded kernel on pair-bounded copies), and against the
# Swift reference's expected results ($VGG_KERNEL_CASES, default .build/arm/cases.bin, written
# by the Swift test KernelCaseFileTests). Kernels this CPU lacks are listed as not run.
#
# Environment: KERNELS_CC (default cc; /opt/swift/usr/bin/clang, the package's compiler, works
#   too), VGG_TEST_SEED (the seed of every random test, Swift's too; default: random, printed),
#   KERNELS_ARGS (extra driver arguments, e.g. --require-cases or --quick), KERNELS_CFLAGS (extra
#   flags, e.g. "-fsanitize=address,undefined"), KERNELS_OUT (build folder, default .build/kernels-native).
set -euo pipefail

cd "$(dirname "$0")/.."
CC=${KERNELS_CC:-cc}
K=Sources/CInt8Kernels
OUT=${KERNELS_OUT:-.build/kernels-native}
CASES=${VGG_KERNEL_CASES:-.build/arm/cases.bin}

mkdir -p "$OUT"
mapfile -t sources < <(find "$K" -name '*.c' | LC_ALL=C sort)
# shellcheck disable=SC2206
flags=(-O2 -std=c11 -Wall -Wextra -Werror ${KERNELS_CFLAGS:-})
echo "== build: $CC ${flags[*]} -> $OUT/kernel_test (${#sources[@]} files of $K + Tests/KernelDriver/kernel_test.c)"
# shellcheck disable=SC2086  # CC may carry flags
$CC "${flags[@]}" -I "$K/include" -I "$K" -o "$OUT/kernel_test" Tests/KernelDriver/kernel_test.c "${sources[@]}" -lm

seed=${VGG_TEST_SEED:-$(( (RANDOM << 16) ^ RANDOM ^ $$ ))}
echo "test-kernels-native: VGG_TEST_SEED=$seed"
args=(--seed "$seed")
if [ -f "$CASES" ]; then
    args+=(--cases "$CASES")
else
    echo "note: $CASES does not exist yet (written by the Swift reference); running the random grid only"
fi
# shellcheck disable=SC2206
args+=(${KERNELS_ARGS:-})

echo
echo "== $OUT/kernel_test ${args[*]}"
status=0
"$OUT/kernel_test" "${args[@]}" || status=1
echo
echo "== test-kernels-native summary (VGG_TEST_SEED=$seed, $CC, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')): $([ $status = 0 ] && echo ok || echo FAILED)"
exit $status
