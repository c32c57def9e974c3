#!/usr/bin/env bash
# Docs/Accuracy.md's fidelity-methods table: every combination of bias correction (BC),
# cross-layer equalization (CLE) and GPTQ rounding, int8 against fp32 (`vgg-quantize eval`), on
# the trained digits model (360 held-out digits, labelled), the eight reduced-width random-init
# fixtures (4 calibration photos, 9 fixture photos) and, when FULL_DIR holds them, full-size seeded
# vgg16_bn and vgg19_bn (Scripts/make_full_checkpoint.py; the first 12 Calibration/ photos
# calibrate, the other 12 evaluate).
# Usage: Scripts/methods-table.sh [OUT_DIR]   (needs a release build: swift build -c release)
#   FULL_DIR=/tmp/full (holding vgg16_bn.pth, vgg19_bn.pth) adds the full-size rows; FULL_ONLY=1
#   skips the others; COMBOS="BC BC+GPTQ" picks the combinations.
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${Q:-.build/release/vgg-quantize}
W=${1:-/tmp/vgg-methods}
mkdir -p "$W/img" "$W/cal12" "$W/eval12"
for f in astronaut.jpg chelsea.jpg coffee.png cat_small.jpg rocket_progressive.jpg grey.jpg cmyk.jpg palette.png rgba.png; do
  cp Tests/Fixtures/images/$f "$W/img/"
done
ls Calibration/*.jpg | head -12 | xargs -I{} cp {} "$W/cal12/"
ls Calibration/*.jpg | tail -12 | xargs -I{} cp {} "$W/eval12/"
COMBOS=${COMBOS:-"none BC CLE GPTQ BC+CLE BC+GPTQ CLE+GPTQ BC+CLE+GPTQ"}
options() {
  local o="--method mse"
  case $1 in *BC*) ;; *) o="$o --no-bias-correction" ;; esac
  case $1 in *CLE*) o="$o --cross-layer-equalization" ;; *) o="$o --no-cross-layer-equalization" ;; esac
  case $1 in *GPTQ*) o="$o --rounding gptq" ;; *) o="$o --rounding nearest" ;; esac
  echo "$o"
}
out=$W/table.md
echo "| model | methods | top-1 agreement | top-5 agreement | logits SQNR dB | top-1 int8 (fp32) |" > "$out"
echo "|---|---|---|---|---|---|" >> "$out"
row() { # model-label json combo
  python3 - "$@" <<'PY' >> "$out"
import json, sys
label, path, combo = sys.argv[1:]
r = json.load(open(path))
acc = f"{r['int8_top1']:.2f}% ({r['fp32_top1']:.2f}%)" if 'int8_top1' in r else "-"
print(f"| {label} | {combo} | {r['top1_agreement']:.1f}% | {r['top5_agreement']:.1f}% | {r['logits_sqnr_db']:.1f} | {acc} |")
PY
}
D=Tests/Fixtures/digits
[ -n "${FULL_ONLY:-}" ] || for c in $COMBOS; do
  $Q --weights $D/vgg11_bn-digits.pth --calibration $D/calibration --labels $D/labels.txt --resize 32 --crop 32 \
    --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 $(options $c) -o "$W/digits-$c.vq8" > /dev/null
  $Q eval --weights $D/vgg11_bn-digits.pth --blob "$W/digits-$c.vq8" --images $D/heldout --labels $D/heldout/labels.csv \
    --json "$W/digits-$c.json" > /dev/null
  row "digits vgg11_bn (trained, 360 held-out)" "$W/digits-$c.json" "$c"
done
[ -n "${FULL_ONLY:-}" ] || for a in vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn; do for c in $COMBOS; do
  $Q --weights Tests/Fixtures/models/$a.pth --calibration Calibration --calibration-count 4 --resize 72 --crop 64 \
    $(options $c) -o "$W/$a-$c.vq8" > /dev/null
  $Q eval --weights Tests/Fixtures/models/$a.pth --blob "$W/$a-$c.vq8" --images "$W/img" --json "$W/$a-$c.json" > /dev/null
  row "$a (reduced, random init)" "$W/$a-$c.json" "$c"
done; done
if [ -n "${FULL_DIR:-}" ]; then for a in vgg16_bn vgg19_bn; do for c in $COMBOS; do
  $Q --arch $a --weights "$FULL_DIR/$a.pth" --calibration "$W/cal12" $(options $c) -o "$W/full-$a-$c.vq8" > /dev/null
  $Q eval --weights "$FULL_DIR/$a.pth" --blob "$W/full-$a-$c.vq8" --images "$W/eval12" --json "$W/full-$a-$c.json" > /dev/null
  row "full-size $a (seeded)" "$W/full-$a-$c.json" "$c"
done; done; fi
cat "$out"
