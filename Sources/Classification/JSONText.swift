import FoundationEssentials

extension Encodable {
    /// The value as pretty-printed JSON with sorted keys: the form every `--json` output uses.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
