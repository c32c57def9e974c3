import Foundation

extension ActivationObserver {
    /// The threshold, in bins, that minimizes the KL divergence between the distribution of
    /// `counts` clipped at the threshold and its quantized version with `levels` representable
    /// values on [0, threshold] (TensorRT's entropy calibration, rebuilt on the real rounding grid).
    ///
    /// For each candidate i = levels ... used (used = index of the last nonempty bin + 1), with
    /// threshold T = i bins and step s = i / (levels - 1) bins:
    /// - P (reference): bins 0..<i as counted, plus every count from bin i on (the values the
    ///   clip would saturate) added to bin i - 1; normalized by the total count.
    /// - Q (quantized): level k holds the values x with round(x / s) = k, i.e. the bins' share
    ///   of [(k - 1/2) s, (k + 1/2) s) for a bin cut by a level edge (values uniform in a bin);
    ///   each level's count is then spread back over the nonempty bins it touches, in proportion
    ///   to the part of each bin inside the level. Built from the in-range bins only, normalized
    ///   by their count. Empty bins get 0 in both, so 0 log 0 terms vanish.
    /// - D(P || Q) = sum_j P_j log(P_j / Q_j). It is infinite when bin i - 1 is empty but values
    ///   lie beyond it (P > 0 where Q = 0): such a candidate is skipped. The last candidate
    ///   (i = used) clips nothing and is always finite.
    /// The smallest i with the least divergence wins. Candidates start at `levels` bins, one bin
    /// per level: a coarser histogram cannot tell rounding apart, so the threshold is never below
    /// `levels` bins (with 4096 bins and 256 levels: max / 16 at the lowest).
    ///
    /// - Parameters:
    ///   - counts: a histogram of magnitudes on a uniform grid starting at 0 (zeros excluded).
    ///   - levels: representable values on [0, T]: 256 for uint8 with zero point 0.
    /// - Returns: nil when every count is 0; `used` when used <= levels.
    static func entropyThresholdBins(_ counts: [UInt64], levels: Int) -> Int? {
        precondition(levels >= 2)
        guard let last = counts.lastIndex(where: { $0 > 0 }) else { return nil }
        let used = last + 1
        guard used > levels else { return used }
        let total = counts.reduce(0.0) { $0 + Double($1) }
        var mass = [Double](repeating: 0, count: levels)
        var width = [Double](repeating: 0, count: levels)
        var best = used, bestDivergence = Double.infinity
        for bins in levels...used {
            let step = Double(bins) / Double(levels - 1)
            mass.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            width.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            var inRange = 0.0
            for bin in 0..<bins where counts[bin] > 0 {
                let n = Double(counts[bin])
                inRange += n
                let (level, share) = levelShare(bin: bin, step: step)
                mass[level] += n * share
                width[level] += share
                if share < 1 {
                    mass[level + 1] += n * (1 - share)
                    width[level + 1] += 1 - share
                }
            }
            let outliers = total - inRange
            if counts[bins - 1] == 0 && outliers > 0 { continue }
            var divergence = 0.0
            for bin in 0..<bins {
                let p = Double(counts[bin]) + (bin == bins - 1 ? outliers : 0)
                guard p > 0 else { continue }
                let (level, share) = levelShare(bin: bin, step: step)
                var q = mass[level] * share / width[level]
                if share < 1 { q += mass[level + 1] * (1 - share) / width[level + 1] }
                divergence += p / total * log((p / total) / (q / inRange))
            }
            if divergence < bestDivergence {
                (best, bestDivergence) = (bins, divergence)
            }
        }
        return best
    }

    /// The level of the start of bin [bin, bin + 1) (in bin units) on a grid of step `step` > 1,
    /// and the fraction of the bin, in (0, 1], that rounds to that level; the rest (if any)
    /// rounds to the next level (a bin is narrower than a level, so it meets at most two).
    static func levelShare(bin: Int, step: Double) -> (level: Int, share: Double) {
        let start = Double(bin)
        let level = Int((start / step + 0.5).rounded(.down))
        let edge = (Double(level) + 0.5) * step
        let share = edge - start
        // Rounding can put the edge on the bin's start: then the whole bin is in the next level.
        if share <= 0 { return (level + 1, 1) }
        return (level, min(share, 1))
    }

    /// The entropy threshold of the positive values with 256 levels (uint8, zero point 0), or
    /// nil when no value is positive.
    func entropyClip() -> Double? {
        Self.entropyThresholdBins(positiveCounts, levels: 256).map { min(Double($0) * binWidth, Double(maximum)) }
    }

    /// The entropy threshold T of the magnitudes |x| with 128 levels (TensorRT's symmetric
    /// int8 case), or nil when every value is zero.
    func entropyMagnitudeThreshold() -> Double? {
        let magnitudes = zip(positiveCounts, negativeCounts).map { $0 + $1 }
        return Self.entropyThresholdBins(magnitudes, levels: 128).map { Double($0) * binWidth }
    }
}
