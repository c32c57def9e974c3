import Foundation
import NPY
import Testing

/// The committed fixtures of Scripts/fixtures/images.py, found from this file's path.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ImagingTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/images")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The manifest, or why it could not be read (a test reports that; the parameterised tests
    /// then have no arguments).
    static let manifest = Result { () throws -> ImageManifest in
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ImageManifest.self, from: Data(contentsOf: url("manifest.json")))
    }

    static var images: [ImageManifest.Image] { (try? manifest.get())?.images ?? [] }
    /// The images with a reference decode, and with a reference tensor. (Named here: Swift 6.0.3's
    /// compiler crashes on a closure inside `@Test(arguments:)`.)
    static var decodedImages: [ImageManifest.Image] { images.filter { $0.decoded != nil } }
    static var tensorImages: [ImageManifest.Image] { images.filter { $0.tensor != nil } }

    static var transformCases: [TransformCase] {
        images.flatMap { image in image.transforms.map { TransformCase(image: image, transform: $0) } }
    }

    static func uint8Array(_ name: String) throws -> NPYArray {
        let array = try NPYArray(path: url(name).path)
        try #require(array.element == .uint8, "\(name) is \(array.element), expected uint8")
        return array
    }

    /// Largest |a[i] - b[i]| over two equally long byte arrays.
    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }
}

/// Tests/Fixtures/images/manifest.json.
struct ImageManifest: Decodable, Sendable {
    struct Transform: Decodable, Sendable {
        let resize: Int
        let cropHeight: Int
        let cropWidth: Int
        /// uint8 HWC npy: torchvision Resize + CenterCrop of the reference image.
        let expected: String
    }

    struct Tensor: Decodable, Sendable {
        let resize: Int
        let cropHeight: Int
        let cropWidth: Int
        let mean: [Float]
        let std: [Float]
        /// float32 CHW npy: the full evaluation transform.
        let expected: String
    }

    struct Image: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let source: String
        let pillowMode: String
        let width: Int
        let height: Int
        /// "pillow", or how the reference was made where it deliberately differs from Pillow.
        let reference: String
        /// uint8 HWC npy of the reference decode, for small images.
        let decoded: String?
        let transforms: [Transform]
        let tensor: Tensor?

        var testDescription: String { file }
    }

    struct Corrupt: Decodable, Sendable {
        let file: String
        let how: String
    }

    let images: [Image]
    let corrupt: [Corrupt]
}

struct TransformCase: Sendable, CustomTestStringConvertible {
    let image: ImageManifest.Image
    let transform: ImageManifest.Transform

    var testDescription: String {
        "\(image.file) resize \(transform.resize) crop \(transform.cropHeight)x\(transform.cropWidth)"
    }
}
