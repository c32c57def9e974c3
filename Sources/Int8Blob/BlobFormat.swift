/// The constants of blob formats v1, v2 and v3 (Docs/BlobFormat.md) and its one placement rule.
public enum BlobFormat {
    /// The first 8 bytes of every blob: "VGGINT8" and a zero byte.
    public static let magic: [UInt8] = Array("VGGINT8\0".utf8)
    /// Stored as a little-endian u32 at offset 8 (bytes 04 03 02 01): a reader that sees any
    /// other value is not reading a little-endian blob.
    public static let byteOrderMarker: UInt32 = 0x0102_0304
    /// The newest format version this code reads and writes. A blob is written in the lowest
    /// version that can carry it: 1; 2 when a layer has weight flags (`WeightFlags`); 3 when a
    /// layer has grouped 4-bit weights.
    public static let version: UInt32 = 3
    /// The oldest format version this code reads.
    public static let firstVersion: UInt32 = 1
    /// The version that added `WeightFlags`: the one a blob with any flag is written in.
    public static let weightFlagsVersion: UInt32 = 2
    /// The version that added grouped 4-bit weights (`WeightFlags.grouped4Bit` and the layer
    /// record's groupSize).
    public static let groupedWeightsVersion: UInt32 = 3

    /// Bits of a layer record's `weightFlags` (format version 2; 0 in version 1).
    public struct WeightFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// |w[o][k]| + |w[o][k+1]| <= 128 for every even k (`PackedWeights.isPairBounded`).
        public static let pairBounded = WeightFlags(rawValue: 1 << 0)
        /// Grouped 4-bit weights (format version 3, linear and logits layers only): the packed
        /// weights array holds `GroupedWeights`' nibbles and group multipliers, and the layer
        /// record's groupSize says how many input columns share a multiplier.
        public static let grouped4Bit = WeightFlags(rawValue: 1 << 1)
        public static let known: WeightFlags = [.pairBounded, .grouped4Bit]

        /// The format version a layer with these flags needs.
        var version: UInt32 {
            contains(.grouped4Bit) ? groupedWeightsVersion : isEmpty ? firstVersion : weightFlagsVersion
        }
    }
    /// Bytes of the header (every version so far); the first section starts right after it.
    public static let headerByteCount = 128
    /// Every section and every array starts at a file offset that is a multiple of this, and
    /// the file's length is one too.
    public static let alignment = 64

    /// The first aligned offset at or after `offset`: `(offset + 63) / 64 * 64`.
    ///
    /// Example: `alignedOffset(208)` is 256, `alignedOffset(256)` is 256.
    public static func alignedOffset(_ offset: Int) -> Int {
        (offset + alignment - 1) / alignment * alignment
    }

    /// `0x` and at least 6 hex digits, as offsets appear in messages and dumps: `0x000400`.
    static func hex<Value: BinaryInteger>(_ value: Value) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
