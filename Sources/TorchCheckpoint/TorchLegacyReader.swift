/// Reads torch's legacy stream (`torch.save` before PyTorch 1.6, and since with
/// `_use_new_zipfile_serialization=False`); torchvision's vgg16-397923af.pth and
/// vgg19-dcbb9e9d.pth use it.
///
/// Layout: five pickles back to back, then the storage data.
/// 1. the magic number 0x1950a86a20f9469cfc6c;
/// 2. the protocol version, 1001;
/// 3. sys info, a dict whose `little_endian` must be True;
/// 4. the state_dict, whose persistent ids are
///    `('storage', storage_class, key, location, numel, view_metadata)`;
/// 5. the list of storage keys;
/// then for each key, in that list's order, an 8-byte little-endian element count and that
/// many elements of raw little-endian data.
enum TorchLegacyReader {
    private static let magicNumber: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
    private static let protocolVersion = 1001

    /// The state_dict's tensors, pointing into `bytes`.
    ///
    /// - Throws: `CheckpointProblem` for a wrong header, a big-endian writer, a pickle the
    ///   unpickler refuses, a storage with no data or the wrong element count, or data
    ///   running past the end of the file.
    static func tensors(in bytes: UnsafeRawBufferPointer) throws(CheckpointProblem) -> [TensorInfo] {
        var reader = ByteReader(bytes, range: 0..<bytes.count, context: "legacy checkpoint")
        guard case .wideInt(magicNumber) = try Unpickler.load(&reader) else {
            throw CheckpointProblem("legacy checkpoint has the wrong magic number; corrupt file?")
        }
        let version = try Unpickler.load(&reader)
        guard case .int(protocolVersion) = version else {
            let found = if case .int(let number) = version { "\(number)" } else { version.kindDescription }
            throw CheckpointProblem("legacy checkpoint has protocol version \(found), expected \(protocolVersion)")
        }
        guard case .dict(let sysInfo) = try Unpickler.load(&reader), case .bool(true) = sysInfo.values["little_endian"] else {
            throw CheckpointProblem("legacy checkpoint was not written little-endian (sys info lacks little_endian=True)")
        }

        var storages: [String: PickledStorage] = [:]
        let root = try Unpickler.load(&reader) { (persistentID) throws(CheckpointProblem) -> PickleValue in
            let storage = try PickledStorage(persistentID: persistentID, hasViewMetadata: true)
            try storage.register(in: &storages)
            return .storage(storage)
        }
        let storageStarts = try readStorages(&reader, keys: try Unpickler.load(&reader), storages: storages)

        var tensors: [TensorInfo] = []
        for (name, pickled) in try PickledStateDict.tensors(in: root) {
            // Every storage a tensor names was registered, and every registered one has data.
            tensors.append(try TensorInfo(name: name, pickled: pickled, storageStart: storageStarts[pickled.storage.key]!))
        }
        return tensors
    }

    /// Walks the storage data that follow the pickles and returns where each storage's
    /// elements start.
    private static func readStorages(
        _ reader: inout ByteReader, keys: PickleValue, storages: [String: PickledStorage]
    ) throws(CheckpointProblem) -> [String: Int] {
        guard case .list(let keyList) = keys else {
            throw CheckpointProblem("legacy checkpoint's storage key list is \(keys.kindDescription), not a list")
        }
        var starts: [String: Int] = [:]
        for item in keyList.items {
            guard case .string(let key) = item, let storage = storages[key], starts[key] == nil else {
                throw CheckpointProblem("legacy checkpoint's storage key list names an unknown or repeated storage")
            }
            let quoted = CheckpointProblem.quote(key)
            let elementCount = try reader.readLittleEndian(UInt64.self)
            guard elementCount == storage.elementCount else {
                throw CheckpointProblem(
                    "storage \(quoted) holds \(elementCount) elements in the file, but the pickle says \(storage.elementCount)")
            }
            guard storage.byteCount <= reader.remainingCount else {
                throw CheckpointProblem(
                    "truncated legacy checkpoint: storage \(quoted) needs \(storage.byteCount) bytes at offset "
                        + "\(reader.offset), file ends at \(reader.end)")
            }
            starts[key] = try reader.skip(storage.byteCount).lowerBound
        }
        if let missing = storages.keys.sorted().first(where: { starts[$0] == nil }) {
            throw CheckpointProblem("legacy checkpoint has no data for storage \(CheckpointProblem.quote(missing))")
        }
        return starts
    }
}
