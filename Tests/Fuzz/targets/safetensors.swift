// Fuzz target: the safetensors reader (its JSON header through StrictJSON, offsets, dtypes).
@testable import TorchCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do throws(CheckpointProblem) {
        _ = try SafetensorsReader.tensors(in: UnsafeRawBufferPointer(start: data, count: count))
    } catch {
        _ = error.message
    }
    return 0
}
