import CVGGInt8API
import VGGInt8Runtime

// The C API (include/vgg_int8.h), exported from Swift with @_cdecl. Each function checks its
// handles and buffers, calls the Swift library (VGGInt8Runtime) and turns a thrown
// ClassifierError into a status and a thread-local message: nothing Swift crosses the boundary.
// `checkSignatures` below makes the compiler compare every function with the header's prototype.

/// Records `message` for vgg_last_error() and returns `status`.
private func fail(_ status: vgg_status, _ message: String) -> vgg_status {
    vgg_internal_fail(status, message)
}

private func status(of error: ClassifierError) -> vgg_status {
    switch error.kind {
    case .invalidBlob: VGG_ERROR_INVALID_BLOB
    case .invalidImage: VGG_ERROR_INVALID_IMAGE
    case .invalidInput: VGG_ERROR_INVALID_INPUT
    case .invalidSettings: VGG_ERROR_INVALID_SETTINGS
    }
}

private func model(_ handle: OpaquePointer?, _ function: String) -> Result<ModelHandle, CallFailure> {
    guard let model = Handles.lookup(handle, as: ModelHandle.self) else {
        return .failure(CallFailure(VGG_ERROR_INVALID_HANDLE, "\(function): \(handle == nil ? "the model is NULL" : "not a live vgg_model (freed, or another kind of handle)")"))
    }
    return .success(model)
}

/// A `size_t` capacity as Swift sees it (Int): above Int.max it arrives negative; a buffer that
/// large holds anything.
private func capacity(_ count: Int) -> Int { count < 0 ? Int.max : count }

private struct CallFailure: Error {
    let status: vgg_status
    let message: String
    init(_ status: vgg_status, _ message: String) { (self.status, self.message) = (status, message) }
}

// MARK: Models

private func openModel(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ function: String,
                       _ load: () throws(ClassifierError) -> Classifier) -> vgg_status {
    guard let out else { return fail(VGG_ERROR_INVALID_ARGUMENT, "\(function): the model out-pointer is NULL") }
    out.pointee = nil
    do {
        out.pointee = Handles.register(ModelHandle(try load()))
        return VGG_OK
    } catch {
        return fail(status(of: error), "\(function): \(error.description)")
    }
}

@_cdecl("vgg_model_open")
public func vggModelOpen(_ path: UnsafePointer<CChar>?, _ threads: Int32,
                         _ out: UnsafeMutablePointer<OpaquePointer?>?) -> vgg_status {
    guard let path else {
        out?.pointee = nil
        return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_model_open: the path is NULL")
    }
    return openModel(out, "vgg_model_open") { () throws(ClassifierError) in
        try Classifier(path: String(cString: path), threads: Int(threads))
    }
}

@_cdecl("vgg_model_open_bytes")
public func vggModelOpenBytes(_ bytes: UnsafeRawPointer?, _ size: Int, _ threads: Int32,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?) -> vgg_status {
    guard let bytes else {
        out?.pointee = nil
        return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_model_open_bytes: the bytes are NULL")
    }
    guard size >= 0 else {
        out?.pointee = nil
        return fail(VGG_ERROR_INVALID_INPUT, "vgg_model_open_bytes: a size of \(UInt(bitPattern: size)) bytes is larger than memory")
    }
    return openModel(out, "vgg_model_open_bytes") { () throws(ClassifierError) in
        try Classifier(bytes: Array(UnsafeRawBufferPointer(start: bytes, count: size)), name: "blob in memory",
                       threads: Int(threads))
    }
}

@_cdecl("vgg_model_get_info")
public func vggModelGetInfo(_ handle: OpaquePointer?, _ info: UnsafeMutablePointer<vgg_model_info>?) -> vgg_status {
    switch model(handle, "vgg_model_get_info") {
    case .failure(let failure): return fail(failure.status, failure.message)
    case .success(let model):
        guard let info else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_model_get_info: info is NULL") }
        let spec = model.classifier.inputSpec
        info.pointee = vgg_model_info(arch: model.arch, kernels: model.kernels, class_count: Int32(model.classifier.classCount),
                                      input_width: Int32(spec.cropWidth), input_height: Int32(spec.cropHeight),
                                      resize: Int32(spec.resize))
        return VGG_OK
    }
}

