import Foundation
import TestSupport
import Testing
@testable import Quantizer

@Suite struct CalibrationObserverTests {
    @Test func countsRangeZerosAndNonFiniteValues() {
        var observer = ActivationObserver()
        observer.observe([0, -0.0, 1.5, -2, .nan, .infinity, 3, -.infinity])
        #expect(observer.count == 5)
        #expect(observer.zeroCount == 2)
        #expect(observer.nonFiniteCount == 3)
        #expect(observer.histogramCount == 3)
        #expect(observer.minimum == -2 && observer.maximum == 3)
        #expect(observer.isSigned)
        #expect(observer.positiveCounts.reduce(0, +) == 2 && observer.negativeCounts.reduce(0, +) == 1)
    }

    @Test func negativeZeroIsAZeroNotASign() {
        var observer = ActivationObserver()
        observer.observe([0, 0.25, -0.0, 7])
        #expect(!observer.isSigned && observer.zeroCount == 2)
        #expect(observer.negativeCounts.allSatisfy { $0 == 0 })
        #expect(observer.positiveCounts.reduce(0, +) == 2 && observer.positiveCounts.count == ActivationObserver.defaultBinCount)
    }

    @Test func zerosOnlyLeaveTheGridUnset() {
        var observer = ActivationObserver()
        observer.observe([0, 0, 0])
        #expect(observer.binExponent == nil && observer.binWidth == 0)
        #expect(observer.count == 3 && observer.minimum == 0 && observer.maximum == 0)
    }

    /// The bin width is the smallest power of two for which max|x| < binCount * width.
    @Test(arguments: [Float(1), 3, 0.75, 4095.9, 1e-30, 3e38, .leastNonzeroMagnitude])
    func gridIsTheSmallestPowerOfTwoCoveringTheMaximum(maximum: Float) {
        var observer = ActivationObserver()
        let values = [maximum / 3, maximum]
        observer.observe(values)
        let width = observer.binWidth
        #expect(width.significandBitPattern == 0, "a power of two")
        #expect(Double(maximum) < Double(observer.binCount) * width)
        #expect(Double(maximum) >= Double(observer.binCount / 2) * width)
        #expect(observer.positiveCounts.reduce(0, +) == UInt64(values.filter { $0 > 0 }.count))
    }

