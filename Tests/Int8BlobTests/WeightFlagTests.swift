import QuantCore
import Testing
import TestSupport
@testable import Int8Blob

/// Format version 2's one addition: per-layer weight flags (the pair bound), written only when
/// a layer has one, so every other blob stays version 1, byte for byte.
@Suite struct WeightFlagTests {
    /// The tiny model with both convolutions made pair-bounded.
    static func flaggedModel(seed: UInt64) -> QuantizedModel {
        var model = TinyModel.make(seed: seed)
        model.layers = model.layers.map { layer in
            guard case .convolution(var convolution) = layer else { return layer }
            convolution.weights = RandomLayers.pairBounded(convolution.weights)
            return .convolution(convolution)
        }
        return model
    }

    static let flagged: [UInt8] = try! BlobWriter.encode(flaggedModel(seed: TinyModel.goldenSeed))

    static func problem(verifyData: Bool = true, _ change: (inout [UInt8]) -> Void) -> String? {
        var bytes = flagged
        change(&bytes)
        BlobBytes.reseal(&bytes)
        return BlobBytes.problem(bytes, verifyData: verifyData)
    }

    static func setFlags(_ bytes: inout [UInt8], layer: Int, _ value: UInt32) {
        BlobBytes.set(&bytes, u32: value, at: BlobBytes.layerField(bytes, layer, .weightFlags))
    }

    @Test func flagsRoundTripAndNeedVersion2() throws {
        let model = Self.flaggedModel(seed: 11)
        let bytes = try BlobWriter.encode(model)
        let blob = try BlobFile(bytes: bytes, name: "pairs.vq8")
        #expect(blob.formatVersion == 2)
        #expect(blob.model() == model)
        #expect(try BlobWriter.encode(blob.model()) == bytes)
        #expect(blob.layers.map(\.pairBounded) == [true, false, true, false, false, false])
        // Without flags the same model is version 1 (the golden files stay valid).
        let plain = try BlobFile(bytes: try BlobWriter.encode(TinyModel.make(seed: 11)), name: "plain.vq8")
        #expect(plain.formatVersion == 1 && plain.layers.allSatisfy { !$0.pairBounded })
    }

    @Test func badFlagsAreErrors() {
        #expect(Self.problem { _ in } == nil)
        #expect(Self.problem { Self.setFlags(&$0, layer: 1, 1) }
            == "layer 1 \"features.2\": non-zero fields that a maxpool layer does not use: weightFlags")
        #expect(Self.problem { Self.setFlags(&$0, layer: 4, 6) }
            == "layer 4 \"classifier.0\": unknown weight flags 0x6 (this reader knows 0x3)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 1, at: 12) }
            == "layer 0 \"features.0\": weight flags 0x1 in a format version 1 blob (they need version 2)")
        #expect(Self.problem { Self.setFlags(&$0, layer: 0, 0); Self.setFlags(&$0, layer: 2, 0) }
            == "format version 2 blob without weight flags (such a model is written as version 1)")
    }

    /// A flag the weights do not keep is caught when the data is verified (inspect, the writer);
    /// the runtime trusts the flag, which the metadata checksum covers.
    @Test func theBoundIsCheckedWithDataVerification() throws {
        let weights = Int(BlobBytes.u64(Self.flagged, at: BlobBytes.layerField(Self.flagged, 2, .packedWeights)))
        let broken = { (bytes: inout [UInt8]) in
            bytes[weights + 6] = 100
            bytes[weights + 7] = UInt8(bitPattern: -29)
        }
        #expect(Self.problem(broken)
            == "layer 2 \"features.3\": flagged pair-bounded, but packed weights 6 and 7 are 100 and -29 (|w0| + |w1| = 129 > 128)")
        #expect(Self.problem(verifyData: false, broken) == nil)
        // The writer refuses such a model.
        var model = Self.flaggedModel(seed: 5)
        guard case .convolution(var convolution) = model.layers[0] else { Issue.record("layer 0 is a convolution"); return }
        convolution.weights.packed[0] = 127
        convolution.weights.packed[1] = 2
        model.layers[0] = .convolution(convolution)
        #expect(throws: BlobError.self) { try BlobWriter.encode(model) }
    }
}
