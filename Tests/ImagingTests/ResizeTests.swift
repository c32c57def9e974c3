import Imaging
import NPY
import Testing

@Suite struct ResizeTests {
    /// Resize + CenterCrop equals torchvision's uint8 output, bit for bit.
    @Test(arguments: Fixtures.transformCases)
    func resizedAndCroppedMatchesTorchvision(_ testCase: TransformCase) throws {
        let transform = testCase.transform
        let image = try ImageDecoder.decode(path: Fixtures.url(testCase.image.file).path)
        let preprocessing = Preprocessing(resize: transform.resize, cropHeight: transform.cropHeight,
                                          cropWidth: transform.cropWidth, mean: [0, 0, 0], std: [1, 1, 1])
        let result = preprocessing.resizedAndCropped(image)
        let expected = try Fixtures.uint8Array(transform.expected)
        #expect(expected.shape == [transform.cropHeight, transform.cropWidth, 3])
        #expect(result.width == transform.cropWidth && result.height == transform.cropHeight)
        let difference = Fixtures.maxDifference(result.pixels, expected.bytes)
        print("resize+crop \(testCase.testDescription): max |ours - torchvision| = \(difference)")
        #expect(result.pixels == expected.bytes, "max difference \(difference)")
    }

    /// The worked example of ResampleCoefficients: 4 -> 2 pixels gives 71 and 209.
    @Test func downscaleWorkedExample() {
        let values: [UInt8] = [0, 100, 200, 255]
        let image = RGBImage(width: 4, height: 1, pixels: values.flatMap { [$0, $0, $0] })
        let resized = image.resized(width: 2, height: 1)
        #expect(resized.pixels == [71, 71, 71, 209, 209, 209])
    }

    @Test func sameSizeIsUnchanged() {
        let image = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 13) })
        #expect(image.resized(width: 3, height: 2) == image)
    }

    /// The weights of each output sum to 2^22 within rounding, so a flat colour stays exactly flat
    /// when shrinking, enlarging, or both.
    @Test(arguments: [(1, 1), (2, 7), (5, 3), (64, 48), (255, 1), (17, 200)])
    func flatColourStaysFlat(_ size: (Int, Int)) {
        let colour: [UInt8] = [255, 1, 128]
        let image = RGBImage(width: 37, height: 23, pixels: Array([[UInt8]](repeating: colour, count: 37 * 23).joined()))
        let resized = image.resized(width: size.0, height: size.1)
        #expect(resized.width == size.0 && resized.height == size.1)
        #expect(resized.pixels == Array([[UInt8]](repeating: colour, count: size.0 * size.1).joined()))
    }
}
