/// Reads torch's zip container (`torch.save` since PyTorch 1.6).
///
/// Layout: `<prefix>/data.pkl` (the state_dict pickle, whose persistent ids name storage
/// records), `<prefix>/data/<key>` (each storage's raw little-endian bytes),
/// `<prefix>/byteorder` (`little` or `big`; absent means little), plus records this reader
/// does not need (`version`, `.format_version`, `.storage_alignment`, `.data/serialization_id`).
enum TorchZipReader {
    /// The state_dict's tensors, pointing into `bytes`.
    ///
    /// - Throws: `CheckpointProblem` for a malformed archive, a missing record, a big-endian
    ///   checkpoint, a pickle the unpickler refuses, or a storage record of the wrong size.
    static func tensors(in bytes: UnsafeRawBufferPointer) throws(CheckpointProblem) -> [TensorInfo] {
        let archive = try ZipArchive(bytes)
        guard let pickleName = archive.names.first(where: isPickleName), let pickleRange = archive.dataRanges[pickleName] else {
            throw CheckpointProblem("zip archive has no <prefix>/data.pkl record; not a torch.save checkpoint")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let byteorder = archive.dataRanges[prefix + "byteorder"] {
            let text = String(decoding: bytes[byteorder], as: UTF8.self)
            guard text == "little" else {
                throw CheckpointProblem("the checkpoint's byteorder record says \(CheckpointProblem.quote(text)); only little-endian checkpoints are supported")
            }
        }

        var storages: [String: PickledStorage] = [:]
        var reader = ByteReader(bytes, range: pickleRange, context: "pickle \(pickleName)")
        let root = try Unpickler.load(&reader) { (persistentID) throws(CheckpointProblem) -> PickleValue in
            let storage = try PickledStorage(persistentID: persistentID, hasViewMetadata: false)
            try storage.register(in: &storages)
            return .storage(storage)
        }

        var tensors: [TensorInfo] = []
        for (name, pickled) in try PickledStateDict.tensors(in: root) {
            let recordName = prefix + "data/" + pickled.storage.key
            guard let record = archive.dataRanges[recordName] else {
                throw CheckpointProblem("tensor \(CheckpointProblem.quote(name)): zip has no record \(CheckpointProblem.quote(recordName))")
            }
            guard record.count == pickled.storage.byteCount else {
                throw CheckpointProblem(
                    "record \(CheckpointProblem.quote(recordName)) holds \(record.count) bytes, but the pickle says "
                        + "\(pickled.storage.elementCount) \(pickled.storage.dtype.rawValue) elements (\(pickled.storage.byteCount) bytes)")
            }
            tensors.append(try TensorInfo(name: name, pickled: pickled, storageStart: record.lowerBound))
        }
        return tensors
    }

    /// `<prefix>/data.pkl` with a one-component prefix, as torch writes it.
    private static func isPickleName(_ name: String) -> Bool {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        return components.count == 2 && !components[0].isEmpty && components[1] == "data.pkl"
    }
}
