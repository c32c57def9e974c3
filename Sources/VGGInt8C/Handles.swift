import Glibc
import Synchronization
import VGGInt8Runtime

/// What a `vgg_model *` points at: the classifier and the C strings the API hands out, which
/// live as long as this object (the caller's reference plus one per context).
final class ModelHandle: @unchecked Sendable {
    // (@unchecked: the C strings are written once here and only read afterwards)
    let classifier: Classifier
    let arch: UnsafeMutablePointer<CChar>
    let kernels: UnsafeMutablePointer<CChar>
    let labels: [UnsafeMutablePointer<CChar>]

    init(_ classifier: Classifier) {
        self.classifier = classifier
        arch = strdup(classifier.arch)
        kernels = strdup(classifier.kernelSummary)
        labels = classifier.labels.map { strdup($0) }
    }

    deinit {
        free(arch)
        free(kernels)
        labels.forEach { free($0) }
    }
}

/// What a `vgg_context *` points at. `busy` turns a second thread entering the context into
/// VGG_ERROR_CONTEXT_BUSY.
final class ContextHandle: @unchecked Sendable {
    // (@unchecked: `context` is used only by the thread that holds `busy`)
    let model: ModelHandle
    let context: ClassifierContext
    let busy = Atomic<Bool>(false)

    init(model: ModelHandle, context: ClassifierContext) {
        self.model = model
        self.context = context
    }
}

/// The live handles, by address and kind. Every call looks its handle up here, so NULL, a freed
/// handle or one of the other kind is an error rather than a crash (unless the allocator has given
/// the address to a new handle of the same kind). The lookup returns a strong reference, so a
/// concurrent free cannot pull the object from under a call.
enum Handles {
    private static let live = Mutex<[UInt: any AnyObject & Sendable]>([:])

    private static func key(_ pointer: UnsafeMutableRawPointer) -> UInt { UInt(bitPattern: pointer) }

    static func register(_ object: some AnyObject & Sendable) -> OpaquePointer {
        let pointer = Unmanaged.passRetained(object).toOpaque()
        live.withLock { $0[key(pointer)] = object }
        return OpaquePointer(pointer)
    }

    static func lookup<T: AnyObject & Sendable>(_ handle: OpaquePointer?, as type: T.Type) -> T? {
        guard let handle else { return nil }
        let key = key(UnsafeMutableRawPointer(handle))
        return live.withLock { $0[key] as? T }
    }

    /// Forgets a live handle of this kind and drops the reference `register` took; false if it is not one.
    static func release<T: AnyObject & Sendable>(_ handle: OpaquePointer?, as type: T.Type) -> Bool {
        guard let handle else { return false }
        let pointer = UnsafeMutableRawPointer(handle)
        let key = key(pointer)
        let removed: Bool = live.withLock {
            guard $0[key] is T else { return false }
            $0[key] = nil
            return true
        }
        if removed { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        return removed
    }
}
