import COpenBLAS
import Dispatch
import VGGModel

/// The fp32 reference engine: runs a float VGG graph on a batch of images the way PyTorch
/// does in eval mode. Convolutions are im2col + OpenBLAS sgemm, tiled over output rows so
/// the column buffer stays small; linear layers are sgemm over the batch in blocks of output
/// features. The tiles and blocks are spread over `threads` workers; the results are the same
/// at any thread count.
///
/// Agreement with PyTorch: max |logit difference| <= 1e-4 * max |logit| on the fixtures.
public struct FloatEngine: Sendable {
    public let network: VGGNetwork
    /// Workers for the convolution tiles and linear blocks (OpenBLAS itself runs single-threaded).
    public let threads: Int

    /// Upper bound of one im2col tile in floats (4 Mi floats = 16 MiB).
    static let columnTileFloats = 4 << 20
    /// Tiles of output rows a convolution is cut into at least (when it has as many rows); the
    /// (image, tile) pairs of a batch are what the workers share.
    static let minimumTiles = 4
    /// Output features per sgemm of a linear layer.
    static let linearBlock = 512

    /// Runs `body(item, worker)` for every item in 0..<count on `workers` threads, item i on
    /// worker i % workers. OpenBLAS runs single-threaded inside: its own threads split a
    /// product by their count, which changes the float sums (OpenBLAS 0.3.21's Haswell and
    /// Prescott kernels both do), and calibration must give the same blob at any `--threads`.
    /// Here every item is the same computation whichever worker runs it.
    static func forEach(_ count: Int, workers: Int, _ body: (Int, Int) -> Void) {
        guard workers > 1 else {
            for item in 0..<count { body(item, 0) }
            return
        }
        // (the items write disjoint parts of the output: nothing is shared between workers)
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for item in stride(from: worker, to: count, by: workers) { work(item, worker) }
            }
        }
    }

    public init(network: VGGNetwork, threads: Int = 1) {
        precondition(threads >= 1)
        self.network = network
        self.threads = threads
        OpenBLAS.setThreads(1)  // (the engine's own workers run the sgemm calls: see forEach)
    }

    /// Logits `[N, classCount]` for a batch `[N, 3, H, W]` of preprocessed images.
    ///
    /// - Parameter observe: called after every layer with its name and output, in network
    ///   order (calibration and per-layer error reports use it).
    /// - Throws: `ModelError` when the input is not `[N, inputChannels, H, W]` with H, W >= 32.
    public func run(_ input: FloatTensor, observe: ((String, FloatTensor) -> Void)? = nil) throws -> FloatTensor {
        guard input.shape.count == 4, input.shape[1] == network.inputChannels,
              input.shape[2] >= VGGNetwork.minimumInputSize, input.shape[3] >= VGGNetwork.minimumInputSize
        else {
            throw ModelError("input must be [N, \(network.inputChannels), H, W] with H, W >= "
                + "\(VGGNetwork.minimumInputSize), got \(input.shape)")
        }
        OpenBLAS.setThreads(1)  // (again: OpenBLAS's setting is the process's)
        var x = input
        for named in network.layers {
            x = apply(named.layer, to: x)
            observe?(named.name, x)
        }
        return x
    }

    /// Runs `network.layers[layers]` on `x`, the output of the layer before them (or the image
    /// batch): a part of the network, for `vgg-quantize eval --sensitivity`, which mixes fp32
    /// and int8 layers.
    public func run(_ x: FloatTensor, layers: Range<Int>) -> FloatTensor {
        OpenBLAS.setThreads(1)
        var x = x
        for named in network.layers[layers] { x = apply(named.layer, to: x) }
        return x
    }

    /// Runs `images` (`[3][height][width]` each) through the network `batchSize` at a time and
    /// hands `body` every layer with its input batch, before the layer runs: what the
    /// quantizer's passes over the calibration images measure (bias correction's output shifts,
    /// GPTQ's input Gram matrices). `imagesDone` receives the count (cumulative) after each batch.
    public func forEachLayerInput(_ images: [[Float]], height: Int, width: Int, batchSize: Int = 8,
                                  imagesDone: (Int) -> Void = { _ in }, _ body: (NamedLayer, FloatTensor) -> Void) {
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let batch = Array(images[start ..< min(start + batchSize, images.count)])
            var x = FloatTensor(batch: batch, channels: 3, height: height, width: width)
            for (index, named) in network.layers.enumerated() {
                body(named, x)
                x = run(x, layers: index ..< index + 1)
            }
            imagesDone(start + batch.count)
        }
    }

    /// One layer on `x` (any layer: calibration's bias correction applies layers that are not
    /// in the network).
    public func apply(_ layer: FloatLayer, to x: FloatTensor) -> FloatTensor {
        switch layer {
        case .conv(let conv): return convolution(conv, x)
        case .batchNorm(let bn): return batchNorm(bn, x)
        case .relu: return FloatTensor(shape: x.shape, values: x.values.map { max($0, 0) })
        case .maxPool: return maxPool(x)
        case .adaptiveAvgPool(let height, let width): return adaptiveAveragePool(x, height: height, width: width)
        case .flatten: return FloatTensor(shape: [x.shape[0], x.values.count / max(x.shape[0], 1)], values: x.values)
        case .flattenChannelsLast: return flattenChannelsLast(x)
        case .linear(let linear): return self.linear(linear, x)
        case .dropout: return x
        }
    }

    // MARK: Layers

    /// 3x3, stride 1, padding 1: out[o, p] = bias[o] + sum_k weight[o, k] * column[k, p], where
    /// k = (c*3 + dy)*3 + dx runs over OIHW's inner dimensions and p over output pixels.
    func convolution(_ conv: Convolution, _ x: FloatTensor) -> FloatTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(c == conv.inChannels)
        let o = conv.outChannels
        let k = c * 9
        // At least `minimumTiles` tiles of output rows when there are as many rows, each within
        // the tile bound; both depend on the shape only, never on the thread count.
        let rowsPerTile = max(1, min(h / Self.minimumTiles, Self.columnTileFloats / (k * w)))
        // sgemm (beta 0) writes every output element and im2col every column element.
        var output = [Float](unsafeUninitializedCapacity: n * o * h * w) { _, count in count = n * o * h * w }
        let tileCount = (h + rowsPerTile - 1) / rowsPerTile
        let workers = min(threads, n * tileCount)
        let columnFloats = k * rowsPerTile * w
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: workers * columnFloats)
        defer { columns.deallocate() }
        x.values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                conv.weightOIHW.withUnsafeBufferPointer { weight in
                    let (input, out, weight) = (input.baseAddress!, out.baseAddress!, weight.baseAddress!)
                    // Each (image, tile of output rows) is one im2col and one single-threaded sgemm
                    // of the same shape whichever worker runs it, so the result does not depend on
                    // the thread count (OpenBLAS's own threads would change its sums).
                    Self.forEach(n * tileCount, workers: workers) { item, worker in
                        let (image, tile) = item.quotientAndRemainder(dividingBy: tileCount)
                        let source = input + image * c * h * w
                        let target = out + image * o * h * w
                        let row0 = tile * rowsPerTile
                        let rows = min(rowsPerTile, h - row0)
                        let column = columns + worker * columnFloats
                        im2col(source, channels: c, height: h, width: w, row0: row0, rows: rows, into: column)
                        // C[o, rows*w] (ldc = h*w) = W[o, k] * col[k, rows*w]
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                    Int32(o), Int32(rows * w), Int32(k), 1,
                                    weight, Int32(k), column, Int32(rows * w),
                                    0, target + row0 * w, Int32(h * w))
                        for channel in 0..<o {
                            let span = target + channel * h * w + row0 * w
                            let b = conv.bias[channel]
                            if conv.fusedReLU {
                                for p in 0..<rows * w { span[p] = max(span[p] + b, 0) }
                            } else {
                                for p in 0..<rows * w { span[p] += b }
                            }
                        }
                    }
                }
            }
        }
        return FloatTensor(shape: [n, o, h, w], values: output)
    }

    /// Fills column[k, (r - row0)*w + x] for output rows row0 ..< row0+rows, zero outside the image.
    func im2col(_ source: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                row0: Int, rows: Int, into column: UnsafeMutablePointer<Float>) {
        // (one tile, on the worker that runs it: forEach spreads the tiles)
        let tile = rows * w
        for c in 0..<channels {
            for dy in 0..<3 {
                for dx in 0..<3 {
                    let line = column + ((c * 3 + dy) * 3 + dx) * tile
                    for r in 0..<rows {
                        let y = row0 + r + dy - 1
                        let target = line + r * w
                        guard y >= 0 && y < h else {
                            target.update(repeating: 0, count: w)
                            continue
                        }
                        // target[x] = source[y, x + dx - 1]: one copy of the valid span,
                        // a zero where the tap falls on the left or right padding.
                        let sourceRow = source + (c * h + y) * w
                        switch dx {
                        case 0:
                            target[0] = 0
                            target.advanced(by: 1).update(from: sourceRow, count: w - 1)
                        case 1:
                            target.update(from: sourceRow, count: w)
                        default:
                            target.update(from: sourceRow + 1, count: w - 1)
                            target[w - 1] = 0
                        }
                    }
                }
            }
        }
    }

    /// y = x * scale + shift per channel, with scale = gamma / sqrt(var + eps) and
    /// shift = beta - mean * scale (how PyTorch's CPU kernel evaluates eval-mode BatchNorm).
    func batchNorm(_ bn: BatchNorm, _ x: FloatTensor) -> FloatTensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let plane = x.values.count / max(n * c, 1)
        var values = x.values
        for channel in 0..<c {
            let scale = bn.gamma[channel] / (bn.runningVariance[channel] + bn.epsilon).squareRoot()
            let shift = bn.beta[channel] - bn.runningMean[channel] * scale
            for image in 0..<n {
                let base = (image * c + channel) * plane
                for p in base..<base + plane { values[p] = values[p] * scale + shift }
            }
        }
        return FloatTensor(shape: x.shape, values: values)
    }

    func maxPool(_ x: FloatTensor) -> FloatTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (h / 2, w / 2)
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        for plane in 0..<n * c {
            let source = plane * h * w
            for y in 0..<oh {
                for x0 in 0..<ow {
                    let a = source + 2 * y * w + 2 * x0
                    out[(plane * oh + y) * ow + x0] = max(max(x.values[a], x.values[a + 1]),
                                                          max(x.values[a + w], x.values[a + w + 1]))
                }
            }
        }
        return FloatTensor(shape: [n, c, oh, ow], values: out)
    }

    /// PyTorch's AdaptiveAvgPool2d: cell i covers floor(i*H/oh) ..< ceil((i+1)*H/oh).
    func adaptiveAveragePool(_ x: FloatTensor, height oh: Int, width ow: Int) -> FloatTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        for plane in 0..<n * c {
            let source = plane * h * w
            for i in 0..<oh {
                let (y0, y1) = (i * h / oh, ((i + 1) * h + oh - 1) / oh)
                for j in 0..<ow {
                    let (x0, x1) = (j * w / ow, ((j + 1) * w + ow - 1) / ow)
                    var sum: Float = 0
                    for y in y0..<y1 {
                        for xx in x0..<x1 { sum += x.values[source + y * w + xx] }
                    }
                    out[(plane * oh + i) * ow + j] = sum / Float((y1 - y0) * (x1 - x0))
                }
            }
        }
        return FloatTensor(shape: [n, c, oh, ow], values: out)
    }

    /// [N, C, H, W] -> [N, H*W*C] with feature (h*W + w)*C + c.
    func flattenChannelsLast(_ x: FloatTensor) -> FloatTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = [Float](repeating: 0, count: x.values.count)
        for image in 0..<n {
            for channel in 0..<c {
                for p in 0..<h * w { out[(image * h * w + p) * c + channel] = x.values[(image * c + channel) * h * w + p] }
            }
        }
        return FloatTensor(shape: [n, c * h * w], values: out)
    }

    /// Y[N, out] = X[N, in] * W^T + b.
    func linear(_ layer: Linear, _ x: FloatTensor) -> FloatTensor {
        let n = x.shape[0]
        precondition(x.values.count == n * layer.inFeatures, "linear input has \(x.values.count / max(n, 1)) features, expected \(layer.inFeatures)")
        var out = [Float](repeating: 0, count: n * layer.outFeatures)
        // Fixed blocks of output features, one single-threaded sgemm each (see forEach).
        let blocks = (layer.outFeatures + Self.linearBlock - 1) / Self.linearBlock
        x.values.withUnsafeBufferPointer { input in
            layer.weight.withUnsafeBufferPointer { weight in
                out.withUnsafeMutableBufferPointer { result in
                    let (input, weight, result) = (input.baseAddress!, weight.baseAddress!, result.baseAddress!)
                    Self.forEach(blocks, workers: min(threads, blocks)) { block, _ in
                        let j0 = block * Self.linearBlock
                        let count = min(Self.linearBlock, layer.outFeatures - j0)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(count), Int32(layer.inFeatures),
                                    1, input, Int32(layer.inFeatures), weight + j0 * layer.inFeatures, Int32(layer.inFeatures),
                                    0, result + j0, Int32(layer.outFeatures))
                    }
                }
            }
        }
        for image in 0..<n {
            for j in 0..<layer.outFeatures {
                let v = out[image * layer.outFeatures + j] + layer.bias[j]
                out[image * layer.outFeatures + j] = layer.fusedReLU ? max(v, 0) : v
            }
        }
        return FloatTensor(shape: [n, layer.outFeatures], values: out)
    }
}
