/// Statistics of one activation tensor over many calibration images: count, minimum, maximum,
/// and a histogram fine enough for the percentile, entropy and mse methods (`CalibrationMethod`).
///
/// The histogram counts nonzero finite values by magnitude on a power-of-two grid: bin `i` of
/// `positiveCounts` holds values `x > 0` with `i * binWidth <= x < (i + 1) * binWidth`, bin `i`
/// of `negativeCounts` the values `x < 0` with `i * binWidth <= -x < (i + 1) * binWidth`.
/// Zeros are counted apart (`zeroCount`): real 0 is exactly representable in every activation
/// encoding (zero point), so they never carry quantization error. NaN and infinities are counted
/// in `nonFiniteCount` and otherwise ignored; the calibration methods refuse such a tensor.
///
/// Rebinning: `binWidth` is `2^binExponent`, the smallest power of two for which the largest
/// magnitude seen so far is below `binCount * binWidth` (so it lies in the upper half of the
/// range and at least `binCount / 2` bins span `[0, max|x|]`). When a larger value arrives the
/// exponent grows by `d` and old bin `i` is added into new bin `i >> d`: on a power-of-two grid
/// that is exactly the histogram the new width would have given from the start, because
/// `floor(x / 2^(e+d)) = floor(floor(x / 2^e) / 2^d)` and `x * 2^-e` is exact in Double for every
/// Float `x`. The final histogram is therefore a function of the multiset of values alone:
/// independent of batch boundaries, of the order of the images and of how observers were
/// merged, bit for bit (counts are integers; no floating-point sum is kept).
///
/// Worked example (`binCount` 4096): the first batch has max 3.0 = 1.5 * 2^1, so the exponent
/// is 1 + 1 - 12 = -10 (bin width 1/1024, range [0, 4)); 2.5 falls in bin 2560. A later batch
/// reaching 9.0 < 16 = 4096 * 2^-8 moves to exponent -8 (d = 2): old bin 2560 -> new bin 640,
/// which is where 2.5 lands with width 1/256.
public struct ActivationObserver: Sendable, Equatable {
    /// Bins per sign (4096: at least 2048 bins between 0 and the maximum magnitude, the
    /// resolution TensorRT's entropy calibration uses).
    public static let defaultBinCount = 4096

    /// Bins per sign, a power of two in 256...2^20.
    public let binCount: Int
    /// Finite values seen, zeros included.
    public private(set) var count = 0
    /// Values equal to 0 (or -0).
    public private(set) var zeroCount = 0
    /// NaN and infinite values seen (not in any other statistic).
    public private(set) var nonFiniteCount = 0
    /// Smallest finite value seen (+infinity while `count` is 0).
    public private(set) var minimum = Float.infinity
    /// Largest finite value seen (-infinity while `count` is 0).
    public private(set) var maximum = -Float.infinity
    /// log2 of `binWidth`; nil until a nonzero finite value has been seen.
    public private(set) var binExponent: Int?
    /// Counts of positive values by bin, `binCount` of them.
    public private(set) var positiveCounts: [UInt64]
    /// Counts of negative values by magnitude bin, `binCount` of them.
    public private(set) var negativeCounts: [UInt64]

    /// - Parameter binCount: bins per sign, a power of two in 256...2^20.
    public init(binCount: Int = ActivationObserver.defaultBinCount) {
        precondition(binCount >= 256 && binCount <= 1 << 20 && binCount & (binCount - 1) == 0,
                     "binCount must be a power of two in 256...2^20, got \(binCount)")
        self.binCount = binCount
        positiveCounts = [UInt64](repeating: 0, count: binCount)
        negativeCounts = positiveCounts
    }

    /// Width of a histogram bin, `2^binExponent` (0 before the first nonzero value).
    public var binWidth: Double {
        binExponent.map { Double(sign: .plus, exponent: $0, significand: 1) } ?? 0
    }

    /// True when a negative value has been seen (the tensor needs a signed range).
    public var isSigned: Bool { minimum < 0 }

    /// Nonzero finite values in the histogram: `count - zeroCount`.
    public var histogramCount: Int { count - zeroCount }

    /// Adds one batch of values (see `observe(_: UnsafeBufferPointer<Float>)`).
    public mutating func observe(_ values: [Float]) {
        values.withUnsafeBufferPointer { observe($0) }
    }

