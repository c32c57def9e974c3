#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// C's printf formatting of numbers, without Foundation's `String(format:)`:
/// `formatted("%6.2f%%", 12.345)` is `" 12.35%"`, exactly what printf prints (the C API's example
/// prints with printf and must match `vgg-run` byte for byte). Numbers only (`Int`, `Int32`,
/// `Double`, ...): a Swift `String` is not a C vararg without Foundation.
public func formatted(_ format: String, _ arguments: CVarArg...) -> String {
    var capacity = 64
    while true {
        var buffer = [CChar](repeating: 0, count: capacity)
        let needed = withVaList(arguments) { vsnprintf(&buffer, capacity, format, $0) }
        guard needed >= 0 else { return "" }
        if Int(needed) < capacity { return String(decoding: buffer[..<Int(needed)].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        capacity = Int(needed) + 1
    }
}
