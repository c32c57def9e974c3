/// An activation map inside an arena: `[height + 2b][width + 2b][channels]` with border b.
///
/// A map read by a 3x3 convolution carries a 1-pixel border holding its zero point, so the
/// kernels read every tap without bounds checks (`Operation.readsBorder`).
struct MapLayout: Sendable, Equatable {
    var height: Int
    var width: Int
    var channels: Int
    var zeroPoint: UInt8
    var border = 0

    init(height: Int, width: Int, channels: Int, zeroPoint: UInt8, border: Int = 0) {
        self.height = height
        self.width = width
        self.channels = channels
        self.zeroPoint = zeroPoint
        self.border = border
    }

    var rowStride: Int { (width + 2 * border) * channels }
    /// Byte offset of the first interior pixel.
    var origin: Int { border * rowStride + border * channels }
    var byteCount: Int { (height + 2 * border) * rowStride }

    /// Writes the zero point into the border (nothing when there is none).
    func fillBorder(_ base: UnsafeMutableRawPointer) {
        guard border > 0 else { return }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        bytes.initialize(repeating: zeroPoint, count: rowStride)
        (bytes + (height + 1) * rowStride).initialize(repeating: zeroPoint, count: rowStride)
        for y in 1...height {
            (bytes + y * rowStride).initialize(repeating: zeroPoint, count: channels)
            (bytes + y * rowStride + (width + 1) * channels).initialize(repeating: zeroPoint, count: channels)
        }
    }

    /// Copies the interior out into a dense `[height][width][channels]` map.
    func copyInterior(from base: UnsafeRawPointer, into destination: UnsafeMutableRawPointer) {
        let rowBytes = width * channels
        for y in 0..<height {
            (destination + y * rowBytes).copyMemory(from: base + origin + y * rowStride, byteCount: rowBytes)
        }
    }

    /// Copies a dense `[height][width][channels]` map into the interior.
    func copyInterior(from source: UnsafeRawPointer, to base: UnsafeMutableRawPointer) {
        let rowBytes = width * channels
        for y in 0..<height {
            (base + origin + y * rowStride).copyMemory(from: source + y * rowBytes, byteCount: rowBytes)
        }
    }
}
