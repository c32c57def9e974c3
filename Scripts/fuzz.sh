#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser (libFuzzer + AddressSanitizer; `make fuzz`, and a
# short run in `make test`). Targets (Tests/Fuzz/targets/*.swift): unpickler, zip, legacy,
# safetensors, checkpoint (the whole loader, from a file, floats of every tensor), blob,
# image (PNG/JPEG decoding + preprocessing).
#
# 1. Builds the parser modules with SwiftPM, instrumented (-sanitize=fuzzer,address; C code
#    -fsanitize=fuzzer-no-link,address) into .build/fuzz, and links each target with swiftc.
# 2. Runs every committed regression input (Tests/Fuzz/regressions/TARGET/*) once: each is a
#    file that once crashed or hung a parser; it must not any more.
# 3. Fuzzes each target for FUZZ_SECONDS (default 600), starting from the seeds named in
#    Tests/Fuzz/seeds/TARGET.txt (the unpickler's: the data.pkl of the zip fixtures), in a work
#    corpus under .build/fuzz/corpus/TARGET that later runs reuse. A crash, leak, timeout
#    (FUZZ_TIMEOUT, default 10 s per input) or out-of-memory (2 GB) fails the run; libFuzzer
#    writes the input to .build/fuzz/artifacts/TARGET/; commit it under Tests/Fuzz/regressions/
#    with the fix.
#
# usage: Scripts/fuzz.sh [TARGET...]   Environment: FUZZ_SECONDS, FUZZ_TIMEOUT.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-600}
TIMEOUT=${FUZZ_TIMEOUT:-10}
B=.build/fuzz/release
ALL=(unpickler zip legacy safetensors checkpoint blob image)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

module_of() {
    case $1 in
    blob) echo "Int8Blob QuantCore AtomicFile" ;;
    image) echo "Imaging QuantCore CImageCodecs" ;;
    *) echo "TorchCheckpoint StrictJSON" ;;
    esac
}
libs_of() {
    case $1 in
    image) echo "-lpng16 -ljpeg -lz -lm" ;;
    blob) echo "" ;;
    *) echo "-lcrypto" ;;
    esac
}

echo "== build (instrumented) into $B"
flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xcc -fsanitize=fuzzer-no-link,address)
for module in TorchCheckpoint Int8Blob Imaging; do
    swift build -c release --scratch-path .build/fuzz "${flags[@]}" --target $module 2>&1 | tail -1
done
mkdir -p $B/fuzzers
for t in "${targets[@]}"; do
    objects=()
    for m in $(module_of "$t"); do objects+=($B/$m.build/*.o); done
    # shellcheck disable=SC2046
    swiftc -O -sanitize=fuzzer,address -parse-as-library -I $B/Modules -I Sources/CCrypto \
        -Xcc -fmodule-map-file=$B/CImageCodecs.build/module.modulemap \
        -o $B/fuzzers/fuzz-$t Tests/Fuzz/targets/$t.swift "${objects[@]}" $(libs_of "$t") 2>&1 \
        | { grep -v "Cannot export local symbol" || true; }
done

seeds() { # the seed files of target $1, one per line
    local list=Tests/Fuzz/seeds/$1.txt
    grep -v '^#' "$list" | grep -v '^$' || true
    if [ "$1" = blob ] && [ -f .build/arm/winograd.vq8 ]; then echo .build/arm/winograd.vq8; fi
}

status=0
summary=()
for t in "${targets[@]}"; do
    fuzzer=$B/fuzzers/fuzz-$t
    corpus=.build/fuzz/corpus/$t
    artifacts=.build/fuzz/artifacts/$t/
    mkdir -p "$corpus" "$artifacts"
    if [ "$t" = unpickler ]; then
        for f in $(seeds "$t"); do
            python3 - "$f" "$corpus/seed-$(basename "$f").pkl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("data.pkl"))
    open(sys.argv[2], "wb").write(z.read(name))
PY
        done
    else
        for f in $(seeds "$t"); do cp "$f" "$corpus/seed-$(basename "$f")"; done
    fi
    mapfile -t regressions < <(find Tests/Fuzz/regressions/$t -type f ! -name .keep | LC_ALL=C sort)
    echo
    echo "== $t: ${#regressions[@]} regression inputs, then ${SECONDS_EACH} s of fuzzing from $(ls "$corpus" | wc -l) corpus files"
    if [ ${#regressions[@]} -gt 0 ]; then
        if ! "$fuzzer" -timeout="$TIMEOUT" -rss_limit_mb=2048 "${regressions[@]}" > .build/fuzz/$t.regressions.log 2>&1; then
            echo "FAIL: a regression input of $t fails again: .build/fuzz/$t.regressions.log"
            tail -20 .build/fuzz/$t.regressions.log
            status=1
            summary+=("$t: regression FAILED")
            continue
        fi
    fi
    if "$fuzzer" "$corpus" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$artifacts" -print_final_stats=1 \
        > .build/fuzz/$t.log 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' .build/fuzz/$t.log | grep -o '[0-9]*$' | tail -1)
        cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' .build/fuzz/$t.log | tail -1)
        summary+=("$(printf '%-12s ok: %s executions, %s, corpus %s files' "$t" "${runs:-?}" "${cov:-?}" "$(ls "$corpus" | wc -l)")")
    else
        echo "FAIL: fuzzing $t found a problem: .build/fuzz/$t.log, input in $artifacts"
        grep -E 'ERROR|SUMMARY|Test unit written' .build/fuzz/$t.log | head -5
        status=1
        summary+=("$t: FAILED (see .build/fuzz/$t.log)")
    fi
done
echo
echo "== fuzz summary (${SECONDS_EACH} s per target)"
printf '  %s\n' "${summary[@]}"
exit $status
