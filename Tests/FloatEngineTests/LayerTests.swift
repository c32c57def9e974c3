import Testing
import VGGModel
@testable import FloatEngine

/// Layer semantics on hand-checked cases, independent of PyTorch fixtures.
private let engine = FloatEngine(network: VGGNetwork(arch: .vgg11, inputChannels: 3, convolutionWidths: [],
                                                     hiddenFeatures: [], classCount: 0, layers: []))

@Test func maxPoolDropsAnOddLastRowAndColumn() {
    let x = FloatTensor(shape: [1, 1, 3, 5], values: (0..<15).map(Float.init))
    let y = engine.maxPool(x)
    #expect(y.shape == [1, 1, 1, 2])
    #expect(y.values == [6, 8])
}

@Test func adaptiveAveragePoolUsesOverlappingWindows() {
    // 3 -> 2: windows [0, 2) and [1, 3) on both axes (PyTorch's floor/ceil rule).
    let x = FloatTensor(shape: [1, 1, 3, 3], values: (0..<9).map(Float.init))
    let y = engine.adaptiveAveragePool(x, height: 2, width: 2)
    #expect(y.values == [2, 3, 5, 6])
    // 2 -> 7 replicates: every output cell averages one input cell.
    let small = FloatTensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
    let up = engine.adaptiveAveragePool(small, height: 7, width: 7)
    #expect(up.values[0] == 1 && up.values[6] == 2 && up.values[48] == 4)
}

@Test func convolutionMatchesADirectSum() {
    // Seeded pseudo-random 2->3 channel conv on a 5x4 image against the textbook loop.
    var state: UInt64 = 12345
    func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(state >> 40) % 200 - 100) / 50
    }
    let (c, o, h, w) = (2, 3, 5, 4)
    let conv = Convolution(outChannels: o, inChannels: c, weightOIHW: (0..<o * c * 9).map { _ in next() },
                           bias: (0..<o).map { _ in next() })
    let x = FloatTensor(shape: [1, c, h, w], values: (0..<c * h * w).map { _ in next() })
    let y = engine.convolution(conv, x)
    for oc in 0..<o {
        for yy in 0..<h {
            for xx in 0..<w {
                var sum = conv.bias[oc]
                for ic in 0..<c {
                    for dy in 0..<3 {
                        for dx in 0..<3 {
                            let (sy, sx) = (yy + dy - 1, xx + dx - 1)
                            guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                            sum += conv.weightOIHW[((oc * c + ic) * 3 + dy) * 3 + dx] * x.values[(ic * h + sy) * w + sx]
                        }
                    }
                }
                #expect(abs(y.values[(oc * h + yy) * w + xx] - sum) < 1e-4)
            }
        }
    }
}

/// compile keeps the AVX2 kernels on every AVX2 CPU (the same blob bytes on AMD and Intel);
/// eval and reference replace only a generic fallback, with the AVX-512 kernels where the CPU has them.
@Test func openBLASCoreFollowsThePurposeAndTheCPU() {
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
    let avx512 = avx2.union(["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"])
    #expect(OpenBLAS.coreType(for: .reproducible, detected: "Prescott", x86Flags: avx512) == "Haswell")
    #expect(OpenBLAS.coreType(for: .reproducible, detected: "SkylakeX", x86Flags: avx512) == "Haswell")
    #expect(OpenBLAS.coreType(for: .reproducible, detected: "Zen", x86Flags: avx2) == "Haswell")
    #expect(OpenBLAS.coreType(for: .reproducible, detected: "Haswell", x86Flags: avx512) == nil)
    #expect(OpenBLAS.coreType(for: .fastest, detected: "Prescott", x86Flags: avx512) == "SkylakeX")
    #expect(OpenBLAS.coreType(for: .fastest, detected: "Prescott", x86Flags: avx2) == "Haswell")
    #expect(OpenBLAS.coreType(for: .fastest, detected: "Prescott", x86Flags: avx2.union(["avx512f", "avx512cd"])) == "Haswell")
    #expect(OpenBLAS.coreType(for: .fastest, detected: "Zen", x86Flags: avx2) == nil)
    #expect(OpenBLAS.coreType(for: .fastest, detected: "SkylakeX", x86Flags: avx512) == nil)
    #expect(OpenBLAS.coreType(for: .reproducible, detected: "Prescott", x86Flags: ["sse4_2", "avx"]) == nil)
    #expect(OpenBLAS.coreType(for: .fastest, detected: "Prescott", x86Flags: ["sse4_2", "avx"]) == nil)
}

/// The engine's workers never change a bit: convolutions over several row tiles and a linear
/// layer over several feature blocks give the same floats at 1, 2, 3 and 5 threads (OpenBLAS's
/// own threads would not: Docs/FloatEngine.md). Also checks the tiles cover every output row and
/// the blocks every feature, against the textbook sums.
@Test func resultsAreTheSameBitsAtAnyThreadCount() {
    var state: UInt64 = 2026_12_06
    func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(state >> 40) % 2000 - 1000) / 1000
    }
    let (c, o, h, w) = (16, 24, 37, 29)  // 37 rows: tiles of 9, 9, 9, 9, 1; two images: 10 (image, tile) pairs
    let conv = Convolution(outChannels: o, inChannels: c, weightOIHW: (0..<o * c * 9).map { _ in next() },
                           bias: (0..<o).map { _ in next() }, fusedReLU: true)
    let image = FloatTensor(shape: [2, c, h, w], values: (0..<2 * c * h * w).map { _ in next() })
    let (inFeatures, outFeatures) = (300, 1100)  // 3 blocks of 512, 512, 76
    let linear = Linear(outFeatures: outFeatures, inFeatures: inFeatures, weight: (0..<outFeatures * inFeatures).map { _ in next() },
                        bias: (0..<outFeatures).map { _ in next() })
    let features = FloatTensor(shape: [3, inFeatures], values: (0..<3 * inFeatures).map { _ in next() })
    let one = FloatEngine(network: engine.network, threads: 1)
    let convOne = one.convolution(conv, image), linearOne = one.linear(linear, features)
    for threads in [2, 3, 5] {
        let many = FloatEngine(network: engine.network, threads: threads)
        #expect(many.convolution(conv, image).values.map(\.bitPattern) == convOne.values.map(\.bitPattern), "threads \(threads)")
        #expect(many.linear(linear, features).values.map(\.bitPattern) == linearOne.values.map(\.bitPattern), "threads \(threads)")
    }
    // Every row of the last tile and every feature of the last block, against direct sums.
    for (n, oc, yy, xx) in [(1, o - 1, h - 1, w - 1), (0, 3, 30, 0), (1, 0, 0, 14)] {
        var sum = conv.bias[oc]
        for ic in 0..<c {
            for dy in 0..<3 {
                for dx in 0..<3 {
                    let (sy, sx) = (yy + dy - 1, xx + dx - 1)
                    guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                    sum += conv.weightOIHW[((oc * c + ic) * 3 + dy) * 3 + dx] * image.values[((n * c + ic) * h + sy) * w + sx]
                }
            }
        }
        #expect(abs(convOne.values[((n * o + oc) * h + yy) * w + xx] - max(sum, 0)) < 1e-3)
    }
    for (n, j) in [(2, outFeatures - 1), (0, 600), (1, 0)] {
        var sum = linear.bias[j]
        for k in 0..<inFeatures { sum += linear.weight[j * inFeatures + k] * features.values[n * inFeatures + k] }
        #expect(abs(linearOne.values[n * outFeatures + j] - sum) < 1e-3)
    }
}
