import Testing
@testable import Int8Blob

/// XXH64 against published values and the reference implementation.
///
/// The vectors were made with the reference C implementation through Python's `xxhash`
/// package (4.1.0, xxHash 0.8.4):
///
///     pip install xxhash
///     python3 -c 'import xxhash
///     pattern = lambda n: bytes(((i * 251 + 17) & 0xFF) for i in range(n))
///     for n in [0, 1, 3, ...]: print(n, hex(xxhash.xxh64_intdigest(pattern(n), 0)),
///                                    hex(xxhash.xxh64_intdigest(pattern(n), 0x9E3779B185EBCA8D)))'
///
/// The lengths cover every path: below 32 bytes (no lanes), the 8-, 4- and 1-byte tails, and
/// one to many 32-byte stripes with each tail.
@Suite struct XXH64Tests {
    static func pattern(_ count: Int) -> [UInt8] {
        (0 ..< count).map { UInt8(truncatingIfNeeded: $0 * 251 + 17) }
    }

    @Test func publishedStrings() {
        #expect(XXH64.hash(Array("".utf8)) == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXH64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXH64.hash(Array("xxhash".utf8)) == 0x32DD_3895_2C4B_C720)
        #expect(XXH64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }

    static let vectors: [(count: Int, seed0: UInt64, seedGolden: UInt64)] = [
        (0, 0xef46db3751d8e999, 0xb303d920ec349df),
        (1, 0xad10cd9780ac4ff7, 0x494b4c0c38217fc0),
        (3, 0xac8ee0336faec97e, 0x644fa9371942f0c9),
        (4, 0xecb9cf7d8f72da77, 0xcd0e3adcef67c33b),
        (5, 0x6bf122fea2c0b134, 0x8e20f1de6c43e0fe),
        (7, 0xe7c894efbd7008e6, 0x73241aef287392a6),
        (8, 0x9ab322330fed2a8, 0x686586afc99ea342),
        (9, 0x6fd1f26e315b3326, 0x35d4b2d22db52de9),
        (12, 0xc2a72d7c3ce6be0f, 0xeb6eaf86a502dbd9),
        (15, 0x2fe9657fcf25166, 0x41dbbbf6166233f1),
        (16, 0x30162b5595b98b11, 0xd32a284675150ba7),
        (17, 0xd8caf7a905ec4ac4, 0xdf7a31df8aac28a7),
        (31, 0x8487d3229b9e4fd6, 0x12e7746d17d5889),
        (32, 0xfb827660b0ccb7ca, 0xbca793c36fe1a2af),
        (33, 0x882300005bcdfcb8, 0x2ba66ab7ca0f5885),
        (35, 0x82aecaafe07b764e, 0xd4cbd773d7b6b62e),
        (36, 0x45b3cb279d1a836d, 0x9545c2b7323bf9a1),
        (39, 0x76a99c4aadcff6f6, 0xbaa4f87bb7efa684),
        (40, 0x591e5979d0232966, 0x19fc87d96d52ddb9),
        (63, 0x46d0332547559e32, 0xf9b321ad4719ca35),
        (64, 0x9c421addca404180, 0x3def1753f311c4e2),
        (65, 0x905fcc13219e43e, 0x7cf86b8f42d6f11f),
        (100, 0x8ca99c794ee8c1f6, 0x63766eba1db53393),
        (127, 0xf3b5a94ab07544e8, 0xa1936594ee79ba1d),
        (128, 0x9ba833a8a6eb80b2, 0x6d54cb09a0d97616),
        (1000, 0x7b9348f3f92b9d43, 0xe7f54242587d21cd),
        (4096, 0x54d71cf102b29e04, 0x80ca70f682222318),
    ]

    @Test func referenceVectors() {
        for vector in Self.vectors {
            let bytes = Self.pattern(vector.count)
            #expect(XXH64.hash(bytes) == vector.seed0, "length \(vector.count), seed 0")
            #expect(XXH64.hash(bytes, seed: 0x9E37_79B1_85EB_CA8D) == vector.seedGolden, "length \(vector.count), seed 0x9E3779B185EBCA8D")
        }
    }

    /// The loads are unaligned: hashing at any start address gives the same result.
    @Test func anyAlignment() {
        let bytes = Self.pattern(1000 + 8)
        let expected = XXH64.hash(Array(bytes[0 ..< 1000]))
        for shift in 0 ..< 8 {
            let shifted = Array(repeating: 0xAA, count: shift) + bytes[0 ..< 1000]
            let hash = shifted.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[shift...])) }
            #expect(hash == expected, "start address + \(shift)")
        }
    }
}
