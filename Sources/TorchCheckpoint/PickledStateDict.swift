/// The tensors of an unpickled state_dict, in the dict's order: the pickle's own dict of
/// tensors, or the model's state_dict inside a training checkpoint.
enum PickledStateDict {
    /// Where training loops put the model's state_dict, in the order they are tried:
    /// `{'epoch': ..., 'state_dict': ..., 'optimizer': ...}` (PyTorch's ImageNet example),
    /// `{'model_state_dict': ...}` (PyTorch's saving tutorial), `{'model': ...}`, `{'net': ...}`.
    static let trainingCheckpointKeys = ["state_dict", "model_state_dict", "model", "net"]

    /// Reads `value` as a dict (or OrderedDict) from names to tensors, or as a training
    /// checkpoint holding one under `trainingCheckpointKeys`; the checkpoint's other entries
    /// (epoch, optimizer state, metrics) are not read.
    ///
    /// - Throws: `CheckpointProblem` when `value` is neither (a dict with an epoch counter and
    ///   no model state_dict, say).
    static func tensors(in value: PickleValue) throws(CheckpointProblem) -> [(name: String, tensor: PickledTensor)] {
        guard case .dict(let dict) = value else {
            throw CheckpointProblem("the pickle holds \(value.kindDescription), not a state_dict (a dict of tensors)")
        }
        if let tensors = allTensors(dict) { return tensors }
        for key in trainingCheckpointKeys {
            if case .dict(let inner)? = dict.values[key], let tensors = allTensors(inner) { return tensors }
        }
        let (name, kind) = firstNonTensor(dict)
        throw CheckpointProblem(
            "entry \(CheckpointProblem.quote(name)) is \(kind), not a tensor; expected a state_dict (a dict of tensors) or a "
                + "training checkpoint with one under " + trainingCheckpointKeys.map { "'\($0)'" }.joined(separator: ", "))
    }

    /// The dict's entries when every one is a tensor under a string key, else nil.
    private static func allTensors(_ dict: PickleDict) -> [(name: String, tensor: PickledTensor)]? {
        guard dict.intKeyedCount == 0 else { return nil }
        var tensors: [(name: String, tensor: PickledTensor)] = []
        for name in dict.keys {
            guard case .tensor(let tensor)? = dict.values[name] else { return nil }
            tensors.append((name, tensor))
        }
        return tensors
    }

    private static func firstNonTensor(_ dict: PickleDict) -> (name: String, kind: String) {
        for name in dict.keys {
            if let value = dict.values[name], case .tensor = value { continue }
            return (name, dict.values[name]?.kindDescription ?? "missing")
        }
        return ("(an int key)", "an optimizer's per-parameter state")
    }
}
