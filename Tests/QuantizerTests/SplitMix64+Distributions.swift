import Foundation
import TestSupport

/// The distributions the calibration tests draw from. Each test seeds its generator with
/// `testSeed(name, fallback:)`: a fixed seed per test unless `VGG_TEST_SEED` is set (the
/// statistical bounds were checked at those seeds; a set variable replays or varies a run).
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Exponential with mean `scale`.
    mutating func exponential(scale: Double) -> Double { -log(1 - unit()) * scale }

    /// Standard normal (Box-Muller, one value per call).
    mutating func normal() -> Double {
        (-2 * log(1 - unit())).squareRoot() * cos(2 * Double.pi * unit())
    }
}
