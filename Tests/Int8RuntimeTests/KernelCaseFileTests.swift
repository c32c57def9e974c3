import Foundation
import Int8Blob
import QuantCore
import Testing
import TestSupport
@testable import Int8Runtime

/// The kernel test vectors for the ARM kernels under qemu (`make test-arm`): the Swift
/// reference's expected results over the kernel grid, in the format of Docs/Kernels.md.
/// With `VGG_KERNEL_CASES=path` the file is written there; either way the encoded cases are
/// decoded again and checked against the scalar C kernel, the ARM driver's own fallback.
@Suite struct KernelCaseFileTests {
    static let seed: UInt64 = 20_261_127

    @Test func encodesTheGridForTheARMDriver() throws {
        let convolutions = KernelGrid.convolutions(seed: Self.seed)
        let linears = KernelGrid.linears(seed: Self.seed)
        let grouped = KernelGrid.groupedLinears(seed: Self.seed)
        var file = KernelCaseFile()
        for c in convolutions { file.append(c) }
        for c in linears { file.append(c) }
        for c in grouped { file.appendGrouped(c) }
        let count = convolutions.count + linears.count + grouped.count
        file.finish(count: count)
        if let path = ProcessInfo.processInfo.environment["VGG_KERNEL_CASES"] {
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
            print("wrote \(count) kernel cases (seed \(Self.seed)) to \(path)")
            // The whole-network Winograd check on emulated ARM (Scripts/test-aarch64-e2e.sh): a blob
            // with an F(4x4) and an F(2x2) layer (NetworkTests.winogradModel), next to the cases.
            let blob = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("winograd.vq8")
            try Data(try BlobWriter.encode(NetworkTests.winogradModel(seed: Self.seed))).write(to: blob)
            print("wrote the Winograd network (seed \(Self.seed)) to \(blob.path)")
        }
        // Decode the conv cases' expected bytes back and compare with the scalar kernel's output.
        let scalar = Kernel.all.last!
        var reader = ByteReader(bytes: file.bytes)
        #expect(reader.take(4) == Array("Q8KC".utf8))
        #expect(reader.u32() == 1)
        #expect(Int(reader.u32()) == count)
        for c in convolutions {
            #expect(reader.u32() == 0)
            let header = (0..<6).map { _ in reader.i32() }
            #expect(header == [c.height, c.width, c.cin, c.outputs, c.cout].map(Int32.init) + [c.convolution.outputQuantization.zeroPoint])
            _ = reader.take((c.height + 2) * (c.width + 2) * c.cin + c.convolution.weights.packed.count + 3 * 4 * PackedWeights.roundUp(c.outputs, to: 16))
            let expected = reader.take(c.height * c.width * c.outputs)
            let output = KernelRunner.convolution(scalar, c, rowSplit: [])
            let got = (0..<c.height * c.width).flatMap { p in output[p * c.cout ..< p * c.cout + c.outputs] }
            #expect(got == expected, "\(c)")
        }
        for c in linears {
            #expect(reader.u32() == 1)
            #expect(reader.i32() == Int32(c.weights.depth) && reader.i32() == Int32(c.weights.outputs))
            _ = reader.take(PackedWeights.roundUp(c.weights.depth, to: 4) + c.weights.packed.count + 4 * PackedWeights.roundUp(c.weights.outputs, to: 16))
            let expected = (0..<c.weights.outputs).map { _ in reader.i32() }
            #expect(expected == KernelRunner.linear(scalar, c, split: []), "\(c)")
        }
        for c in grouped {
            #expect(reader.u32() == 2)
            #expect([reader.i32(), reader.i32(), reader.i32()] == [c.weights.depth, c.weights.outputs, c.weights.groups!.size].map(Int32.init))
            _ = reader.take(PackedWeights.roundUp(c.weights.depth, to: 8) + GroupedWeights.encode(c.weights).count
                            + 4 * PackedWeights.roundUp(c.weights.outputs, to: 16))
            let expected = (0..<c.weights.outputs).map { _ in reader.i32() }
            #expect(expected == KernelRunner.linear4(scalar, c, split: []), "\(c)")
        }
        #expect(reader.offset == file.bytes.count)
    }
}

/// Writer of Docs/Kernels.md's case file (little endian).
struct KernelCaseFile {
    var bytes: [UInt8] = Array("Q8KC".utf8) + [1, 0, 0, 0] + [0, 0, 0, 0]

    mutating func finish(count: Int) {
        withUnsafeBytes(of: UInt32(count).littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
    }

    mutating func append(_ c: ConvolutionCase) {
        u32(0)
        for value in [c.height, c.width, c.cin, c.outputs, c.cout] { i32(Int32(value)) }
        i32(c.convolution.outputQuantization.zeroPoint)
        let zeroPoint = UInt8(c.convolution.weights.inputQuantization.zeroPoint)
        for y in -1...c.height {
            for x in -1...c.width {
                let inside = y >= 0 && y < c.height && x >= 0 && x < c.width
                for ch in 0..<c.cin { bytes.append(inside ? c.input[(y * c.width + x) * c.cin + ch] : zeroPoint) }
            }
        }
        bytes += c.convolution.weights.packed.map { UInt8(bitPattern: $0) }
        padded16(c.convolution.weights.bias)
        padded16(c.convolution.requantization.map(\.multiplier))
        padded16(c.convolution.requantization.map(\.shift))
        let expected = c.expected
        let channels = PackedWeights.roundUp(c.outputs, to: 4)
        for pixel in 0..<c.height * c.width { bytes += expected[pixel * channels ..< pixel * channels + c.outputs] }
    }

    mutating func append(_ c: LinearCase) {
        u32(1)
        i32(Int32(c.weights.depth))
        i32(Int32(c.weights.outputs))
        bytes += c.input + [UInt8](repeating: 0, count: PackedWeights.roundUp(c.weights.depth, to: 4) - c.weights.depth)
        bytes += c.weights.packed.map { UInt8(bitPattern: $0) }
        padded16(c.weights.bias)
        for value in c.expected { i32(value) }
    }

    /// Kind 2, a grouped 4-bit linear case: depth, outputs, group size, the input padded to 8,
    /// the nibbles and multipliers (`GroupedWeights.encode`), the bias padded to 16, the expected sums.
    mutating func appendGrouped(_ c: LinearCase) {
        u32(2)
        i32(Int32(c.weights.depth))
        i32(Int32(c.weights.outputs))
        i32(Int32(c.weights.groups!.size))
        bytes += c.input + [UInt8](repeating: 0x5A, count: PackedWeights.roundUp(c.weights.depth, to: 8) - c.weights.depth)
        bytes += GroupedWeights.encode(c.weights)
        padded16(c.weights.bias)
        for value in c.expected { i32(value) }
    }

    private mutating func padded16(_ values: [Int32]) {
        for value in values { i32(value) }
        for _ in values.count ..< PackedWeights.roundUp(values.count, to: 16) { i32(0) }
    }
    private mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    private mutating func i32(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    mutating func take(_ count: Int) -> [UInt8] {
        defer { offset += count }
        return Array(bytes[offset ..< offset + count])
    }
    mutating func u32() -> UInt32 { take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func i32() -> Int32 { Int32(bitPattern: u32()) }
}
