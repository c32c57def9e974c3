/// An 8-bit RGB image in HWC layout: rows top to bottom, pixels left to right, channels R, G, B
/// interleaved. Channel `c` of pixel `(x, y)` is `pixels[(y * width + x) * 3 + c]`.
///
/// Example: a 2x1 image with a red and a blue pixel has
/// `pixels == [255, 0, 0,  0, 0, 255]`.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes, HWC.
    public var pixels: [UInt8]

    /// - Precondition: `pixels.count == width * height * 3`, sizes non-negative.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "\(pixels.count) bytes for a \(width)x\(height) RGB image (needs \(width * height * 3))")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
