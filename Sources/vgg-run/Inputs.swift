import CommandLineSupport
#if canImport(Glibc)
import Glibc
#endif

/// The images to classify, in order: each argument is an image or a folder (its PNG and JPEG
/// files, sorted by name, not recursive), then the paths of `--list FILE` (one per line; `-` reads
/// standard input; blank lines skipped).
enum Inputs {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    static func collect(arguments: [String], list: String?) throws -> [String] {
        var paths: [String] = []
        for argument in arguments {
            var status = stat()
            if stat(argument, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
                paths += try folder(argument)
            } else {
                paths.append(argument)  // a file that cannot be read is that image's error line
            }
        }
        if let list { paths += try lines(of: list) }
        return paths
    }

    /// The lower-cased text after the last dot of the file name, "" when there is none.
    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    static func folder(_ path: String) throws -> [String] {
        guard let names = entries(of: path) else {
            throw CommandError("\(path): cannot list the folder (\(String(cString: strerror(errno))))")
        }
        let images = names.filter { extensions.contains(fileExtension($0)) }.sorted()
        guard !images.isEmpty else { throw CommandError("\(path): no .png, .jpg or .jpeg files in the folder") }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return images.map { prefix + $0 }
    }

    static func lines(of list: String) throws -> [String] {
        let bytes: [UInt8]
        if list == "-" {
            guard let contents = readAll(descriptor: 0) else {
                throw CommandError("standard input: cannot read the list (\(String(cString: strerror(errno))))")
            }
            bytes = contents
        } else {
            guard let contents = readFile(list) else { throw CommandError("\(list): cannot read the list file") }
            bytes = contents
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("\(list == "-" ? "standard input" : list): the list is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
    }

    /// The names in a folder, without "." and ".."; nil (and `errno` set) when it cannot be listed.
    static func entries(of path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else { return errno == 0 ? names : nil }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }

    /// The contents of a file (not a folder); nil when it cannot be read.
    static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT != S_IFDIR else { return nil }
        return readAll(descriptor: descriptor)
    }

    /// Everything left on a file descriptor (standard input, a list file); nil on a read error.
    static func readAll(descriptor: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }
}
