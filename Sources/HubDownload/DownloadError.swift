import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed download, as one line: the URL or the file, and what went wrong.
public struct DownloadError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }

    init(path: URL, errno code: Int32) {
        description = "\(path.path): \(String(cString: strerror(code)))"
    }
}
