import Foundation
import Int8Blob

/// The result of `vgg-quantize eval`: what `--json` writes (snake_case keys, schema in
/// Docs/Evaluation.md), and what the summary and the HTML page show. Percentages are 0...100.
///
/// SQNRs and cosines are numbers, except in the degenerate cases `ErrorStatistics` describes,
/// where JSON gets the strings "inf", "-inf" or "nan" (JSON has no such numbers).
public struct EvaluationReport: Codable, Sendable {
    public var arch: String
    /// The blob's path, as given.
    public var blob: String
    /// How the blob's activation ranges were calibrated (`BlobFile.calibration`).
    public var calibration: String
    public var kernel: String
    public var threads: Int
    public var blobBytes: Int
    /// 0 when not known (weights from the torch hub cache).
    public var checkpointBytes: Int
    public var images: Int
    /// The labels file, "subfolders", or nil for unlabelled images.
    public var labels: String?
    /// Images where int8's top-1 class is fp32's, percent.
    public var top1Agreement: Double
    /// Images where fp32's top-1 class is among int8's top 5, percent.
    public var top5Agreement: Double
    /// 10 log10(Σ fp32² / Σ (fp32 - int8)²) over every logit of every image, dB.
    public var logitsSQNRDecibels: Double
    /// Cosine similarity of all fp32 and all int8 logits taken as two vectors.
    public var logitsCosine: Double
    /// Accuracies, percent of the images; nil when unlabelled.
    public var fp32Top1: Double?
    public var int8Top1: Double?
    public var fp32Top5: Double?
    public var int8Top5: Double?
    public var fp32MsPerImage: Double
    public var int8MsPerImage: Double
    /// Every blob layer but the logits layer, in network order.
    public var layers: [Layer]
    /// `--sensitivity`: every layer with weights, worst first (`SensitivityAnalysis`); nil
    /// without it (and then absent from the JSON).
    public var sensitivity: [SensitivityAnalysis.Layer]? = nil

    public struct Layer: Codable, Sendable {
        public var name: String
        /// fp32 output against the dequantized int8 output, over all images, dB.
        public var sqnrDecibels: Double
        /// [low, high]: the reals the uint8 output represents (the calibrated clipping range).
        public var int8Range: [Double]
        /// Largest fp32 output value over all images.
        public var fp32Max: Double
        /// The fp32 values, 64 bins over [0, max(fp32Max, int8 high)).
        public var histogram: ActivationHistogram

        enum CodingKeys: String, CodingKey {
            case name, histogram
            case sqnrDecibels = "sqnr_db", int8Range = "int8_range", fp32Max = "fp32_max"
        }
    }

    enum CodingKeys: String, CodingKey {
        case arch, blob, calibration, kernel, threads, images, labels, layers, sensitivity
        case blobBytes = "blob_bytes", checkpointBytes = "checkpoint_bytes"
        case top1Agreement = "top1_agreement", top5Agreement = "top5_agreement"
        case logitsSQNRDecibels = "logits_sqnr_db", logitsCosine = "logits_cosine"
        case fp32Top1 = "fp32_top1", int8Top1 = "int8_top1", fp32Top5 = "fp32_top5", int8Top5 = "int8_top5"
        case fp32MsPerImage = "fp32_ms_per_image", int8MsPerImage = "int8_ms_per_image"
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

// In an extension, so the memberwise initializer stays (tests build reports directly).
extension EvaluationReport {
    /// The report of an evaluator's run.
    /// - Parameter checkpointBytes: size of the weights file, 0 when unknown.
    public init(_ result: Evaluator.Result, evaluator: Evaluator, images: EvaluationImages, checkpointBytes: Int) {
        let counts = result.counts
        func percent(_ count: Int) -> Double { AgreementCounts.percent(count, of: counts.images) }
        let labelled = counts.labelledImages > 0
        arch = evaluator.blob.arch
        blob = evaluator.blob.name
        calibration = evaluator.blob.calibration
        kernel = evaluator.int8.model.kernelSummary
        threads = evaluator.threads
        blobBytes = evaluator.blob.fileByteCount
        self.checkpointBytes = checkpointBytes
        self.images = counts.images
        labels = images.labelSource
        top1Agreement = percent(counts.top1Agreements)
        top5Agreement = percent(counts.top5Agreements)
        logitsSQNRDecibels = result.logits.sqnrDecibels
        logitsCosine = result.logits.cosine
        fp32Top1 = labelled ? percent(counts.fp32Top1Correct) : nil
        int8Top1 = labelled ? percent(counts.int8Top1Correct) : nil
        fp32Top5 = labelled ? percent(counts.fp32Top5Correct) : nil
        int8Top5 = labelled ? percent(counts.int8Top5Correct) : nil
        fp32MsPerImage = result.fp32Seconds * 1000 / Double(max(counts.images, 1))
        int8MsPerImage = result.int8Seconds * 1000 / Double(max(counts.images, 1))
        layers = result.layers.map { layer in
            let maximum = Double(layer.activations.maximum)
            return Layer(name: layer.name, sqnrDecibels: layer.error.sqnrDecibels,
                         int8Range: [layer.int8Range.lowerBound, layer.int8Range.upperBound], fp32Max: maximum,
                         histogram: ActivationHistogram(layer.activations, upper: max(maximum, layer.int8Range.upperBound)))
        }
    }
}
