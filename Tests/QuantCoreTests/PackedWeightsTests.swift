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

/// Grouped 4-bit weights: encode then decode is the identity, and the nibble layout is the int8
/// layout's: the low nibbles of 64-byte step s are 4-k group 2s, the high nibbles group 2s + 1.
@Test(arguments: [(1, 1, 8), (5, 9, 8), (16, 16, 16), (17, 33, 32), (33, 100, 64), (3, 300, 128)])
func groupedEncodeThenDecodeIsTheIdentity(outputs: Int, depth: Int, groupSize: Int) {
    var generator = SplitMix64(seed: UInt64(outputs * 1000 + depth))
    let groupCount = (depth + groupSize - 1) / groupSize
    let q = (0 ..< outputs * depth).map { _ in Int8(Int(generator.next() % 16) - 8) }
    let m = (0 ..< outputs * groupCount).map { _ in Int8(Int(generator.next() % 33) - 16) }
    let packed = PackedWeights.pack(q, outputs: outputs, depth: depth)
    let weights = QuantizedWeights(name: "g", outputs: outputs, depth: depth, packed: packed, bias: Array(repeating: 0, count: outputs),
                                   weightScales: Array(repeating: 1, count: outputs), inputQuantization: .init(scale: 1, zeroPoint: 0),
                                   groups: WeightGroups(size: groupSize, multipliers: m))
    let bytes = GroupedWeights.encode(weights)
    #expect(bytes.count == GroupedWeights.byteCount(outputs: outputs, depth: depth, groupSize: groupSize))
    let decoded = GroupedWeights.decode(bytes, outputs: outputs, depth: depth, groupSize: groupSize)
    #expect(decoded.packed == packed && decoded.groups == weights.groups)
    // The nibbles against the int8 layout of the same q (depth padded to 8 with zeros).
    let padded8 = PackedWeights.roundUp(depth, to: 8)
    let wide = PackedWeights.pack((0 ..< outputs * padded8).map { i in i % padded8 < depth ? q[i / padded8 * depth + i % padded8] : 0 },
                                  outputs: outputs, depth: padded8)
    let steps = padded8 / 8
    for i in 0 ..< GroupedWeights.nibbleByteCount(outputs: outputs, depth: depth) {
        let (block, step, lane) = (i / (steps * 64), i / 64 % steps, i % 64)
        #expect(GroupedWeights.value(bytes[i]) == wide[(block * steps * 2 + 2 * step) * 64 + lane])
        #expect(GroupedWeights.value(bytes[i] >> 4) == wide[(block * steps * 2 + 2 * step + 1) * 64 + lane])
    }
    // integerWeight is q * m.
    let paddedDepth = PackedWeights.roundUp(depth, to: 4)
    let o = outputs - 1, k = depth - 1
    #expect(weights.integerWeight(output: o, depth: k, paddedDepth: paddedDepth) == Int32(q[o * depth + k]) * Int32(m[o * groupCount + k / groupSize]))
}
