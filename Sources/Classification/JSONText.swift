extension Encodable {
    /// The value as pretty-printed JSON with sorted keys: the form every `--json` output uses.
    ///
    /// The text is byte for byte what Foundation's `JSONEncoder` with `[.prettyPrinted, .sortedKeys]`
    /// writes (ClassificationTests compare the two), without linking Foundation: two-space indents,
    /// `"key" : value`, keys in code-unit order, `/` written `\/`, numbers in Swift's shortest
    /// round-trip form without a trailing `.0`.
    /// - Throws: `EncodingError.invalidValue` for a NaN or infinite number, as `JSONEncoder` does.
    public func jsonText() throws -> String {
        let root = JSONSlot()
        try encode(to: JSONTreeEncoder(slot: root, codingPath: []))
        var text = ""
        root.write(into: &text, indent: 0)
        return text
    }
}

/// One value of the tree being encoded; a container's member is a slot that its own encoder fills.
final class JSONSlot {
    enum Value {
        case literal(String)  // a number, true, false or null, as written
        case string(String)
        case array(JSONArray)
        case object(JSONObject)
    }
    var value: Value?

    func write(into text: inout String, indent: Int) {
        switch value {
        case .literal(let literal): text += literal
        case .string(let string): JSONSlot.quote(string, into: &text)
        case .array(let array):
            JSONSlot.writeContainer("[", "]", array.items.map { (nil, $0) }, into: &text, indent: indent)
        case .object(let object):
            let sorted = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            JSONSlot.writeContainer("{", "}", sorted.map { ($0.key, $0.value) }, into: &text, indent: indent)
        case nil:  // (an encoder that was asked for nothing: an empty object, as JSONEncoder writes)
            JSONSlot.writeContainer("{", "}", [], into: &text, indent: indent)
        }
    }

    private static func writeContainer(_ open: String, _ close: String, _ members: [(String?, JSONSlot)],
                                       into text: inout String, indent: Int) {
        let inner = String(repeating: " ", count: indent + 2)
        text += open + "\n"
        for (index, (key, slot)) in members.enumerated() {
            text += inner
            if let key {
                quote(key, into: &text)
                text += " : "
            }
            slot.write(into: &text, indent: indent + 2)
            text += index == members.count - 1 ? "\n" : ",\n"
        }
        if members.isEmpty { text += "\n" }
        text += String(repeating: " ", count: indent) + close
    }

    /// A JSON string: `"` `\` `/` and the control characters escaped, everything else as is.
    static func quote(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "/": text += "\\/"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

final class JSONArray {
    var items: [JSONSlot] = []
}

final class JSONObject {
    var members: [String: JSONSlot] = [:]
}

/// An `Encoder` that builds a `JSONSlot` tree.
struct JSONTreeEncoder: Encoder {
    let slot: JSONSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(object: object(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(array: array(), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(slot: slot, codingPath: codingPath)
    }

    /// The slot's object, made on the first request (a second request adds to the same object).
    private func object() -> JSONObject {
        if case .object(let object) = slot.value { return object }
        let object = JSONObject()
        slot.value = .object(object)
        return object
    }

    private func array() -> JSONArray {
        if case .array(let array) = slot.value { return array }
        let array = JSONArray()
        slot.value = .array(array)
        return array
    }
}

/// The text of a number, or the error `JSONEncoder` gives for a non-finite one.
private func literal<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T, _ codingPath: [any CodingKey]) throws -> String {
    guard value.isFinite else {
        throw EncodingError.invalidValue(value, EncodingError.Context(
            codingPath: codingPath, debugDescription: "Unable to encode \(T.self).\(value) directly in JSON."))
    }
    let text = value.description
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}

/// Encodes a value into `slot` through its own encoder (a scalar comes back through
/// `JSONSingleValueContainer`).
private func store<T: Encodable>(_ value: T, in slot: JSONSlot, _ codingPath: [any CodingKey]) throws {
    try value.encode(to: JSONTreeEncoder(slot: slot, codingPath: codingPath))
}

private struct JSONIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: JSONObject
    let codingPath: [any CodingKey]

    private func slot(_ key: Key) -> JSONSlot {
        let slot = JSONSlot()
        object.members[key.stringValue] = slot
        return slot
    }

    mutating func encodeNil(forKey key: Key) throws { slot(key).value = .literal("null") }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, in: slot(key), codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        JSONTreeEncoder(slot: slot(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONTreeEncoder(slot: slot(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let key = JSONSuperKey()
        let slot = JSONSlot()
        object.members[key.stringValue] = slot
        return JSONTreeEncoder(slot: slot, codingPath: codingPath + [key])
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONTreeEncoder(slot: slot(key), codingPath: codingPath + [key])
    }
}

private struct JSONSuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let array: JSONArray
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    private func next() -> (JSONSlot, [any CodingKey]) {
        let slot = JSONSlot()
        let path = codingPath + [JSONIndexKey(intValue: array.items.count)]
        array.items.append(slot)
        return (slot, path)
    }

    mutating func encodeNil() throws { next().0.value = .literal("null") }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let (slot, path) = next()
        try store(value, in: slot, path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let (slot, path) = next()
        return JSONTreeEncoder(slot: slot, codingPath: path).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let (slot, path) = next()
        return JSONTreeEncoder(slot: slot, codingPath: path).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        let (slot, path) = next()
        return JSONTreeEncoder(slot: slot, codingPath: path)
    }
}

private struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let slot: JSONSlot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.value = .literal("null") }
    mutating func encode(_ value: Bool) throws { slot.value = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { slot.value = .literal(try literal(value, codingPath)) }
    mutating func encode(_ value: Float) throws { slot.value = .literal(try literal(value, codingPath)) }
    mutating func encode(_ value: Int) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: Int8) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: Int16) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: Int32) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: Int64) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: UInt) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { slot.value = .literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { slot.value = .literal(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: JSONTreeEncoder(slot: slot, codingPath: codingPath)) }
}
