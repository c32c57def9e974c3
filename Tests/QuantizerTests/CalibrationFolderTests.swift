import Foundation
import Imaging
import Testing
import Quantizer

/// The committed Calibration/ photographs: every one is listed in the README with its licence,
/// decodes, and is large enough for Resize(256) + CenterCrop(224) without upscaling.
@Suite struct CalibrationFolderTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Calibration")

    @Test func everyImageIsListedDecodesAndIsLargeEnough() throws {
        let files = try CalibrationImages.list(Self.folder, count: nil)
        let readme = try String(contentsOf: Self.folder.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(files.count >= 16 && files.count <= 32)
        var byteCount = 0
        for file in files {
            let name = file.lastPathComponent
            #expect(readme.contains("| `\(name)` |"), "\(name) is not in Calibration/README.md")
            let image = try ImageDecoder.decode(path: file.relativePath)
            #expect(min(image.width, image.height) >= 256, "\(name): \(image.width)x\(image.height)")
            byteCount += try Data(contentsOf: file).count
        }
        #expect(byteCount < 1_500_000, "\(byteCount) bytes")
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        #expect(rows.count == files.count, "README rows without a file")
    }
}
