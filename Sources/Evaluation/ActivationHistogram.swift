import Quantizer

/// A histogram of a layer's fp32 values for the report: `counts.count` equal bins over
/// [0, upper) of the positive values (the last bin also takes values at `upper` and beyond), and
/// the zeros apart, since after a ReLU they are often most of the values and carry no
/// quantization error (real 0 is exact). Negative values are not counted: the outputs of a
/// VGG's quantized layers (fused ReLU, pools of them) have none.
///
/// Example: values [0, 0.5, 1.5, 3.9], upper 4, 4 bins: zeros 1, counts [1, 1, 0, 1].
public struct ActivationHistogram: Codable, Sendable, Equatable {
    /// Upper end of the range, in the layer's real units.
    public var upper: Double
    /// Values equal to 0.
    public var zeros: Int
    /// Positive values per bin; bin i covers [i, i + 1) * upper / counts.count.
    public var counts: [Int]

    /// Regroups `observer`'s fine power-of-two bins (at least `binCount / 2` of them span
    /// [0, max]; see `ActivationObserver`) into `binCount` bins over [0, upper): each fine bin
    /// goes to the bin holding its midpoint, so a value lands at most half a fine bin away.
    ///
    /// - Parameter upper: > 0; usually max(observed maximum, top of the int8 range).
    public init(_ observer: ActivationObserver, upper: Double, binCount: Int = 64) {
        precondition(upper > 0 && binCount > 0)
        self.upper = upper
        zeros = observer.zeroCount
        counts = [Int](repeating: 0, count: binCount)
        let fineWidth = observer.binWidth, width = upper / Double(binCount)
        for (fine, count) in observer.positiveCounts.enumerated() where count > 0 {
            let midpoint = (Double(fine) + 0.5) * fineWidth
            counts[min(Int(midpoint / width), binCount - 1)] += Int(count)
        }
    }
}
