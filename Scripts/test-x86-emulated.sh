#!/usr/bin/env bash
# The AVX-512 VNNI and AVX-VNNI kernels on any x86-64 CPU, with or without them (qemu 7.2
# emulates neither; on a CPU that has them the Swift kernel tests and Scripts/test-kernels-native.sh
# also run them natively): their unchanged source (the six kernel files, conv3x3, linear and
# linear4 of each, which instantiate x86/q8_dot4_template.h) is compiled against SIMDe (SIMD Everywhere, libsimde-dev), which
# implements the intrinsics in portable C, through the stand-in Tests/X86Emulated/immintrin.h,
# and the driver Tests/KernelDriver/kernel_test.c compares them
# with the scalar kernel over its random grid (guard pages, sentinels) and with the Swift
# reference's expected results ($VGG_KERNEL_CASES, default .build/arm/cases.bin, when present).
# Checks the kernels' logic (layout, tiling, tails, masks, requantization), not their speed or
# encoding: the intrinsics themselves are SIMDe's, self-checked first by
# Tests/X86Emulated/shim_check.c.
#
# Environment: X86_EMU_CC (default cc; /opt/swift/usr/bin/clang works too; no -m flags),
#   VGG_TEST_SEED (the seed of every random test, Swift's too; default: random, printed),
#   X86_EMU_ARGS (extra driver arguments, e.g. --require-cases or --quick), X86_EMU_KERNEL_DIR
#   (default Sources/CInt8Kernels/x86: the directory of the six kernel files and the dot4
#   template they include, to test a modified copy elsewhere).
set -euo pipefail

cd "$(dirname "$0")/.."
CC=${X86_EMU_CC:-cc}
K=Sources/CInt8Kernels
KDIR=${X86_EMU_KERNEL_DIR:-$K/x86}
E=Tests/X86Emulated
OUT=.build/x86-emulated
CASES=${VGG_KERNEL_CASES:-.build/arm/cases.bin}

if ! command -v "${CC%% *}" >/dev/null 2>&1; then
    echo "test-x86-emulated: compiler ${CC%% *} not found" >&2
    exit 1
fi
# shellcheck disable=SC2086  # CC may carry flags
if ! echo '#include <simde/x86/avx512.h>' | $CC -E -x c - >/dev/null 2>&1; then
    echo "test-x86-emulated: SIMDe headers (simde/x86/avx512.h) not found" >&2
    echo "install with: sudo apt-get install -y libsimde-dev" >&2
    exit 1
fi
simde=$(echo '#include <simde/simde-common.h>
SIMDE_VERSION_MAJOR.SIMDE_VERSION_MINOR.SIMDE_VERSION_MICRO' | $CC -E -P -x c - 2>/dev/null | tail -1 | tr -d ' ')

mkdir -p "$OUT"
start=$(date +%s%N)
flags=(-O2 -std=c11 -Wall -Wextra -Wno-psabi)
echo "== build: $CC ${flags[*]}, SIMDe $simde, kernels from $KDIR -> $OUT/"
# shellcheck disable=SC2086
{
    # the emulation's self-check, then the kernels: `-I $E` first, so <immintrin.h> is the stand-in;
    # `-I $KDIR -I $K/x86` so a copy's "../kernels_internal.h" resolves too
    $CC "${flags[@]}" -I "$E" -o "$OUT/shim_check" "$E/shim_check.c"
    objects=()
    for kernel in q8_conv3x3_16x8c4__avx512vnni q8_linear_16x1c4__avx512vnni q8_linear4_16x1c8__avx512vnni \
        q8_conv3x3_16x6c4__avxvnni q8_linear_16x1c4__avxvnni q8_linear4_16x1c8__avxvnni; do
        $CC "${flags[@]}" -Werror -I "$E" -I "$K/include" -I "$K" -I "$KDIR" -I "$K/x86" -c "$KDIR/$kernel.c" -o "$OUT/$kernel.o"
        objects+=("$OUT/$kernel.o")
    done
    # the driver with the scalar kernels and the emulated list (instead of kernel_list.c, cpu_x86.c)
    $CC "${flags[@]}" -I "$K/include" -I "$K" -o "$OUT/kernel_test" Tests/KernelDriver/kernel_test.c "$K"/portable/q8_*__scalar.c \
        "$K/portable/q8_wino.c" "$E/emulated_kernel_list.c" "${objects[@]}" -lm
}

echo
echo "== emulation self-check"
"$OUT/shim_check"

seed=${VGG_TEST_SEED:-$(( (RANDOM << 16) ^ RANDOM ^ $$ ))}
echo "test-x86-emulated: VGG_TEST_SEED=$seed"
args=(--expect avx512vnni --seed "$seed")
if [ -f "$CASES" ]; then
    args+=(--cases "$CASES")
else
    echo "note: $CASES does not exist yet (written by the Swift reference); running the random grid only"
fi
# shellcheck disable=SC2206
args+=(${X86_EMU_ARGS:-})

echo
echo "== $OUT/kernel_test ${args[*]}"
status=0
"$OUT/kernel_test" "${args[@]}" || status=1
ms=$(( ($(date +%s%N) - start) / 1000000 ))

echo
echo "== test-x86-emulated summary (VGG_TEST_SEED=$seed, SIMDe $simde, $CC): $([ $status = 0 ] && echo ok || echo FAILED) in $((ms / 1000)).$((ms % 1000 / 100)) s"
exit $status
