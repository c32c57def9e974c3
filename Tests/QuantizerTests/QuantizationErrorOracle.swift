/// Quantize-dequantize on the grid `scale * k`, k in lowest...highest (round half away from
/// zero, as Docs/Numerics.md), and the mean squared error over `values`: the oracle the
/// histogram estimates are checked against.
func measuredSquaredError(_ values: [Float], scale: Double, lowest: Int, highest: Int) -> Double {
    var total = 0.0
    for value in values {
        let x = Double(value)
        let level = min(max((x / scale).rounded(), Double(lowest)), Double(highest))
        total += (x - level * scale) * (x - level * scale)
    }
    return total / Double(values.count)
}

/// The measured error of the post-ReLU encoding with clip `clip`.
func measuredSquaredError(_ values: [Float], clip: Double) -> Double {
    measuredSquaredError(values, scale: clip / 255, lowest: 0, highest: 255)
}

/// The measured error of the signed encoding of [lower, upper] (zero point round(-lower / scale)).
func measuredSquaredError(_ values: [Float], lower: Double, upper: Double) -> Double {
    let scale = (upper - lower) / 255
    let zeroPoint = min(max(Int((-lower / scale).rounded()), 0), 255)
    return measuredSquaredError(values, scale: scale, lowest: -zeroPoint, highest: 255 - zeroPoint)
}
