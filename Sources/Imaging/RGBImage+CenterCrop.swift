extension RGBImage {
    /// torchvision's `CenterCrop((height, width))` on a PIL image.
    ///
    /// Along an axis where the image is at least as long as the crop, the crop starts at
    /// `round((length - cropLength) / 2)` with Python's `round`, which rounds halves to even:
    /// a 229-pixel row cropped to 224 starts at round(2.5) = 2, a 227-pixel row at round(1.5) = 2.
    /// Along an axis where the image is shorter, torchvision first pads with zeros,
    /// `(cropLength - length) / 2` pixels (rounded down) before and the rest after, so the crop
    /// starts at `-(cropLength - length) / 2` and reads black outside the image.
    ///
    /// - Parameters:
    ///   - height: crop height in pixels, > 0.
    ///   - width: crop width in pixels, > 0.
    public func centerCropped(height cropHeight: Int, width cropWidth: Int) -> RGBImage {
        precondition(cropHeight > 0 && cropWidth > 0, "crop to \(cropHeight)x\(cropWidth)")
        let top = Self.cropStart(length: height, cropLength: cropHeight)
        let left = Self.cropStart(length: width, cropLength: cropWidth)
        // The crop columns that fall inside the image (the rest stays zero).
        let firstColumn = max(0, -left)
        let endColumn = min(cropWidth, width - left)
        var output = [UInt8](repeating: 0, count: cropHeight * cropWidth * 3)
        guard firstColumn < endColumn else { return RGBImage(width: cropWidth, height: cropHeight, pixels: output) }
        for row in 0..<cropHeight {
            let sourceRow = top + row
            guard sourceRow >= 0 && sourceRow < height else { continue }
            let source = (sourceRow * width + left + firstColumn) * 3
            let target = (row * cropWidth + firstColumn) * 3
            let byteCount = (endColumn - firstColumn) * 3
            output[target..<target + byteCount] = pixels[source..<source + byteCount]
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: output)
    }

    /// First source index of a centred crop along one axis; negative when zero padding comes first.
    private static func cropStart(length: Int, cropLength: Int) -> Int {
        if cropLength > length {
            return -((cropLength - length) / 2)
        }
        return Int((Double(length - cropLength) / 2).rounded(.toNearestOrEven))
    }
}
