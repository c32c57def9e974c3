/// A value built by the restricted unpickler.
///
/// There is no "object" case: the only things a pickle can build are plain data, the
/// allow-listed globals themselves, and the storages and tensors those globals describe.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int` (LONG1 with more than 8 bytes), as its little-endian
    /// two's-complement bytes. The legacy format's magic number is one.
    case wideInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(PickledStorage)
    case tensor(PickledTensor)

    /// Containers nested inside this value, counting itself (0 for a scalar).
    var nestingDepth: Int {
        switch self {
        case .tuple(let tuple): tuple.nestingDepth
        case .list(let list): list.nestingDepth
        case .dict(let dict): dict.nestingDepth
        case .none, .bool, .int, .wideInt, .float, .string, .bytes, .global, .storage, .tensor: 0
        }
    }

    /// An article and a kind, for messages: "an int", "a tuple".
    var kindDescription: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int, .wideInt: "an int"
        case .float: "a float"
        case .string: "a string"
        case .bytes: "a bytes object"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .global: "a global"
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }
}

extension PickleValue {
    /// Marks a list or dict as nested inside another container, after which it cannot change.
    ///
    /// This one rule bounds nesting and rules out cycles: a container's depth is final once
    /// it is nested, so each container can store its own depth, and freeing a value never
    /// recurses deeper than `Unpickler.maxNestingDepth`. Python's pickler modifies a
    /// container after nesting it only for self-referencing structures, which a state_dict
    /// does not have.
    func freeze() {
        switch self {
        case .list(let list): list.isFrozen = true
        case .dict(let dict): dict.isFrozen = true
        case .none, .bool, .int, .wideInt, .float, .string, .bytes, .tuple, .global, .storage, .tensor: break
        }
    }
}