@_cdecl("vgg_model_label")
public func vggModelLabel(_ handle: OpaquePointer?, _ index: Int32,
                          _ label: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> vgg_status {
    switch model(handle, "vgg_model_label") {
    case .failure(let failure): return fail(failure.status, failure.message)
    case .success(let model):
        guard let label else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_model_label: label is NULL") }
        guard model.labels.indices.contains(Int(index)) else {
            return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_model_label: class \(index) is outside 0..<\(model.labels.count)")
        }
        label.pointee = UnsafePointer(model.labels[Int(index)])
        return VGG_OK
    }
}

@_cdecl("vgg_model_free")
public func vggModelFree(_ handle: OpaquePointer?) {
    _ = Handles.release(handle, as: ModelHandle.self)
}

// MARK: Contexts

@_cdecl("vgg_context_create")
public func vggContextCreate(_ handle: OpaquePointer?, _ threads: Int32,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?) -> vgg_status {
    guard let out else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_context_create: the context out-pointer is NULL") }
    out.pointee = nil
    switch model(handle, "vgg_context_create") {
    case .failure(let failure): return fail(failure.status, failure.message)
    case .success(let model):
        do {
            let context = try model.classifier.makeContext(threads: Int(threads))
            out.pointee = Handles.register(ContextHandle(model: model, context: context))
            return VGG_OK
        } catch {
            return fail(status(of: error), "vgg_context_create: \(error.description)")
        }
    }
}

@_cdecl("vgg_context_free")
public func vggContextFree(_ handle: OpaquePointer?) {
    _ = Handles.release(handle, as: ContextHandle.self)
}

/// Runs `body` with the context's classifier context held for this thread, and writes the logits.
private func classify(_ handle: OpaquePointer?, _ logits: UnsafeMutablePointer<Float>?, _ logitsCount: Int,
                      _ function: String,
                      _ body: (ClassifierContext) throws(ClassifierError) -> Classification) -> vgg_status {
    guard let handle = Handles.lookup(handle, as: ContextHandle.self) else {
        return fail(VGG_ERROR_INVALID_HANDLE, "\(function): \(handle == nil ? "the context is NULL" : "not a live vgg_context (freed, or another kind of handle)")")
    }
    let classes = handle.model.classifier.classCount
    guard let logits else { return fail(VGG_ERROR_INVALID_ARGUMENT, "\(function): the logits buffer is NULL") }
    guard capacity(logitsCount) >= classes else {
        return fail(VGG_ERROR_INVALID_INPUT, "\(function): the logits buffer holds \(logitsCount) floats, the model gives \(classes)")
    }
    guard handle.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
        return fail(VGG_ERROR_CONTEXT_BUSY, "\(function): another thread is using this context (make one context per thread)")
    }
    defer { handle.busy.store(false, ordering: .releasing) }
    do {
        let result = try body(handle.context)
        result.logits.withUnsafeBufferPointer { logits.update(from: $0.baseAddress!, count: classes) }
        return VGG_OK
    } catch {
        return fail(status(of: error), "\(function): \(error.description)")
    }
}

@_cdecl("vgg_classify_file")
public func vggClassifyFile(_ handle: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                            _ logits: UnsafeMutablePointer<Float>?, _ logitsCount: Int) -> vgg_status {
    guard let path else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_classify_file: the path is NULL") }
    return classify(handle, logits, logitsCount, "vgg_classify_file") { (context) throws(ClassifierError) in
        try context.classify(imageAt: String(cString: path))
    }
}

@_cdecl("vgg_classify_frame")
public func vggClassifyFrame(_ handle: OpaquePointer?, _ pixels: UnsafePointer<UInt8>?, _ size: Int,
                             _ width: Int32, _ height: Int32, _ rowStride: Int, _ format: vgg_pixel_format,
                             _ logits: UnsafeMutablePointer<Float>?, _ logitsCount: Int) -> vgg_status {
    guard let pixels else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_classify_frame: the pixels are NULL") }
    let order: PixelFormat
    switch format {
    case VGG_PIXEL_RGB: order = .rgb
    case VGG_PIXEL_BGR: order = .bgr
    default: return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_classify_frame: pixel format \(format.rawValue) is neither VGG_PIXEL_RGB (0) nor VGG_PIXEL_BGR (1)")
    }
    return classify(handle, logits, logitsCount, "vgg_classify_frame") { (context) throws(ClassifierError) in
        guard rowStride >= 0 else {
            throw ClassifierError(.invalidInput, "frame: row stride \(UInt(bitPattern: rowStride)) is larger than memory")
        }
        return try context.classify(frame: UnsafeRawBufferPointer(start: pixels, count: capacity(size)), width: Int(width),
                                    height: Int(height), rowStride: rowStride, format: order)
    }
}

