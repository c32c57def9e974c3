// Fuzz target: PNG and JPEG decoding (the C shim over libpng and libjpeg) with a small pixel
// limit, then torchvision-equivalent preprocessing of what decodes.
import Imaging

private let preprocessing = Preprocessing(resize: 40, cropHeight: 32, cropWidth: 32, mean: [0.485, 0.456, 0.406],
                                          std: [0.229, 0.224, 0.225])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    do {
        let image = try ImageDecoder.decode(bytes: bytes, name: "fuzz.img", maxPixels: 1 << 20)
        _ = preprocessing(image)
    } catch {
        _ = error.description
    }
    return 0
}
