#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Int8Runtime
import QuantCore

/// The pixel order of a raw frame: 3 bytes per pixel.
public enum PixelFormat: Sendable {
    case rgb
    case bgr
}

/// Runs images through a `Classifier`: one caller's working memory.
///
/// Thread safety: not `Sendable`. Use a context on one thread at a time; make one per thread
/// that classifies (they share the classifier). Its `threads` work inside each layer.
public final class ClassifierContext {
    public let classifier: Classifier
    /// The execution context underneath, for per-layer timings (`layerNanoseconds`).
    public let execution: ExecutionContext

    init(classifier: Classifier, threads: Int) throws(ClassifierError) {
        self.classifier = classifier
        do {
            execution = try ExecutionContext(model: classifier.model, threads: threads)
        } catch {
            throw ClassifierError(.invalidSettings, error.description)
        }
    }

    /// Threads inside each layer.
    public var threads: Int { execution.threads }

    /// Decodes a PNG or JPEG file and classifies it.
    /// - Throws: `ClassifierError.invalidImage` naming the file.
    public func classify(imageAt path: String) throws(ClassifierError) -> Classification {
        result(execution.logits(preprocessed: try classifier.preprocess(imageAt: path)))
    }

    /// Classifies a decoded image of any size (the blob's preprocessing resizes and crops it).
    public func classify(_ image: RGBImage) -> Classification {
        result(execution.logits(preprocessed: classifier.preprocessing(image)))
    }

    /// Classifies a raw 8-bit frame, e.g. from a camera: `height` rows of `width` pixels of 3 bytes
    /// in `format` order, row r starting at byte `r * rowStride` of `bytes`.
    /// The frame is resized and center-cropped as the blob says, like a decoded file.
    /// - Throws: `ClassifierError.invalidInput` for a frame smaller than the model's input
    ///   (`inputSpec.cropWidth` x `cropHeight`: most likely wrong dimensions), a stride below
    ///   `3 * width`, or a buffer shorter than the frame.
    public func classify(frame bytes: UnsafeRawBufferPointer, width: Int, height: Int, rowStride: Int,
                         format: PixelFormat = .rgb) throws(ClassifierError) -> Classification {
        let spec = classifier.inputSpec
        guard width >= spec.cropWidth && height >= spec.cropHeight else {
            throw ClassifierError(.invalidInput, "frame: \(width)x\(height) pixels is smaller than the model's \(spec.cropWidth)x\(spec.cropHeight) input")
        }
        let rowBytes = width.multipliedReportingOverflow(by: 3)
        guard !rowBytes.overflow, rowStride >= rowBytes.partialValue else {
            throw ClassifierError(.invalidInput, "frame: row stride \(rowStride) is less than 3 bytes x \(width) pixels")
        }
        // (height - 1) * rowStride + 3 * width, and the decoded copy's width * height * 3, without overflow
        let rows = (height - 1).multipliedReportingOverflow(by: rowStride)
        let span = rows.partialValue.addingReportingOverflow(rowBytes.partialValue)
        let pixelBytes = rowBytes.partialValue.multipliedReportingOverflow(by: height)
        guard !rows.overflow && !span.overflow && !pixelBytes.overflow else {
            throw ClassifierError(.invalidInput, "frame: \(width)x\(height) pixels with row stride \(rowStride) is larger than memory")
        }
        guard width * height <= ImageDecoder.defaultMaxPixels else {
            throw ClassifierError(.invalidInput, "frame: \(width)x\(height) pixels is more than the \(ImageDecoder.defaultMaxPixels) an image may have")
        }
        let needed = span.partialValue
        guard bytes.count >= needed else {
            throw ClassifierError(.invalidInput, "frame: \(bytes.count) bytes, a \(width)x\(height) frame with row stride \(rowStride) needs \(needed)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let row = y * rowStride
            for x in 0..<width {
                let (source, target) = (row + 3 * x, (y * width + x) * 3)
                pixels[target + 1] = bytes[source + 1]
                pixels[target] = bytes[source + (format == .rgb ? 0 : 2)]
                pixels[target + 2] = bytes[source + (format == .rgb ? 2 : 0)]
            }
        }
        return classify(RGBImage(width: width, height: height, pixels: pixels))
    }

    /// Classifies an already preprocessed float tensor `[3][cropHeight][cropWidth]` (torchvision's
    /// normalized CHW image).
    /// - Throws: `ClassifierError.invalidInput` when the size is not the blob's input size.
    public func classify(preprocessed tensor: [Float]) throws(ClassifierError) -> Classification {
        let spec = classifier.inputSpec
        guard tensor.count == 3 * spec.cropHeight * spec.cropWidth else {
            throw ClassifierError(.invalidInput, "preprocessed input: \(tensor.count) values, the model takes 3x\(spec.cropHeight)x\(spec.cropWidth) = \(3 * spec.cropHeight * spec.cropWidth)")
        }
        return result(execution.logits(preprocessed: tensor))
    }

    /// Classifies an already quantized image `[cropHeight][cropWidth][4]` (`Boundary.quantizeInput`).
    /// - Throws: `ClassifierError.invalidInput` when the size is not the blob's input size.
    public func classify(quantized input: [UInt8]) throws(ClassifierError) -> Classification {
        let spec = classifier.inputSpec
        let expected = spec.cropHeight * spec.cropWidth * PackedWeights.roundUp(3, to: PackedWeights.depthTile)
        guard input.count == expected else {
            throw ClassifierError(.invalidInput, "quantized input: \(input.count) bytes, the model takes \(spec.cropHeight)x\(spec.cropWidth)x4 = \(expected)")
        }
        let accumulators = execution.accumulators(input: input)
        return result(Boundary.dequantizeLogits(accumulators, layer: classifier.model.blob.layers[classifier.model.blob.layers.count - 1]))
    }

    /// Classifies images one after another, in order (a batch for this context; for throughput
    /// on several cores, one context per thread).
    public func classify(_ images: [RGBImage]) -> [Classification] {
        images.map { classify($0) }
    }

    private func result(_ logits: [Float]) -> Classification {
        Classification(logits: logits, labels: classifier.labels)
    }
}

/// One image's result: the logits, and from them probabilities and the top classes.
public struct Classification: Sendable, Equatable {
    /// One per class, in label order.
    public let logits: [Float]
    let labels: [String]

    /// A result from logits and the model's labels (`Classifier.labels`), one per logit.
    public init(logits: [Float], labels: [String]) {
        precondition(logits.count == labels.count, "\(logits.count) logits for \(labels.count) labels")
        self.logits = logits
        self.labels = labels
    }

    /// One class of `top(_:)`.
    public struct Entry: Sendable, Equatable {
        public let index: Int
        public let label: String
        public let probability: Double
        public let logit: Float
    }

    /// Softmax of the logits (computed in Double, shifted by the maximum).
    public var probabilities: [Double] {
        let maximum = Double(logits.max() ?? 0)
        let exps = logits.map { exp(Double($0) - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// The `k` most probable classes, best first, ties broken by the lower index (a NaN logit,
    /// which only a hand-made `Classification` can hold, ranks last).
    public func top(_ k: Int) -> [Entry] {
        let probabilities = probabilities
        let order = logits.indices.sorted { a, b in
            let (x, y) = (logits[a], logits[b])
            if x.isNaN != y.isNaN { return y.isNaN }
            return x != y && !x.isNaN ? x > y : a < b
        }
        return order.prefix(max(0, k)).map {
            Entry(index: $0, label: labels[$0], probability: probabilities[$0], logit: logits[$0])
        }
    }
}