@_cdecl("vgg_classify_preprocessed")
public func vggClassifyPreprocessed(_ handle: OpaquePointer?, _ tensor: UnsafePointer<Float>?, _ count: Int,
                                    _ logits: UnsafeMutablePointer<Float>?, _ logitsCount: Int) -> vgg_status {
    guard let tensor else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_classify_preprocessed: the tensor is NULL") }
    return classify(handle, logits, logitsCount, "vgg_classify_preprocessed") { (context) throws(ClassifierError) in
        // The count first: never read a float the caller did not say is there.
        let spec = context.classifier.inputSpec
        let expected = 3 * spec.cropHeight * spec.cropWidth
        guard count == expected else {
            throw ClassifierError(.invalidInput, "preprocessed input: \(UInt(bitPattern: count)) values, the model takes 3x\(spec.cropHeight)x\(spec.cropWidth) = \(expected)")
        }
        return try context.classify(preprocessed: Array(UnsafeBufferPointer(start: tensor, count: count)))
    }
}

// MARK: Results

@_cdecl("vgg_top_k")
public func vggTopK(_ handle: OpaquePointer?, _ logits: UnsafePointer<Float>?, _ logitsCount: Int, _ k: Int32,
                    _ classes: UnsafeMutablePointer<vgg_class>?, _ classesCount: Int,
                    _ written: UnsafeMutablePointer<Int>?) -> vgg_status {
    written?.pointee = 0
    switch model(handle, "vgg_top_k") {
    case .failure(let failure): return fail(failure.status, failure.message)
    case .success(let model):
        let classCount = model.classifier.classCount
        guard let logits else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_top_k: the logits are NULL") }
        guard let classes else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_top_k: the classes buffer is NULL") }
        guard k >= 1 else { return fail(VGG_ERROR_INVALID_ARGUMENT, "vgg_top_k: k must be at least 1, got \(k)") }
        guard logitsCount == classCount else {
            return fail(VGG_ERROR_INVALID_INPUT, "vgg_top_k: \(UInt(bitPattern: logitsCount)) logits, the model has \(classCount) classes")
        }
        let values = UnsafeBufferPointer(start: logits, count: classCount)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            return fail(VGG_ERROR_INVALID_INPUT, "vgg_top_k: logit \(bad) is \(values[bad]) (a failed image's row?), top-k needs finite logits")
        }
        let count = min(Int(k), classCount)
        guard capacity(classesCount) >= count else {
            return fail(VGG_ERROR_INVALID_INPUT, "vgg_top_k: the classes buffer holds \(classesCount), top \(k) of \(classCount) needs \(count)")
        }
        let result = Classification(logits: Array(values), labels: model.classifier.labels)
        for (slot, entry) in result.top(count).enumerated() {
            classes[slot] = vgg_class(index: Int32(entry.index), logit: entry.logit, probability: entry.probability,
                                      label: UnsafePointer(model.labels[entry.index]))
        }
        written?.pointee = count
        return VGG_OK
    }
}

/// Never called: it compiles only while every function above has its header prototype's type.
func checkSignatures() {
    var modelOpen = vgg_model_open; modelOpen = vggModelOpen
    var modelOpenBytes = vgg_model_open_bytes; modelOpenBytes = vggModelOpenBytes
    var modelGetInfo = vgg_model_get_info; modelGetInfo = vggModelGetInfo
    var modelLabel = vgg_model_label; modelLabel = vggModelLabel
    var modelFree = vgg_model_free; modelFree = vggModelFree
    var contextCreate = vgg_context_create; contextCreate = vggContextCreate
    var contextFree = vgg_context_free; contextFree = vggContextFree
    var classifyFile = vgg_classify_file; classifyFile = vggClassifyFile
    var classifyFrame = vgg_classify_frame; classifyFrame = vggClassifyFrame
    var classifyPreprocessed = vgg_classify_preprocessed; classifyPreprocessed = vggClassifyPreprocessed
    var topK = vgg_top_k; topK = vggTopK
    _ = (modelOpen, modelOpenBytes, modelGetInfo, modelLabel, modelFree, contextCreate, contextFree, classifyFile,
         classifyFrame, classifyPreprocessed, topK)
}
