/// The container a checkpoint file uses, recognised from its first bytes.
public enum CheckpointFormat: String, Sendable {
    /// torch's zip container (`torch.save` since PyTorch 1.6): starts with `PK\x03\x04`.
    case torchZip
    /// torch's legacy pickle stream (PyTorch 0.1.10 to 1.5): starts with a pickle PROTO
    /// opcode, `\x80\x02` as torch writes it.
    case torchLegacy
    /// safetensors: an 8-byte header length, then a JSON object (`{` at byte 8).
    case safetensors

    /// Recognises the format of `bytes`.
    ///
    /// - Throws: `CheckpointProblem` for an empty file, PyTorch's pre-0.1.10 tar format,
    ///   or anything else, naming the first bytes.
    init(sniffing bytes: UnsafeRawBufferPointer) throws(CheckpointProblem) {
        guard !bytes.isEmpty else {
            throw CheckpointProblem("file is empty")
        }
        if bytes.starts(with: [0x50, 0x4b, 0x03, 0x04]) {
            self = .torchZip
        } else if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) {
            self = .torchLegacy
        } else if bytes.count > 8, bytes[8] == UInt8(ascii: "{") {
            self = .safetensors
        } else if bytes.count >= 262, bytes[257..<262].elementsEqual("ustar".utf8) {
            throw CheckpointProblem(
                "this is PyTorch's tar checkpoint format (before 0.1.10), which is not supported; "
                    + "load it with an old PyTorch and re-save it with torch.save")
        } else {
            let firstBytes = FileHash.hex(bytes.prefix(4), separator: " ")
            throw CheckpointProblem("not a PyTorch or safetensors checkpoint (first bytes \(firstBytes))")
        }
    }
}
