#!/usr/bin/env bash
# Docs/Accuracy.md's 4-bit classifier table: blob size and fidelity against fp32 (`vgg-quantize
# eval`) of int8 blobs and of blobs with 4-bit hidden linear layers (--classifier-weights int4),
# groups of 64 and 128, rounded to nearest and by GPTQ. The trained digits model (360 held-out
# digits, labelled) and, from FULL_DIR (Scripts/make_full_checkpoint.py), full-size seeded
# vgg11_bn, vgg16_bn and vgg19_bn (the first 12 Calibration/ photos calibrate, the other 12 evaluate).
# Usage: FULL_DIR=/tmp/full Scripts/int4-table.sh [OUT_DIR]   (needs a release build)
#   VARIANTS="int8+gptq int4/128+gptq" and ARCHS="vgg16_bn" pick rows; EXTRA="--no-cross-layer-equalization"
#   is added to every compile.
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${Q:-.build/release/vgg-quantize}
W=${1:-/tmp/vgg-int4}
mkdir -p "$W/cal12" "$W/eval12"
ls Calibration/*.jpg | head -12 | xargs -I{} cp {} "$W/cal12/"
ls Calibration/*.jpg | tail -12 | xargs -I{} cp {} "$W/eval12/"
VARIANTS=${VARIANTS:-"int8 int8+gptq int4/64 int4/128 int4/128+gptq"}
options() {
  local o=""
  case $1 in int4/*) g=${1#int4/}; o="--classifier-weights int4 --weight-group-size ${g%%+*}" ;; esac
  case $1 in *gptq) o="$o --rounding gptq" ;; *) o="$o --rounding nearest" ;; esac
  echo "$o ${EXTRA:-}"
}
out=$W/table.md
echo "| model | weights | blob MB | top-1 agreement | top-5 agreement | logits SQNR dB | top-1 int8 (fp32) |" > "$out"
echo "|---|---|---|---|---|---|---|" >> "$out"
row() { # label blob json variant
  python3 - "$@" <<'PY' >> "$out"
import json, os, sys
label, blob, path, variant = sys.argv[1:]
r = json.load(open(path))
acc = f"{r['int8_top1']:.2f}% ({r['fp32_top1']:.2f}%)" if 'int8_top1' in r else "-"
print(f"| {label} | {variant} | {os.path.getsize(blob) / 1e6:.1f} | {r['top1_agreement']:.1f}% | {r['top5_agreement']:.1f}% | {r['logits_sqnr_db']:.1f} | {acc} |")
PY
}
D=Tests/Fixtures/digits
for v in $VARIANTS; do
  n=$(echo "$v" | tr '/+' '-_')
  $Q --weights $D/vgg11_bn-digits.pth --calibration $D/calibration --labels $D/labels.txt --resize 32 --crop 32 \
    --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 $(options "$v") -o "$W/digits-$n.vq8" > /dev/null
  $Q eval --weights $D/vgg11_bn-digits.pth --blob "$W/digits-$n.vq8" --images $D/heldout --labels $D/heldout/labels.csv \
    --json "$W/digits-$n.json" > /dev/null 2>&1
  row "digits vgg11_bn (trained, 360 held-out)" "$W/digits-$n.vq8" "$W/digits-$n.json" "$v"
done
if [ -n "${FULL_DIR:-}" ]; then for a in ${ARCHS:-vgg11_bn vgg16_bn vgg19_bn}; do for v in $VARIANTS; do
  n=$(echo "$v" | tr '/+' '-_')
  /usr/bin/time -f "$a $v: compile %e s, %M KB" $Q --arch $a --weights "$FULL_DIR/$a.pth" --calibration "$W/cal12" $(options "$v") \
    -o "$W/$a-$n.vq8" > /dev/null 2>> "$W/times.txt"
  $Q eval --weights "$FULL_DIR/$a.pth" --blob "$W/$a-$n.vq8" --images "$W/eval12" --json "$W/$a-$n.json" > /dev/null 2>&1
  row "full-size $a (seeded)" "$W/$a-$n.vq8" "$W/$a-$n.json" "$v"
done; done; fi
cat "$out"