    /// Adds one batch of values (any layout: only the multiset of values matters).
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        // Pass 1, branch-free (it vectorizes): range and counts, so the grid is final before
        // any value is binned. NaN fails both comparisons.
        var batchMinimum = Float.infinity, batchMaximum = -Float.infinity
        var zeros = 0, nonFinite = 0
        for x in values {
            zeros &+= x == 0 ? 1 : 0
            nonFinite &+= x.isFinite ? 0 : 1
            batchMinimum = x < batchMinimum ? x : batchMinimum
            batchMaximum = x > batchMaximum ? x : batchMaximum
        }
        if nonFinite > 0 {
            // A broken tensor (rare): the range of its finite values only.
            batchMinimum = values.lazy.filter(\.isFinite).min() ?? .infinity
            batchMaximum = values.lazy.filter(\.isFinite).max() ?? -.infinity
        }
        let finite = values.count - nonFinite
        count += finite
        zeroCount += zeros
        nonFiniteCount += nonFinite
        if finite > 0 {
            minimum = min(minimum, batchMinimum)
            maximum = max(maximum, batchMaximum)
        }
        guard finite > zeros else { return }
        grow(toCover: max(-batchMinimum, batchMaximum))

        // Pass 2, branch-free: |x| * 2^-e is exact (Float -> Double, times a power of two) and
        // below binCount. Zeros and non-finite values go to positive bin 0 and are taken out after.
        let inverseWidth = Double(sign: .plus, exponent: -binExponent!, significand: 1)
        positiveCounts.withUnsafeMutableBufferPointer { positive in
            negativeCounts.withUnsafeMutableBufferPointer { negative in
                let (positiveBins, negativeBins) = (positive.baseAddress!, negative.baseAddress!)
                for x in values {
                    let finite = x.isFinite
                    let bin = Int(Double(finite ? x.magnitude : 0) * inverseWidth)
                    (finite && x < 0 ? negativeBins : positiveBins)[bin] &+= 1
                }
            }
        }
        positiveCounts[0] -= UInt64(zeros + nonFinite)
    }

    /// Adds the statistics of `other` (e.g. an observer filled by another thread). The result
    /// equals one observer that saw both sets of values.
    public mutating func merge(_ other: ActivationObserver) {
        precondition(other.binCount == binCount, "cannot merge observers with \(binCount) and \(other.binCount) bins")
        count += other.count
        zeroCount += other.zeroCount
        nonFiniteCount += other.nonFiniteCount
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        guard let otherExponent = other.binExponent else { return }
        let exponent = max(binExponent ?? otherExponent, otherExponent)
        if binExponent == nil { binExponent = exponent } else { rebin(to: exponent) }
        var other = other
        other.rebin(to: exponent)
        for bin in 0..<binCount {
            positiveCounts[bin] += other.positiveCounts[bin]
            negativeCounts[bin] += other.negativeCounts[bin]
        }
    }

    /// The smallest exponent e with `magnitude < binCount * 2^e`, for a finite magnitude > 0.
    /// With magnitude in [2^k, 2^(k+1)) and binCount = 2^b that is k + 1 - b.
    static func exponent(covering magnitude: Float, binCount: Int) -> Int {
        Int(magnitude.exponent) + 1 - binCount.trailingZeroBitCount
    }

    private mutating func grow(toCover magnitude: Float) {
        let needed = Self.exponent(covering: magnitude, binCount: binCount)
        guard let current = binExponent else {
            binExponent = needed
            return
        }
        if needed > current { rebin(to: needed) }
    }

    /// Coarsens the grid to `2^exponent`: old bin i goes to new bin i >> d.
    private mutating func rebin(to exponent: Int) {
        let shift = exponent - binExponent!
        precondition(shift >= 0)
        binExponent = exponent
        guard shift > 0 else { return }
        positiveCounts = Self.coarsen(positiveCounts, shift: shift)
        negativeCounts = Self.coarsen(negativeCounts, shift: shift)
    }

    private static func coarsen(_ counts: [UInt64], shift: Int) -> [UInt64] {
        var coarse = [UInt64](repeating: 0, count: counts.count)
        for (bin, n) in counts.enumerated() where n > 0 { coarse[bin >> shift] += n }
        return coarse
    }
}
