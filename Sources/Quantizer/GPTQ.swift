import Dispatch
import FloatEngine
import QuantCore
import VGGModel

/// How the compiler rounds weights (`vgg-quantize --rounding`).
public enum WeightRounding: String, Sendable, CaseIterable {
    /// To nearest, ties away from zero (Docs/Numerics.md).
    case nearest
    /// `GPTQ` on every convolution and linear layer (but pair-bounded convolutions and layers
    /// deeper than `GPTQ.maximumDepth`).
    case gptq
}

/// One layer's weights rounded by `GPTQ`, in `ModelQuantizer`'s row layout: what
/// `ModelQuantizer.quantize(roundedWeights:)` takes in place of rounding to nearest.
public struct RoundedWeights: Sendable, Equatable {
    /// Row-major [outputs][depth]: int8 in [-127, 127], or 4-bit q in [-8, 7] with `groups`.
    public var values: [Int8]
    public var scales: [Float]
    public var groups: WeightGroups?
}

/// GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative
/// Pre-trained Transformers"; Optimal Brain Quantization's closed form, one column at a time):
/// a rounding-aware weight method. Rounding column k of a layer's weights moves its output by
/// (ŵ_k - w_k) x_k; GPTQ rounds the columns in order and after each one adds to the columns not
/// yet rounded the change that cancels that error best on the calibration inputs, in the least
/// squares sense of H = Σ x xᵀ (the inputs' Gram matrix, dampened by 1% of its mean diagonal):
/// w_j -= (w_k - ŵ_k) / U_kk * U_kj for j > k, with H⁻¹ = Uᵀ U. The scales stay those of rounding
/// to nearest (Docs/Numerics.md); a 4-bit group takes its multiplier (`GroupedWeightQuantization`'s
/// search) from its updated weights when its first column comes up.
///
/// Every convolution and linear layer is rounded so. A convolution has many input vectors per
/// image (one per output pixel); a linear layer has one, so with fewer calibration images than
/// inputs (fc6: 25,088) its H is mostly the dampening. It still gains on held-out images
/// (full-size vgg16_bn, 12 images: 4-bit hidden layers 32.9 -> 34.9 dB logits SQNR). Such a
/// layer, with fewer than 1/32 as many images as inputs, takes the low-rank path
/// (`roundLowRank`, GPTQ+LowRank.swift): fc6's H would be 25,088² floats (2.5 GB) and its
/// factorization minutes. Docs/Accuracy.md has the measurements.
public enum GPTQ {
    /// Fraction of H's mean diagonal added to its diagonal (the paper's default).
    static let dampening: Float = 0.01
    /// Columns per lazy block update.
    static let blockSize = 128
    /// The deepest layer the dense path rounds: its input Gram matrix is depth² floats (32,768:
    /// 4 GiB). A deeper one keeps rounding to nearest, with a warning, unless it takes the
    /// low-rank path (fc6 of VGG is 25,088 deep).
    static let maximumDepth = 32_768

