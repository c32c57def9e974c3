#!/usr/bin/env bash
# Docs/Accuracy.md's table: int8 against fp32 (`vgg-quantize eval`) for the trained digits model
# and the reduced-width random-init fixtures of every arch, with every calibration method, and
# with the default method and pair-bounded weights ("mse, pair-bounded": --target x86_64-avx2), and
# the default method without bias correction ("mse, no bias correction": --no-bias-correction) and
# with rounding to nearest instead of GPTQ ("mse, rounding to nearest": --rounding nearest).
# Usage: Scripts/accuracy-table.sh [OUT_DIR]   (needs a release build: swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${Q:-.build/release/vgg-quantize}
W=${1:-/tmp/vgg-accuracy}
mkdir -p "$W/img"
for f in astronaut.jpg chelsea.jpg coffee.png cat_small.jpg rocket_progressive.jpg grey.jpg cmyk.jpg palette.png rgba.png; do
  cp Tests/Fixtures/images/$f "$W/img/"
done
out=$W/table.md
echo "| model | method | top-1 fp32 | top-1 int8 | top-1 agreement | logits SQNR dB | lowest layer SQNR dB |" > $out
echo "|---|---|---|---|---|---|---|" >> $out
D=Tests/Fixtures/digits
METHODS="mse mse-nearest mse-nobc mse-pairs minmax percentile entropy"
# compiler options of a row's method
options() {
  case $1 in
  mse-pairs) echo "--method mse --target x86_64-avx2" ;;
  mse-nobc) echo "--method mse --no-bias-correction" ;;
  mse-nearest) echo "--method mse --rounding nearest" ;;
  *) echo "--method $1" ;;
  esac
}
label() {
  case $1 in
  mse-pairs) echo "mse, pair-bounded" ;;
  mse-nobc) echo "mse, no bias correction" ;;
  mse-nearest) echo "mse, rounding to nearest" ;;
  *) echo "$1" ;;
  esac
}
for m in $METHODS; do
  $Q --weights $D/vgg11_bn-digits.pth --calibration $D/calibration --labels $D/labels.txt --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 $(options $m) -o $W/digits-$m.vq8 >/dev/null 2>&1
  $Q eval --weights $D/vgg11_bn-digits.pth --blob $W/digits-$m.vq8 --images $D/heldout --labels $D/heldout/labels.csv --json $W/digits-$m.json >/dev/null 2>&1
  W=$W python3 - "$m" "$(label $m)" <<'PY' >> $out
import json,os,sys; m,name=sys.argv[1:]; r=json.load(open(os.environ['W']+f'/digits-{m}.json')); l=min(x['sqnr_db'] for x in r['layers'])
print(f"| digits vgg11_bn (trained, 360 held-out) | {name} | {r['fp32_top1']:.2f}% | {r['int8_top1']:.2f}% | {r['top1_agreement']:.2f}% | {r['logits_sqnr_db']:.1f} | {l:.1f} |")
PY
done
for a in vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn; do for m in $METHODS; do
  $Q --weights Tests/Fixtures/models/$a.pth --calibration Calibration --calibration-count 4 --resize 72 --crop 64 $(options $m) -o $W/$a-$m.vq8 >/dev/null 2>&1
  $Q eval --weights Tests/Fixtures/models/$a.pth --blob $W/$a-$m.vq8 --images $W/img --json $W/$a-$m.json >/dev/null 2>&1
  W=$W python3 - "$a" "$m" "$(label $m)" <<'PY' >> $out
import json,os,sys; a,m,name=sys.argv[1:]; r=json.load(open(os.environ['W']+f'/{a}-{m}.json')); l=min(x['sqnr_db'] for x in r['layers'])
print(f"| {a} (random init, 9 photos) | {name} | - | - | {r['top1_agreement']:.0f}% | {r['logits_sqnr_db']:.1f} | {l:.1f} |")
PY
done; done
cat "$out"
