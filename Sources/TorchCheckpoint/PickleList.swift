/// A pickle list, filled by APPEND and APPENDS after it is created.
final class PickleList {
    private(set) var items: [PickleValue] = []
    private(set) var nestingDepth = 1
    /// Set when the list is nested inside another container; see `PickleValue.freeze()`.
    var isFrozen = false

    func append(_ item: PickleValue) {
        items.append(item)
        nestingDepth = Swift.max(nestingDepth, 1 + item.nestingDepth)
    }
}
