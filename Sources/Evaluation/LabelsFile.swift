import Foundation

/// A labels file for `vgg-quantize eval --labels`: CSV with the header line `file,label`, then
/// one line per image: its path relative to the image folder, a comma, and its class, either
/// a class name of the blob or a class index `0..<classes` (a name wins when both fit). Blank
/// lines are skipped, spaces around fields and Windows line ends ignored; no quoting, so a file
/// name cannot contain a comma (a class name may: the label is everything after the first one).
///
/// Example, for a blob whose classes are "0" ... "9":
///
///     file,label
///     0000.png,1
///     0001.png,4
public enum LabelsFile {
    public static let header = "file,label"

    /// - Parameters:
    ///   - text: the file's contents.
    ///   - name: the file's path, for errors.
    ///   - classNames: the blob's class names, index = class.
    /// - Returns: (relative path, class index) per line, in file order.
    /// - Throws: `EvaluationError` naming the file and line: a missing header, a line without a
    ///   comma, an empty field, a file listed twice, a label that is neither a class name nor an
    ///   index, or a name that more than one class carries (ImageNet has two "crane"s).
    public static func parse(_ text: String, name: String, classNames: [String]) throws(EvaluationError) -> [(file: String, label: Int)] {
        let classesByName = Dictionary(grouping: classNames.indices) { classNames[$0] }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // A spreadsheet may start the file with a byte order mark.
        guard let first = lines.first, first.drop(while: { $0 == "\u{FEFF}" }) == header else {
            throw EvaluationError("\(name): the first line must be the header \(header)")
        }
        var rows: [(file: String, label: Int)] = []
        var seen: Set<String> = []
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let place = "\(name) line \(offset + 1)"
            guard let comma = line.firstIndex(of: ",") else { throw EvaluationError("\(place): expected file,label, got \"\(line)\"") }
            let file = line[..<comma].trimmingCharacters(in: .whitespaces)
            let label = line[line.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            guard !file.isEmpty && !label.isEmpty else { throw EvaluationError("\(place): empty file or label in \"\(line)\"") }
            guard seen.insert(file).inserted else { throw EvaluationError("\(place): \(file) is listed twice") }
            if let classes = classesByName[label], classes.count > 1 {
                throw EvaluationError("\(place): classes \(classes.map(String.init).joined(separator: ", ")) are all named \"\(label)\"; give the class index")
            }
            guard let index = classesByName[label]?.first ?? Int(label).flatMap({ classNames.indices.contains($0) ? $0 : nil }) else {
                throw EvaluationError("\(place): unknown class \"\(label)\" (neither a class name of the blob nor an index 0..<\(classNames.count))")
            }
            rows.append((file, index))
        }
        return rows
    }
}
