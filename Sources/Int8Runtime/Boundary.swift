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
        precondition(tensor.count == 3 * height * width)
        let channels = PackedWeights.roundUp(3, to: PackedWeights.depthTile)
        let plane = height * width
        var output = [UInt8](repeating: UInt8(quantization.zeroPoint), count: plane * channels)
        let inverse = 1 / quantization.scale
        for c in 0..<3 {
            for p in 0..<plane {
                let q = (tensor[c * plane + p] * inverse).rounded() + Float(quantization.zeroPoint)
                output[p * channels + c] = UInt8(min(max(q, 0), 255))
            }
        }
        return output
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
