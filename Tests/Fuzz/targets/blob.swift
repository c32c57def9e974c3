// Fuzz target: the blob reader (Int8Blob's BlobFile): every table, count, offset and per-layer
// value, without the data checksum (which would stop most changed inputs) and then with it.
import Int8Blob

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    for verify in [false, true] {
        do {
            let blob = try BlobFile(bytes: bytes, name: "fuzz.vq8", verifyData: verify)
            _ = blob.layers.count
        } catch {
            _ = error.description
        }
    }
    return 0
}
