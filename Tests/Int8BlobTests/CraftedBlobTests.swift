import Testing
@testable import Int8Blob

/// Hostile blobs whose checksums were recomputed after the damage, so the checksum cannot
/// catch it: each must be caught by its own structural or value check, with its own message.
@Suite struct CraftedBlobTests {
    static let golden: [UInt8] = try! BlobWriter.encode(TinyModel.make(seed: TinyModel.goldenSeed))

    /// The golden blob with `change` applied and both checksums recomputed.
    static func crafted(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var bytes = golden
        change(&bytes)
        BlobBytes.reseal(&bytes)
        return bytes
    }

    static func problem(verifyData: Bool = true, _ change: (inout [UInt8]) -> Void) -> String? {
        BlobBytes.problem(crafted(change), verifyData: verifyData)
    }

    static func setLayer(_ bytes: inout [UInt8], _ index: Int, _ field: BlobBytes.Field, u32 value: UInt32) {
        BlobBytes.set(&bytes, u32: value, at: BlobBytes.layerField(bytes, index, field))
    }

    static func setLayer(_ bytes: inout [UInt8], _ index: Int, _ field: BlobBytes.Field, u64 value: UInt64, plus: Int = 0) {
        BlobBytes.set(&bytes, u64: value, at: BlobBytes.layerField(bytes, index, field) + plus)
    }

    static func layerU64(_ index: Int, _ field: BlobBytes.Field) -> UInt64 {
        BlobBytes.u64(golden, at: BlobBytes.layerField(golden, index, field))
    }

    @Test func resealingAloneKeepsTheBlobValid() {
        #expect(Self.problem { _ in } == nil)
    }

