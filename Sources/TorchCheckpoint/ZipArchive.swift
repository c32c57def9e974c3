/// The entries of a zip file whose data are stored uncompressed, found through its central
/// directory, as byte ranges of the mapped file.
///
/// torch's zip container (`torch.save` since 1.6) stores every record uncompressed and
/// 64-byte aligned, so a tensor can point straight into the mapping. This reader handles
/// exactly what that needs (APPNOTE.TXT 6.3): the end-of-central-directory record, the
/// zip64 end record and its locator, central directory headers with zip64 extra fields,
/// and local headers (whose sizes torch leaves zero, using data descriptors, so sizes come
/// from the central directory). Every offset, name and size is checked against the file.
struct ZipArchive {
    /// Entry names in central directory order.
    let names: [String]
    /// Each entry's data as absolute file offsets.
    let dataRanges: [String: Range<Int>]

    private static let localHeaderSignature: UInt32 = 0x0403_4b50
    private static let centralHeaderSignature: UInt32 = 0x0201_4b50
    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let endRecordByteCount = 22
    private static let zip64LocatorByteCount = 20
    private static let zip64ExtraID: UInt16 = 0x0001

    /// Reads the central directory of the zip file `bytes`.
    ///
    /// - Throws: `CheckpointProblem` for a missing or inconsistent directory, an encrypted
    ///   or compressed entry, a duplicate name, or any offset or size outside the file.
    init(_ bytes: UnsafeRawBufferPointer) throws(CheckpointProblem) {
        let directory = try Self.findCentralDirectory(bytes)
        var reader = ByteReader(bytes, range: directory.range, context: "zip central directory")
        var names: [String] = []
        var dataRanges: [String: Range<Int>] = [:]
        for _ in 0..<directory.entryCount {
            let entry = try Self.readCentralHeader(&reader, file: bytes)
            guard dataRanges[entry.name] == nil else {
                throw CheckpointProblem("zip has two entries named \(CheckpointProblem.quote(entry.name))")
            }
            let dataRange = try Self.dataRange(of: entry, file: bytes, directoryStart: directory.range.lowerBound)
            names.append(entry.name)
            dataRanges[entry.name] = dataRange
        }
        self.names = names
        self.dataRanges = dataRanges
    }

    /// What a central directory header says about one entry.
    private struct CentralEntry {
        let name: String
        let byteCount: Int
        let localHeaderOffset: Int
    }

