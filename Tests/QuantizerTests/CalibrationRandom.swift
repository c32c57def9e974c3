import TestSupport
import Foundation

/// SplitMix64: a small seeded generator for the calibration tests. Every test that uses one
/// prints its seed; `CALIBRATION_SEED=<n>` replays a run with that seed.
struct CalibrationRandom: RandomNumberGenerator {
    private var state: UInt64

    /// The seed for `test`: `CALIBRATION_SEED` if set, else `fallback`; printed either way.
    init(test: String, fallback: UInt64) {
        let seed = ProcessInfo.processInfo.environment["CALIBRATION_SEED"].flatMap { UInt64($0) } ?? fallback
        print("\(test): CALIBRATION_SEED=\(seed)")
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Exponential with mean `scale`.
    mutating func exponential(scale: Double) -> Double { -log(1 - unit()) * scale }

    /// Standard normal (Box-Muller, one value per call).
    mutating func normal() -> Double {
        (-2 * log(1 - unit())).squareRoot() * cos(2 * Double.pi * unit())
    }
}

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
