#!/usr/bin/env bash
# The C code under AddressSanitizer and UndefinedBehaviorSanitizer (part of `make test`), built
# with -fno-sanitize-recover=all so that any report stops the program and fails the run:
#   1. the int8 kernels with their driver (Scripts/test-kernels-native.sh): the random grid,
#      Winograd and AMX shapes, guard pages and sentinels, and the Swift reference's cases;
#   2. the image codecs shim (Sources/CImageCodecs) with Tests/CodecDriver/codec_test.c: every
#      fixture image and calibration photo whole, cut short and with random byte changes.
# (The C API's own test runs under both sanitizers in Scripts/test-c-api.sh.)
#
# Environment: VGG_TEST_SEED (default: random, printed), SANITIZER_CC (default cc).
set -euo pipefail

cd "$(dirname "$0")/.."
CC=${SANITIZER_CC:-cc}
OUT=.build/sanitizers
FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
seed=${VGG_TEST_SEED:-$(( (RANDOM << 16) ^ RANDOM ^ $$ ))}
mkdir -p "$OUT"
status=0

echo "== kernels under ASan + UBSan"
KERNELS_CC=$CC KERNELS_CFLAGS="$FLAGS" KERNELS_OUT="$OUT/kernels" VGG_TEST_SEED=$seed \
    KERNELS_ARGS="${KERNELS_ARGS:---require-cases}" Scripts/test-kernels-native.sh > "$OUT/kernels.log" 2>&1 || status=1
tail -3 "$OUT/kernels.log"

echo "== image codecs under ASan + UBSan"
# shellcheck disable=SC2086
$CC -O1 $FLAGS -std=c11 -Wall -Wextra -Werror -I Sources/CImageCodecs/include -I Sources/CImageCodecs \
    -o "$OUT/codec_test" Tests/CodecDriver/codec_test.c Sources/CImageCodecs/*.c -lpng16 -ljpeg -lz -lm
mapfile -t images < <(find Tests/Fixtures/images Calibration -maxdepth 1 \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' \) | LC_ALL=C sort)
"$OUT/codec_test" --seed "$seed" "${images[@]}" > "$OUT/codecs.log" 2>&1 || status=1
tail -1 "$OUT/codecs.log"

echo "== test-sanitizers (VGG_TEST_SEED=$seed): $([ $status = 0 ] && echo ok || echo FAILED; [ $status = 0 ] || echo "logs: $OUT/kernels.log, $OUT/codecs.log")"
exit $status