    /// Finds the end record (the last one whose comment reaches exactly to the end of the
    /// file) and, when its zip64 locator precedes it, the zip64 end record.
    private static func findCentralDirectory(
        _ bytes: UnsafeRawBufferPointer
    ) throws(CheckpointProblem) -> (range: Range<Int>, entryCount: Int) {
        let maxCommentByteCount = Int(UInt16.max)
        let lowest = Swift.max(0, bytes.count - endRecordByteCount - maxCommentByteCount)
        var candidate = bytes.count - endRecordByteCount
        while candidate >= lowest {
            // A record fits from `candidate` to the end of the file, so these loads are in bounds.
            if bytes.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) == endSignature.littleEndian {
                let commentByteCount = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: candidate + 20, as: UInt16.self)))
                if candidate + endRecordByteCount + commentByteCount == bytes.count {
                    return try readEndRecord(bytes, at: candidate)
                }
            }
            candidate -= 1
        }
        throw CheckpointProblem("zip end-of-central-directory record not found (truncated or not a zip file)")
    }

    private static func readEndRecord(
        _ bytes: UnsafeRawBufferPointer, at endOffset: Int
    ) throws(CheckpointProblem) -> (range: Range<Int>, entryCount: Int) {
        var reader = ByteReader(bytes, range: endOffset..<bytes.count, context: "zip end record")
        _ = try reader.skip(4)
        let diskNumber = try reader.readLittleEndian(UInt16.self)
        let directoryDisk = try reader.readLittleEndian(UInt16.self)
        _ = try reader.skip(2)
        var entryCount = Int(try reader.readLittleEndian(UInt16.self))
        var directoryByteCount = Int(try reader.readLittleEndian(UInt32.self))
        var directoryOffset = Int(try reader.readLittleEndian(UInt32.self))
        guard diskNumber == 0, directoryDisk == 0 else {
            throw CheckpointProblem("multi-disk zip archives are not supported")
        }
        let locatorOffset = endOffset - zip64LocatorByteCount
        if locatorOffset >= 0 {
            var locator = ByteReader(bytes, range: locatorOffset..<endOffset, context: "zip64 locator")
            if try locator.readLittleEndian(UInt32.self) == zip64LocatorSignature {
                _ = try locator.skip(4)
                let zip64EndOffset = try locator.readLength(UInt64.self)
                guard zip64EndOffset < locatorOffset else {
                    throw CheckpointProblem("zip64 end record offset \(zip64EndOffset) is not before its locator at \(locatorOffset)")
                }
                var zip64End = ByteReader(bytes, range: zip64EndOffset..<locatorOffset, context: "zip64 end record")
                guard try zip64End.readLittleEndian(UInt32.self) == zip64EndSignature else {
                    throw CheckpointProblem("no zip64 end record at offset \(zip64EndOffset)")
                }
                _ = try zip64End.skip(20)
                entryCount = try zip64End.readLength(UInt64.self)
                _ = try zip64End.skip(8)
                directoryByteCount = try zip64End.readLength(UInt64.self)
                directoryOffset = try zip64End.readLength(UInt64.self)
            }
        }
        let (directoryEnd, overflow) = directoryOffset.addingReportingOverflow(directoryByteCount)
        guard !overflow, directoryEnd <= endOffset else {
            throw CheckpointProblem(
                "zip central directory (\(directoryByteCount) bytes at offset \(directoryOffset)) "
                    + "runs past its end record at \(endOffset)")
        }
        return (directoryOffset..<directoryEnd, entryCount)
    }

    private static func readCentralHeader(
        _ reader: inout ByteReader, file bytes: UnsafeRawBufferPointer
    ) throws(CheckpointProblem) -> CentralEntry {
        let headerOffset = reader.offset
        guard try reader.readLittleEndian(UInt32.self) == centralHeaderSignature else {
            throw CheckpointProblem("zip central directory header expected at offset \(headerOffset)")
        }
        _ = try reader.skip(4)
        let flags = try reader.readLittleEndian(UInt16.self)
        let method = try reader.readLittleEndian(UInt16.self)
        _ = try reader.skip(8)
        var compressedByteCount = UInt64(try reader.readLittleEndian(UInt32.self))
        var byteCount = UInt64(try reader.readLittleEndian(UInt32.self))
        let nameByteCount = Int(try reader.readLittleEndian(UInt16.self))
        let extraByteCount = Int(try reader.readLittleEndian(UInt16.self))
        let commentByteCount = Int(try reader.readLittleEndian(UInt16.self))
        _ = try reader.skip(8)
        var localHeaderOffset = UInt64(try reader.readLittleEndian(UInt32.self))
        let nameBytes = try reader.readBytes(nameByteCount)
        let extraRange = try reader.skip(extraByteCount)
        _ = try reader.skip(commentByteCount)

        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw CheckpointProblem("zip entry name at offset \(headerOffset) is not valid UTF-8")
        }
        let quoted = CheckpointProblem.quote(name)
        guard flags & 1 == 0 else {
            throw CheckpointProblem("zip entry \(quoted) is encrypted")
        }
        guard method == 0 else {
            throw CheckpointProblem(
                "zip entry \(quoted) is compressed (method \(method)); torch writes stored (uncompressed) "
                    + "entries, so re-save the checkpoint with torch.save")
        }
        // Zip64 extra field: the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
        var extra = ByteReader(bytes, range: extraRange, context: "zip extra field of \(quoted)")
        while extra.remainingCount >= 4 {
            let id = try extra.readLittleEndian(UInt16.self)
            let fieldByteCount = Int(try extra.readLittleEndian(UInt16.self))
            var field = ByteReader(bytes, range: try extra.skip(fieldByteCount), context: "zip64 field of \(quoted)")
            guard id == zip64ExtraID else { continue }
            let saturated = UInt64(UInt32.max)
            if byteCount == saturated { byteCount = try field.readLittleEndian(UInt64.self) }
            if compressedByteCount == saturated { compressedByteCount = try field.readLittleEndian(UInt64.self) }
            if localHeaderOffset == saturated { localHeaderOffset = try field.readLittleEndian(UInt64.self) }
        }
        guard compressedByteCount == byteCount else {
            throw CheckpointProblem("zip entry \(quoted) is stored but its sizes differ (\(compressedByteCount) and \(byteCount))")
        }
        guard let count = Int(exactly: byteCount), let localOffset = Int(exactly: localHeaderOffset) else {
            throw CheckpointProblem("zip entry \(quoted) has a size or offset beyond 2^63")
        }
        return CentralEntry(name: name, byteCount: count, localHeaderOffset: localOffset)
    }

    /// Reads an entry's local header and returns where its data lie; the data must end
    /// before the central directory starts.
    private static func dataRange(
        of entry: CentralEntry, file bytes: UnsafeRawBufferPointer, directoryStart: Int
    ) throws(CheckpointProblem) -> Range<Int> {
        let quoted = CheckpointProblem.quote(entry.name)
        guard entry.localHeaderOffset < directoryStart else {
            throw CheckpointProblem(
                "zip entry \(quoted): local header offset \(entry.localHeaderOffset) is not before the "
                    + "central directory at \(directoryStart) (file is \(bytes.count) bytes)")
        }
        var reader = ByteReader(
            bytes, range: entry.localHeaderOffset..<directoryStart, context: "zip local header of \(quoted)")
        guard try reader.readLittleEndian(UInt32.self) == localHeaderSignature else {
            throw CheckpointProblem("zip entry \(quoted): no local header at offset \(entry.localHeaderOffset)")
        }
        _ = try reader.skip(22)
        let nameByteCount = Int(try reader.readLittleEndian(UInt16.self))
        let extraByteCount = Int(try reader.readLittleEndian(UInt16.self))
        guard try reader.readBytes(nameByteCount) == Array(entry.name.utf8) else {
            throw CheckpointProblem("zip entry \(quoted): the local header at offset \(entry.localHeaderOffset) names another file")
        }
        _ = try reader.skip(extraByteCount)
        let start = reader.offset
        guard entry.byteCount <= directoryStart - start else {
            throw CheckpointProblem(
                "zip entry \(quoted): \(entry.byteCount) bytes at offset \(start) run past the central "
                    + "directory at \(directoryStart)")
        }
        return start..<(start + entry.byteCount)
    }
}