    @Test func arrayOffsetsOutOfBounds() {
        let end = BlobFormat.hex(Self.golden.count)
        let dataStart = BlobFormat.hex(BlobBytes.dataStart(Self.golden))
        #expect(Self.problem { Self.setLayer(&$0, 0, .bias, u64: 0xFFFF_FFFF_FFFF_FFC0) }
            == "layer 0 \"features.0\": bias [0xffffffffffffffc0, +20) lie outside the data section [\(dataStart), \(end))")
        #expect(Self.problem { Self.setLayer(&$0, 2, .packedWeights, u64: UInt64(Self.golden.count)) }
            == "layer 2 \"features.3\": packed weights [\(end), +1152) lie outside the data section [\(dataStart), \(end))")
        // In front of the data section, inside the file: the tables must never be read as weights.
        #expect(Self.problem { Self.setLayer(&$0, 0, .packedWeights, u64: 128) }
            == "layer 0 \"features.0\": packed weights [0x000080, +576) lie outside the data section [\(dataStart), \(end))")
    }

    @Test func arrayByteCountsMustMatchTheShape() {
        #expect(Self.problem { Self.setLayer(&$0, 0, .bias, u64: 0xFFFF_FFFF_FFFF_FFFF, plus: 8) }
            == "layer 0 \"features.0\": bias have 18446744073709551615 bytes, 5 outputs and depth 36 need 20")
        #expect(Self.problem { Self.setLayer(&$0, 4, .packedWeights, u64: 48 * 17, plus: 8) }
            == "layer 4 \"classifier.0\": packed weights have 816 bytes, 17 outputs and depth 48 need 1536")
    }

    @Test func arraysMustBeAlignedAndInPlace() {
        let biasOffset = Self.layerU64(0, .bias)
        #expect(Self.problem { Self.setLayer(&$0, 0, .bias, u64: biasOffset + 4) }
            == "layer 0 \"features.0\": bias at \(BlobFormat.hex(biasOffset + 4)) are not 64-byte aligned")
        #expect(Self.problem { Self.setLayer(&$0, 0, .bias, u64: biasOffset + 64) }
            == "layer 0 \"features.0\": bias at \(BlobFormat.hex(biasOffset + 64)), expected \(BlobFormat.hex(biasOffset)) (arrays follow each other in table order, each at the next multiple of 64)")
        // Two layers sharing one array: aligned and in bounds, but not in its place.
        let shared = Self.layerU64(0, .packedWeights)
        #expect(Self.problem { Self.setLayer(&$0, 2, .bias, u64: shared) }?.hasPrefix("layer 2 \"features.3\": bias at \(BlobFormat.hex(shared)), expected") == true)
    }

    @Test func sectionsOutOfBoundsOrMisplaced() {
        let count = Self.golden.count
        var bytes = Self.golden
        BlobBytes.set(&bytes, u64: UInt64(count) + 64, at: BlobBytes.dataSectionOffset)
        // The metadata checksum cannot be computed over a range that leaves the file: no reseal needed.
        #expect(BlobBytes.problem(bytes)
            == "data section [\(BlobFormat.hex(count + 64)), +\(count - BlobBytes.dataStart(Self.golden))) lies outside the file (after the header, before \(BlobFormat.hex(count)))")
        #expect(Self.problem { BlobBytes.set(&$0, u64: 0xFFFF_FFFF_FFFF_FFFF, at: BlobBytes.stringsSectionOffset + 8) }
            == "strings section [0x000480, +18446744073709551615) lies outside the file (after the header, before \(BlobFormat.hex(count)))")
        #expect(Self.problem { BlobBytes.set(&$0, u64: 0, at: BlobBytes.layerTableSectionOffset) }
            == "layer table section [0x000000, +816) lies outside the file (after the header, before \(BlobFormat.hex(count)))")
        #expect(Self.problem { BlobBytes.set(&$0, u64: 1088 + 64, at: BlobBytes.labelsSectionOffset) }
            == "labels section starts at 0x000480, expected 0x000440 (sections follow each other in order, each at the next multiple of 64)")
    }

    @Test func countsMustMatchSections() {
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0xFFFF_FFFF, at: 128 + 28) }
            == "labels section has 48 bytes, 4294967295 labels need 34359738360")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 5, at: 128 + 24) }
            == "layer table has 816 bytes, 5 layers need 680")
    }

    @Test func stringsAreChecked() {
        #expect(Self.problem { BlobBytes.set(&$0, u32: 1_000_000, at: 128 + 8) }
            == "target: string [1000000, +7) lies outside the strings section (155 bytes)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0xFFFF_FFFF, at: 128 + 12) }
            == "target: string [8, +4294967295) lies outside the strings section (155 bytes)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0, at: 128 + 8) }
            == "target: string at strings offset 0, expected 8 (strings are stored in order, without gaps)")
        // "tench" is the first label, at strings offset 8 + 7 + 16 = 31.
        #expect(Self.problem { $0[1152 + 31] = 0xFF } == "label 0 is not valid UTF-8")
        #expect(Self.problem { $0[1152 + 32] = 0xC3 } == "label 0 is not valid UTF-8")
    }

    @Test func layerKindsAndUnusedFields() {
        #expect(Self.problem { Self.setLayer(&$0, 1, .kind, u32: 9) } == "layer 1 \"features.2\": unknown layer kind 9")
        #expect(Self.problem { Self.setLayer(&$0, 1, .outputs, u32: 7) }
            == "layer 1 \"features.2\": non-zero fields that a maxpool layer does not use: outputs")
        #expect(Self.problem { Self.setLayer(&$0, 0, .groupSize, u32: 1) }
            == "layer 0 \"features.0\": non-zero fields that a conv layer does not use: groupSize")
        #expect(Self.problem { Self.setLayer(&$0, 5, .multipliers, u64: 64) }
            == "layer 5 \"classifier.3\": non-zero fields that a logits layer does not use: multipliers")
        // A hidden linear layer relabelled as logits keeps its multipliers and shifts.
        #expect(Self.problem { Self.setLayer(&$0, 4, .kind, u32: 5) }
            == "layer 4 \"classifier.0\": non-zero fields that a logits layer does not use: outputQuantization, multipliers, shifts")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 1, at: 44) } == "header reserved field is 1, must be 0")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 1, at: 128 + 76) } == "model record reserved field is 1, must be 0")
    }

    @Test func shapesAreSaneAndChained() {
        #expect(Self.problem { Self.setLayer(&$0, 0, .outputs, u32: 0xFFFF_FFFF) }
            == "layer 0 \"features.0\": 4294967295 outputs (a layer has 1...1048576)")
        #expect(Self.problem { Self.setLayer(&$0, 4, .depth, u32: 70_000) }
            == "layer 4 \"classifier.0\": depth 70000 is outside 1...66311 (beyond it an int32 accumulator can overflow)")
        #expect(Self.problem { Self.setLayer(&$0, 2, .inputChannels, u32: 4) }
            == "layer 2 \"features.3\": 4 input channels, the map it reads has 5")
        #expect(Self.problem { Self.setLayer(&$0, 3, .poolWidth, u32: 3) }
            == "layer 4 \"classifier.0\": depth 48, the flattened 2x3x11 map (12 channels padded) has 72")
        #expect(Self.problem { Self.setLayer(&$0, 3, .poolHeight, u32: 0) }
            == "layer 3 \"avgpool\": pool size 0x2 is not a valid size (1...65536)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 1, at: 128 + 40) }
            == "layer 1 \"features.2\": max-pool of a 8x1 map (it needs at least 2x2)")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0, at: 128 + 36) }
            == "input crop 0x8 is not a valid size (1...65536 pixels a side)")
        // Layer 3 turned into a max-pool still carries its pool size.
        #expect(Self.problem { Self.setLayer(&$0, 3, .kind, u32: 2) }
            == "layer 3 \"avgpool\": non-zero fields that a maxpool layer does not use: poolHeight, poolWidth")
    }

    @Test func quantizationIsChecked() {
        #expect(Self.problem { Self.setLayer(&$0, 2, .inputScale, u32: Float(0.06).bitPattern) }
            == "layer 2 \"features.3\": input quantization (scale 0.06, zero point 0) differs from the previous layer's output (scale 0.05, zero point 0)")
        #expect(Self.problem { Self.setLayer(&$0, 0, .outputScale, u32: Float.nan.bitPattern) }
            == "layer 0 \"features.0\": output quantization scale nan must be positive and finite")
        #expect(Self.problem { Self.setLayer(&$0, 0, .outputZeroPoint, u32: 256) }
            == "layer 0 \"features.0\": output quantization zero point 256 is outside 0...255")
        #expect(Self.problem { BlobBytes.set(&$0, u32: UInt32(bitPattern: -1), at: 128 + 48) }
            == "input quantization zero point -1 is outside 0...255")
    }

    @Test func perChannelValuesAreChecked() {
        let shifts = Int(Self.layerU64(0, .shifts))
        let multipliers = Int(Self.layerU64(2, .multipliers))
        let scales = Int(Self.layerU64(5, .weightScales))
        let bias = Int(Self.layerU64(4, .bias))
        #expect(Self.problem { BlobBytes.set(&$0, u32: 70, at: shifts + 8) }
            == "layer 0 \"features.0\": shift of channel 2 is 70, outside 32...62")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 31, at: shifts) }
            == "layer 0 \"features.0\": shift of channel 0 is 31, outside 32...62")
        #expect(Self.problem { BlobBytes.set(&$0, u32: UInt32(bitPattern: -5), at: multipliers + 40) }
            == "layer 2 \"features.3\": multiplier of channel 10 is -5, must be >= 0")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0, at: scales + 4) }
            == "layer 5 \"classifier.3\": weight scale of channel 1 is 0.0, must be positive and finite")
        #expect(Self.problem { BlobBytes.set(&$0, u32: Float.infinity.bitPattern, at: scales) }
            == "layer 5 \"classifier.3\": weight scale of channel 0 is inf, must be positive and finite")
        // |bias| + 48 * 127 * 255 must stay below 2^31.
        #expect(Self.problem { BlobBytes.set(&$0, u32: UInt32(bitPattern: Int32.min), at: bias) }
            == "layer 4 \"classifier.0\": bias of channel 0 is -2147483648, beyond ±2145929167: the int32 accumulator could overflow")
    }

    /// Checks that read the packed weights run only with data verification.
    @Test func packedWeightsAreCheckedWithDataVerification() {
        let weights = Int(Self.layerU64(0, .packedWeights))
        let minus128 = Self.crafted { $0[weights + 5] = 0x80 }
        #expect(BlobBytes.problem(minus128) == "layer 0 \"features.0\": packed weights contain -128 (weights are in [-127, 127])")
        #expect(BlobBytes.problem(minus128, verifyData: false) == nil)
        // Layer 0 has 5 outputs: outputs 5...15 are padding rows; output 5, depth 0 is at 5 * 4.
        let paddingRow = Self.crafted { $0[weights + 20] = 1 }
        #expect(BlobBytes.problem(paddingRow) == "layer 0 \"features.0\": packed weights have a non-zero padding weight at output 5, depth 0")
        // Layer 5 has depth 17 padded to 20: output 0, depth 18 sits in block (0, 4) at 4 * 64 + 2.
        let logits = Int(Self.layerU64(5, .packedWeights))
        let paddingColumn = Self.crafted { $0[logits + 4 * 64 + 2] = 1 }
        #expect(BlobBytes.problem(paddingColumn) == "layer 5 \"classifier.3\": packed weights have a non-zero padding weight at output 0, depth 18")
    }

    @Test func paddingBytesAreZero() {
        let biasEnd = Int(Self.layerU64(0, .bias)) + 20
        #expect(Self.problem { $0[biasEnd] = 1 } == "non-zero padding byte at \(BlobFormat.hex(biasEnd)) (padding is zero)")
        #expect(Self.problem { $0[128 + 80] = 1 } == "non-zero padding byte at 0x0000d0 (padding is zero)")
        #expect(Self.problem { $0[Self.golden.count - 1] = 1 } == "non-zero padding byte at \(BlobFormat.hex(Self.golden.count - 1)) (padding is zero)")
    }

    @Test func graphRules() {
        // The logits layer relabelled as hidden linear: it lacks multipliers and output quantization.
        #expect(Self.problem { Self.setLayer(&$0, 5, .kind, u32: 4) }
            == "layer 5 \"classifier.3\": output quantization scale 0.0 must be positive and finite")
        // A convolution after the linear layers.
        #expect(Self.problem { Self.setLayer(&$0, 5, .kind, u32: 1) }
            == "layer 5 \"classifier.3\": a conv layer after a linear layer")
    }

    /// The remaining messages of Docs/BlobFormat.md's check tables.
    @Test func documentedMessages() {
        var bytes = Self.golden
        BlobBytes.set(&bytes, u32: 96, at: 40)
        #expect(BlobBytes.problem(bytes) == "header byteCount is 96, format version 1 has 128")
        bytes = Array(Self.golden[0 ..< 64])
        BlobBytes.set(&bytes, u64: 64, at: 16)
        #expect(BlobBytes.problem(bytes) == "header says the file has 64 bytes, fewer than the 128-byte header")
        let dataByteCount = UInt64(Self.golden.count - BlobBytes.dataStart(Self.golden))
        #expect(Self.problem { BlobBytes.set(&$0, u64: dataByteCount - 64, at: BlobBytes.dataSectionOffset + 8) }
            == "data section ends at 0x001780, the file at 0x0017c0 (the data section runs to the end of the file, a multiple of 64 bytes)")
        #expect(Self.problem { BlobBytes.set(&$0, u64: 96, at: 56) } == "model section has 96 bytes, expected 80")
        #expect(Self.problem { BlobBytes.set(&$0, u64: 160, at: BlobBytes.stringsSectionOffset + 8) }
            == "strings section has 160 bytes, the strings use 155")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 70_000, at: 128 + 32) } == "input resize 70000 is larger than 65536 pixels")
        #expect(Self.problem { BlobBytes.set(&$0, u32: Float.nan.bitPattern, at: 128 + 52) }
            == "input mean [nan, 0.456, 0.406] is not finite")
        #expect(Self.problem { BlobBytes.set(&$0, u32: 0, at: 128 + 64) } == "input std [0.0, 0.224, 0.225] must be positive and finite")
        #expect(Self.problem { $0 += [UInt8](repeating: 0, count: 64)
            BlobBytes.set(&$0, u64: UInt64($0.count), at: 16)
            BlobBytes.set(&$0, u64: dataByteCount + 64, at: BlobBytes.dataSectionOffset + 8)
        } == "data section has 4800 bytes, the arrays need 4736")
        #expect(Self.problem { Self.setLayer(&$0, 5, .depth, u32: 7) }
            == "layer 5 \"classifier.3\": depth 7, the previous linear layer has 17 outputs")
        #expect(Self.problem { Self.setLayer(&$0, 0, .depth, u32: 72) }
            == "layer 0 \"features.0\": depth 72, a 3x3 convolution over 3 channels (4 padded) has 36")
    }
}
