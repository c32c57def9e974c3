#!/usr/bin/env bash
# One Int8Model shared by execution contexts on 4 threads at once, under the thread sanitizer
# (`make test`): Tests/Int8RuntimeTests/ConcurrentContextTests.swift in a debug build with
# -sanitize=thread, in its own scratch folder. Any ThreadSanitizer report fails the run.
set -euo pipefail

cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=.build/tsan
FLAGS=(--sanitize=thread --scratch-path "$SCRATCH")

start=$(date +%s)
"$SWIFT" build --build-tests "${FLAGS[@]}"
bundle=$(find -L "$SCRATCH/debug/" -maxdepth 1 -name '*.xctest' -print -quit)
# The check below means nothing unless the code really is instrumented.
if [ "$(nm "$bundle" 2>/dev/null | grep -c '__tsan_init')" = 0 ]; then
    echo "test-tsan: $bundle is not built with the thread sanitizer" >&2
    exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
    "$SWIFT" test --skip-build "${FLAGS[@]}" --filter ConcurrentContextTests 2>&1 | tee "$log" || status=$?
if grep -q 'WARNING: ThreadSanitizer' "$log"; then status=1; fi
if ! grep -q 'Test contextsOnFourThreadsShareOneModel() passed' "$log"; then status=1; fi
echo "== test-tsan: $([ $status = 0 ] && echo ok || echo FAILED) in $(( $(date +%s) - start )) s"
exit $status
