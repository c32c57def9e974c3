import Foundation
import Imaging

/// The calibration images of a folder: PNG and JPEG files (by extension, case-insensitive),
/// including subfolders, in a deterministic order (sorted by relative path, byte-wise), so the
/// same folder always yields the same blob.
public enum CalibrationImages {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// - Throws: `CalibrationError` when the folder cannot be read or holds no image file.
    public static func list(_ directory: URL, count: Int?) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CalibrationError("\(directory.path): calibration folder does not exist or is not a folder")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else {
            throw CalibrationError("\(directory.path): cannot read calibration folder")
        }
        var paths: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if extensions.contains((relative as NSString).pathExtension.lowercased()) { paths.append(relative) }
        }
        paths.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !paths.isEmpty else {
            throw CalibrationError("\(directory.path): no PNG or JPEG images in the calibration folder")
        }
        let chosen = count.map { Array(paths.prefix($0)) } ?? paths
        return chosen.map { directory.appendingPathComponent($0) }
    }

    /// Decodes and preprocesses `files`; a file that fails to decode is skipped with a warning
    /// (one line on stderr through `warn`).
    /// - Throws: `CalibrationError` when no image is left.
    public static func load(_ files: [URL], preprocessing: Preprocessing,
                            warn: (String) -> Void) throws -> [(file: URL, tensor: [Float])] {
        var loaded: [(URL, [Float])] = []
        for file in files {
            do {
                loaded.append((file, preprocessing(try ImageDecoder.decode(path: file.relativePath))))
            } catch {
                warn("warning: skipping calibration image \(error)")
            }
        }
        guard !loaded.isEmpty else {
            throw CalibrationError("none of the \(files.count) calibration images could be decoded")
        }
        return loaded
    }
}

/// One line: what is wrong with the calibration input.
public struct CalibrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