    /// The rounded weights of every convolution and linear layer of `network`, by layer name.
    /// - Parameters:
    ///   - network: the fused graph the model is quantized from.
    ///   - inputs: preprocessed calibration images, `[3][height][width]` each.
    ///   - skipConvolutions: leave the convolutions to rounding to nearest (pair-bounded ones).
    ///   - imagesDone: receives the images (cumulative) through the fp32 graph, after each batch.
    ///   - warning: receives one line for each layer left to rounding to nearest (too deep, or its
    ///     dampened H not positive definite).
    public static func round(_ network: VGGNetwork, inputs: [[Float]], height: Int, width: Int, threads: Int,
                             classifierWeights: ClassifierWeights, skipConvolutions: Bool = false,
                             imagesDone: (Int) -> Void = { _ in },
                             warning: (String) -> Void = { _ in }) -> [String: RoundedWeights] {
        var layers = ModelQuantizer.weightRows(network, height: height, width: width)
        // A linear layer sees one input vector per image: with few images, the low-rank path.
        let isLowRank = { (layer: WeightRows) in layer.isLinear && usesLowRank(depth: layer.depth, samples: inputs.count) }
        layers = layers.filter { layer in
            guard !(skipConvolutions && !layer.isLinear) else { return false }
            guard isLowRank(layer) || layer.depth <= maximumDepth else {
                warning("warning: layer \(layer.name): depth \(layer.depth) is beyond GPTQ's \(maximumDepth) "
                    + "(its input Gram matrix would take \(layer.depth * layer.depth * 4 / 1_000_000_000) GB); rounded to nearest")
                return false
            }
            return true
        }
        guard !layers.isEmpty else { return [:] }
        let lowRank = layers.map(isLowRank)
        // Each layer's input Gram matrix (dense path) or input vectors (low-rank path).
        var grams = layers.indices.map { lowRank[$0] ? [] : [Float](repeating: 0, count: layers[$0].depth * layers[$0].depth) }
        var vectors = layers.indices.map { _ in [Float]() }
        let index = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1.name, $0) })
        FloatEngine(network: network, threads: threads).forEachLayerInput(inputs, height: height, width: width,
                                                                         imagesDone: imagesDone) { named, x in
            guard let i = index[named.name] else { return }
            if lowRank[i] { layers[i].appendInputs(of: x, to: &vectors[i]) } else { layers[i].addGram(of: x, to: &grams[i]) }
        }
        var result: [String: RoundedWeights] = [:]
        for (i, layer) in layers.enumerated() {
            let format: ClassifierWeights = layer.isLinear && !layer.isLogits ? classifierWeights : .int8
            let rounded = lowRank[i]
                ? roundLowRank(rows: layer.rows, outputs: layer.outputs, depth: layer.depth, inputs: vectors[i],
                               samples: inputs.count, format: format)
                : round(rows: layer.rows, outputs: layer.outputs, depth: layer.depth, gram: &grams[i], format: format)
            if let rounded {
                result[layer.name] = rounded
            } else {
                warning("warning: layer \(layer.name): its calibration inputs' Gram matrix is not positive definite "
                    + "(non-finite activations?); rounded to nearest")
            }
            grams[i] = []
            vectors[i] = []
            layers[i].rows = []
        }
        return result
    }

    /// One layer: `rows` row-major [outputs][depth], `gram` the upper triangle of Σ x xᵀ
    /// (row-major [depth][depth]; overwritten). nil when the dampened H is not positive definite.
    static func round(rows: [Float], outputs: Int, depth: Int, gram: inout [Float], format: ClassifierWeights) -> RoundedWeights? {
        // Inputs that never fired: no information; weight 1 keeps H invertible (their columns
        // round to nearest, nothing is passed on through them).
        var diagonalSum: Double = 0
        for k in 0 ..< depth { diagonalSum += Double(gram[k * depth + k]) }
        let damp = dampening * Float(diagonalSum / Double(depth))
        for k in 0 ..< depth {
            gram[k * depth + k] = gram[k * depth + k] == 0 ? 1 : gram[k * depth + k] + damp
        }
        let factored = gram.withUnsafeMutableBufferPointer { OpenBLAS.inverseCholeskyFactor($0.baseAddress!, k: depth) }
        guard factored else { return nil }

        let grid = Grid(format)
        let groupSize = grid.groupSize
        let scales = (0 ..< outputs).map { grid.scale(of: rows[$0 * depth ..< ($0 + 1) * depth]) }
        // Columns as rows: wt[k][o], so that a column is contiguous.
        var wt = [Float](repeating: 0, count: depth * outputs)
        for o in 0 ..< outputs {
            for k in 0 ..< depth { wt[k * outputs + o] = rows[o * depth + k] }
        }
        var values = [Int8](repeating: 0, count: outputs * depth)
        let groupCount = groupSize.map { (depth + $0 - 1) / $0 } ?? 0
        var multipliers = [Int8](repeating: 1, count: outputs * groupCount)
        var errors = [Float](repeating: 0, count: blockSize * outputs)
        var steps = [Float](repeating: 0, count: outputs)
        gram.withUnsafeBufferPointer { u in
            wt.withUnsafeMutableBufferPointer { wt in
                errors.withUnsafeMutableBufferPointer { errors in
                    for blockStart in stride(from: 0, to: depth, by: blockSize) {
                        let blockEnd = min(blockStart + blockSize, depth)
                        for k in blockStart ..< blockEnd {
                            if let groupSize, k % groupSize == 0 {
                                // The group's multipliers from its current (updated) weights.
                                let end = min(k + groupSize, depth)
                                for o in 0 ..< outputs {
                                    let group = (k ..< end).map { wt[$0 * outputs + o] }
                                    let m = GroupedWeightQuantization.bestMultiplier(group, scale: scales[o])
                                    multipliers[o * groupCount + k / groupSize] = Int8(m)
                                    steps[o] = scales[o] * Float(m)
                                }
                            } else if groupSize == nil && k == 0 {
                                steps = scales
                            }
                            let diagonal = u[k * depth + k]
                            let column = wt.baseAddress! + k * outputs
                            let error = errors.baseAddress! + (k - blockStart) * outputs
                            for o in 0 ..< outputs {
                                let w = column[o]
                                // In Double, as rounding to nearest does (Docs/Numerics.md).
                                let q = Float(min(max((Double(w) / Double(steps[o])).rounded(), grid.low), grid.high))
                                values[o * depth + k] = Int8(q)
                                error[o] = (w - q * steps[o]) / diagonal
                            }
                            // The block's later columns now; the rest after the block.
                            for j in k + 1 ..< blockEnd {
                                let factor = u[k * depth + j]
                                let target = wt.baseAddress! + j * outputs
                                for o in 0 ..< outputs { target[o] -= error[o] * factor }
                            }
                        }
                        if blockEnd < depth {
                            // wt[blockEnd...] -= U[block, blockEnd...]ᵀ · errors
                            OpenBLAS.addTransposedProduct(
                                m: depth - blockEnd, n: outputs, kk: blockEnd - blockStart, alpha: -1,
                                a: u.baseAddress! + blockStart * depth + blockEnd, lda: depth,
                                b: errors.baseAddress!, ldb: outputs, c: wt.baseAddress! + blockEnd * outputs, ldc: outputs)
                        }
                    }
                }
            }
        }
        return RoundedWeights(values: values, scales: scales,
                              groups: groupSize.map { WeightGroups(size: $0, multipliers: multipliers) })
    }
}

