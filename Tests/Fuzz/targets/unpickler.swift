// Fuzz target: the restricted unpickler (TorchCheckpoint's Unpickler), with persistent ids read
// as the zip container reads them, then the state_dict (or training checkpoint) extraction.
@testable import TorchCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: count)
    var reader = ByteReader(bytes, range: 0..<count, context: "fuzz pickle")
    var storages: [String: PickledStorage] = [:]
    do throws(CheckpointProblem) {
        let root = try Unpickler.load(&reader) { (persistentID) throws(CheckpointProblem) -> PickleValue in
            let storage = try PickledStorage(persistentID: persistentID, hasViewMetadata: false)
            try storage.register(in: &storages)
            return .storage(storage)
        }
        _ = try PickledStateDict.tensors(in: root)
    } catch {
        _ = error.message
    }
    return 0
}
