import FloatEngine
import VGGModel

/// Runs the fused fp32 graph over calibration images and collects one `ActivationObserver`
/// per quantized activation: the output of every conv and linear layer with a fused ReLU.
/// Images are processed in a fixed order and batch size, so the statistics (and the blob)
/// depend only on the images.
public struct Calibrator {
    public let network: VGGNetwork
    public let threads: Int
    public let batchSize: Int

    public init(network: VGGNetwork, threads: Int, batchSize: Int = 8) {
        self.network = network
        self.threads = threads
        self.batchSize = batchSize
    }

    /// The layers whose outputs get a calibrated range, in network order.
    public var observedLayers: [String] {
        network.layers.compactMap { named in
            switch named.layer {
            case .conv(let conv) where conv.fusedReLU: named.name
            case .linear(let linear) where linear.fusedReLU: named.name
            default: nil
            }
        }
    }

    /// - Parameters:
    ///   - inputs: preprocessed images, each `[3, height, width]`.
    ///   - progress: called with the number of images done after every batch.
    public func observe(_ inputs: [[Float]], height: Int, width: Int,
                        progress: (Int) -> Void = { _ in }) throws -> [String: ActivationObserver] {
        let names = Set(observedLayers)
        var observers = Dictionary(uniqueKeysWithValues: observedLayers.map { ($0, ActivationObserver()) })
        let engine = FloatEngine(network: network, threads: threads)
        var done = 0
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let batch = Array(inputs[start..<min(start + batchSize, inputs.count)])
            _ = try engine.run(FloatTensor(batch: batch, channels: 3, height: height, width: width)) { name, tensor in
                if names.contains(name) { observers[name]!.observe(tensor.values) }
            }
            done += batch.count
            progress(done)
        }
        return observers
    }
}
