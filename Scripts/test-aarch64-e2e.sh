#!/usr/bin/env bash
# The whole runtime on emulated ARM (part of `make test`): the cross-built vgg-run
# (Scripts/cross-aarch64.sh) under qemu-aarch64 on four CPUs and three thread counts, against the
# x86 build on the same blobs and images.
#
# Asserts, for every CPU x threads x blob:
#   - the int8 logits (--logits-out) are byte-identical to x86's, and so is the printed top-k;
#   - dispatch picks the expected kernels (--json "kernel", the kernels used in list order): neon
#     on cortex-a53 and cortex-a72 (ARMv8.0, no dot product), neondot on cortex-a76 and max; on
#     the Winograd network (.build/arm/winograd.vq8, written by the Swift tests next to the kernel
#     cases: an F(4x4) and an F(2x2) layer), neonwino4+neonwino+neon on the ARMv8.0 cores
#     (Docs/Kernels.md, "Winograd on ARM": dispatched first where there is no dot product);
#   - --benchmark with --json reports a median, every layer, and the kernel's peak (its peak loop
#     runs on each CPU) with a fraction of it per layer;
# that the cross-build stops with one line naming what it could not get when no mirror answers;
# that the aarch64 C library gives the same printout through examples/c/classify.c and passes
# Tests/CAPI/capi_test.c on cortex-a53 and cortex-a76;
# and, once per CPU, that a truncated blob, a corrupt blob and undecodable images give the same
# one-line error and exit status as on x86, and that VGG_KERNELS naming a kernel the CPU lacks
# is one line naming what it has.
#
# Environment: X86_BIN (default .build/test/release: vgg-quantize and vgg-run for x86),
#   ARM_VGG_RUN (default .build/aarch64/aarch64-unknown-linux-gnu/release/vgg-run, static),
#   QEMU_AARCH64 (default qemu-aarch64),
#   E2E_CPUS (default "cortex-a53 cortex-a72 cortex-a76 max"), E2E_THREADS (default "1 2 4").
set -euo pipefail

cd "$(dirname "$0")/.."
X86_BIN=${X86_BIN:-.build/test/release}
ARM=${ARM_VGG_RUN:-.build/aarch64/aarch64-unknown-linux-gnu/release/vgg-run}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
CPUS=${E2E_CPUS:-cortex-a53 cortex-a72 cortex-a76 max}
THREADS=${E2E_THREADS:-1 2 4}
OUT=.build/aarch64-e2e
F=Tests/Fixtures

stop() { echo "test-aarch64-e2e: $*" >&2; echo "aarch64-e2e: 0 passed, 1 failed"; exit 1; }
for tool in "$X86_BIN/vgg-quantize" "$X86_BIN/vgg-run" "$ARM"; do
    [ -x "$tool" ] || stop "$tool not built (make test builds it)"
done
file -b "$ARM" | grep -q "ARM aarch64.*statically linked" || stop "$ARM is not a static aarch64 executable"
command -v "$QEMU" >/dev/null || stop "$QEMU not found (apt-get install qemu-user)"
command -v python3 >/dev/null || stop "python3 not found (apt-get install python3)"

rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
failures=0
passed=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { passed=$((passed + 1)); }
# (no -L: the binary is static, it loads nothing)
arm() { local cpu=$1; shift; QEMU_LD_PREFIX=/nonexistent "$QEMU" -cpu "$cpu" "$ARM" "$@"; }
# expected_kernel CPU BLOB: the --json "kernel" of a run
expected_kernel() {
    case $1 in
    cortex-a53|cortex-a72) if [ "$2" = winograd ]; then echo neonwino4+neonwino+neon; else echo neon; fi ;;
    *) echo neondot ;;
    esac
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

echo "== the cross-build on a machine that cannot get its packages (a fresh cache, a mirror that refuses)"
nocache=$(mktemp -d)
status=0
VGG_CROSS_CACHE=$nocache DEBIAN_MIRROR=http://127.0.0.1:9/debian Scripts/cross-aarch64.sh setup > $OUT/nomirror.out 2> $OUT/nomirror.err || status=$?
rm -rf "$nocache"
if [ $status != 0 ] && [ $status -lt 128 ] && grep -q "^cross-aarch64: could not get .*127.0.0.1:9" $OUT/nomirror.err; then
    pass; echo "  exit $status: $(grep '^cross-aarch64:' $OUT/nomirror.err)"
else fail "no mirror: exit $status: $(cat $OUT/nomirror.err)"; fi

