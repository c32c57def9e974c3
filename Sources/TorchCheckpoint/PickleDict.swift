/// A pickle dict or `collections.OrderedDict`, filled by SETITEM(S) after it is created.
/// Keys are strings (a state_dict has no others) and keep their insertion order.
final class PickleDict {
    private(set) var keys: [String] = []
    private(set) var values: [String: PickleValue] = [:]
    private(set) var nestingDepth = 1
    /// Set when the dict is nested inside another container; see `PickleValue.freeze()`.
    var isFrozen = false

    /// Sets `key` to `value`; a new key goes last, an existing key keeps its place (as in Python).
    func set(_ key: String, _ value: PickleValue) {
        if values.updateValue(value, forKey: key) == nil {
            keys.append(key)
        }
        nestingDepth = Swift.max(nestingDepth, 1 + value.nestingDepth)
    }
}
