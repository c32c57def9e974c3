#!/usr/bin/env bash
# The C library as a user gets it (`make lib`, Scripts/build-lib.sh), in `make test`:
#   - it exports exactly the header's functions, and vgg_version() is VERSION;
#   - examples/c/classify.c, linked against the shared and against the static library, prints
#     what vgg-run prints for the bundled digits and photos;
#   - Tests/CAPI/capi_test.c under ASan and UBSan: 4 contexts of one model on 4 pthreads, a busy
#     context, every bad-input status;
#   - python/test_vgg_int8.py with the system python3 (numpy-free), and with a numpy python when
#     there is one: logits byte-identical to `vgg-run --logits-out`.
#
# Environment: VGG_QUANTIZE, VGG_RUN (default: the test build's), CC (default cc), LIB (default .build/lib).
set -euo pipefail
cd "$(dirname "$0")/.."
VGG_QUANTIZE=${VGG_QUANTIZE:-.build/test/release/vgg-quantize}
VGG_RUN=${VGG_RUN:-.build/test/release/vgg-run}
CC=${CC:-cc}
LIB=${LIB:-.build/lib}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "test-c-api: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "test-c-api: ok: $*"; }

for tool in "$VGG_QUANTIZE" "$VGG_RUN"; do [ -x "$tool" ] || { echo "test-c-api: no $tool (build the tests first)" >&2; exit 1; }; done
Scripts/build-lib.sh "$LIB"
LIB=$(cd "$LIB" && pwd)
export PKG_CONFIG_PATH=$LIB

