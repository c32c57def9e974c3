/// Checks the strings of a JSON text before Foundation parses it.
///
/// Swift 6.0's Foundation (Debian 13's `swiftlang` 6.0.3, which the package supports) traps, a
/// `try!` inside its JSON parser, instead of throwing, on a string that holds a raw control
/// character (`JSONSerialization` and `JSONDecoder` alike), and `JSONDecoder` traps on invalid
/// UTF-8 too. Untrusted JSON (a safetensors header, a `--target` file) goes through
/// ``checkStrings(_:)`` first, so a bad file is one clear error on every toolchain. Everything
/// else about the text (its structure, numbers) is left to the parser, which throws properly.
public enum StrictJSON {
    /// Why a text was refused, with the byte offset of the fault.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Refuses a text that is not UTF-8, or that has a string holding a raw control character
    /// (U+0000...U+001F), an escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`, a `\u` escape of
    /// a lone surrogate, or no closing quote.
    ///
    /// - Parameter bytes: the JSON text, UTF-8.
    /// - Throws: ``Problem``, e.g. `JSON string at byte 12 holds control character 0x1C`.
    public static func checkStrings(_ bytes: some Collection<UInt8>) throws(Problem) {
        let bytes = Array(bytes)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw Problem(description: "JSON text is not valid UTF-8") }
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\"") else { index += 1; continue }
            let start = index
            index += 1
            while true {
                guard index < bytes.count else { throw Problem(description: "JSON string at byte \(start) has no closing quote") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; break }
                if byte < 0x20 {
                    throw Problem(description: "JSON string at byte \(start) holds control character 0x\(hex(byte)) at byte \(index)")
                }
                if byte != UInt8(ascii: "\\") { index += 1; continue }
                index = try escapeEnd(bytes, at: index, string: start)
            }
        }
    }

    /// The index after the escape at `at` (its backslash).
    private static func escapeEnd(_ bytes: [UInt8], at: Int, string: Int) throws(Problem) -> Int {
        guard at + 1 < bytes.count else { throw Problem(description: "JSON string at byte \(string) ends inside an escape") }
        switch bytes[at + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return at + 2
        case UInt8(ascii: "u"):
            let unit = try codeUnit(bytes, at: at, string: string)
            switch unit {
            case 0xD800...0xDBFF:  // a high surrogate: a low one must follow
                guard at + 7 < bytes.count, bytes[at + 6] == UInt8(ascii: "\\"), bytes[at + 7] == UInt8(ascii: "u"),
                      (0xDC00...0xDFFF).contains(try codeUnit(bytes, at: at + 6, string: string)) else {
                    throw Problem(description: "JSON string at byte \(string) has a lone surrogate escape at byte \(at)")
                }
                return at + 12
            case 0xDC00...0xDFFF:
                throw Problem(description: "JSON string at byte \(string) has a lone surrogate escape at byte \(at)")
            default:
                return at + 6
            }
        default:
            throw Problem(description: "JSON string at byte \(string) has an invalid escape at byte \(at)")
        }
    }

    /// The value of the `\uXXXX` escape at `at`.
    private static func codeUnit(_ bytes: [UInt8], at: Int, string: Int) throws(Problem) -> UInt16 {
        guard at + 6 <= bytes.count else { throw Problem(description: "JSON string at byte \(string) ends inside an escape") }
        var value: UInt16 = 0
        for byte in bytes[at + 2 ..< at + 6] {
            guard let digit = hexDigit(byte) else {
                throw Problem(description: "JSON string at byte \(string) has an invalid \\u escape at byte \(at)")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
}
