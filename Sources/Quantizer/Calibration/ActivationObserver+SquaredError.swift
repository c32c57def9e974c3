extension ActivationObserver {
    /// Expected squared quantization error per observed value, `E[(x - Q(x))^2]` over all
    /// finite values (zeros included, they contribute 0), with the values of each histogram
    /// bin spread uniformly over the bin. Counts both the rounding error inside the grid and
    /// the clipping error beyond its ends, exactly for that model (`QuantizationGrid.errorIntegral`).
    func meanSquaredError(_ grid: QuantizationGrid) -> Double {
        guard count > 0 else { return 0 }
        let width = binWidth
        var total = 0.0
        for (counts, sign) in [(positiveCounts, 1.0), (negativeCounts, -1.0)] {
            guard let last = counts.lastIndex(where: { $0 > 0 }) else { continue }
            var lowIntegral = 0.0   // errorIntegral(0)
            for bin in 0...last {
                let highIntegral = grid.errorIntegral(to: sign * Double(bin + 1) * width)
                // Per bin: n / width * |∫ over the bin|; on the negative side the integral runs backwards.
                total += Double(counts[bin]) * sign * (highIntegral - lowIntegral)
                lowIntegral = highIntegral
            }
        }
        return total / width / Double(count)
    }

    /// The number of bins spanned by the positive values (index of the last nonempty positive bin + 1).
    var positiveBinsUsed: Int { (positiveCounts.lastIndex { $0 > 0 } ?? -1) + 1 }

    /// The number of bins spanned by the magnitudes of all nonzero values.
    var magnitudeBinsUsed: Int { max(positiveBinsUsed, (negativeCounts.lastIndex { $0 > 0 } ?? -1) + 1) }

    /// The clip c of a post-ReLU tensor (grid `QuantizationGrid(clip: c)`) with the smallest
    /// `meanSquaredError`, over the candidates c = min(i * binWidth, maximum) for
    /// i = 1 ... positiveBinsUsed (so the last candidate is the maximum itself); the first
    /// (smallest) clip wins a tie. 0 when no value is positive.
    func minimumSquaredErrorClip() -> Double {
        let used = positiveBinsUsed
        guard used > 0 else { return 0 }
        var bestClip = Double(maximum), bestError = Double.infinity
        for bin in 1...used {
            let clip = min(Double(bin) * binWidth, Double(maximum))
            let error = meanSquaredError(QuantizationGrid(clip: clip))
            if error < bestError {
                (bestClip, bestError) = (clip, error)
            }
        }
        return bestClip
    }

    /// The range [a * lower, a * upper] of a signed tensor (grid `QuantizationGrid(lower:upper:)`)
    /// with the smallest `meanSquaredError`, where [lower, upper] is the observed range widened
    /// to include 0 and a = i / n for i = 1 ... n, n = `magnitudeBinsUsed` (so a = 1, the full
    /// range, is a candidate). Shrinking both ends by one factor keeps the zero point (the ratio
    /// of the two ends) and needs a one-dimensional search only.
    func minimumSquaredErrorRange() -> (lower: Double, upper: Double) {
        let lower = min(Double(minimum), 0), upper = max(Double(maximum), 0)
        let used = magnitudeBinsUsed
        guard used > 0 else { return (lower, upper) }
        var best = (lower: lower, upper: upper), bestError = Double.infinity
        for step in 1...used {
            let factor = Double(step) / Double(used)
            let candidate = (lower: lower * factor, upper: upper * factor)
            let error = meanSquaredError(QuantizationGrid(lower: candidate.lower, upper: candidate.upper))
            if error < bestError {
                (best, bestError) = (candidate, error)
            }
        }
        return best
    }
}
