#!/usr/bin/env bash
# The on-device code imports no Foundation of any kind (issue 15, Docs/Architecture.md): every
# Swift target that `vgg-run` or the runtime library (VGGInt8C) depends on, found from
# `swift package describe`, so a new dependency is checked without editing this list.
# Refused: `import Foundation`, `FoundationEssentials`, `FoundationNetworking`, ... in any form
# (`@preconcurrency`, `internal import`, `import struct Foundation.URL`) and `canImport(Foundation...)`.
# The same scan of vgg-quantize's targets must find Foundation (the control: the check can fail).
# The built library's symbols are checked by Scripts/test-c-api.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

# (python3: the JSON of `swift package describe`; /usr/bin/python3 is on every Debian)
closure() {
    $SWIFT package describe --type json | python3 -c '
import json, sys
targets = {t["name"]: t for t in json.load(sys.stdin)["targets"]}
roots, seen = sys.argv[1:], set()
while roots:
    name = roots.pop()
    if name in seen or name not in targets: continue
    seen.add(name)
    roots += targets[name].get("target_dependencies") or []
for name in sorted(seen):
    target = targets[name]
    if any(s.endswith(".swift") for s in target.get("sources", [])): print(target["path"])
' "$@"
}

PATTERN='^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((struct|class|enum|protocol|typealias|func|var|let)[[:space:]]+)?_?Foundation|canImport\(_?Foundation'

on_device=$(closure vgg-run VGGInt8C)
offline=$(closure vgg-quantize)
[ -n "$on_device" ] || { echo "check-on-device-imports: no targets found (swift package describe failed?)" >&2; exit 1; }
# shellcheck disable=SC2086
found=$(grep -rnE --include='*.swift' "$PATTERN" $on_device || true)
if [ -n "$found" ]; then
    echo "check-on-device-imports: FAIL: on-device code imports Foundation:" >&2
    echo "$found" >&2
    exit 1
fi
# shellcheck disable=SC2086
grep -rqE --include='*.swift' "$PATTERN" $offline \
    || { echo "check-on-device-imports: FAIL: the control found no Foundation import in vgg-quantize's targets" >&2; exit 1; }
echo "check-on-device-imports: ok: $(echo "$on_device" | wc -l) on-device targets import no Foundation ($(echo $on_device | sed 's|Sources/||g'))"