extension GPTQ {
    /// The integer grid of a weight format, as both paths round to it.
    struct Grid {
        /// 4-bit groups' size; nil for int8.
        let groupSize: Int?
        /// The row's largest weight in steps of its scale (int8: 127; 4-bit: 8 * 16).
        let largest: Float
        /// The range of a rounded value.
        let low: Double, high: Double

        init(_ format: ClassifierWeights) {
            switch format {
            case .int8: (groupSize, largest, low, high) = (nil, 127, -127, 127)
            case .int4(let size): (groupSize, largest, low, high) = (size, Float(GroupedWeights.largestProduct), -8, 7)
            }
        }

        /// A row's scale, from its original weights as rounding to nearest sets it; a row too
        /// small for a normal scale is a row of zeros (scale 1, as rounding to nearest has it).
        func scale(of row: ArraySlice<Float>) -> Float {
            let range = row.reduce(Float(0)) { max($0, abs($1)) }
            return range / largest >= Float.leastNormalMagnitude ? range / largest : 1
        }
    }
}

/// A convolution or linear layer's weights in `ModelQuantizer`'s row layout, and how to turn its
/// float input into that layout's input vectors.
struct WeightRows {
    var name: String
    var rows: [Float]
    var outputs: Int
    var depth: Int
    var isLinear: Bool
    var isLogits: Bool
    /// A convolution's input: real and padded channels, map size.
    var channels = 0, paddedChannels = 0, height = 0, width = 0
    /// A linear layer reading a flattened NHWC map of `channels` padded to `paddedChannels`.
    var readsPaddedMap = false

    /// gram += Σ v vᵀ over the layer's input vectors v in `x` (upper triangle).
    func addGram(of x: FloatTensor, to gram: inout [Float]) {
        let images = x.shape[0]
        let perImage = x.values.count / images
        let chunk = max(1, min(1024, (1 << 22) / depth))
        var buffer = [Float](repeating: 0, count: chunk * depth)
        var filled = 0
        func flush() {
            guard filled > 0 else { return }
            buffer.withUnsafeBufferPointer { a in
                gram.withUnsafeMutableBufferPointer { OpenBLAS.addGram(of: a.baseAddress!, rows: filled, k: depth, to: $0.baseAddress!) }
            }
            filled = 0
        }
        for n in 0 ..< images {
            let image = x.values[n * perImage ..< (n + 1) * perImage]
            let base = image.startIndex
            if !isLinear {
                // im2col in the quantizer's order k = (dy*3 + dx) * paddedC + c, zero outside the map.
                for y in 0 ..< height {
                    for xx in 0 ..< width {
                        let row = filled * depth
                        for i in row ..< row + depth { buffer[i] = 0 }
                        for dy in 0 ..< 3 {
                            let sy = y + dy - 1
                            guard sy >= 0 && sy < height else { continue }
                            for dx in 0 ..< 3 {
                                let sx = xx + dx - 1
                                guard sx >= 0 && sx < width else { continue }
                                for c in 0 ..< channels {
                                    buffer[row + (dy * 3 + dx) * paddedChannels + c] = image[base + (c * height + sy) * width + sx]
                                }
                            }
                        }
                        filled += 1
                        if filled == chunk { flush() }
                    }
                }
            } else {
                writeLinearInput(image, to: &buffer, at: filled * depth)
                filled += 1
                if filled == chunk { flush() }
            }
        }
        flush()
    }

    /// Appends a linear layer's input vector of every image of `x` to `vectors` ([n][depth]).
    func appendInputs(of x: FloatTensor, to vectors: inout [Float]) {
        let images = x.shape[0]
        let perImage = x.values.count / images
        for n in 0 ..< images {
            let row = vectors.count
            vectors.append(contentsOf: repeatElement(0, count: depth))
            writeLinearInput(x.values[n * perImage ..< (n + 1) * perImage], to: &vectors, at: row)
        }
    }

    /// A linear layer's input vector of one image into buffer[row ..< row + depth].
    private func writeLinearInput(_ image: ArraySlice<Float>, to buffer: inout [Float], at row: Int) {
        let base = image.startIndex
        if readsPaddedMap {
            for i in row ..< row + depth { buffer[i] = 0 }
            for p in 0 ..< image.count / channels {
                for c in 0 ..< channels { buffer[row + p * paddedChannels + c] = image[base + p * channels + c] }
            }
        } else {
            for k in 0 ..< depth { buffer[row + k] = image[base + k] }
        }
    }
}
