import CImageCodecs
#if canImport(Glibc)
import Glibc
#endif

/// Decodes PNG and JPEG files to 8-bit RGB, giving the pixels of Pillow's
/// `Image.open(f).convert("RGB")`.
///
/// The format is sniffed from the first bytes, never from the file name. What is converted
/// how, and the few places where the result differs from Pillow, are in Docs/Imaging.md.
public enum ImageDecoder {
    /// The largest accepted `width * height`: Pillow's `Image.MAX_IMAGE_PIXELS`,
    /// `1024 * 1024 * 1024 / 4 / 3` = 89_478_485, about 256 MiB of 3-byte RGB pixels.
    ///
    /// Pillow only warns above this (`DecompressionBombWarning`) and refuses above twice it;
    /// we refuse above it. The check uses the header's size, before any pixel buffer exists,
    /// so a tiny file claiming 30000x30000 pixels costs nothing.
    public static let defaultMaxPixels = 89_478_485
    /// The largest image file read: 1 GiB (an uncompressed PNG of `defaultMaxPixels` RGBA pixels
    /// is about 358 MB); a device or a runaway file is refused before it fills memory.
    public static let maxFileBytes = 1 << 30

    /// Reads and decodes one image file.
    ///
    /// - Parameters:
    ///   - path: the file's path; errors name it as given.
    ///   - maxPixels: largest accepted `width * height`.
    /// - Returns: the image, HWC RGB, 8 bits per channel.
    /// - Throws: `ImageError` if the file cannot be read, is empty, is not PNG or JPEG, is
    ///   corrupt or truncated, or has more than `maxPixels` pixels.
    public static func decode(path: String, maxPixels: Int = defaultMaxPixels) throws(ImageError) -> RGBImage {
        let bytes = try readFile(atPath: path, name: path)
        return try decode(bytes: bytes, name: path, maxPixels: maxPixels)
    }

    /// Decodes a whole PNG or JPEG file held in memory.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - name: how errors name the image (usually its path).
    ///   - maxPixels: largest accepted `width * height`.
    /// - Throws: `ImageError`, as `decode(path:maxPixels:)`.
    public static func decode(bytes: [UInt8], name: String, maxPixels: Int = defaultMaxPixels) throws(ImageError) -> RGBImage {
        guard !bytes.isEmpty else { throw ImageError(file: name, kind: .empty, problem: "file is empty") }
        var result = vgg_image_result()
        bytes.withUnsafeBufferPointer { buffer in
            _ = vgg_image_decode(buffer.baseAddress, buffer.count, UInt64(max(maxPixels, 0)), &result)
        }
        defer { vgg_image_free(result.pixels) }
        let width = Int(result.width), height = Int(result.height)
        let format = result.format == VGG_IMAGE_FORMAT_PNG ? "PNG" : "JPEG"
        switch result.status {
        case VGG_IMAGE_OK:
            let pixels = Array(UnsafeBufferPointer(start: result.pixels, count: width * height * 3))
            return RGBImage(width: width, height: height, pixels: pixels)
        case VGG_IMAGE_UNSUPPORTED_FORMAT:
            throw ImageError(file: name, kind: .unsupportedFormat, problem: "unsupported image format (not PNG or JPEG)")
        case VGG_IMAGE_TOO_MANY_PIXELS:
            throw ImageError(file: name, kind: .tooManyPixels,
                             problem: "image is \(width)x\(height) = \(width * height) pixels, over the limit of \(maxPixels)")
        case VGG_IMAGE_OUT_OF_MEMORY:
            throw ImageError(file: name, kind: .outOfMemory, problem: "out of memory decoding a \(width)x\(height) \(format)")
        default:
            let detail = codecDetail(message(of: result))
            throw ImageError(file: name, kind: .corrupt, problem: "corrupt \(format) data: \(detail)")
        }
    }

    /// The NUL-terminated C message of `result`.
    private static func message(of result: vgg_image_result) -> String {
        withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// A codec message made to follow "corrupt JPEG data: ": libjpeg's own "Corrupt JPEG data: "
    /// prefix is dropped and a capitalised first word is lower-cased, acronyms are kept.
    /// Example: "Corrupt JPEG data: premature end of data segment" -> "premature end of data segment",
    /// "Premature end of JPEG file" -> "premature end of JPEG file", "IDAT: CRC error" unchanged.
    private static func codecDetail(_ message: String) -> String {
        let text = message.hasPrefix("Corrupt JPEG data: ") ? String(message.dropFirst("Corrupt JPEG data: ".count)) : message
        guard let first = text.first, let second = text.dropFirst().first, second.isLowercase else { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// The whole file, or an `.unreadable` error with the system's reason.
    private static func readFile(atPath path: String, name: String) throws(ImageError) -> [UInt8] {
        func failure() -> ImageError {
            ImageError(file: name, kind: .unreadable, problem: "cannot read file: \(String(cString: strerror(errno)))")
        }
        // (O_NONBLOCK: a FIFO must not block the open; the fstat below refuses it)
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure() }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            // (a folder keeps read(2)'s message, as before this check)
            if (status.st_mode & S_IFMT) == S_IFDIR { errno = EISDIR; throw failure() }
            throw ImageError(file: name, kind: .unreadable, problem: "not a regular file (a device, FIFO or socket)")
        }
        guard status.st_size <= maxFileBytes else {
            throw ImageError(file: name, kind: .unreadable,
                             problem: "the file is \(status.st_size) bytes, more than the \(maxFileBytes >> 20) MiB an image may be")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maxFileBytes else {  // (a file that grows while it is read)
                throw ImageError(file: name, kind: .unreadable, problem: "the file is more than the \(maxFileBytes >> 20) MiB an image may be")
            }
        }
    }
}
