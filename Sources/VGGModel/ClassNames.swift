import Foundation

/// Names for a model's class indices: a labels file (one name per line), ImageNet's names for a
/// 1000-class model, else "class N". Used by the compiler (the blob's labels) and by
/// `vgg-quantize reference`.
public enum ClassNames {
    /// - Parameters:
    ///   - path: a labels file, one name per line (blank lines ignored), as the user wrote it
    ///     (messages quote it); nil for the default names.
    ///   - classCount: the model's classes; the file must name exactly that many.
    /// - Throws: `ModelError` when the file cannot be read or holds another number of names.
    public static func load(_ path: String?, classCount: Int) throws -> [String] {
        if let path {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ModelError("\(path): cannot read labels file")
            }
            let names = text.split(whereSeparator: \.isNewline).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }.filter { !$0.isEmpty }
            guard names.count == classCount else {
                throw ModelError("\(path): \(names.count) labels, but the model has \(classCount) classes")
            }
            return names
        }
        if classCount == imageNetClassNames.count { return imageNetClassNames }
        return (0..<classCount).map { "class \($0)" }
    }
}
