import Foundation
import Quantizer

/// The images of an evaluation and their labels, if any.
///
/// The images are every PNG and JPEG file under the folder, subfolders included, in the order
/// the calibration folder uses (sorted by relative path, byte-wise; `CalibrationImages`). Labels
/// come from a labels file (`LabelsFile`), which must label exactly those images, or, without
/// one, from the folder's layout: when every image lies in a subfolder named after a class
/// (`DIR/tench/a.jpg`), the subfolder is its class. Otherwise the images are unlabelled and
/// the evaluation reports agreement and fidelity only.
public struct EvaluationImages: Sendable {
    public let folder: URL
    /// Paths relative to `folder`, in evaluation order.
    public let relativePaths: [String]
    /// One class index per image, or nil when unlabelled.
    public let labels: [Int]?
    /// Where the labels came from: the labels file's path, "subfolders", or nil.
    public let labelSource: String?

    public var files: [URL] { relativePaths.map { folder.appendingPathComponent($0) } }

    /// - Parameters:
    ///   - folder: the image folder.
    ///   - labelsFile: a `file,label` CSV (`LabelsFile`), or nil to try class-named subfolders.
    ///   - classNames: the blob's class names, index = class.
    /// - Throws: `EvaluationError`: the folder is missing or holds no image; the labels file
    ///   cannot be read, is malformed, names a file that is not an image of the folder, or
    ///   leaves an image without a label.
    public init(folder: URL, labelsFile: URL?, classNames: [String]) throws(EvaluationError) {
        self.folder = folder
        relativePaths = try Self.list(folder)
        if let labelsFile {
            labels = try Self.labels(relativePaths, file: labelsFile, classNames: classNames)
            labelSource = labelsFile.relativePath
        } else {
            labels = Self.subfolderLabels(relativePaths, classNames: classNames)
            labelSource = labels == nil ? nil : "subfolders"
        }
    }

    /// Relative paths of the PNG and JPEG files under `folder`, sorted byte-wise.
    static func list(_ folder: URL) throws(EvaluationError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError("\(folder.relativePath): image folder does not exist or is not a folder")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else {
            throw EvaluationError("\(folder.relativePath): cannot read the image folder")
        }
        var paths: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if CalibrationImages.extensions.contains((relative as NSString).pathExtension.lowercased()) { paths.append(relative) }
        }
        guard !paths.isEmpty else { throw EvaluationError("\(folder.relativePath): no PNG or JPEG images in the image folder") }
        return paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func labels(_ paths: [String], file: URL, classNames: [String]) throws(EvaluationError) -> [Int] {
        let name = file.relativePath
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw EvaluationError("\(name): cannot read the labels file")
        }
        var labelByPath: [String: Int] = [:]
        let images = Set(paths)
        for row in try LabelsFile.parse(text, name: name, classNames: classNames) {
            guard images.contains(row.file) else {
                throw EvaluationError("\(name): \(row.file) is not an image in the image folder")
            }
            labelByPath[row.file] = row.label
        }
        let unlabelled = paths.filter { labelByPath[$0] == nil }
        guard unlabelled.isEmpty else {
            throw EvaluationError("\(name): \(unlabelled.count) image(s) of the folder have no label, the first \(unlabelled[0])")
        }
        return paths.map { labelByPath[$0]! }
    }

    /// The class of each image from its top-level subfolder, when every image has one and
    /// every such name is a class name (a unique one); else nil.
    static func subfolderLabels(_ paths: [String], classNames: [String]) -> [Int]? {
        let classesByName = Dictionary(grouping: classNames.indices) { classNames[$0] }
        var labels: [Int] = []
        for path in paths {
            let components = path.split(separator: "/")
            guard components.count > 1, let classes = classesByName[String(components[0])], classes.count == 1 else { return nil }
            labels.append(classes[0])
        }
        return labels
    }
}
