import QuantCore
import Testing
import TestSupport
@testable import Int8Blob

/// Format version 3's addition: grouped 4-bit weights on linear layers (flag bit 1, the layer
/// record's groupSize, `GroupedWeights`' nibbles and multipliers as the packed weights array),
/// written only when a layer has them, so every other blob keeps its version, byte for byte.
@Suite struct GroupedWeightTests {
    /// The tiny model with both linear layers made grouped 4-bit (groups of 8 and 16), from
    /// seeded q in [-8, 7] and multipliers in [-16, 16].
    static func groupedModel(seed: UInt64) -> QuantizedModel {
        var generator = SplitMix64(seed: seed)
        var model = TinyModel.make(seed: seed)
        model.layers = model.layers.map { layer in
            guard case .linear(var linear) = layer else { return layer }
            let (outputs, depth) = (linear.weights.outputs, linear.weights.depth)
            let groupSize = depth > 32 ? 16 : 8
            let groupCount = (depth + groupSize - 1) / groupSize
            let q = (0 ..< outputs * depth).map { _ in Int8(Int(generator.next() % 16) - 8) }
            linear.weights.packed = PackedWeights.pack(q, outputs: outputs, depth: depth)
            linear.weights.groups = WeightGroups(size: groupSize, multipliers: (0 ..< outputs * groupCount).map { _ in
                Int8(Int(generator.next() % 33) - 16)
            })
            return .linear(linear)
        }
        return model
    }

    static let grouped: [UInt8] = try! BlobWriter.encode(groupedModel(seed: TinyModel.goldenSeed))

    static func problem(verifyData: Bool = true, _ change: (inout [UInt8]) -> Void) -> String? {
        var bytes = grouped
        change(&bytes)
        BlobBytes.reseal(&bytes)
        return BlobBytes.problem(bytes, verifyData: verifyData)
    }

    static func set(_ bytes: inout [UInt8], layer: Int, _ field: BlobBytes.Field, _ value: UInt32) {
        BlobBytes.set(&bytes, u32: value, at: BlobBytes.layerField(bytes, layer, field))
    }

    @Test func groupedWeightsRoundTripInVersion3() throws {
        let model = Self.groupedModel(seed: 12)
        let bytes = try BlobWriter.encode(model)
        let blob = try BlobFile(bytes: bytes, name: "int4.vq8")
        #expect(blob.formatVersion == 3)
        #expect(blob.model() == model)
        #expect(try BlobWriter.encode(blob.model()) == bytes)
        #expect(blob.layers.map(\.groupSize) == [nil, nil, nil, nil, 16, 8])
        // The runtime's views: the nibbles, then the multipliers, in the kernels' layout.
        let logits = blob.layers[5]
        #expect(logits.packedWeights.count == GroupedWeights.nibbleByteCount(outputs: 6, depth: 17))
        #expect(logits.groupMultipliers.count == 16 * 3)
        #expect(Int(bitPattern: logits.groupMultipliers.baseAddress) % 64 == 0)
        // A grouped layer is about half the int8 one (plus its multipliers).
        let int8 = try BlobFile(bytes: try BlobWriter.encode(TinyModel.make(seed: 12)), name: "int8.vq8")
        #expect(int8.formatVersion == 1)
        #expect(blob.layers[4].packedWeights.count * 2 == int8.layers[4].packedWeights.count)
        #expect(blob.inspectText().contains("int4 groups of 16"))
    }

    @Test func badGroupedLayersAreErrors() {
        #expect(Self.problem { _ in } == nil)
        #expect(Self.problem { Self.set(&$0, layer: 4, .groupSize, 12) }
            == "layer 4 \"classifier.0\": weight group size 12 is not a multiple of 8 in 8...1048576")
        #expect(Self.problem { Self.set(&$0, layer: 4, .groupSize, 0) }
            == "layer 4 \"classifier.0\": weight group size 0 is not a multiple of 8 in 8...1048576")
        #expect(Self.problem { Self.set(&$0, layer: 4, .weightFlags, 3) }
            == "layer 4 \"classifier.0\": grouped 4-bit weights cannot also be pair-bounded")
        #expect(Self.problem { Self.set(&$0, layer: 0, .weightFlags, 2); Self.set(&$0, layer: 0, .groupSize, 8) }
            == "layer 0 \"features.0\": grouped 4-bit weights on a conv layer (linear layers only)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 2, at: 12) }
            == "layer 4 \"classifier.0\": weight flags 0x2 in a format version 2 blob (they need version 3)")
        // The group size sets the array's size: 8 in place of 16 needs more multipliers.
        #expect(Self.problem { Self.set(&$0, layer: 4, .groupSize, 8) }
            == "layer 4 \"classifier.0\": packed weights have 864 bytes, 17 outputs and depth 48 need 960")
        // Without its flag the group size is a field the layer does not use.
        #expect(Self.problem { Self.set(&$0, layer: 5, .weightFlags, 0) }
            == "layer 5 \"classifier.3\": non-zero fields that a logits layer does not use: groupSize")
    }

    /// The writer refuses what the nibbles cannot hold instead of truncating it.
    @Test func theWriterRefusesWhatFourBitsCannotHold() throws {
        var model = Self.groupedModel(seed: 4)
        guard case .linear(var linear) = model.layers[5] else { Issue.record("layer 5 is linear"); return }
        linear.weights.packed[0] = 8
        model.layers[5] = .linear(linear)
        #expect(throws: BlobError.self) { try BlobWriter.encode(model) }
        linear.weights.packed[0] = 0
        linear.weights.groups?.multipliers.removeLast()
        model.layers[5] = .linear(linear)
        #expect(throws: BlobError.self) { try BlobWriter.encode(model) }
    }

    @Test func version3NeedsAGroupedLayer() throws {
        var bytes = try BlobWriter.encode(TinyModel.make(seed: 3))
        BlobBytes.set(&bytes, u32: 3, at: 12)
        BlobBytes.reseal(&bytes)
        #expect(BlobBytes.problem(bytes) == "format version 3 blob without grouped 4-bit weights (such a model is written as version 1)")
    }

    /// Multipliers and padding are checked with data verification (the writer, vgg-run's default open).
    @Test func multipliersAndPaddingAreCheckedWithDataVerification() throws {
        let weights = Int(BlobBytes.u64(Self.grouped, at: BlobBytes.layerField(Self.grouped, 5, .packedWeights)))
        let nibbles = GroupedWeights.nibbleByteCount(outputs: 6, depth: 17)
        let badMultiplier = { (bytes: inout [UInt8]) in bytes[weights + nibbles + 2] = 17 }
        #expect(Self.problem(badMultiplier)
            == "layer 5 \"classifier.3\": group multiplier 17 of output 2, group 0 is outside -16...16")
        #expect(Self.problem(verifyData: false, badMultiplier) == nil)
        #expect(Self.problem { $0[weights + nibbles + 16 * 1 + 7] = 1 }
            == "layer 5 \"classifier.3\": group multiplier 1 of padding output 7 (padding is zero)")
        // Depth 17 has 3 steps of 8: k = 17 (step 2, low nibble) of output 0 is padding.
        #expect(Self.problem { $0[weights + 2 * 64 + 1] = 0x01 }
            == "layer 5 \"classifier.3\": grouped weights have a non-zero padding weight at output 0, depth 17")
        #expect(Self.problem { $0[weights + 64 + 4 * 9] = 0x10 }
            == "layer 5 \"classifier.3\": grouped weights have a non-zero padding weight at output 9, depth 12")
    }
}
