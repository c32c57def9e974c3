/// Fixed-point weights for resampling one axis with Pillow's antialiased bilinear filter.
///
/// A reimplementation of the coefficient step of Pillow's `ImagingResample`
/// (src/libImaging/Resample.c) for `Image.BILINEAR`, so that `RGBImage.resized` is bit-exact
/// with `Image.resize` on 8-bit images:
/// - the filter is a triangle, `max(0, 1 - |d|)`, with a support of 1 input pixel stretched by
///   the downscale factor (`filterScale = max(inputSize / outputSize, 1)`): downscaling averages
///   over `2 * filterScale` input pixels instead of sampling 2, i.e. it is antialiased;
/// - output pixel `i` is centred at input coordinate `(i + 0.5) * inputSize / outputSize`;
///   the taps are the inputs whose centres fall within the support, clamped to the image;
/// - weights are computed in Double, normalised to sum 1, then rounded half away from zero to
///   `precisionBits` fractional bits. Every step (operation order included) follows Pillow's,
///   because a different last bit of a weight can move a pixel by 1.
///
/// Worked example, 4 -> 2 pixels: scale 2, support 2. Output 0 is centred at 1.0 and reads
/// inputs 0, 1, 2 with triangle weights 0.75, 0.75, 0.25, normalised to 3/7, 3/7, 1/7 and
/// stored as 1797559, 1797559, 599186 (sum 2^22). Inputs (0, 100, 200) give
/// (100 * 1797559 + 200 * 599186 + 2^21) >> 22 = 71.
struct ResampleCoefficients {
    /// Fractional bits of the weights: Pillow's `PRECISION_BITS = 32 - 8 - 2` (8 bits for the
    /// pixel value, 2 spare bits for sums above 1 in other filters).
    static let precisionBits = 22

    /// First input index read by each output index.
    let firstInput: [Int]
    /// Number of inputs read by each output index.
    let tapCount: [Int]
    /// Entries reserved per output index in `weights` (the largest possible `tapCount`).
    let stride: Int
    /// Fixed-point weights, `outputSize * stride`; output `i` uses
    /// `weights[i * stride ..< i * stride + tapCount[i]]`. All are non-negative (triangle filter).
    let weights: [Int]

    /// - Precondition: `inputSize > 0`, `outputSize > 0`.
    init(inputSize: Int, outputSize: Int) {
        precondition(inputSize > 0 && outputSize > 0, "resample \(inputSize) -> \(outputSize)")
        // Pillow takes the box edges as C float; sizes are exact in float up to 2^24.
        let scale = Double(Float(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale  // the triangle's support is 1
        let stride = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1.0 / filterScale

        var firstInput = [Int](repeating: 0, count: outputSize)
        var tapCount = [Int](repeating: 0, count: outputSize)
        var weights = [Int](repeating: 0, count: outputSize * stride)
        var real = [Double](repeating: 0, count: stride)
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // Int(_:) truncates toward zero, like C's (int) cast.
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inputSize) - first
            var total = 0.0
            for tap in 0..<count {
                let distance = (Double(tap + first) - center + 0.5) * inverseFilterScale
                real[tap] = max(0, 1 - abs(distance))
                total += real[tap]
            }
            for tap in 0..<count {
                let normalised = total != 0 ? real[tap] / total : real[tap]
                // Round half away from zero; the weights are never negative.
                weights[output * stride + tap] = Int(0.5 + normalised * Double(1 << Self.precisionBits))
            }
            firstInput[output] = first
            tapCount[output] = count
        }
        self.firstInput = firstInput
        self.tapCount = tapCount
        self.stride = stride
        self.weights = weights
    }
}
