/// The tensors of an unpickled state_dict, in the dict's order.
enum PickledStateDict {
    /// Reads `value` as a dict (or OrderedDict) from names to tensors.
    ///
    /// - Throws: `CheckpointProblem` when `value` is not a dict or an entry is not a tensor
    ///   (a whole training checkpoint, say, with an epoch counter).
    static func tensors(in value: PickleValue) throws(CheckpointProblem) -> [(name: String, tensor: PickledTensor)] {
        guard case .dict(let dict) = value else {
            throw CheckpointProblem("the pickle holds \(value.kindDescription), not a state_dict (a dict of tensors)")
        }
        var tensors: [(name: String, tensor: PickledTensor)] = []
        for name in dict.keys {
            guard case .tensor(let tensor) = dict.values[name] else {
                throw CheckpointProblem(
                    "entry \(CheckpointProblem.quote(name)) is \(dict.values[name]?.kindDescription ?? "missing"), "
                        + "not a tensor; expected a state_dict (a dict of tensors)")
            }
            tensors.append((name, tensor))
        }
        return tensors
    }
}
