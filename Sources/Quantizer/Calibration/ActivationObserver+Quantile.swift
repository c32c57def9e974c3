extension ActivationObserver {
    /// The value below which a fraction `fraction` of the observed finite values lie, zeros
    /// included, read from the histogram with values spread uniformly inside each bin (linear
    /// interpolation of the cumulative count), clamped to [minimum, maximum].
    ///
    /// Order: negative bins from the largest magnitude down, the zeros (an atom at 0), then the
    /// positive bins. The target rank is `fraction * count`; the result is the point where the
    /// cumulative count reaches it, so `quantile(1)` is `maximum` exactly and `quantile(0)` is
    /// `minimum`. The error is below one bin width (`binWidth`, at most max|x| / 2048 with the
    /// default 4096 bins).
    ///
    /// Example: 1000 values, 600 zeros and 400 positives spread evenly over bins 0..<400 of
    /// width 0.01: quantile(0.5) = 0; quantile(0.9) reaches rank 900, 300 values into the
    /// positives, = 3.00.
    ///
    /// - Parameter fraction: in [0, 1].
    /// - Returns: nil when no finite value was observed.
    func quantile(_ fraction: Double) -> Double? {
        precondition(fraction >= 0 && fraction <= 1)
        guard count > 0 else { return nil }
        let rank = fraction * Double(count)
        let width = binWidth
        var before = 0.0
        /// The point at which the cumulative count reaches `rank` inside [low, high), if it does.
        func reach(_ n: UInt64, low: Double, high: Double) -> Double? {
            guard n > 0 else { return nil }
            let after = before + Double(n)
            defer { before = after }
            guard after >= rank else { return nil }
            return low + (rank - before) / Double(n) * (high - low)
        }
        let point: Double? = {
            for bin in negativeCounts.indices.reversed() {
                if let x = reach(negativeCounts[bin], low: -Double(bin + 1) * width, high: -Double(bin) * width) { return x }
            }
            if let x = reach(UInt64(zeroCount), low: 0, high: 0) { return x }
            for bin in positiveCounts.indices {
                if let x = reach(positiveCounts[bin], low: Double(bin) * width, high: Double(bin + 1) * width) { return x }
            }
            return nil
        }()
        // The cumulative count (exact in Double) ends at `count` >= rank, so `point` is never nil.
        return min(max(point ?? Double(maximum), Double(minimum)), Double(maximum))
    }
}
