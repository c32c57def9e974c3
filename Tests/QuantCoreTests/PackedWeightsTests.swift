import TestSupport
import Testing
@testable import QuantCore

@Test(arguments: [(1, 1), (3, 27), (5, 36), (11, 17), (16, 4), (17, 5), (64, 576), (33, 100)])
func packThenUnpackIsTheIdentity(outputs: Int, depth: Int) {
    var generator = SplitMix64(seed: UInt64(outputs * 1000 + depth))
    let rows: [Int8] = (0..<outputs * depth).map { _ in
        let value: UInt64 = generator.next() % 255
        return Int8(Int(value) - 127)
    }
    let packed = PackedWeights.pack(rows, outputs: outputs, depth: depth)
    let expectedByteCount: Int = PackedWeights.roundUp(outputs, to: 16) * PackedWeights.roundUp(depth, to: 4)
    #expect(packed.count == expectedByteCount)
    #expect(PackedWeights.unpack(packed, outputs: outputs, depth: depth) == rows)
    // Everything outside the real matrix is zero padding.
    let nonZero: Int = rows.filter { $0 != 0 }.count
    let packedNonZero: Int = packed.filter { $0 != 0 }.count
    #expect(packedNonZero == nonZero)
}

@Test func layoutIsSixteenOutputsByFourDepthsPerBlock() {
    // weight[o][k] = o + 20 * k for an 18 x 6 matrix (values fit Int8).
    var rows: [Int8] = []
    for o in 0..<18 {
        for k in 0..<6 { rows.append(Int8(o + 20 * k)) }
    }
    let packed = PackedWeights.pack(rows, outputs: 18, depth: 6)
    // Block (ob 0, kb 0): outputs 0..15 x depths 0..3; output 1 follows output 0.
    let first: [Int8] = [0, 20, 40, 60, 1, 21, 41, 61]
    #expect(Array(packed[0..<8]) == first)
    // Block (ob 0, kb 1) starts at 64: depths 4, 5 and two zero pads.
    let second: [Int8] = [80, 100, 0, 0, 81, 101, 0, 0]
    #expect(Array(packed[64..<72]) == second)
    // Block (ob 1, kb 0) starts at 128: outputs 16 and 17, then zero rows.
    let third: [Int8] = [16, 36, 56, 76, 17, 37, 57, 77, 0, 0, 0, 0]
    #expect(Array(packed[128..<140]) == third)
}
