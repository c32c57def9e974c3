import TestSupport
import Foundation
import Imaging
import NPY
import Testing

@Suite struct PreprocessingTests {
    /// The full evaluation transform equals torchvision's float32 tensor.
    @Test(arguments: Fixtures.tensorImages)
    func tensorMatchesTorchvision(_ fixture: ImageManifest.Image) throws {
        let spec = try #require(fixture.tensor)
        let preprocessing = Preprocessing(resize: spec.resize, cropHeight: spec.cropHeight,
                                          cropWidth: spec.cropWidth, mean: spec.mean, std: spec.std)
        let image = try ImageDecoder.decode(path: Fixtures.url(fixture.file).path)
        let tensor = preprocessing(image)
        let expectedArray = try NPYArray(path: Fixtures.url(spec.expected).path)
        #expect(expectedArray.shape == [3, spec.cropHeight, spec.cropWidth])
        let expected = try expectedArray.floats()
        #expect(tensor.count == expected.count)
        let difference = zip(tensor, expected).map { abs($0 - $1) }.max() ?? .infinity
        print("tensor \(fixture.file): max |ours - torchvision| = \(difference)")
        // One uint8 step of the input, in normalised units, is 1/255/std >= 0.017.
        #expect(difference <= 1 / 255)
    }

    @Test func tensorIsCHWOfNormalisedValues() {
        // 2x1 image: pixel 0 = (0, 51, 255), pixel 1 = (255, 102, 0).
        let image = RGBImage(width: 2, height: 1, pixels: [0, 51, 255, 255, 102, 0])
        let preprocessing = Preprocessing(resize: 0, cropHeight: 1, cropWidth: 2,
                                          mean: [0.5, 0, 1], std: [0.5, 0.2, 1])
        let expected: [Float] = [-1, 1, 1, 2, 0, -1]
        let tensor = preprocessing.tensor(image)
        #expect(zip(tensor, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(tensor)")
    }

    @Test func resizedSizeFollowsTorchvision() {
        let imagenet = Preprocessing.imagenet
        #expect(imagenet.resizedSize(width: 500, height: 375) == (341, 256))
        #expect(imagenet.resizedSize(width: 375, height: 500) == (256, 341))
        #expect(imagenet.resizedSize(width: 300, height: 300) == (256, 256))
        #expect(imagenet.resizedSize(width: 100, height: 80) == (320, 256))
        // int(256 * 1000 / 333) = int(768.77) = 768: truncated, not rounded.
        #expect(imagenet.resizedSize(width: 1000, height: 333) == (768, 256))
        let none = Preprocessing(resize: 0, cropHeight: 224, cropWidth: 224, mean: imagenet.mean, std: imagenet.std)
        #expect(none.resizedSize(width: 123, height: 45) == (123, 45))
    }

