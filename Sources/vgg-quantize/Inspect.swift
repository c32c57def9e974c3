import ArgumentParser
import Foundation
import Int8Blob

/// `vgg-quantize inspect model.vq8`: a readable dump of a blob.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a blob's header, input spec and layers (shapes, scales, zero points, sizes, checksum status).")

    @Argument(help: ArgumentHelp("The blob.", valueName: "model.vq8"))
    var blob: String

    func run() throws {
        // Tables are always validated; the data checksum is reported (ok / MISMATCH), not
        // fatal, so a damaged blob can still be looked at.
        print(try BlobFile(path: blob, verifyData: false).inspectText(), terminator: "")
    }
}
