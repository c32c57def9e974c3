# Sourced by the test scripts: the bundled digits model (vgg11_bn at 1/8 width) compiled to a blob,
# with the settings of `make demo` and Tests/EndToEndTests/CompiledBlobs.swift.
#   digits_blob VGG_QUANTIZE OUT.vq8 [TARGET]   (TARGET default generic; on failure prints
#                                                vgg-quantize's output to stderr, returns non-zero)
digits_blob() {
    local quantize=$1 out=$2 target=${3:-generic} digits=Tests/Fixtures/digits
    "$quantize" --weights $digits/vgg11_bn-digits.pth --calibration $digits/calibration --labels $digits/labels.txt \
        --resize 32 --crop 32 --mean 0.3053,0.3053,0.3053 --std 0.3234,0.3234,0.3234 --target "$target" \
        -o "$out" > "$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
    rm -f "$out.log"
}
