import TestSupport
import Foundation
import Imaging
import Testing

@Suite struct DecoderTests {
    /// A PNG header claiming 100000x100000 pixels (40 GB of RGB) is refused from the header,
    /// before any pixel buffer exists.
    @Test func aHundredThousandSquarePNGIsRefusedFromItsHeader() {
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        var ihdr: [UInt8] = Array("IHDR".utf8)
        ihdr += bigEndian(100_000)
        ihdr += bigEndian(100_000)
        ihdr += [8, 2, 0, 0, 0]
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C]  // png_read_info stops at the first IDAT
        let iend: [UInt8] = Array("IEND".utf8)
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += bigEndian(13)
        png += ihdr
        png += bigEndian(crc32(ihdr))
        png += bigEndian(2)
        png += idat
        png += bigEndian(crc32(idat))
        png += bigEndian(0)
        png += iend
        png += bigEndian(crc32(iend))
        var message = ""
        do throws(ImageError) {
            _ = try ImageDecoder.decode(bytes: png, name: "vast.png")
        } catch {
            message = error.description
        }
        #expect(message.hasPrefix("vast.png: image is 100000x100000 = 10000000000 pixels, over the limit of"), "\(message)")
    }

    @Test func manifestLists() throws {
        let manifest = try Fixtures.manifest.get()
        #expect(manifest.images.count >= 15)
        #expect(manifest.images.filter { $0.decoded != nil }.count >= 10)
    }

    /// Our pixels equal the reference decode (Pillow's convert("RGB"), or >> 8 for 16-bit grey).
    @Test(arguments: Fixtures.decodedImages)
    func decodedPixelsMatchReference(_ fixture: ImageManifest.Image) throws {
        let image = try ImageDecoder.decode(path: Fixtures.url(fixture.file).path)
        let expected = try Fixtures.uint8Array(try #require(fixture.decoded))
        #expect(expected.shape == [fixture.height, fixture.width, 3])
        #expect(image.width == fixture.width && image.height == fixture.height)
        let difference = Fixtures.maxDifference(image.pixels, expected.bytes)
        print("decode \(fixture.file) (\(fixture.pillowMode)): max |ours - reference| = \(difference)")
        #expect(image.pixels == expected.bytes, "max difference \(difference)")
    }

    @Test(arguments: Fixtures.images)
    func sizeMatchesManifest(_ fixture: ImageManifest.Image) throws {
        let image = try ImageDecoder.decode(path: Fixtures.url(fixture.file).path)
        #expect(image.width == fixture.width && image.height == fixture.height)
        #expect(image.pixels.count == fixture.width * fixture.height * 3)
    }

    struct CorruptCase: Sendable, CustomTestStringConvertible {
        let file: String
        let kind: ImageError.Kind
        /// Each must appear in the error's one-line description.
        let fragments: [String]
        var testDescription: String { file }
    }

    static let corruptCases: [CorruptCase] = [
        .init(file: "truncated.jpg", kind: .corrupt, fragments: ["truncated.jpg: corrupt JPEG data: ", "premature end"]),
        .init(file: "damaged.jpg", kind: .corrupt, fragments: ["damaged.jpg: corrupt JPEG data: premature end of data segment"]),
        .init(file: "truncated_progressive.jpg", kind: .corrupt,
              fragments: ["truncated_progressive.jpg: corrupt JPEG data: ", "premature end"]),
        .init(file: "truncated.png", kind: .corrupt,
              fragments: ["truncated.png: corrupt PNG data: ", "unexpected end of file"]),
        .init(file: "corrupt_idat.png", kind: .corrupt, fragments: ["corrupt_idat.png: corrupt PNG data: ", "IDAT: invalid"]),
        .init(file: "bad_crc.png", kind: .corrupt, fragments: ["bad_crc.png: corrupt PNG data: ", "IDAT: CRC error"]),
        .init(file: "huge.png", kind: .tooManyPixels,
              fragments: ["huge.png: image is 30000x30000 = 900000000 pixels, over the limit of 89478485"]),
        .init(file: "random.jpg", kind: .unsupportedFormat,
              fragments: ["random.jpg: unsupported image format (not PNG or JPEG)"]),
        .init(file: "empty.png", kind: .empty, fragments: ["empty.png: file is empty"]),
    ]

    @Test func everyCorruptFixtureHasACase() throws {
        let listed = Set(try Fixtures.manifest.get().corrupt.map(\.file))
        #expect(listed == Set(Self.corruptCases.map(\.file)))
    }

    @Test(arguments: corruptCases)
    func corruptFileGivesOneLineError(_ corrupt: CorruptCase) throws {
        let url = Fixtures.url(corrupt.file)
        let bytes = try [UInt8](Data(contentsOf: url))
        let error = expectThrows(ImageError.self) {
            try ImageDecoder.decode(bytes: bytes, name: corrupt.file)
        }
        let description = try #require(error).description
        print("\(corrupt.file): \(description)")
        #expect(error?.kind == corrupt.kind)
        #expect(!description.contains("\n"))
        for fragment in corrupt.fragments {
            #expect(description.contains(fragment), "\(description) lacks \(fragment)")
        }
    }

    /// Every prefix of a valid file is rejected cleanly (no crash, no exit, no partial image),
    /// except a PNG missing only its 12-byte IEND chunk: like Pillow, the decoder stops after the
    /// image data. A JPEG must be complete up to its EOI marker (Docs/Imaging.md).
    @Test(arguments: [("cat_small.jpg", 0), ("rocket_progressive.jpg", 0), ("interlaced.png", 12), ("palette.png", 12)])
    func everyTruncationIsAnError(_ file: String, optionalTrailer: Int) throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.url(file)))
        var decodedPrefixes: [Int] = []
        for length in Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400))) + Array(bytes.count - 16..<bytes.count) {
            if (try? ImageDecoder.decode(bytes: Array(bytes[..<length]), name: file)) != nil {
                decodedPrefixes.append(length)
            }
        }
        #expect(decodedPrefixes.allSatisfy { $0 >= bytes.count - optionalTrailer }, "decoded prefixes \(decodedPrefixes)")
    }

    @Test func pixelLimitIsInclusive() throws {
        let url = Fixtures.url("chelsea.jpg")  // 301x201 = 60501 pixels
        #expect(try ImageDecoder.decode(path: url.path, maxPixels: 60501).width == 301)
        let error = expectThrows(ImageError.self) { try ImageDecoder.decode(path: url.path, maxPixels: 60500) }
        #expect(error?.kind == .tooManyPixels)
        #expect(error?.description.hasSuffix("chelsea.jpg: image is 301x201 = 60501 pixels, over the limit of 60500") == true)

        let png = Fixtures.url("coffee.png")  // 210x140 = 29400 pixels
        #expect(try ImageDecoder.decode(path: png.path, maxPixels: 29400).height == 140)
        #expect(throws: ImageError.self) { try ImageDecoder.decode(path: png.path, maxPixels: 29399) }
    }

    @Test func defaultLimitIsPillowsMaxImagePixels() {
        #expect(ImageDecoder.defaultMaxPixels == 1024 * 1024 * 1024 / 4 / 3)
    }

    @Test func missingFileNamesFileAndReason() throws {
        // (named as given: relative stays relative)
        let error = expectThrows(ImageError.self) { try ImageDecoder.decode(path: "no-such-folder/missing.png") }
        #expect(error?.kind == .unreadable)
        #expect(error?.description == "no-such-folder/missing.png: cannot read file: No such file or directory")
    }

    @Test func directoryIsUnreadable() {
        let error = expectThrows(ImageError.self) { try ImageDecoder.decode(path: Fixtures.directory.path) }
        #expect(error?.kind == .unreadable)
        #expect(error?.description.contains("cannot read file: Is a directory") == true)
    }

    @Test func formatIsSniffedNotTakenFromTheName() throws {
        let png = try ImageDecoder.decode(path: Fixtures.url("tiny.png").path)
        let named = try ImageDecoder.decode(path: Fixtures.url("tiny_png_named.jpg").path)
        #expect(png == named)
        let jpeg = try [UInt8](Data(contentsOf: Fixtures.url("cat_small.jpg")))
        #expect(try ImageDecoder.decode(bytes: jpeg, name: "cat.png").width == 65)
    }
}
