extension RGBImage {
    /// The image resized as Pillow's `Image.resize((width, height), Image.BILINEAR)` resizes an
    /// RGB image, bit for bit: antialiased triangle filter (see `ResampleCoefficients`), a
    /// horizontal pass then a vertical pass, each rounding to 8 bits. This is what torchvision's
    /// `Resize` does to a PIL image. Returns the image unchanged when the size is unchanged.
    ///
    /// - Parameters:
    ///   - width: output width in pixels, > 0.
    ///   - height: output height in pixels, > 0.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resize to \(newWidth)x\(newHeight)")
        precondition(width > 0 && height > 0, "resize of an empty \(width)x\(height) image")
        var image = self
        if newWidth != width {
            image = image.resampledHorizontally(to: newWidth)
        }
        if newHeight != height {
            image = image.resampledVertically(to: newHeight)
        }
        return image
    }

    // Fixed-point sums, as in Pillow: each starts at one half (2^21) so that the final shift by
    // 22 bits rounds to nearest, then is clipped to 0...255.
    //
    // Overflow budget: the weights are non-negative and each was rounded up by at most 1/2, so a
    // sum is at most 255 * (2^22 + taps / 2) + 2^21: below 2^31 (Pillow's int, so Pillow never
    // overflows either) for fewer than 8 million taps, and far below 2^63 (our Int). The wrapping
    // operators (&+, &*) therefore never wrap; they only spare the inner loops overflow checks.
    private static let roundingHalf = 1 << (ResampleCoefficients.precisionBits - 1)

    private static func clippedByte(_ sum: Int) -> UInt8 {
        UInt8(clamping: sum >> ResampleCoefficients.precisionBits)
    }

    private func resampledHorizontally(to newWidth: Int) -> RGBImage {
        let coefficients = ResampleCoefficients(inputSize: width, outputSize: newWidth)
        var output = [UInt8](repeating: 0, count: newWidth * height * 3)
        pixels.withUnsafeBufferPointer { source in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { target in
                    for y in 0..<height {
                        let sourceRow = y * width * 3
                        let targetRow = y * newWidth * 3
                        for x in 0..<newWidth {
                            let firstWeight = x * coefficients.stride
                            var index = sourceRow + coefficients.firstInput[x] * 3
                            var red = Self.roundingHalf, green = Self.roundingHalf, blue = Self.roundingHalf
                            for tap in 0..<coefficients.tapCount[x] {
                                let weight = weights[firstWeight + tap]
                                red &+= Int(source[index]) &* weight
                                green &+= Int(source[index + 1]) &* weight
                                blue &+= Int(source[index + 2]) &* weight
                                index += 3
                            }
                            target[targetRow + x * 3] = Self.clippedByte(red)
                            target[targetRow + x * 3 + 1] = Self.clippedByte(green)
                            target[targetRow + x * 3 + 2] = Self.clippedByte(blue)
                        }
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: height, pixels: output)
    }

    private func resampledVertically(to newHeight: Int) -> RGBImage {
        let coefficients = ResampleCoefficients(inputSize: height, outputSize: newHeight)
        let rowBytes = width * 3
        var output = [UInt8](repeating: 0, count: rowBytes * newHeight)
        // One output row's sums, reused for every row.
        var sums = [Int](repeating: 0, count: rowBytes)
        pixels.withUnsafeBufferPointer { source in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { target in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for y in 0..<newHeight {
                            for i in 0..<rowBytes { sums[i] = Self.roundingHalf }
                            for tap in 0..<coefficients.tapCount[y] {
                                let weight = weights[y * coefficients.stride + tap]
                                let sourceRow = (coefficients.firstInput[y] + tap) * rowBytes
                                for i in 0..<rowBytes {
                                    sums[i] &+= Int(source[sourceRow + i]) &* weight
                                }
                            }
                            for i in 0..<rowBytes {
                                target[y * rowBytes + i] = Self.clippedByte(sums[i])
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: newHeight, pixels: output)
    }
}
