#!/usr/bin/env bash
# ARM (AArch64) int8 kernels under qemu (`make test-arm`): cross-compiles the kernels and
# Tests/KernelDriver/kernel_test.c, then runs the driver on four emulated CPUs, each of which must
# dispatch to the expected kernel and match the scalar kernel, and the Swift reference's
# expected results ($VGG_KERNEL_CASES, written by the Swift test KernelCaseFileTests; `make
# test-arm` writes it first) bit for bit.
#
# Environment: CC_AARCH64 (default aarch64-linux-gnu-gcc; clang works too:
#   CC_AARCH64="/opt/swift/usr/bin/clang --target=aarch64-linux-gnu"),
#   QEMU_AARCH64 (default qemu-aarch64), VGG_TEST_SEED (the seed of every random test, Swift's
#   too; default: random, printed), ARM_TEST_ARGS (extra driver arguments, e.g. --quick or
#   --require-cases).
set -euo pipefail

cd "$(dirname "$0")/.."
CC_AARCH64=${CC_AARCH64:-aarch64-linux-gnu-gcc}
QEMU_AARCH64=${QEMU_AARCH64:-qemu-aarch64}
OUT=.build/arm
CASES=${VGG_KERNEL_CASES:-.build/arm/cases.bin}

missing=()
command -v "${CC_AARCH64%% *}" >/dev/null 2>&1 || missing+=("cross compiler ${CC_AARCH64%% *}")
command -v "$QEMU_AARCH64" >/dev/null 2>&1 || missing+=("$QEMU_AARCH64")
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-arm: missing: ${missing[*]}" >&2
    echo "install with: sudo apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user" >&2
    exit 1
fi

K=Sources/CInt8Kernels
mkdir -p "$OUT"
# Every C file of the target, as SwiftPM compiles them on an ARM board (x86/ and cpu_x86.c must
# compile to nothing there, cpu_generic.c must not define q8_cpu_features twice), with the driver.
mapfile -t sources < <(find "$K" -name '*.c' | LC_ALL=C sort)
echo "== build: $CC_AARCH64 -O2 -static -> $OUT/kernel_test (${#sources[@]} files of $K + Tests/KernelDriver/kernel_test.c)"
# shellcheck disable=SC2086  # CC_AARCH64 may carry flags (--target=...)
{
    # the ARM files and the driver: warning-free
    $CC_AARCH64 -O2 -std=c11 -Wall -Wextra -Werror -fsyntax-only -I "$K/include" -I "$K" \
        Tests/KernelDriver/kernel_test.c "$K/cpu_arm.c" "$K"/arm/*.c
    $CC_AARCH64 -O2 -static -std=c11 -Wall -Wextra -I "$K/include" -I "$K" \
        -o "$OUT/kernel_test" Tests/KernelDriver/kernel_test.c "${sources[@]}" -lm
    # the kernel micro-benchmark too, run below for correctness only (--small, 1 run)
    $CC_AARCH64 -O2 -static -std=gnu11 -Wall -Wextra -Werror -I "$K/include" -o "$OUT/q8bench" Benchmarks/kernels/bench.c "${sources[@]}"
}

seed=${VGG_TEST_SEED:-$(( (RANDOM << 16) ^ RANDOM ^ $$ ))}
echo "test-arm: VGG_TEST_SEED=$seed"
args=(--seed "$seed")
if [ -f "$CASES" ]; then
    args+=(--cases "$CASES")
else
    echo "note: $CASES does not exist yet (written by the Swift reference); running the random grid only"
fi
# shellcheck disable=SC2206
args+=(${ARM_TEST_ARGS:-})

status=0
summary=()
for cpu_expect in cortex-a53:neon cortex-a72:neon cortex-a76:neondot max:neondot; do
    cpu=${cpu_expect%%:*}
    expect=${cpu_expect##*:}
    echo
    echo "== qemu-aarch64 -cpu $cpu (expect $expect)"
    start=$(date +%s%N)
    if "$QEMU_AARCH64" -cpu "$cpu" "$OUT/kernel_test" --expect "$expect" "${args[@]}"; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    summary+=("$(printf '%-11s expect %-8s %s (%d.%01d s)' "$cpu" "$expect" "$result" $((ms / 1000)) $((ms % 1000 / 100)))")
done

# Benchmarks/kernels on VGG16's channel counts (small maps): every ARM kernel this CPU runs against
# the scalar kernel; the emulated times mean nothing
for cpu in cortex-a72 max; do
    echo
    echo "== qemu-aarch64 -cpu $cpu: Benchmarks/kernels/bench.c --small (correctness only)"
    if "$QEMU_AARCH64" -cpu "$cpu" "$OUT/q8bench" --small "" 1 > "$OUT/q8bench.$cpu.txt"; then
        result=ok
    else
        result=FAILED
        status=1
        cat "$OUT/q8bench.$cpu.txt"
    fi
    tail -1 "$OUT/q8bench.$cpu.txt"
    summary+=("$(printf '%-11s q8bench --small %s (%s)' "$cpu" "$result" "$(tail -1 "$OUT/q8bench.$cpu.txt" | cut -d: -f1)")")
done

echo
echo "== test-arm summary (VGG_TEST_SEED=$seed)"
printf '  %s\n' "${summary[@]}"
exit $status
