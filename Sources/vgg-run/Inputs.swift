import CommandLineSupport
import Foundation

/// The images to classify, in order: each argument is an image or a folder (its PNG and JPEG
/// files, sorted by name, not recursive), then the paths of `--list FILE` (one per line; `-` reads
/// standard input; blank lines skipped).
enum Inputs {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    static func collect(arguments: [String], list: String?) throws -> [String] {
        var paths: [String] = []
        for argument in arguments {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
                paths += try folder(argument)
            } else {
                paths.append(argument)  // a file that cannot be read is that image's error line
            }
        }
        if let list { paths += try lines(of: list) }
        return paths
    }

    static func folder(_ path: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CommandError("\(path): cannot list the folder (\(error.localizedDescription))")
        }
        let images = names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !images.isEmpty else { throw CommandError("\(path): no .png, .jpg or .jpeg files in the folder") }
        return images.map { (path as NSString).appendingPathComponent($0) }
    }

    static func lines(of list: String) throws -> [String] {
        let data: Data
        if list == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: list) else {
                throw CommandError("\(list): cannot read the list file")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandError("\(list == "-" ? "standard input" : list): the list is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
    }
}
