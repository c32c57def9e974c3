import QuantCore
import Quantizer

/// One quantized layer's output over all evaluated images, int8 runtime against the fp32 graph:
/// the error sums (its SQNR) and the distribution of the fp32 values (its histogram).
public struct LayerComparison: Sendable {
    /// torchvision module name, e.g. "features.0" (the blob's and the fused graph's name).
    public let name: String
    /// The uint8 encoding of the layer's output: real = scale * (q - zeroPoint).
    public let quantization: ActivationQuantization
    /// fp32 (reference) against dequantized int8 values.
    public private(set) var error = ErrorStatistics()
    /// The fp32 values.
    public private(set) var activations = ActivationObserver()

    public init(name: String, quantization: ActivationQuantization) {
        self.name = name
        self.quantization = quantization
    }

    /// The reals the uint8 output can represent, [scale * (0 - zeroPoint), scale * (255 - zeroPoint)]:
    /// the clipping range calibration chose. Example: scale 0.02, zero point 0 -> [0, 5.1].
    public var int8Range: ClosedRange<Double> {
        let scale = Double(quantization.scale), zeroPoint = Double(quantization.zeroPoint)
        return scale * (0 - zeroPoint) ... scale * (255 - zeroPoint)
    }

    /// Adds one image's output.
    ///
    /// - Parameters:
    ///   - reference: the fp32 output, CHW `[channels][height][width]` (a linear layer:
    ///     `[features]`, with height = width = 1).
    ///   - quantized: the int8 runtime's output, dense HWC `[height][width][paddedChannels]`
    ///     (`ExecutionContext.LayerOutput.values`); channels from `channels` on are padding and
    ///     ignored.
    ///
    /// Value (c, y, x) of the reference meets `quantized[(y * width + x) * paddedChannels + c]`,
    /// dequantized as scale * (q - zeroPoint). Example: 2 channels, a 1x2 map, paddedChannels 4:
    /// reference [1, 2, 3, 4] (channel 0: 1, 2; channel 1: 3, 4) pairs with quantized bytes 0, 4,
    /// 1, 5 in that order.
    public mutating func add(reference: ArraySlice<Float>, quantized: [UInt8], height: Int, width: Int, paddedChannels: Int) {
        let plane = height * width
        precondition(plane > 0 && reference.count % plane == 0, "\(name): \(reference.count) values are not whole \(height)x\(width) planes")
        let channels = reference.count / plane
        precondition(channels <= paddedChannels && quantized.count == plane * paddedChannels,
                     "\(name): \(channels) fp32 channels against \(quantized.count) bytes of \(height)x\(width)x\(paddedChannels)")
        let scale = quantization.scale, zeroPoint = Float(quantization.zeroPoint)
        reference.withUnsafeBufferPointer { values in
            activations.observe(values)
            for c in 0..<channels {
                for p in 0..<plane {
                    error.add(reference: values[c * plane + p],
                              approximation: scale * (Float(quantized[p * paddedChannels + c]) - zeroPoint))
                }
            }
        }
    }
}
