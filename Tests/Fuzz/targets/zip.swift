// Fuzz target: the zip container (TorchCheckpoint's ZipArchive) and the torch zip reader on top.
@testable import TorchCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: count)
    do throws(CheckpointProblem) {
        _ = try ZipArchive(bytes)
        _ = try TorchZipReader.tensors(in: bytes)
    } catch {
        _ = error.message
    }
    return 0
}