    /// An image whose pixel (x, y) is (x, y, 7), to read crop offsets back from the output.
    private func coordinateImage(width: Int, height: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height { for x in 0..<width { pixels += [UInt8(x), UInt8(y), 7] } }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Python's round() rounds halves to even: (229-224)/2 = 2.5 -> 2, (227-224)/2 = 1.5 -> 2,
    /// (225-224)/2 = 0.5 -> 0.
    @Test(arguments: [(229, 2), (227, 2), (225, 0), (226, 1), (224, 0), (231, 4)])
    func cropOffsetRoundsHalfToEven(_ lengthAndStart: (Int, Int)) {
        let (length, start) = lengthAndStart
        let crop = coordinateImage(width: length, height: 230).centerCropped(height: 224, width: 224)
        #expect(crop.pixels[0] == UInt8(start), "x offset for width \(length)")
        let tall = coordinateImage(width: 230, height: length).centerCropped(height: 224, width: 224)
        #expect(tall.pixels[1] == UInt8(start), "y offset for height \(length)")
    }

    /// torchvision pads (crop - size) / 2 zeros before (rounded down) and the rest after.
    @Test func cropLargerThanImagePadsWithZeros() {
        let image = coordinateImage(width: 5, height: 4)
        let crop = image.centerCropped(height: 7, width: 8)  // pad top 1, bottom 2; left 1, right 2
        #expect(crop.width == 8 && crop.height == 7)
        for y in 0..<7 {
            for x in 0..<8 {
                let pixel = Array(crop.pixels[(y * 8 + x) * 3..<(y * 8 + x) * 3 + 3])
                let inside = (1...4).contains(y) && (1...5).contains(x)
                #expect(pixel == (inside ? [UInt8(x - 1), UInt8(y - 1), 7] : [0, 0, 0]), "(\(x), \(y))")
            }
        }
    }

    @Test func cropPadsOneAxisAndCropsTheOther() {
        // Width 5 -> 6: pad 0 left, 1 right. Height 10 -> 4: start round(3.0) = 3.
        let crop = coordinateImage(width: 5, height: 10).centerCropped(height: 4, width: 6)
        #expect(Array(crop.pixels[0..<3]) == [0, 3, 7])
        #expect(Array(crop.pixels[15..<18]) == [0, 0, 0])
    }

    // MARK: Parsing

    @Test func omittedOptionsKeepImagenet() throws {
        #expect(try Preprocessing(resize: nil, crop: nil, mean: nil, std: nil) == .imagenet)
    }

    @Test func parsesEveryOption() throws {
        let parsed = try Preprocessing(resize: "0", crop: "224x200", mean: "0.5, 0.25,0", std: "1,2,0.5")
        #expect(parsed == Preprocessing(resize: 0, cropHeight: 224, cropWidth: 200, mean: [0.5, 0.25, 0], std: [1, 2, 0.5]))
        let square = try Preprocessing(resize: "320", crop: "288", mean: nil, std: nil)
        #expect(square.resize == 320 && square.cropHeight == 288 && square.cropWidth == 288)
    }

    struct BadOption: Sendable, CustomTestStringConvertible {
        let resize: String?, crop: String?, mean: String?, std: String?
        let message: String
        var testDescription: String { message }
    }

    static let badOptions: [BadOption] = [
        .init(resize: "-1", crop: nil, mean: nil, std: nil,
              message: "--resize -1: resize must be 0 (no resize) or a positive number of pixels, got -1"),
        .init(resize: "big", crop: nil, mean: nil, std: nil, message: "--resize big: not an integer"),
        .init(resize: nil, crop: "0", mean: nil, std: nil, message: "--crop 0: crop sizes must be positive, got 0x0"),
        .init(resize: nil, crop: "224x-5", mean: nil, std: nil,
              message: "--crop 224x-5: crop sizes must be positive, got 224x-5"),
        .init(resize: nil, crop: "224x", mean: nil, std: nil, message: "--crop 224x: expected N or HxW, e.g. 224 or 224x200"),
        .init(resize: nil, crop: "1x2x3", mean: nil, std: nil, message: "--crop 1x2x3: expected N or HxW, e.g. 224 or 224x200"),
        .init(resize: nil, crop: nil, mean: "0.5,0.5", std: nil,
              message: "--mean 0.5,0.5: mean needs 3 values (R, G, B), got 2"),
        .init(resize: nil, crop: nil, mean: "0.5,,0.5", std: nil, message: "--mean 0.5,,0.5: '' is not a number"),
        .init(resize: nil, crop: nil, mean: "0.5,nan,0.5", std: nil,
              message: "--mean 0.5,nan,0.5: mean values must be finite, got [0.5, nan, 0.5]"),
        .init(resize: nil, crop: nil, mean: nil, std: "0.2,0,0.2",
              message: "--std 0.2,0,0.2: std values must be positive and finite, got [0.2, 0.0, 0.2]"),
        .init(resize: nil, crop: nil, mean: nil, std: "0.2,-1,0.2",
              message: "--std 0.2,-1,0.2: std values must be positive and finite, got [0.2, -1.0, 0.2]"),
        .init(resize: nil, crop: nil, mean: nil, std: "a,b,c", message: "--std a,b,c: 'a' is not a number"),
        .init(resize: nil, crop: nil, mean: nil, std: "1,1,1,1", message: "--std 1,1,1,1: std needs 3 values (R, G, B), got 4"),
    ]

    @Test(arguments: badOptions)
    func badOptionIsNamedWithItsProblem(_ bad: BadOption) {
        let error = expectThrows(PreprocessingError.self) {
            try Preprocessing(resize: bad.resize, crop: bad.crop, mean: bad.mean, std: bad.std)
        }
        #expect(error?.description == bad.message)
    }

    @Test func codableRoundTripAndValidation() throws {
        let data = try JSONEncoder().encode(Preprocessing.imagenet)
        #expect(try JSONDecoder().decode(Preprocessing.self, from: data) == .imagenet)
        let zeroStd = #"{"resize":256,"cropHeight":224,"cropWidth":224,"mean":[0,0,0],"std":[1,0,1]}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Preprocessing.self, from: Data(zeroStd.utf8))
        }
    }
}
