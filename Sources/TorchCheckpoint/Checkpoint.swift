import Foundation

/// A loaded checkpoint: the tensors of a state_dict, read in place from a mapped file.
///
/// Loading parses only the container and the pickle (or JSON) header; tensor data stay in
/// the read-only mapping until `floats(_:)` copies one tensor out.
///
/// ```swift
/// let checkpoint = try Checkpoint.load(contentsOf: TorchHub.checkpointsDirectory()
///     .appendingPathComponent("vgg16_bn-6c64b313.pth"))
/// let weight = try checkpoint.floats("features.0.weight")  // 64*3*3*3 floats, OIHW
/// ```
public final class Checkpoint: Sendable {
    public let url: URL
    public let format: CheckpointFormat
    /// The tensors in the file's state_dict order (for safetensors, the order of their data).
    public let tensors: [TensorInfo]

    /// The mapping the tensors point into; alive as long as the checkpoint.
    let file: MappedFile
    private let indexByName: [String: Int]

    private init(url: URL, format: CheckpointFormat, tensors: [TensorInfo], file: MappedFile) {
        self.url = url
        self.format = format
        self.tensors = tensors
        self.file = file
        self.indexByName = Dictionary(tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Maps and parses the checkpoint at `url` (torch zip, torch legacy or safetensors).
    ///
    /// - Parameters:
    ///   - url: a file URL.
    ///   - verifyHash: when the file name carries torchvision's hash prefix (see
    ///     `FileHash.expectedPrefix(inFileName:)`), check that the file's SHA-256 starts with it.
    ///   - expectedSHA256: a SHA-256 prefix the file must have (`--sha256`; lowercase hex, see
    ///     `FileHash.normalizedPrefix`), checked whatever the file's name and `verifyHash`.
    /// - Throws: `CheckpointError`, one line naming the file and the problem.
    public static func load(contentsOf url: URL, verifyHash: Bool = true,
                            expectedSHA256: String? = nil) throws(CheckpointError) -> Checkpoint {
        do throws(CheckpointProblem) {
            let file = try MappedFile(path: url.path)
            if let expected = expectedSHA256 {
                let actual = FileHash.sha256Hex(of: file.bytes)
                guard actual.hasPrefix(expected) else {
                    throw CheckpointProblem("SHA-256 mismatch: --sha256 says the digest starts with \(expected), but the "
                                            + "file's SHA-256 is \(actual)")
                }
            } else if verifyHash, let expected = FileHash.expectedPrefix(inFileName: url.lastPathComponent) {
                let actual = FileHash.sha256Hex(of: file.bytes)
                guard actual.hasPrefix(expected) else {
                    throw CheckpointProblem(
                        "SHA-256 mismatch: the file name says the digest starts with \(expected), but the file's "
                            + "SHA-256 is \(actual); the file is corrupt or misnamed (--no-verify skips this check)")
                }
            }
            let format = try CheckpointFormat(sniffing: file.bytes)
            let tensors =
                switch format {
                case .torchZip: try TorchZipReader.tensors(in: file.bytes)
                case .torchLegacy: try TorchLegacyReader.tensors(in: file.bytes)
                case .safetensors: try SafetensorsReader.tensors(in: file.bytes)
                }
            return Checkpoint(url: url, format: format, tensors: unwrapped(tensors), file: file)
        } catch {
            throw CheckpointError(path: url.relativePath, problem: error.message)
        }
    }

    /// Prefixes a wrapper adds to every key of the model it wraps: `module.` (DataParallel,
    /// DistributedDataParallel) and `_orig_mod.` (torch.compile).
    static let wrapperPrefixes = ["module.", "_orig_mod."]

    /// `tensors` without the wrapper prefixes every one of their names starts with (repeatedly:
    /// a compiled DDP model's keys start with `_orig_mod.module.`).
    static func unwrapped(_ tensors: [TensorInfo]) -> [TensorInfo] {
        var tensors = tensors
        while !tensors.isEmpty, let prefix = wrapperPrefixes.first(where: { prefix in tensors.allSatisfy { $0.name.hasPrefix(prefix) } }) {
            tensors = tensors.map { $0.renamed(String($0.name.dropFirst(prefix.count))) }
        }
        return tensors
    }

    /// The tensor named `name`, or nil.
    public func info(_ name: String) -> TensorInfo? {
        indexByName[name].map { tensors[$0] }
    }

    /// The error for `problem` in this checkpoint.
    func error(_ problem: String) -> CheckpointError {
        CheckpointError(path: url.relativePath, problem: problem)
    }
}
