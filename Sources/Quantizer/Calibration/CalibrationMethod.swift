/// How the range of an activation tensor is chosen from its `ActivationObserver`
/// (Docs/Calibration.md). Everything is computed in Double from the integer histogram, so the
/// same observer always gives the same bits.
///
/// A post-ReLU tensor is stored as uint8 with zero point 0 and scale `clip / 255`: the methods
/// return the clip c (`clip(_:percentile:)`). The network input is signed and stored as uint8
/// with a zero point: the methods return a range [lo, hi] with lo <= 0 <= hi
/// (`range(_:percentile:)`).
///
/// - `minmax`: the observed maximum (signed: [min, max]). Never clips; a single outlier
///   stretches the scale for every other value.
/// - `percentile`: the value below which P% of the observed values lie, zeros included,
///   interpolated inside the histogram bin (signed: the (100 - P)% and P% points, equal tail
///   mass on both sides).
/// - `entropy`: the threshold minimizing the KL divergence between the clipped distribution
///   and its quantized version (TensorRT, ncnn), with 256 levels for uint8 (TensorRT's 128 are
///   the non-negative half of symmetric int8; a post-ReLU tensor with zero point 0 uses all
///   256 codes on [0, c]). Signed tensors: TensorRT's symmetric form on |x| with 128 levels,
///   then intersected with [min, max].
/// - `mse`: the clip minimizing the expected squared quantization error, rounding inside the
///   range plus clipping beyond it, computed exactly for the histogram (signed: both ends of
///   [min, max] shrunk by one factor).
///
/// Example (values 0.1, 0.2, ..., 100.0, one each, plus one outlier at 1000): minmax gives
/// 1000 (scale 3.92, the bulk gets 26 codes); percentile 99 gives 99.17; entropy 100.25; mse
/// keeps 1000, because clipping one value in a thousand by 900 costs more squared error
/// (900^2 / 1001 = 809 per value) than the finer rounding saves (at most 3.92^2 / 12 = 1.3).
/// mse clips an outlier only when it is rarer than about one value in a million.
public enum CalibrationMethod: String, CaseIterable, Sendable {
    case minmax
    case percentile
    case entropy
    case mse

    /// Chosen by measurement (Docs/Numerics.md, "Choosing the calibration method"): on the
    /// trained digits model, mse and minmax keep int8 within 0.3 dB of each other and agree with
    /// fp32 on every held-out image, while entropy loses 11 dB; unlike minmax, mse still clips
    /// outliers once a tensor has millions of values (full-size ImageNet layers).
    public static let defaultMethod = CalibrationMethod.mse
    /// The percentile P of `.percentile` when none is given (`--percentile`'s default), in percent.
    public static let defaultPercentile = 99.99

    /// What is wrong with a percentile P, as one line naming `name`; nil when 0 < P <= 100.
    /// Example: `percentileProblem(0, name: "--percentile")` is `"--percentile must be in (0, 100], got 0.0"`.
    public static func percentileProblem(_ percentile: Double, name: String = "percentile") -> String? {
        percentile > 0 && percentile <= 100 ? nil : "\(name) must be in (0, 100], got \(percentile)"
    }

    /// - Throws: `CalibrationError` (one line, `percentileProblem(_:)`) unless 0 < percentile <= 100.
    public static func validatePercentile(_ percentile: Double) throws {
        if let problem = percentileProblem(percentile) { throw CalibrationError(problem) }
    }

    /// The clip c of a post-ReLU tensor, quantized as uint8 with zero point 0 and scale c / 255.
    /// Negative values (none after a ReLU) count as the runtime treats them: clamped to 0.
    /// 0 when no observed value is positive.
    ///
    /// - Parameters:
    ///   - observer: the statistics of the tensor over the calibration images.
    ///   - percentile: P in (0, 100], used by `.percentile` only.
    /// - Returns: c in [0, maximum] (minmax: maximum exactly).
    /// - Throws: `CalibrationError` when no value was observed, when a value was NaN or
    ///   infinite, or when `.percentile` gets P outside (0, 100].
    public func clip(_ observer: ActivationObserver, percentile: Double = defaultPercentile) throws -> Float {
        try check(observer, percentile: percentile)
        let clip: Double
        switch self {
        case .minmax: clip = Double(observer.maximum)
        case .percentile: clip = observer.quantile(percentile / 100)!
        case .entropy: clip = observer.entropyClip() ?? 0
        case .mse: clip = observer.minimumSquaredErrorClip()
        }
        return Float(max(clip, 0))
    }

    /// The range [lo, hi] (lo <= 0 <= hi) of a signed tensor quantized as uint8 with
    /// scale (hi - lo) / 255 and zero point round(-lo / scale). A tensor with no negative value
    /// gets `0...clip(observer, percentile:)`.
    ///
    /// - Throws: as `clip(_:percentile:)`.
    public func range(_ observer: ActivationObserver, percentile: Double = defaultPercentile) throws -> ClosedRange<Float> {
        guard observer.isSigned else { return 0...(try clip(observer, percentile: percentile)) }
        try check(observer, percentile: percentile)
        let lower = min(Double(observer.minimum), 0), upper = max(Double(observer.maximum), 0)
        let range: (lower: Double, upper: Double)
        switch self {
        case .minmax:
            range = (lower, upper)
        case .percentile:
            range = (observer.quantile(1 - percentile / 100)!, observer.quantile(percentile / 100)!)
        case .entropy:
            let threshold = observer.entropyMagnitudeThreshold()!
            range = (max(lower, -threshold), min(upper, threshold))
        case .mse:
            range = observer.minimumSquaredErrorRange()
        }
        return Float(min(range.lower, 0))...Float(max(range.upper, 0))
    }

    private func check(_ observer: ActivationObserver, percentile: Double) throws {
        if self == .percentile { try Self.validatePercentile(percentile) }
        guard observer.nonFiniteCount == 0 else {
            throw CalibrationError("\(observer.nonFiniteCount) of \(observer.count + observer.nonFiniteCount) "
                + "activation values are NaN or infinite: the checkpoint or an input is broken")
        }
        guard observer.count > 0 else { throw CalibrationError("no activation values were observed") }
    }
}
