import Foundation
import TestSupport
import Testing
@testable import Quantizer

@Suite struct CalibrationMethodTests {
    @Test func methodNamesAreTheCommandLineValues() {
        #expect(CalibrationMethod.allCases.map(\.rawValue) == ["minmax", "percentile", "entropy", "mse"])
        #expect(CalibrationMethod.defaultPercentile == 99.99)
    }

    @Test func minmaxIsTheExactMaximum() throws {
        var random = SplitMix64(seed: testSeed("minmaxIsTheExactMaximum", fallback: 0x5EED_0101))
        let values: [Float] = (0..<50_000).map { _ in Float(random.exponential(scale: 0.37)) }
        var observer = ActivationObserver()
        observer.observe(values)
        #expect(try CalibrationMethod.minmax.clip(observer) == values.max()!)
        #expect(try CalibrationMethod.percentile.clip(observer, percentile: 100) == values.max()!)

        var signed = ActivationObserver()
        signed.observe(values.map { $0 - 0.5 })
        #expect(try CalibrationMethod.minmax.range(signed) == values.min()! - 0.5 ... values.max()! - 0.5)
    }

    /// Histogram percentiles land within one bin of the samples' own order statistic, and
    /// within one bin plus 5 sampling standard deviations of the analytic quantile.
    @Test func percentileOfUniformAndExponentialSamples() throws {
        var random = SplitMix64(seed: testSeed("percentileOfUniformAndExponentialSamples", fallback: 0x5EED_0102))
        let count = 400_000
        let uniform: [Float] = (0..<count).map { _ in Float(random.unit() * 10) }
        let exponential: [Float] = (0..<count).map { _ in Float(random.exponential(scale: 1)) }
        let cases: [(name: String, values: [Float], quantile: (Double) -> Double, density: (Double) -> Double)] = [
            ("uniform[0, 10)", uniform, { 10 * $0 }, { _ in 0.1 }),
            ("exponential(1)", exponential, { -log(1 - $0) }, { exp(-$0) }),
        ]
        for (name, values, quantile, density) in cases {
            var observer = ActivationObserver()
            observer.observe(values)
            let sorted = values.sorted()
            for percentile in [50, 90, 99, 99.9, 99.99] {
                let q = percentile / 100
                let clip = Double(try CalibrationMethod.percentile.clip(observer, percentile: percentile))
                let orderStatistic = Double(sorted[Int((q * Double(count)).rounded(.up)) - 1])
                #expect(abs(clip - orderStatistic) <= observer.binWidth, "\(name) P\(percentile): \(clip) vs sample \(orderStatistic)")
                let analytic = quantile(q)
                let sigma = (q * (1 - q) / Double(count)).squareRoot() / density(analytic)
                #expect(abs(clip - analytic) <= observer.binWidth + 5 * sigma, "\(name) P\(percentile): \(clip) vs \(analytic)")
            }
        }
    }

