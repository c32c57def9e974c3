// Fuzz target: the whole checkpoint loader as the tools call it (a file: map, sniff the format,
// read it, unwrap training-checkpoint keys), then every tensor converted to floats.
import Glibc
@testable import TorchCheckpoint
import Foundation

private let path = "/dev/shm/vgg-fuzz-checkpoint-\(getpid()).pth"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    _ = write(fd, data, count)
    close(fd)
    do {
        let checkpoint = try Checkpoint.load(contentsOf: URL(fileURLWithPath: path), verifyHash: false)
        for tensor in checkpoint.tensors where tensor.dtype.isFloatingPoint {
            _ = try? checkpoint.floats(tensor.name)
        }
    } catch {
        _ = "\(error)"
    }
    unlink(path)  // the mapping, if any, is gone with the checkpoint; nothing stays in /dev/shm
    return 0
}
