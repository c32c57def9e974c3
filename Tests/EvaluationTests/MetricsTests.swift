import Foundation
import QuantCore
import Quantizer
import Testing
@testable import Evaluation

private func near(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

@Suite struct ErrorStatisticsTests {
    /// The worked example of the doc comment.
    @Test func sqnrAndCosineOfASmallPair() {
        var statistics = ErrorStatistics()
        statistics.add(reference: [1, 2], approximation: [1, 1.5])
        #expect(statistics.count == 2)
        #expect(near(statistics.sqnrDecibels, 10 * log10(20.0)))  // 5 / 0.25
        #expect(near(statistics.sqnrDecibels, 13.0103, 1e-4))
        #expect(near(statistics.cosine, 4 / (5 * 3.25).squareRoot()))
        #expect(near(statistics.cosine, 0.992278, 1e-6))
    }

    @Test func sumsDoNotDependOnHowValuesAreSplit() {
        var whole = ErrorStatistics(), parts = ErrorStatistics()
        whole.add(reference: [3, -1, 0.5, 2], approximation: [2.5, -1, 1, 2])
        parts.add(reference: [3, -1], approximation: [2.5, -1])
        parts.add(reference: [0.5, 2], approximation: [1, 2])
        #expect(whole == parts)
        // Σr² = 14.25, Σ(r - a)² = 0.5: 10 log10(28.5).
        #expect(near(whole.sqnrDecibels, 10 * log10(28.5)))
    }

    @Test func degenerateCases() {
        var exact = ErrorStatistics()
        exact.add(reference: [1, -2], approximation: [1, -2])
        #expect(exact.sqnrDecibels == .infinity)
        #expect(near(exact.cosine, 1))
        var zeros = ErrorStatistics()
        zeros.add(reference: [0, 0], approximation: [0, 0])
        #expect(zeros.sqnrDecibels.isNaN && zeros.cosine.isNaN)
        var opposite = ErrorStatistics()
        opposite.add(reference: [1, 2], approximation: [-1, -2])
        #expect(near(opposite.cosine, -1))
        #expect(near(opposite.sqnrDecibels, 10 * log10(5.0 / 20)))  // the noise is 4x the signal: -6.02 dB
    }
}

@Suite struct AgreementCountsTests {
    /// The example of the doc comment, then an unlabelled image that agrees.
    @Test func agreementAndAccuracy() {
        var counts = AgreementCounts()
        counts.add(fp32Ranking: [3, 1, 0, 2, 4], int8Ranking: [1, 3, 0, 2, 4], label: 3)
        #expect(counts.images == 1 && counts.top1Agreements == 0 && counts.top5Agreements == 1)
        #expect(counts.fp32Top1Correct == 1 && counts.fp32Top5Correct == 1)
        #expect(counts.int8Top1Correct == 0 && counts.int8Top5Correct == 1)
        counts.add(fp32Ranking: [7, 1, 2, 3, 4], int8Ranking: [7, 2, 1, 3, 4], label: nil)
        #expect(counts.images == 2 && counts.top1Agreements == 1 && counts.top5Agreements == 2 && counts.labelledImages == 1)
        #expect(AgreementCounts.percent(counts.top1Agreements, of: counts.images) == 50)
        #expect(AgreementCounts.percent(0, of: 0) == 0)
    }

    @Test func top5LooksAtTheFirstFiveOnly() {
        var counts = AgreementCounts()
        counts.add(fp32Ranking: [9, 0, 1, 2, 3, 4], int8Ranking: [0, 1, 2, 3, 4, 9], label: 9)
        #expect(counts.top5Agreements == 0 && counts.int8Top5Correct == 0 && counts.fp32Top1Correct == 1)
        // Fewer than five classes: the whole ranking.
        counts.add(fp32Ranking: [1, 0], int8Ranking: [0, 1], label: 1)
        #expect(counts.top5Agreements == 1 && counts.int8Top5Correct == 1 && counts.int8Top1Correct == 0)
    }
}

@Suite struct LayerComparisonTests {
    /// CHW fp32 against HWC uint8 with padded channels: the doc comment's example, with scale
    /// 0.5 so that q = 2 * value is exact; padding bytes (99) are ignored.
    @Test func comparesChannelsFirstWithChannelsLast() {
        var layer = LayerComparison(name: "features.0", quantization: ActivationQuantization(scale: 0.5, zeroPoint: 0))
        let reference: [Float] = [1, 2, 3, 4]  // channel 0: 1, 2; channel 1: 3, 4
        layer.add(reference: reference[...], quantized: [2, 6, 99, 99, 4, 8, 99, 99], height: 1, width: 2, paddedChannels: 4)
        #expect(layer.error.sqnrDecibels == .infinity)
        #expect(layer.error.count == 4)
        // One step off at (channel 1, x 1): error 0.5^2, signal 1 + 4 + 9 + 16 = 30.
        layer.add(reference: reference[...], quantized: [2, 6, 99, 99, 4, 7, 99, 99], height: 1, width: 2, paddedChannels: 4)
        #expect(near(layer.error.sqnrDecibels, 10 * log10(60 / 0.25)))
        #expect(layer.activations.count == 8 && layer.activations.maximum == 4)
    }

    /// A hidden linear layer: [features] against 1x1xfeatures, zero point subtracted.
    @Test func linearLayerWithZeroPoint() {
        var layer = LayerComparison(name: "classifier.0", quantization: ActivationQuantization(scale: 0.25, zeroPoint: 4))
        layer.add(reference: [0, 1, 0.5][...], quantized: [4, 8, 6], height: 1, width: 1, paddedChannels: 3)
        #expect(layer.error.errorEnergy == 0 && layer.error.referenceEnergy == 1.25)
        #expect(layer.int8Range == -1 ... 62.75)
    }
}

@Suite struct ActivationHistogramTests {
    /// The example of the doc comment.
    @Test func regroupsTheObserversBins() {
        var observer = ActivationObserver()
        observer.observe([0, 0.5, 1.5, 3.9])
        let histogram = ActivationHistogram(observer, upper: 4, binCount: 4)
        #expect(histogram.zeros == 1 && histogram.counts == [1, 1, 0, 1] && histogram.upper == 4)
    }

    /// 64 bins by default; values at or past `upper` go to the last bin.
    @Test func valuesPastTheTopGoToTheLastBin() {
        var observer = ActivationObserver()
        observer.observe([0.01, 2, 7.5, 9])
        let histogram = ActivationHistogram(observer, upper: 2)
        #expect(histogram.counts.count == 64)
        #expect(histogram.counts[0] == 1 && histogram.counts[63] == 3 && histogram.counts.reduce(0, +) == 4)
    }
}