    @Test(arguments: [0, -1, 100.000001, 1e9, .nan, .infinity, -.infinity])
    func percentileOutsideTheOpenClosedIntervalIsRefused(percentile: Double) throws {
        #expect(throws: CalibrationError.self) { try CalibrationMethod.validatePercentile(percentile) }
        do {
            try CalibrationMethod.validatePercentile(percentile)
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("percentile must be in (0, 100], got ") && !message.contains("\n"), "\(message)")
        }
        var observer = ActivationObserver()
        observer.observe([1, 2, 3])
        #expect(throws: CalibrationError.self) { try CalibrationMethod.percentile.clip(observer, percentile: percentile) }
        #expect(throws: CalibrationError.self) { try CalibrationMethod.percentile.range(observer, percentile: percentile) }
        // Only the percentile method reads the value.
        #expect(try CalibrationMethod.minmax.clip(observer, percentile: percentile) == 3)
    }

    @Test(arguments: [100, 99.99, 50, 1e-9])
    func percentileInsideTheIntervalIsAccepted(percentile: Double) throws {
        try CalibrationMethod.validatePercentile(percentile)
    }

    @Test func emptyAndNonFiniteTensorsAreRefused() {
        for method in CalibrationMethod.allCases {
            #expect(throws: CalibrationError.self) { try method.clip(ActivationObserver()) }
            var broken = ActivationObserver()
            broken.observe([1, .nan, 2])
            #expect(throws: CalibrationError.self) { try method.clip(broken) }
            #expect(throws: CalibrationError.self) { try method.range(broken) }
        }
    }

    @Test func zerosOnlyGiveClipZero() throws {
        var observer = ActivationObserver()
        observer.observe([0, 0, 0, 0])
        for method in CalibrationMethod.allCases {
            #expect(try method.clip(observer) == 0, "\(method)")
            #expect(try method.range(observer) == 0...0, "\(method)")
        }
    }

    /// A ReLU-like tensor: 40% zeros, half-Laplace bulk (scale 1), `outliers` values in [50, 100].
    static func outlierSamples(_ random: inout SplitMix64, count: Int, outliers: Int) -> [Float] {
        var values: [Float] = (0..<count).map { _ in random.unit() < 0.4 ? 0 : Float(random.exponential(scale: 1)) }
        for index in 0..<outliers { values[index * (count / outliers)] = Float(50 + random.unit() * 50) }
        return values
    }

    /// 20 outliers in 200,000 values (1e-4): entropy and percentile clip them, minmax keeps them,
    /// and so does mse: clipping 20 values by ~80 costs more squared error (20 * 80^2 / 200,000
    /// = 0.64) than the finer rounding saves (at most 100^2 / (12 * 255^2) = 0.013 per value).
    @Test func entropyClipsRareOutliersWhereMinmaxAndMSEKeepThem() throws {
        var random = SplitMix64(seed: testSeed("entropyClipsRareOutliersWhereMinmaxAndMSEKeepThem", fallback: 0x5EED_0103))
        let values = Self.outlierSamples(&random, count: 200_000, outliers: 20)
        var observer = ActivationObserver()
        observer.observe(values)
        let maximum = values.max()!
        let clips = try Dictionary(uniqueKeysWithValues: CalibrationMethod.allCases.map { ($0, try $0.clip(observer)) })
        print("20 outliers: max \(maximum), " + CalibrationMethod.allCases.map { "\($0) \(clips[$0]!)" }.joined(separator: ", "))
        #expect(clips[.minmax] == maximum)
        // The bulk's 99.99th percentile is about 8.7; the outliers start at 50.
        #expect(clips[.entropy]! < 0.25 * maximum && clips[.entropy]! > 4)
        #expect(clips[.percentile]! < 0.25 * maximum)
        #expect(clips[.mse]! > 0.75 * maximum)
    }

    /// One outlier in 1.5 million values: rare enough that mse clips it too, down to about
    /// max / (1 + 0.6 * 1.5e6 / 780,300) = max / 2.15 (Docs/Calibration.md: mse's lower bound).
    @Test func entropyAndMSEClipAnOutlierInMillions() throws {
        var random = SplitMix64(seed: testSeed("entropyAndMSEClipAnOutlierInMillions", fallback: 0x5EED_0108))
        let values = Self.outlierSamples(&random, count: 1_500_000, outliers: 1)
        var observer = ActivationObserver()
        observer.observe(values)
        let maximum = values.max()!
        let clips = try Dictionary(uniqueKeysWithValues: CalibrationMethod.allCases.map { ($0, try $0.clip(observer)) })
        print("1 outlier: max \(maximum), " + CalibrationMethod.allCases.map { "\($0) \(clips[$0]!)" }.joined(separator: ", "))
        #expect(clips[.minmax] == maximum)
        #expect(clips[.entropy]! < 0.25 * maximum && clips[.entropy]! > 4)
        #expect(clips[.mse]! < 0.5 * maximum && clips[.mse]! > 0.4 * maximum)
        let mseError = measuredSquaredError(values, clip: Double(clips[.mse]!))
        #expect(mseError < measuredSquaredError(values, clip: Double(maximum)) * 0.75)
    }

    /// Without outliers, clipping only costs: entropy and mse keep (nearly) the whole range.
    @Test func uniformValuesAreBarelyClipped() throws {
        var random = SplitMix64(seed: testSeed("uniformValuesAreBarelyClipped", fallback: 0x5EED_0104))
        let values: [Float] = (0..<100_000).map { _ in Float(random.unit()) }
        var observer = ActivationObserver()
        observer.observe(values)
        let maximum = values.max()!
        #expect(try CalibrationMethod.entropy.clip(observer) >= 0.95 * maximum)
        #expect(try CalibrationMethod.mse.clip(observer) >= 0.99 * maximum)
    }

    /// A heavy tail (log-normal, sigma 1.2, 30% zeros, a million values, so that the best clip
    /// lies well inside the range): the mse clip is (nearly) the best of 80 candidate clips and
    /// of minmax when the error is measured by quantizing and dequantizing the samples themselves.
    @Test func mseClipMinimizesMeasuredQuantizationError() throws {
        var random = SplitMix64(seed: testSeed("mseClipMinimizesMeasuredQuantizationError", fallback: 0x5EED_0105))
        let values: [Float] = (0..<1_000_000).map { _ in random.unit() < 0.3 ? 0 : Float(exp(1.2 * random.normal())) }
        var observer = ActivationObserver()
        observer.observe(values)
        let maximum = Double(values.max()!)
        let chosen = Double(try CalibrationMethod.mse.clip(observer))
        let chosenError = measuredSquaredError(values, clip: chosen)
        let coarse: [Double] = (1...40).map { maximum * Double($0) / 40 }
        let fine: [Double] = (1...40).map { chosen * (0.8 + Double($0) / 100) }
        let candidates = coarse + fine
        let (bestClip, bestError) = candidates.map { ($0, measuredSquaredError(values, clip: $0)) }.min { $0.1 < $1.1 }!
        let minmaxError = measuredSquaredError(values, clip: maximum)
        print("log-normal: mse clip \(chosen) of max \(maximum): measured \(chosenError); "
            + "best candidate \(bestClip): \(bestError); minmax: \(minmaxError)")
        #expect(chosen < 0.9 * maximum)
        #expect(chosenError <= bestError * 1.01)
        #expect(chosenError < minmaxError)
    }

    /// Signed tensors: standard normal samples plus four outliers at +-40 (kept by mse, as above).
    @Test func signedRangesOfANormalTensor() throws {
        var random = SplitMix64(seed: testSeed("signedRangesOfANormalTensor", fallback: 0x5EED_0106))
        var values: [Float] = (0..<100_000).map { _ in Float(random.normal()) }
        values[0] = 40
        values[1] = -40
        values[2] = 39
        values[3] = -39
        var observer = ActivationObserver()
        observer.observe(values)
        let ranges = try Dictionary(uniqueKeysWithValues: CalibrationMethod.allCases.map { ($0, try $0.range(observer, percentile: 99.9)) })
        print("normal: " + CalibrationMethod.allCases.map { "\($0) \(ranges[$0]!)" }.joined(separator: ", "))
        #expect(ranges[.minmax] == -40...40)
        let percentile = ranges[.percentile]!
        #expect(abs(Double(percentile.upperBound) - 3.0902) < 0.08 && abs(Double(percentile.lowerBound) + 3.0902) < 0.08)
        let entropy = ranges[.entropy]!
        #expect(entropy.lowerBound < -2.5 && entropy.upperBound > 2.5 && entropy.lowerBound > -10 && entropy.upperBound < 10)
    }

    /// Signed heavy tail (sign * log-normal, sigma 1.2, 0.7 of the values positive, a million
    /// values): the mse range is (nearly) the best of 80 shrink factors of [min, max], measured
    /// on the samples.
    @Test func mseRangeMinimizesMeasuredQuantizationError() throws {
        var random = SplitMix64(seed: testSeed("mseRangeMinimizesMeasuredQuantizationError", fallback: 0x5EED_0109))
        let values: [Float] = (0..<1_000_000).map { _ in
            let magnitude = exp(1.2 * random.normal())
            return Float(random.unit() < 0.7 ? magnitude : -magnitude)
        }
        var observer = ActivationObserver()
        observer.observe(values)
        let (lower, upper) = (Double(values.min()!), Double(values.max()!))
        let range = try CalibrationMethod.mse.range(observer)
        let chosen = Double(range.upperBound) / upper
        let chosenError = measuredSquaredError(values, lower: Double(range.lowerBound), upper: Double(range.upperBound))
        let coarse: [Double] = (1...40).map { Double($0) / 40 }
        let fine: [Double] = (1...40).map { chosen * (0.8 + Double($0) / 100) }
        let factors = coarse + fine
        let bestError = factors.map { measuredSquaredError(values, lower: lower * $0, upper: upper * $0) }.min()!
        let minmaxError = measuredSquaredError(values, lower: lower, upper: upper)
        print("signed log-normal [\(lower), \(upper)]: mse \(range) measured \(chosenError); best \(bestError); minmax \(minmaxError)")
        #expect(chosen < 0.9)
        #expect(chosenError <= bestError * 1.01)
    }

    @Test func unsignedTensorRangeIsZeroToClip() throws {
        var observer = ActivationObserver()
        observer.observe([0, 1, 2, 3, 4, 5])
        for method in CalibrationMethod.allCases {
            let clip = try method.clip(observer)
            #expect(try method.range(observer) == 0...clip, "\(method)")
        }
    }

    /// Same values, different batches: every method gives the same bits.
    @Test func methodsAreDeterministicAcrossBatchSplits() throws {
        var random = SplitMix64(seed: testSeed("methodsAreDeterministicAcrossBatchSplits", fallback: 0x5EED_0107))
        let values = Self.outlierSamples(&random, count: 40_000, outliers: 20)
        var whole = ActivationObserver()
        whole.observe(values)
        var batched = ActivationObserver()
        for start in stride(from: 0, to: values.count, by: 3000) { batched.observe(Array(values[start..<min(start + 3000, values.count)])) }
        for method in CalibrationMethod.allCases {
            #expect(try method.clip(whole).bitPattern == method.clip(batched).bitPattern, "\(method)")
        }
    }

    /// The example of `CalibrationMethod`'s documentation: 0.1, 0.2, ..., 100.0 and one value at 1000.
    @Test func documentedExample() throws {
        var observer = ActivationObserver()
        observer.observe((1...1000).map { Float($0) / 10 } + [1000])
        let clips = try CalibrationMethod.allCases.map { try $0.clip(observer, percentile: 99) }
        print("documented example: " + zip(CalibrationMethod.allCases, clips).map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        #expect(clips[0] == 1000)
        #expect(abs(clips[1] - 99.1) < 0.3)
        #expect(abs(clips[2] - 100) < 2)
        #expect(clips[3] == 1000)
    }
}
