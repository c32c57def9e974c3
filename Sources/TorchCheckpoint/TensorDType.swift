/// The element types a state_dict tensor may have.
public enum TensorDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var elementByteCount: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// Whether `Checkpoint.floats` can read this type.
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: true
        case .int64, .int32, .int16, .int8, .uint8, .bool: false
        }
    }

    /// torch's legacy typed storage class, e.g. `FloatStorage` (pickled as `torch.FloatStorage`).
    var storageClassName: String {
        switch self {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }

    /// The name a safetensors header uses, e.g. `F32`.
    var safetensorsName: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    init?(storageClassName name: String) {
        guard let match = Self.allCases.first(where: { $0.storageClassName == name }) else { return nil }
        self = match
    }

    init?(safetensorsName name: String) {
        guard let match = Self.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = match
    }
}
