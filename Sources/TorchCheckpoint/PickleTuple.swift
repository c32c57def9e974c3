/// A pickle tuple: immutable once built, so its nesting depth is fixed at construction.
struct PickleTuple {
    let items: [PickleValue]
    let nestingDepth: Int

    init(_ items: [PickleValue]) {
        self.items = items
        self.nestingDepth = 1 + (items.map(\.nestingDepth).max() ?? 0)
    }
}
