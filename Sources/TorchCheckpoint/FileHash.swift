import CCrypto
import Foundation

/// SHA-256 of files, and the hash prefix torch.hub puts in a checkpoint's file name.
public enum FileHash {
    /// The lowercase hex SHA-256 of the file at `url` (64 characters).
    ///
    /// - Throws: `CheckpointError` when the file cannot be opened or mapped.
    public static func sha256Hex(of url: URL) throws(CheckpointError) -> String {
        do throws(CheckpointProblem) {
            let file = try MappedFile(path: url.path)
            return withExtendedLifetime(file) { sha256Hex(of: file.bytes) }
        } catch {
            throw CheckpointError(path: url.relativePath, problem: error.message)
        }
    }

    /// The hash prefix in a torchvision file name: a `-`, exactly 8 lowercase hex digits and a
    /// `.`, e.g. `6c64b313` in `vgg16_bn-6c64b313.pth` (torchvision names every download so;
    /// torch.hub's own regex, `-([a-f0-9]*)\.`, also matches the `5` of a user's
    /// `vgg11-5.pth` or the `bad` of `vgg16-bad.pth`, which carry no digest). The first `-`
    /// whose run of hex digits ends at a `.` decides, as in torch.hub; nil when that run is not
    /// 8 digits long, or there is none.
    public static func expectedPrefix(inFileName fileName: String) -> String? {
        let characters = Array(fileName.utf8)
        for (index, character) in characters.enumerated() where character == UInt8(ascii: "-") {
            // The digits run is greedy and '.' is not a digit, so only the longest run can match.
            let digits = characters[(index + 1)...].prefix(while: isLowercaseHexDigit)
            let after = index + 1 + digits.count
            if after < characters.count, characters[after] == UInt8(ascii: ".") {
                return digits.count == 8 ? String(decoding: digits, as: UTF8.self) : nil
            }
        }
        return nil
    }

    /// `text` as an expected SHA-256 prefix (`--sha256`): 1 to 64 hex digits, lowercased; nil
    /// when it is not one.
    public static func normalizedPrefix(_ text: String) -> String? {
        let lower = text.lowercased()
        guard (1...64).contains(lower.utf8.count), lower.utf8.allSatisfy(isLowercaseHexDigit) else { return nil }
        return lower
    }

    /// The lowercase hex SHA-256 of `bytes`, computed by OpenSSL (SHA-NI where the CPU has it).
    static func sha256Hex(of bytes: UnsafeRawBufferPointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestByteCount: UInt32 = 0
        // EVP_Digest fails only when OpenSSL cannot allocate its context.
        let succeeded = EVP_Digest(bytes.baseAddress, bytes.count, &digest, &digestByteCount, EVP_sha256(), nil)
        precondition(succeeded == 1 && digestByteCount == 32, "OpenSSL SHA-256 failed")
        return hex(digest.prefix(32))
    }

    /// Two lowercase hex digits per byte, joined by `separator`.
    static func hex(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: separator)
    }

    private static func isLowercaseHexDigit(_ character: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(character)
    }
}
