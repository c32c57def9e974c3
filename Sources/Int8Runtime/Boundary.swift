import Int8Blob
import QuantCore

/// The runtime's two float boundaries, in one place (Docs/Numerics.md, "Boundaries"):
/// quantizing the preprocessed image and dequantizing the logits. Everything between them is
/// integer arithmetic.
public enum Boundary {
    /// CHW float `[3][H][W]` (torchvision's normalized tensor) -> NHWC uint8 `[H][W][4]`:
    /// q = clamp(round(x / scale) + zeroPoint, 0, 255), rounding half away from zero; the 4th
    /// channel is the zero point (real 0), matching the zero weights the layout pads with.
    public static func quantizeInput(_ tensor: [Float], height: Int, width: Int, quantization: ActivationQuantization) -> [UInt8] {
        let channels = PackedWeights.roundUp(3, to: PackedWeights.depthTile)
        var output = [UInt8](repeating: 0, count: height * width * channels)
        output.withUnsafeMutableBufferPointer {
            quantizeInput(tensor, height: height, width: width, quantization: quantization,
                          into: $0.baseAddress!, rowStride: width * channels)
        }
        return output
    }

    /// The same, written in place: pixel (y, x) at `base + y * rowStride + x * 4` (the runtime
    /// writes straight into its input arena).
    public static func quantizeInput(_ tensor: [Float], height: Int, width: Int, quantization: ActivationQuantization,
                                     into base: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        precondition(tensor.count == 3 * height * width)
        quantize(tensor, channels: 3, height: height, width: width, paddedChannels: PackedWeights.roundUp(3, to: PackedWeights.depthTile),
                 quantization: quantization, into: base, rowStride: rowStride)
    }

    /// Any activation map as the int8 layers encode it (`Int8Model.inputMap(ofLayer:)`):
    /// channel-major floats `[channels][height][width]` (a linear layer's: `[features]`) into a
    /// dense `[height][width][map.channels]` map, q = round(x / scale) + zeroPoint clamped to
    /// 0...255, padding channels at the zero point. `vgg-quantize eval --sensitivity` feeds the
    /// int8 layers fp32 activations with it.
    public static func quantize(_ tensor: [Float], into map: LayerMap) -> [UInt8] {
        let plane = map.height * map.width
        let channels = tensor.count / plane
        precondition(channels * plane == tensor.count && channels <= map.channels,
                     "\(tensor.count) values do not fill \(map.height)x\(map.width)x\(map.channels)")
        var output = [UInt8](repeating: 0, count: map.byteCount)
        output.withUnsafeMutableBufferPointer {
            quantize(tensor, channels: channels, height: map.height, width: map.width, paddedChannels: map.channels,
                     quantization: ActivationQuantization(scale: map.scale, zeroPoint: map.zeroPoint),
                     into: $0.baseAddress!, rowStride: map.width * map.channels)
        }
        return output
    }

    /// Pixel (y, x), channel c at `base + y * rowStride + x * paddedChannels + c`.
    static func quantize(_ tensor: [Float], channels: Int, height: Int, width: Int, paddedChannels: Int,
                         quantization: ActivationQuantization, into base: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        let plane = height * width
        let inverse = 1 / quantization.scale
        let zeroPoint = UInt8(clamping: quantization.zeroPoint)
        for y in 0..<height {
            let row = base + y * rowStride
            for x in 0..<width {
                let pixel = row + x * paddedChannels
                for c in 0..<channels {
                    let q = (tensor[c * plane + y * width + x] * inverse).rounded() + Float(quantization.zeroPoint)
                    pixel[c] = UInt8(min(max(q, 0), 255))
                }
                for c in channels..<paddedChannels { pixel[c] = zeroPoint }
            }
        }
    }

    /// logit[o] = accumulator[o] * inputScale * weightScales[o].
    public static func dequantizeLogits(_ accumulators: [Int32], layer: QuantizedLinear) -> [Float] {
        let inputScale = layer.weights.inputQuantization.scale
        return accumulators.indices.map { Float(accumulators[$0]) * inputScale * layer.weights.weightScales[$0] }
    }

    /// The same for a blob's logits layer, read in place.
    public static func dequantizeLogits(_ accumulators: [Int32], layer: BlobLayer) -> [Float] {
        let inputScale = layer.inputQuantization!.scale
        return accumulators.indices.map { Float(accumulators[$0]) * inputScale * layer.weightScales[$0] }
    }
}
