/// A pickle dict or `collections.OrderedDict`, filled by SETITEM(S) after it is created.
/// String keys (a state_dict's) keep their insertion order. Entries under int keys (an
/// optimizer's per-parameter state in a training checkpoint) are counted and dropped: nothing
/// reads them, and their tensors' data are never touched.
final class PickleDict {
    private(set) var keys: [String] = []
    private(set) var values: [String: PickleValue] = [:]
    /// Entries dropped for their int keys.
    private(set) var intKeyedCount = 0
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

    /// Counts an entry under an int key and drops it (its nesting still counts).
    func dropIntKeyed(_ value: PickleValue) {
        intKeyedCount += 1
        nestingDepth = Swift.max(nestingDepth, 1 + value.nestingDepth)
    }
}
