// Fuzz target: the legacy (pre-1.6) torch.save stream reader.
@testable import TorchCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do throws(CheckpointProblem) {
        _ = try TorchLegacyReader.tensors(in: UnsafeRawBufferPointer(start: data, count: count))
    } catch {
        _ = error.message
    }
    return 0
}
