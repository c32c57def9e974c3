import Dispatch
import Foundation
import Int8Blob
import QuantCore
import Testing
import TestSupport
@testable import Int8Runtime

/// One `Int8Model` shared by several `ExecutionContext`s on their own threads at once: the model
/// is immutable after planning, and each context owns its arenas and scratch. Run under the thread
/// sanitizer in `make test` (Scripts/test-tsan.sh), which reports any shared write.
@Suite struct ConcurrentContextTests {
    /// 4 threads, each with its own context of one model (2 threads inside each layer), each
    /// running 3 images 3 times: every result equals what a lone context computes, and the
    /// reference's. The model has Winograd layers where this CPU runs a Winograd kernel, so their
    /// transformed weights are shared too.
    @Test func contextsOnFourThreadsShareOneModel() throws {
        let seed = testSeed("contextsOnFourThreadsShareOneModel")
        let quantized = NetworkTests.winogradModel(seed: seed)
        let blob = try BlobFile(bytes: try BlobWriter.encode(quantized), name: "shared.vq8")
        let winograd = Kernel.runnable.filter { !$0.winograd.isEmpty }
        let model = try Int8Model(blob: blob, kernels: winograd + Kernel.runnable.filter { $0.winograd.isEmpty }, threads: 2)
        var generator = SplitMix64(seed: seed)
        let (height, width) = (68, 64)
        let images: [[UInt8]] = (0..<3).map { _ in
            (0..<height * width).flatMap { _ -> [UInt8] in
                [UInt8(truncatingIfNeeded: generator.next()), UInt8(truncatingIfNeeded: generator.next()),
                 UInt8(truncatingIfNeeded: generator.next()), 114]
            }
        }
        let lone = try ExecutionContext(model: model, threads: 1)
        let expected = images.map { lone.accumulators(input: $0) }
        for (image, accumulators) in zip(images, expected) {
            #expect(accumulators == ReferenceExecutor.run(quantized, input: image, height: height, width: width).accumulators)
        }

        let results = Results(count: 4)
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                guard let context = try? ExecutionContext(model: model, threads: 2) else { return }
                var got: [[Int32]] = []
                for _ in 0..<3 {
                    for image in images { got.append(context.accumulators(input: image)) }
                }
                results.set(worker, got)
            }
            thread.start()
        }
        group.wait()
        for worker in 0..<4 {
            let got = results.get(worker)
            #expect(got.count == 9, "worker \(worker) ran \(got.count) of 9 images")
            #expect(got == Array(repeating: expected, count: 3).flatMap { $0 }, "worker \(worker)")
        }
        print("contextsOnFourThreadsShareOneModel: kernels \(model.kernelSummary)")
    }

    /// Each worker's results, written once by that worker.
    final class Results: @unchecked Sendable { // every access holds `lock`
        private let lock = NSLock()
        private var values: [[[Int32]]]
        init(count: Int) { values = Array(repeating: [], count: count) }
        func set(_ index: Int, _ value: [[Int32]]) { lock.withLock { values[index] = value } }
        func get(_ index: Int) -> [[Int32]] { lock.withLock { values[index] } }
    }
}
