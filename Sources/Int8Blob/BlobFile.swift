import QuantCore
#if canImport(Glibc)
import Glibc
#endif

// The zero-copy views hand little-endian file bytes straight to kernels as Int32 and Float.
#if _endian(big)
#error("Int8Blob's zero-copy views need a little-endian host (every x86 and ARM Linux board is one)")
#endif

/// An open blob: the file mapped read-only, every offset, count, shape and checksum checked
/// (Docs/BlobFormat.md, "What the reader checks") before anything is used.
///
/// The runtime reads `layers`, whose buffers point into the mapping (no copy, no repacking);
/// they are valid while this object lives. `model()` makes an independent copy for tools and
/// tests. A corrupt, truncated or foreign file is a `BlobError`, never a crash, and nothing is
/// allocated in proportion to a size the file claims, only to the file's real size.
///
/// Example:
///
///     let blob = try BlobFile(path: "model.vq8")
///     let first = blob.layers[0]       // conv features.0: 3(4)->64, packed weights in place
///     first.packedWeights.count        // 2304 = PackedWeights.byteCount(outputs: 64, depth: 36)
///
/// `@unchecked Sendable`: everything is immutable after `init`, and the mapping is read-only.
public final class BlobFile: @unchecked Sendable {
    /// The path or name the blob was opened with, as given (used in errors).
    public let name: String
    /// The blob's layers, in execution order, as views into the mapping.
    public let layers: [BlobLayer]
    let contents: BlobContents
    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    private let storage: Storage

    /// How `bytes` was obtained, so `deinit` can give it back.
    private enum Storage {
        case mapped
        case allocated
        case empty

        func release(_ bytes: UnsafeRawBufferPointer) {
            switch self {
            case .mapped: munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
            case .allocated: bytes.deallocate()
            case .empty: break
            }
        }
    }

    /// Maps and checks the blob at `path` (POSIX mmap, read-only, MAP_PRIVATE).
    /// - Parameter verifyData: also check the data section's checksum and the packed weights
    ///   (reads every byte: about 22 ms for a 140 MB VGG16 blob in the page cache). Without it,
    ///   opening reads only the tables and per-channel arrays; `dataChecksumMatches()` can
    ///   check later.
    /// - Throws: `BlobError`, `"<path>: <problem>"`.
    public convenience init(path: String, verifyData: Bool = true) throws(BlobError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BlobError(path: path, problem: errno == ENOENT ? "file does not exist" : "cannot open: \(Self.systemError())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw BlobError(path: path, problem: "cannot read file status: \(Self.systemError())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw BlobError(path: path, problem: status.st_mode & S_IFMT == S_IFDIR ? "is a directory, not a blob" : "is not a regular file")
        }
        let byteCount = Int(status.st_size)
        guard byteCount > 0 else {
            try self.init(name: path, bytes: UnsafeRawBufferPointer(start: nil, count: 0), storage: .empty, verifyData: verifyData)
            return
        }
        let address = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw BlobError(path: path, problem: "cannot map \(byteCount) bytes: \(Self.systemError())")
        }
        try self.init(name: path, bytes: UnsafeRawBufferPointer(start: address, count: byteCount), storage: .mapped,
                      verifyData: verifyData)
    }

    /// Checks a blob held in memory (tests, tools), with the same checks as a mapped file. The
    /// bytes are copied to 64-byte-aligned memory, so the layer views are aligned as they are
    /// in a mapping.
    /// - Parameter name: stands for the path in errors.
    public convenience init(bytes: [UInt8], name: String, verifyData: Bool = true) throws(BlobError) {
        guard !bytes.isEmpty else {
            try self.init(name: name, bytes: UnsafeRawBufferPointer(start: nil, count: 0), storage: .empty, verifyData: verifyData)
            return
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: BlobFormat.alignment)
        copy.copyBytes(from: bytes)
        try self.init(name: name, bytes: UnsafeRawBufferPointer(copy), storage: .allocated, verifyData: verifyData)
    }

    /// Takes ownership of `bytes` (released on failure too) and checks them.
    private init(name: String, bytes: UnsafeRawBufferPointer, storage: Storage, verifyData: Bool) throws(BlobError) {
        let contents: BlobContents
        do {
            contents = try BlobContents(validating: bytes, verifyData: verifyData)
        } catch {
            storage.release(bytes)
            throw BlobError(path: name, problem: error.text)
        }
        self.name = name
        self.bytes = bytes
        self.storage = storage
        self.contents = contents
        layers = contents.layers.indices.map { index in
            BlobLayer(contents.layers[index], kind: contents.kinds[index], name: contents.layerNames[index], bytes: bytes)
        }
    }

    deinit {
        storage.release(bytes)
    }

    /// Format version of the file: 1, or 2 when a layer has weight flags.
    public var formatVersion: Int { Int(contents.header.formatVersion) }
    /// Length of the file, bytes.
    public var fileByteCount: Int { bytes.count }
    /// torchvision arch name, e.g. "vgg16_bn".
    public var arch: String { contents.arch }
    /// Targets/ profile the blob was compiled for.
    public var target: String { contents.target }
    /// How activation ranges were calibrated.
    public var calibration: String { contents.calibration }
    /// One name per class, index = class id.
    public var labels: [String] { contents.labels }
    /// Preprocessing and input quantization.
    public var input: InputSpec {
        let model = contents.model
        return InputSpec(resize: Int(model.resize), cropHeight: Int(model.cropHeight), cropWidth: Int(model.cropWidth),
                         mean: model.mean, std: model.std, quantization: model.inputQuantization)
    }

    /// Whether the data section matches its checksum (reads the whole section). Always true
    /// for a blob opened with `verifyData: true`.
    public func dataChecksumMatches() -> Bool {
        contents.header.dataChecksumMatches(bytes)
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
