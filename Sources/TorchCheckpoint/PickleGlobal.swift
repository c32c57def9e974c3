/// The allow-list: the only globals a checkpoint pickle may name.
///
/// A pickle names a global (GLOBAL or STACK_GLOBAL) to call it (REDUCE, NEWOBJ) or to pass
/// it along (a storage class inside a persistent id). Python would import and run whatever
/// is named; here a name outside this list is an error, and "calling" one of these builds a
/// plain value. Nothing is ever executed.
enum PickleGlobal: Equatable {
    /// `collections.OrderedDict`: the state_dict itself, and each tensor's backward hooks.
    case orderedDict
    /// `torch._utils._rebuild_tensor(storage, storage_offset, size, stride)` (PyTorch < 0.4).
    case rebuildTensor
    /// `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
    /// backward_hooks[, metadata])`.
    case rebuildTensorV2
    /// `torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)`.
    case rebuildParameter
    /// `torch._utils._rebuild_parameter_with_state(data, requires_grad, backward_hooks, state)`.
    case rebuildParameterWithState
    /// `torch.FloatStorage` and its siblings; old GPU checkpoints name `torch.cuda.FloatStorage`.
    case storageClass(TensorDType)

    /// The allow-listed global `module.name`, or nil when it is not on the list.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _), ("torch.cuda", _):
            guard let dtype = TensorDType(storageClassName: name) else { return nil }
            self = .storageClass(dtype)
        default: return nil
        }
    }

    /// The name as Python spells it, e.g. `torch._utils._rebuild_tensor_v2`.
    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensor: "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageClass(let dtype): "torch.\(dtype.storageClassName)"
        }
    }

    /// What calling the global builds from `arguments` (REDUCE or NEWOBJ).
    ///
    /// - Throws: `CheckpointProblem` for a wrong argument count or type, or a global that is
    ///   not callable in a state_dict.
    func call(_ arguments: [PickleValue]) throws(CheckpointProblem) -> PickleValue {
        switch self {
        case .orderedDict:
            guard arguments.isEmpty else {
                throw CheckpointProblem("OrderedDict is built with arguments; a state_dict pickle never does that")
            }
            return .dict(PickleDict())
        case .rebuildTensor:
            try expectArgumentCount(arguments, 4...4)
            return .tensor(try PickledTensor(rebuildArguments: arguments))
        case .rebuildTensorV2:
            try expectArgumentCount(arguments, 6...7)
            if arguments.count == 7, !Self.isEmptyMetadata(arguments[6]) {
                throw CheckpointProblem("a tensor carries metadata (conjugate or negative bit); plain tensors do not")
            }
            return .tensor(try PickledTensor(rebuildArguments: arguments))
        case .rebuildParameter, .rebuildParameterWithState:
            try expectArgumentCount(arguments, self == .rebuildParameter ? 3...3 : 4...4)
            guard case .tensor = arguments[0] else {
                throw CheckpointProblem("a parameter is rebuilt from \(arguments[0].kindDescription), not a tensor")
            }
            return arguments[0]
        case .storageClass:
            throw CheckpointProblem("the pickle calls \(qualifiedName); a state_dict never does")
        }
    }

    private func expectArgumentCount(_ arguments: [PickleValue], _ counts: ClosedRange<Int>) throws(CheckpointProblem) {
        guard counts.contains(arguments.count) else {
            throw CheckpointProblem("\(qualifiedName) takes \(counts) arguments, the pickle passes \(arguments.count)")
        }
    }

    private static func isEmptyMetadata(_ value: PickleValue) -> Bool {
        switch value {
        case .none: true
        case .dict(let dict): dict.keys.isEmpty
        default: false
        }
    }
}