    /// Values whose scale grows over time, so the grid is rebinned many times: every split into
    /// batches, the reversed order and merges of partial observers give the same observer, and
    /// that observer equals direct binning of every value at the final width.
    @Test func rebinningIsIndependentOfBatchesOrderAndMerging() {
        var random = SplitMix64(seed: testSeed("rebinningIsIndependentOfBatchesOrderAndMerging", fallback: 0x5EED_0001))
        let values: [Float] = (0..<30_000).map { index in
            let growth = pow(1.0006, Double(index))    // max grows ~ 6.6e7 times over the sequence
            let x = random.exponential(scale: growth)
            let roll = random.unit()
            return roll < 0.3 ? 0 : Float(roll < 0.4 ? -x : x)
        }
        var whole = ActivationObserver(binCount: 1024)
        whole.observe(values)

        for batchSize in [1, 7, 1000, 4096] {
            var batched = ActivationObserver(binCount: 1024)
            var exponents: Set<Int> = []
            for start in stride(from: 0, to: values.count, by: batchSize) {
                batched.observe(Array(values[start..<min(start + batchSize, values.count)]))
                if let exponent = batched.binExponent { exponents.insert(exponent) }
            }
            #expect(batched == whole, "batches of \(batchSize)")
            if batchSize < 4096 { #expect(exponents.count > 20, "the grid grew \(exponents.count - 1) times") }
        }
        var reversed = ActivationObserver(binCount: 1024)
        for value in values.reversed() { reversed.observe([value]) }
        #expect(reversed == whole)

        var merged = ActivationObserver(binCount: 1024)
        for part in [0..<5000, 5000..<5001, 5001..<20_000, 20_000..<30_000].reversed() {
            var partial = ActivationObserver(binCount: 1024)
            partial.observe(Array(values[part]))
            merged.merge(partial)
        }
        merged.merge(ActivationObserver(binCount: 1024))
        #expect(merged == whole)

        // Oracle: floor(|x| / 2^e) at the final exponent, computed directly.
        let width = whole.binWidth
        var positive = [UInt64](repeating: 0, count: 1024), negative = positive
        for value in values where value != 0 {
            let bin = Int((Double(value.magnitude) / width).rounded(.down))
            if value > 0 { positive[bin] += 1 } else { negative[bin] += 1 }
        }
        #expect(whole.positiveCounts == positive && whole.negativeCounts == negative)
        #expect(whole.positiveCounts.reduce(0, +) + whole.negativeCounts.reduce(0, +) == UInt64(whole.histogramCount))
        #expect(whole.count == values.count && whole.zeroCount == values.filter { $0 == 0 }.count)
    }

    /// The worked example of the type's documentation.
    @Test func documentedRebinningExample() {
        var observer = ActivationObserver()
        observer.observe([2.5, 3.0])
        #expect(observer.binExponent == -10 && observer.positiveCounts[2560] == 1)
        observer.observe([9.0])
        #expect(observer.binExponent == -8 && observer.positiveCounts[640] == 1)
    }

    @Test func mergingIntoAnEmptyObserverAndFromOne() {
        var values = ActivationObserver()
        values.observe([1, 2, -3])
        var zeros = ActivationObserver()
        zeros.observe([0, 0])
        var combined = zeros
        combined.merge(values)
        var direct = ActivationObserver()
        direct.observe([0, 0, 1, 2, -3])
        #expect(combined == direct)
        values.merge(zeros)
        var reordered = ActivationObserver()
        reordered.observe([1, 2, -3, 0, 0])
        #expect(values == reordered)
    }

    /// The closed form of ∫(x - Q(x))^2 against a midpoint rule, inside, across and beyond the grid.
    @Test func errorIntegralMatchesNumericalIntegration() {
        let grids = [QuantizationGrid(clip: 2.0), QuantizationGrid(lower: -2.1179, upper: 2.64)]
        let intervals: [(Double, Double)] = [(0, 0.3), (0.011, 0.0123), (0.5, 1.9), (1.95, 2.6), (2.2, 5), (-0.4, 0.7), (-3, -1.5)]
        for grid in grids {
            for (a, b) in intervals {
                let steps = 200_000
                let h = (b - a) / Double(steps)
                var numeric = 0.0
                for i in 0..<steps {
                    let x = a + (Double(i) + 0.5) * h
                    let level = min(max((x / grid.scale).rounded(), Double(grid.lowestLevel)), Double(grid.highestLevel))
                    numeric += (x - level * grid.scale) * (x - level * grid.scale) * h
                }
                let closed = grid.errorIntegral(to: b) - grid.errorIntegral(to: a)
                #expect(abs(closed - numeric) <= 1e-5 * max(numeric, 1e-12) + 1e-15, "\(grid) on [\(a), \(b)]: \(closed) vs \(numeric)")
            }
        }
    }

    /// The histogram's expected error tracks the error measured on the samples themselves.
    @Test func expectedErrorTracksMeasuredError() {
        var random = SplitMix64(seed: testSeed("expectedErrorTracksMeasuredError", fallback: 0x5EED_0002))
        let values: [Float] = (0..<100_000).map { _ in Float(random.exponential(scale: 1)) }
        var observer = ActivationObserver()
        observer.observe(values)
        for clip in [0.5, 2.0, 5.0, 9.0, Double(observer.maximum)] {
            let expected = observer.meanSquaredError(QuantizationGrid(clip: clip))
            let measured = measuredSquaredError(values, clip: clip)
            #expect(abs(expected - measured) <= 0.03 * measured, "clip \(clip): histogram \(expected), samples \(measured)")
        }
    }
}
