import Foundation
import VGGModel

/// Names for class indices: a labels file (one name per line), ImageNet's names for a
/// 1000-class model, else "class N".
enum ClassNames {
    static func load(_ path: String?, classCount: Int) throws -> [String] {
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
