/// The reals an 8-bit activation can represent: `scale * k` for integers k in
/// `lowestLevel...highestLevel`, with uint8 `q = k + zeroPoint`, so `lowestLevel = -zeroPoint`
/// and `highestLevel = 255 - zeroPoint`. A value x is quantized to
/// `Q(x) = scale * clamp(round(x / scale), lowestLevel, highestLevel)` (Docs/Numerics.md; ties
/// have measure zero and do not matter here).
struct QuantizationGrid: Equatable {
    var scale: Double
    var lowestLevel: Int
    var highestLevel: Int

    /// A post-ReLU tensor clipped at `clip` > 0: zero point 0, scale clip / 255.
    init(clip: Double) {
        precondition(clip > 0)
        scale = clip / 255
        lowestLevel = 0
        highestLevel = 255
    }

    /// A signed tensor with range [lower, upper], lower <= 0 <= upper, lower < upper:
    /// scale (upper - lower) / 255, zeroPoint round(-lower / scale) (as `ModelQuantizer.inputRange`).
    init(lower: Double, upper: Double) {
        precondition(lower <= 0 && upper >= 0 && lower < upper)
        scale = (upper - lower) / 255
        let zeroPoint = min(max(Int((-lower / scale).rounded()), 0), 255)
        lowestLevel = -zeroPoint
        highestLevel = 255 - zeroPoint
    }

    /// `∫_0^x (t - Q(t))^2 dt` in closed form, so the error of a histogram bin [a, b) holding n
    /// values spread uniformly is `n / (b - a) * (errorIntegral(b) - errorIntegral(a))`.
    ///
    /// Inside the grid, with u = t / scale, K = round(u) and r = u - K:
    /// `∫_0^u (v - round(v))^2 dv = K / 12 + r^3 / 3` (each whole level cell contributes 1/12, the
    /// half cell at 0 gives the sign symmetry), times scale^3. Beyond the end levels
    /// L = lowestLevel * scale and H = highestLevel * scale every value is clipped:
    /// `∫_H^x (t - H)^2 dt = (x - H)^3 / 3`, the same below L.
    ///
    /// Example: scale 1, levels 0...255: errorIntegral(0.5) = 0 + 0.5^3/3 = 1/24;
    /// errorIntegral(2) = 2/12; errorIntegral(256) = 255/12 + 1/3 (one unit clipped past 255).
    func errorIntegral(to x: Double) -> Double {
        let low = Double(lowestLevel) * scale, high = Double(highestLevel) * scale
        if x > high { return insideIntegral(high) + (x - high) * (x - high) * (x - high) / 3 }
        if x < low { return insideIntegral(low) + (x - low) * (x - low) * (x - low) / 3 }
        return insideIntegral(x)
    }

    private func insideIntegral(_ x: Double) -> Double {
        let u = x / scale
        let level = u.rounded()
        let remainder = u - level
        return scale * scale * scale * (level / 12 + remainder * remainder * remainder / 3)
    }
}