echo "== blobs, by the x86 vgg-quantize"
# shellcheck source=Scripts/digits-blob.sh
. Scripts/digits-blob.sh
digits_blob "$X86_BIN/vgg-quantize" $OUT/digits.vq8 generic || stop "vgg-quantize failed"
digits_blob "$X86_BIN/vgg-quantize" $OUT/digits-pairs.vq8 x86_64-avx2 || stop "vgg-quantize failed"
quantize() { "$X86_BIN/vgg-quantize" "$@" > /dev/null 2> $OUT/quantize.log || { cat $OUT/quantize.log >&2; stop "vgg-quantize failed"; }; }
# vgg16_bn at reduced width (seeded random weights), at the full 224x224 input
quantize --arch vgg16_bn --weights $F/models/vgg16_bn.pth --calibration Calibration --calibration-count 4 \
    --target rpi4 -o $OUT/vgg16_bn.vq8
# the Winograd network: 68x64 input, an F(4x4) layer at 68x64 and an F(2x2) one at 34x32
WINOGRAD_BLOB=${VGG_WINOGRAD_BLOB:-.build/arm/winograd.vq8}
[ -f "$WINOGRAD_BLOB" ] || stop "$WINOGRAD_BLOB is missing: the Swift tests write it with VGG_KERNEL_CASES (make test, make test-arm)"
cp "$WINOGRAD_BLOB" $OUT/winograd.vq8
ls -l $OUT/*.vq8 | awk '{print "  " $NF ": " $5 " bytes"}'

# blob name -> images (PNG and JPEG, colour and grey)
declare -A images=(
    [digits]="$F/digits/heldout/0000.png $F/digits/heldout/0001.png $F/digits/heldout/0002.png $F/images/cat_small.jpg"
    [digits-pairs]="$F/digits/heldout/0003.png $F/images/chelsea.jpg"
    [vgg16_bn]="$F/images/astronaut.jpg $F/images/coffee.png $F/images/cmyk.jpg $F/images/bilevel.png"
    [winograd]="$F/images/chelsea.jpg $F/images/coffee.png"
)
blobs=(digits digits-pairs vgg16_bn winograd)

echo "== x86 logits"
for blob in "${blobs[@]}"; do
    # shellcheck disable=SC2086
    "$X86_BIN/vgg-run" $OUT/$blob.vq8 --threads 1 --top 3 --logits-out $OUT/$blob.x86.npy ${images[$blob]} \
        > $OUT/$blob.x86.txt 2> $OUT/x86.err || stop "x86 vgg-run on $blob failed: $(head -1 $OUT/x86.err)"
done

# bad input, made once; the same command must fail the same way on both machines
head -c 3000 $OUT/digits.vq8 > $OUT/truncated.vq8
cp $OUT/digits.vq8 $OUT/corrupt.vq8
size=$(stat -c %s $OUT/corrupt.vq8)
printf '\x5a' | dd of=$OUT/corrupt.vq8 bs=1 seek=$((size - 100)) conv=notrunc status=none
echo "not a png" > $OUT/broken.png
head -c 2000 $F/images/chelsea.jpg > $OUT/truncated.jpg
bad_cases=(
    "$OUT/truncated.vq8 $F/digits/heldout/0000.png"
    "$OUT/corrupt.vq8 $F/digits/heldout/0000.png"
    "$OUT/digits.vq8 $OUT/broken.png"
    "$OUT/digits.vq8 $OUT/truncated.jpg"
    "$OUT/missing.vq8 $F/digits/heldout/0000.png"
)

for cpu in $CPUS; do
    kernel=$(expected_kernel "$cpu" vgg16_bn)
    echo "== qemu-aarch64 -cpu $cpu (expect $kernel; Winograd network: $(expected_kernel "$cpu" winograd))"
    for blob in "${blobs[@]}"; do
        blob_kernel=$(expected_kernel "$cpu" "$blob")
        for threads in $THREADS; do
            run="$OUT/$blob.$cpu.t$threads"
            status=0
            # shellcheck disable=SC2086
            arm "$cpu" $OUT/$blob.vq8 --threads "$threads" --top 3 --logits-out $run.npy ${images[$blob]} \
                > $run.txt 2> $run.err || status=$?
            if [ $status != 0 ]; then fail "$cpu $blob $threads threads: exit $status ($(head -1 $run.err))"; continue; fi
            if cmp -s $run.npy $OUT/$blob.x86.npy && cmp -s $run.txt $OUT/$blob.x86.txt; then pass
            else fail "$cpu $blob $threads threads: logits or top-3 differ from x86 (cmp $run.npy $OUT/$blob.x86.npy)"; fi
            # shellcheck disable=SC2086
            got=$(arm "$cpu" $OUT/$blob.vq8 --threads "$threads" --json ${images[$blob]} 2> $run.err > $run.json \
                  && json_field $run.json kernel) || got="(no JSON: $(head -1 $run.err))"
            if [ "$got" = "$blob_kernel" ]; then pass; else fail "$cpu $blob: kernel $got, expected $blob_kernel"; fi
        done
        echo "  $blob (${images[$blob]//$F\//}): ${THREADS// /, } threads checked, kernel $got"
    done

    # --benchmark --json: a median and one entry per layer
    arm "$cpu" $OUT/vgg16_bn.vq8 --benchmark 2 --json --threads 2 $F/images/astronaut.jpg > $OUT/bench.$cpu.json 2> $OUT/bench.err \
        || echo "  --benchmark failed: $(head -1 $OUT/bench.err)"
    if python3 - $OUT/bench.$cpu.json "$kernel" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["kernel"] == sys.argv[2], report["kernel"]
assert 0 < report["median_ms"] <= report["p90_ms"], report
assert report["runs"] == 2 and report["threads"] == 2, report
layers = report["layers"]
assert len(layers) == 13 + 5 + 3, len(layers)  # vgg16_bn: 13 conv, 5 pools, 3 linear
assert all(layer["kernel"] == sys.argv[2] for layer in layers if layer.get("kernel")), layers
# the kernel's peak loop runs on this CPU: a peak, and a fraction of it for every layer with a kernel
assert [p["kernel"] for p in report["peaks"]] == [sys.argv[2]] and report["peaks"][0]["gmac_per_s_per_thread"] > 0, report["peaks"]
assert all(layer["of_peak"] > 0 for layer in layers if layer.get("kernel")), layers
print(f"  --benchmark: median {report['median_ms']:.0f} ms emulated, {len(layers)} layers, kernel {report['kernel']}, "
      f"peak loop {report['peaks'][0]['gmac_per_s_per_thread']:.2f} GMAC/s emulated")
EOF
    then pass; else fail "$cpu --benchmark --json report"; fi

    # bad input: the x86 line and status, exactly
    for case in "${bad_cases[@]}"; do
        # shellcheck disable=SC2086
        x86_status=0; "$X86_BIN/vgg-run" $case > /dev/null 2> $OUT/bad.x86.err || x86_status=$?
        # shellcheck disable=SC2086
        arm_status=0; arm "$cpu" $case > /dev/null 2> $OUT/bad.arm.err || arm_status=$?
        # (a bad image is its own line, then the run's summary, whose timings differ: dropped)
        for machine in x86 arm; do sed -i '/ int8: [0-9]* image(s) in /d' $OUT/bad.$machine.err; done
        lines=$(wc -l < $OUT/bad.arm.err)
        if [ "$arm_status" = "$x86_status" ] && [ "$arm_status" != 0 ] && [ "$arm_status" -lt 128 ] && [ "$lines" = 1 ] \
                && cmp -s $OUT/bad.x86.err $OUT/bad.arm.err; then pass
        else fail "$cpu bad input ($case): exit $arm_status vs x86 $x86_status: $(cat $OUT/bad.arm.err) | x86: $(cat $OUT/bad.x86.err)"; fi
    done
    echo "  bad input: ${#bad_cases[@]} cases, the same one-line error and exit status as x86 ($(head -c 70 $OUT/bad.arm.err)...)"

    # VGG_KERNELS naming a kernel this CPU lacks (dotprod on ARMv8.0): one line naming what it has
    if [ "$kernel" = neon ]; then
        status=0; VGG_KERNELS=neondot arm "$cpu" $OUT/digits.vq8 $F/digits/heldout/0000.png > /dev/null 2> $OUT/lacks.err || status=$?
        if [ "$status" != 0 ] && [ "$status" -lt 128 ] && [ "$(wc -l < $OUT/lacks.err)" = 1 ] && grep -q "it runs: neonwino4, neonwino, neon, scalar" $OUT/lacks.err
        then pass; echo "  VGG_KERNELS=neondot: $(cat $OUT/lacks.err)"
        else fail "$cpu VGG_KERNELS=neondot: exit $status: $(cat $OUT/lacks.err)"; fi
    else
        # and a CPU with dotprod still runs the NEON kernel when told to, with the same logits
        rm -f $OUT/forced.npy
        # shellcheck disable=SC2086
        VGG_KERNELS=neon arm "$cpu" $OUT/digits.vq8 --logits-out $OUT/forced.npy ${images[digits]} > /dev/null 2>&1 || true
        if cmp -s $OUT/forced.npy $OUT/digits.x86.npy; then pass; echo "  VGG_KERNELS=neon: the same logits"
        else fail "$cpu VGG_KERNELS=neon: logits differ or the run failed"; fi
        # and the Winograd kernels, which dispatch does not pick there, when told to
        rm -f $OUT/forced.npy
        forced=$(VGG_KERNELS=neonwino4,neonwino,neon arm "$cpu" $OUT/winograd.vq8 --json --logits-out $OUT/forced.npy \
                 ${images[winograd]} 2> /dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["kernel"])') || true
        if [ "$forced" = neonwino4+neonwino+neon ] && cmp -s $OUT/forced.npy $OUT/winograd.x86.npy; then
            pass; echo "  VGG_KERNELS=neonwino4,neonwino,neon: $forced, the same logits"
        else fail "$cpu VGG_KERNELS=neonwino4,neonwino,neon: kernel '$forced', or logits differ"; fi
    fi
done

# The C library (.build/aarch64/lib, cross-built with vgg-run): examples/c/classify.c prints what
# x86 vgg-run prints; Tests/CAPI/capi_test.c (4 pthreads, a busy context, every bad-input status)
# passes. Both built with the cross gcc, run with the Debian 13 sysroot's glibc and libraries.
LIB=${ARM_LIB:-.build/aarch64/lib}
SYSROOT=$(Scripts/cross-aarch64.sh sysroot 2>/dev/null || true)
CROSS_CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
if [ ! -f "$LIB/libvgg_int8.so" ] || [ ! -d "$SYSROOT" ]; then
    fail "no aarch64 C library in $LIB or no sysroot (Scripts/cross-aarch64.sh build makes both)"
else
    # (the library's own dependencies are the sysroot's, resolved at run time)
    for program in examples/c/classify.c Tests/CAPI/capi_test.c; do
        name=$(basename $program .c)
        "$CROSS_CC" -std=c11 -O2 -Wall -I "$LIB/include" $program -L "$LIB" -lvgg_int8 -lpthread -Wl,--allow-shlib-undefined \
            -o $OUT/$name.arm 2> $OUT/$name.cc.err || fail "$CROSS_CC $program: $(head -3 $OUT/$name.cc.err)"
    done
    arm_c() { local cpu=$1; shift; "$QEMU" -cpu "$cpu" -L "$SYSROOT" -E LD_LIBRARY_PATH="$PWD/$LIB" "$@"; }
    # shellcheck disable=SC2086
    "$X86_BIN/vgg-run" $OUT/digits.vq8 --threads 1 ${images[digits]} $F/images/chelsea.jpg > $OUT/c.x86.txt 2> /dev/null
    for cpu in cortex-a53 cortex-a76; do
        # shellcheck disable=SC2086
        if arm_c $cpu $OUT/classify.arm $OUT/digits.vq8 ${images[digits]} $F/images/chelsea.jpg > $OUT/c.$cpu.txt 2> $OUT/c.err \
                && cmp -s $OUT/c.$cpu.txt $OUT/c.x86.txt; then pass; echo "  C library on $cpu: examples/c/classify.c prints what x86 vgg-run prints"
        else fail "C library on $cpu: classify differs from x86 vgg-run or failed: $(head -2 $OUT/c.err)"; fi
        # shellcheck disable=SC2086
        if arm_c $cpu $OUT/capi_test.arm $OUT/digits.vq8 $OUT/broken.png ${images[digits]} > $OUT/capi.$cpu.txt 2>&1; then
            pass; echo "  C library on $cpu: $(tail -1 $OUT/capi.$cpu.txt | sed 's/^capi_test: //')"
        else fail "C library on $cpu: Tests/CAPI/capi_test.c: $(grep FAIL $OUT/capi.$cpu.txt | head -3)"; fi
    done
fi

echo
echo "== test-aarch64-e2e: $(( $(date +%s) - start )) s, qemu $("$QEMU" --version | head -1 | awk '{print $3}'), CPUs $CPUS, threads $THREADS"
echo "aarch64-e2e: $passed passed, $failures failed"
[ $failures = 0 ]
