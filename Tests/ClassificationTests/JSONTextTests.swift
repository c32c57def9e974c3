import Classification
import Foundation
import Testing
import TestSupport

/// `jsonText()` (no Foundation, on the device) writes exactly what Foundation's `JSONEncoder`
/// with `[.prettyPrinted, .sortedKeys]` writes, the form `--json` had before it: the tests may use
/// Foundation, the runtime may not.
@Suite struct JSONTextTests {
    static func foundationText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A random JSON-shaped value, encoded through every kind of container and scalar.
    indirect enum Tree: Encodable {
        case object([String: Tree])
        case array([Tree])
        case nested([[Tree]])  // (nested unkeyed containers)
        case string(String)
        case float(Float), double(Double)
        case int(Int), int8(Int8), int64(Int64), uint64(UInt64), uint32(UInt32)
        case bool(Bool)
        case null

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members):
                var container = encoder.container(keyedBy: Key.self)
                for (key, value) in members {
                    if case .null = value { try container.encodeNil(forKey: Key(key)) } else { try container.encode(value, forKey: Key(key)) }
                }
            case .array(let items):
                var container = encoder.unkeyedContainer()
                for item in items {
                    if case .null = item { try container.encodeNil() } else { try container.encode(item) }
                }
            case .nested(let rows):
                var container = encoder.unkeyedContainer()
                for row in rows {
                    var inner = container.nestedUnkeyedContainer()
                    for item in row { try inner.encode(item) }
                }
            case .string(let value): try value.encode(to: encoder)
            case .float(let value): try value.encode(to: encoder)
            case .double(let value): try value.encode(to: encoder)
            case .int(let value): try value.encode(to: encoder)
            case .int8(let value): try value.encode(to: encoder)
            case .int64(let value): try value.encode(to: encoder)
            case .uint64(let value): try value.encode(to: encoder)
            case .uint32(let value): try value.encode(to: encoder)
            case .bool(let value): try value.encode(to: encoder)
            case .null:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            }
        }

        struct Key: CodingKey {
            let stringValue: String
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }

    static let alphabet: [Unicode.Scalar] = ["a", "b", "B", "Z", "_", "0", "9", "1", " ", "/", "\\", "\"", "\n", "\r", "\t",
                                             "\u{0}", "\u{8}", "\u{c}", "\u{1f}", "\u{7f}", "é", "日", "😀", "\u{2028}", "-", ".", ":"]

    static func randomString(_ generator: inout SplitMix64) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...6, using: &generator) {
            text.append(alphabet.randomElement(using: &generator)!)
        }
        return String(text)
    }

    static func randomFloat(_ generator: inout SplitMix64) -> Float {
        while true {
            let value: Float = Bool.random(using: &generator)
                ? Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
                : Float(Int.random(in: -1000...1000, using: &generator)) / [1, 4, 10, 1000][Int.random(in: 0...3, using: &generator)]
            if value.isFinite { return value }
        }
    }

    static func randomDouble(_ generator: inout SplitMix64) -> Double {
        while true {
            let value: Double = Bool.random(using: &generator)
                ? Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
                : Double(Int.random(in: -100_000...100_000, using: &generator)) / 1000
            if value.isFinite { return value }
        }
    }

    static func randomTree(_ generator: inout SplitMix64, depth: Int) -> Tree {
        let kind = Int.random(in: depth > 3 ? 3...13 : 0...13, using: &generator)
        let count = Int.random(in: 0...4, using: &generator)
        switch kind {
        case 0:
            var members: [String: Tree] = [:]
            for _ in 0..<count { members[randomString(&generator)] = randomTree(&generator, depth: depth + 1) }
            return .object(members)
        case 1: return .array((0..<count).map { _ in randomTree(&generator, depth: depth + 1) })
        case 2: return .nested((0..<count).map { _ in (0..<Int.random(in: 0...2, using: &generator)).map { _ in randomTree(&generator, depth: depth + 2) } })
        case 3: return .string(randomString(&generator))
        case 4, 5: return .float(randomFloat(&generator))
        case 6, 7: return .double(randomDouble(&generator))
        case 8: return .int(Int.random(in: Int.min...Int.max, using: &generator))
        case 9: return .int8(Int8.random(in: Int8.min...Int8.max, using: &generator))
        case 10: return [.int64(Int64.min), .uint64(UInt64.max), .uint32(UInt32.random(in: 0...UInt32.max, using: &generator))][count % 3]
        case 11: return .bool(count % 2 == 0)
        case 12: return .null
        default: return .object(["logits": .array((0..<count).map { _ in .float(randomFloat(&generator)) }), "path": .string(randomString(&generator))])
        }
    }

    @Test func randomTreesMatchFoundation() throws {
        var generator = SplitMix64(seed: testSeed("randomTreesMatchFoundation"))
        for _ in 0..<400 {
            let tree = Self.randomTree(&generator, depth: 0)
            let expected = try Self.foundationText(tree)
            let text = try tree.jsonText()
            #expect(text == expected)
            if text != expected { return }
        }
    }

    struct Report: Codable {
        struct Entry: Codable {
            var path: String
            var error: String?
            var top: [ImageResult.Entry]?
        }
        var model: String
        var kernels: String
        var milliseconds: Double
        var images: [Entry]
        var empty: [Int] = []
    }

    /// The shapes `--json` writes: optionals left out, nested arrays of structs, the real `ImageResult`.
    @Test func reportsMatchFoundation() throws {
        let result = ImageResult(file: "digits/0.png", logits: [1.5, -2, 0.25, 3e38], top: 3, classNames: ["zero", "one", "two", "three"])
        let report = Report(model: "vgg16_bn", kernels: "avx2wino4+avx2", milliseconds: 91.0625,
                            images: [Report.Entry(path: "a/b.png", error: nil, top: result.top),
                                     Report.Entry(path: "c.jpg", error: "c.jpg: corrupt JPEG data: \"x\"", top: nil)])
        #expect(try report.jsonText() == Self.foundationText(report))
        #expect(try result.jsonText() == Self.foundationText(result))
        let decoded = try JSONDecoder().decode(Report.self, from: Data(report.jsonText().utf8))
        #expect(try decoded.jsonText() == report.jsonText())
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteNumbersThrowAsFoundationDoes(_ value: Float) {
        #expect(throws: EncodingError.self) { try Self.foundationText([value]) }
        #expect(throws: EncodingError.self) { try [value].jsonText() }
        #expect(throws: EncodingError.self) { try ["x": Double(value)].jsonText() }
    }
}