# The exports: the header's functions, no more, no fewer.
header=$(grep -oE '\bvgg_[a-z0-9_]+\(' include/vgg_int8.h | tr -d '(' | sort -u)
# (every global defined symbol, of any type: functions, data, weak; not the version node "A")
exported=$(nm -D --defined-only "$LIB/libvgg_int8.so" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" {sub(/@.*/, "", $3); print $3}' | sort -u)
if [ "$header" = "$exported" ]; then pass "libvgg_int8.so exports the header's $(echo "$header" | wc -l) functions and nothing else"
else fail "exports differ from the header: $(diff <(echo "$header") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"; fi
undefined=$(nm -D --undefined-only "$LIB/libvgg_int8.so" | awk '{print $2}' | grep -i swift || true)
[ -z "$undefined" ] && pass "libvgg_int8.so needs no Swift runtime ($(ldd "$LIB/libvgg_int8.so" | awk '{print $1}' | grep -v -e vdso -e ld-linux | tr '\n' ' '))" \
    || fail "libvgg_int8.so refers to Swift symbols it does not define: $undefined"

# The library holds no Foundation of any kind (Foundation, FoundationEssentials, their C shims) and
# no ICU: the Swift runtime alone (Scripts/check-on-device-imports.sh checks the sources). The
# unstripped build still has its local symbols. The control: the same reading of vgg-run finds
# FoundationEssentials, which swift-argument-parser imports.
unstripped=.build/lib-scratch/release/libvgg_int8.so
foundation=$(nm "$unstripped" | grep -c 'Foundation' || true)
icu=$(nm "$unstripped" | grep -cE ' (ucol_|unum_|ucal_|udat_|ubrk_|ucnv_|ucurr_)' || true)
control=$(nm "$VGG_RUN" | grep -c 'FoundationEssentials' || true)
if [ "$control" = 0 ]; then
    fail "the control found no FoundationEssentials symbol in $VGG_RUN: the symbol check cannot fail"
elif [ "$foundation" = 0 ] && [ "$icu" = 0 ]; then
    pass "libvgg_int8.so holds no Foundation, FoundationEssentials or ICU code ($(du -m "$LIB/libvgg_int8.so.1" | cut -f1) MB stripped)"
else
    fail "libvgg_int8.so holds $foundation Foundation and $icu ICU symbols: an on-device module imports Foundation"
fi

source Scripts/digits-blob.sh
digits_blob "$VGG_QUANTIZE" "$WORK/digits.vq8"
# (a glob, not `ls | head`: under pipefail, ls killed by SIGPIPE would stop the script)
DIGITS=(Tests/Fixtures/digits/heldout/*.png)
IMAGES=("${DIGITS[@]:0:4}" Tests/Fixtures/images/chelsea.jpg Tests/Fixtures/images/coffee.png Tests/Fixtures/images/astronaut.jpg)
"$VGG_RUN" "$WORK/digits.vq8" --threads 1 "${IMAGES[@]}" > "$WORK/vgg-run.txt" 2> "$WORK/vgg-run.err" \
    || { cat "$WORK/vgg-run.err" >&2; echo "test-c-api: the reference vgg-run failed" >&2; exit 1; }

# The example, shared and static; its version line first.
cat > "$WORK/version.c" <<'EOF'
#include <stdio.h>
#include "vgg_int8.h"
int main(void) { printf("%s %u\n", vgg_version(), vgg_abi_version()); return 0; }
EOF
$CC -Wall -Wextra -Werror -O2 $(pkg-config --cflags vgg_int8) "$WORK/version.c" $(pkg-config --libs vgg_int8) -o "$WORK/version"
[ "$("$WORK/version")" = "$(cat VERSION) 1" ] && pass "vgg_version() is VERSION ($(cat VERSION)), ABI 1" \
    || fail "vgg_version()/vgg_abi_version() say '$("$WORK/version")', VERSION is $(cat VERSION)"
for kind in shared static; do
    pc=vgg_int8; [ $kind = static ] && pc=vgg_int8-static
    $CC -std=c11 -Wall -Wextra -Werror -O2 $(pkg-config --cflags $pc) examples/c/classify.c $(pkg-config --libs $pc) \
        -o "$WORK/classify-$kind" 2> "$WORK/link.log" || { cat "$WORK/link.log" >&2; fail "examples/c/classify.c does not build ($kind)"; continue; }
    if "$WORK/classify-$kind" "$WORK/digits.vq8" "${IMAGES[@]}" > "$WORK/classify-$kind.txt" \
        && cmp -s "$WORK/classify-$kind.txt" "$WORK/vgg-run.txt"; then
        pass "examples/c/classify.c ($kind library) prints what vgg-run prints for ${#IMAGES[@]} images"
    else
        fail "examples/c/classify.c ($kind) differs from vgg-run:"; diff "$WORK/classify-$kind.txt" "$WORK/vgg-run.txt" | head >&2 || true
    fi
done
# One bad image among good ones: a message naming it, the rest still classified, exit 1.
if "$WORK/classify-shared" "$WORK/digits.vq8" "${IMAGES[0]}" "$WORK/digits.vq8" "${IMAGES[1]}" > "$WORK/mixed.txt" 2> "$WORK/mixed.err"; then
    fail "classify exits 0 with a bad image"
else
    grep -q "digits.vq8" "$WORK/mixed.err" && [ "$(grep -c '^  ' "$WORK/mixed.txt")" = 10 ] \
        && pass "a bad image: one error line ($(head -c 120 "$WORK/mixed.err")), the others classified, exit 1" \
        || fail "a bad image: stderr '$(cat "$WORK/mixed.err")', $(grep -c '^  ' "$WORK/mixed.txt") result lines"
fi

# The header's own example (its top comment) compiles as a function body.
{ echo '#include <stdio.h>'; echo '#include "vgg_int8.h"'; echo 'int main(void) {'
  sed -n '/^ \*     vgg_model \*model;$/,/^ \*     vgg_model_free(model);$/p' include/vgg_int8.h | sed 's/^ \*     //'
  echo 'return 0; }'; } > "$WORK/header_example.c"
if [ "$(wc -l < "$WORK/header_example.c")" -gt 10 ] \
        && $CC -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags vgg_int8) -c "$WORK/header_example.c" -o "$WORK/header_example.o" 2> "$WORK/header_example.err"; then
    pass "the example in include/vgg_int8.h compiles"
else
    fail "the example in include/vgg_int8.h does not compile: $(head -3 "$WORK/header_example.err" 2>/dev/null)"
fi

# Docs/Embedding.md shows the example: the same text as the file that was just tested.
awk '/^```c$/ {inside = 1; next} /^```$/ {inside = 0} inside' Docs/Embedding.md > "$WORK/documented.c"
cmp -s "$WORK/documented.c" examples/c/classify.c && pass "Docs/Embedding.md's C example is examples/c/classify.c" \
    || fail "Docs/Embedding.md's C example differs from examples/c/classify.c"

# Threads and bad input under the sanitizers.
$CC -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    $(pkg-config --cflags vgg_int8) Tests/CAPI/capi_test.c $(pkg-config --libs vgg_int8) -lpthread -o "$WORK/capi_test"
if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "$WORK/capi_test" "$WORK/digits.vq8" Tests/Fixtures/images/grey.jpg "${IMAGES[@]}" > "$WORK/capi.txt" 2>&1; then
    pass "Tests/CAPI/capi_test.c under ASan and UBSan: $(tail -1 "$WORK/capi.txt" | sed 's/^capi_test: //')"
    grep -E "threads|context" "$WORK/capi.txt" | sed 's/^/    /'
else
    cat "$WORK/capi.txt" >&2; fail "Tests/CAPI/capi_test.c"
fi

# Python: the system python3 with numpy hidden (as on a fresh board; a numpy.py that refuses to
# import comes first on the path), then, where one is found, a python3 that has numpy.
mkdir -p "$WORK/no-numpy"
echo 'raise ImportError("numpy hidden by test-c-api")' > "$WORK/no-numpy/numpy.py"
runs=("/usr/bin/python3 no-numpy")
for candidate in "${VGG_NUMPY_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$candidate" ] && command -v "$candidate" > /dev/null && "$candidate" -c 'import numpy' 2> /dev/null \
        && runs+=("$(command -v "$candidate") numpy") && break
done
for run in "${runs[@]}"; do
    read -r python mode <<< "$run"
    [ -x "$python" ] || { fail "no $python"; continue; }
    path=; [ "$mode" = no-numpy ] && path=$WORK/no-numpy
    if PYTHONPATH=$path "$python" python/test_vgg_int8.py --library "$LIB/libvgg_int8.so" --blob "$WORK/digits.vq8" \
            --vgg-run "$VGG_RUN" > "$WORK/python.txt" 2>&1; then
        pass "python/test_vgg_int8.py with $python ($("$python" --version 2>&1), $mode): $(grep -E '^(OK|Ran)' "$WORK/python.txt" | tr '\n' ' ')"
    else
        cat "$WORK/python.txt" >&2; fail "python/test_vgg_int8.py with $python ($mode)"
    fi
done

# The three-line example of Docs/Embedding.md and README.md, run as it stands (the digits blob as
# model.vq8, a photo as cat.jpg), with the system python3.
mkdir -p "$WORK/example"
ln -s "$WORK/digits.vq8" "$WORK/example/model.vq8"
ln -s "$PWD/Tests/Fixtures/images/chelsea.jpg" "$WORK/example/cat.jpg"
awk '/^```python$/ {inside = 1; next} /^```$/ {inside = 0} inside' Docs/Embedding.md > "$WORK/example/example.py"
awk '/^  ```python$/ {inside = 1; next} /^  ```$/ {inside = 0} inside {sub(/^  /, ""); print}' README.md > "$WORK/example/readme.py"
if ! cmp -s "$WORK/example/example.py" "$WORK/example/readme.py"; then
    fail "README.md's Python example differs from Docs/Embedding.md's"
elif [ "$(wc -l < "$WORK/example/example.py")" != 3 ]; then
    fail "Docs/Embedding.md's Python example is not three lines"
elif (cd "$WORK/example" && PYTHONPATH="$OLDPWD/python" VGG_INT8_LIBRARY="$LIB/libvgg_int8.so" /usr/bin/python3 example.py > out.txt 2>&1) \
        && grep -q "TopClass(index=" "$WORK/example/out.txt"; then
    pass "the three-line Python example runs: $(head -c 100 "$WORK/example/out.txt")..."
else
    fail "the three-line Python example: $(cat "$WORK/example/out.txt")"
fi

[ $failures = 0 ] && echo "test-c-api: all passed" || { echo "test-c-api: $failures failed" >&2; exit 1; }
