#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Int8Blob
import Int8Runtime
import QuantCore

/// An int8 VGG classifier loaded from a blob written by `vgg-quantize`: the library's model.
///
///     let classifier = try Classifier(path: "model.vq8")
///     let context = try classifier.makeContext(threads: 2)
///     let result = try context.classify(imageAt: "cat.jpg")
///     print(result.top(5).map(\.label))
///
/// Thread safety: a `Classifier` is immutable and `Sendable`. Share one among any number of
/// `ClassifierContext`s on any threads; each context belongs to one thread at a time. The blob is
/// mapped read-only and its weights are never copied.
public final class Classifier: Sendable {
    /// The planned network (`Int8Runtime`), for tools that need per-layer detail.
    public let model: Int8Model
    /// How images are turned into the network's input: resize, center crop, mean and std.
    public let preprocessing: Preprocessing

    /// Maps and validates the blob at `path`, then plans it for this CPU's kernels.
    /// - Parameters:
    ///   - kernels: the kernels to choose from, best first; default: `VGG_KERNELS` if set, else all
    ///     this CPU runs (`Kernel.allowed(environment:)`).
    ///   - threads: threads for the one-time work at load (Winograd weight transforms), 1...256.
    /// - Throws: `ClassifierError` `.invalidBlob` (nothing is kept) or `.invalidSettings`.
    public convenience init(path: String, kernels: [Kernel]? = nil, threads: Int = 1) throws(ClassifierError) {
        let blob: BlobFile
        do {
            blob = try BlobFile(path: path)
        } catch {
            throw ClassifierError(.invalidBlob, error.description)
        }
        try self.init(blob: blob, kernels: kernels, threads: threads)
    }

    /// The same for a blob held in memory; `name` stands for the path in errors.
    public convenience init(bytes: [UInt8], name: String = "blob", kernels: [Kernel]? = nil,
                            threads: Int = 1) throws(ClassifierError) {
        let blob: BlobFile
        do {
            blob = try BlobFile(bytes: bytes, name: name)
        } catch {
            throw ClassifierError(.invalidBlob, error.description)
        }
        try self.init(blob: blob, kernels: kernels, threads: threads)
    }

    /// Plans an open blob.
    public init(blob: BlobFile, kernels: [Kernel]? = nil, threads: Int = 1) throws(ClassifierError) {
        do throws(RuntimeError) {
            let chosen: [Kernel]
            if let kernels { chosen = kernels } else { chosen = try Kernel.allowed() }
            model = try Int8Model(blob: blob, kernels: chosen, threads: threads)
        } catch {
            throw ClassifierError(.invalidSettings, error.description)
        }
        preprocessing = Preprocessing(blob.input)
    }

    /// The blob's architecture, e.g. "vgg16_bn".
    public var arch: String { model.blob.arch }
    /// One name per class, in logit order.
    public var labels: [String] { model.blob.labels }
    /// The number of classes (logits per image).
    public var classCount: Int { model.classCount }
    /// The input the blob was quantized for: crop size, resize, mean, std, input quantization.
    public var inputSpec: InputSpec { model.blob.input }
    /// The kernels the layers use, e.g. "avx2wino4+avx2pairs+avx2".
    public var kernelSummary: String { model.kernelSummary }

    /// The network's input for an image file: decoded, resized, cropped and normalized as the blob
    /// says (`[3][cropHeight][cropWidth]`), for `ClassifierContext.classify(preprocessed:)`.
    /// - Throws: `ClassifierError.invalidImage` naming the file.
    public func preprocess(imageAt path: String) throws(ClassifierError) -> [Float] {
        do {
            return preprocessing(try ImageDecoder.decode(path: path))
        } catch {
            throw ClassifierError(.invalidImage, error.description)
        }
    }

    /// A context to run images with: its own arenas and scratch, `threads` inside each layer.
    /// - Throws: `ClassifierError.invalidSettings` for threads outside 1...256.
    public func makeContext(threads: Int = 1) throws(ClassifierError) -> ClassifierContext {
        try ClassifierContext(classifier: self, threads: threads)
    }
}
