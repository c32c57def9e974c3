import Classification
import Foundation
import Testing

/// `formatted(_:_:)` (vsnprintf, no Foundation) prints what Foundation's `String(format:)` prints.
@Suite struct FormattedTests {
    @Test func numbersMatchStringFormat() {
        let doubles: [Double] = [0, -0.0, 12.345, 99.995, 100, 1e-9, 123456789.5, -3.25]
        for format in ["%6.2f%%", "%.1f", "%8.3f", "%g", "%.3e"] {
            for value in doubles {
                #expect(formatted(format, value) == String(format: format, value), "\(format) \(value)")
            }
        }
        for value in [0, 7, -42, Int.max] {
            #expect(formatted("  %2ld. ", value) == String(format: "  %2ld. ", value))
        }
        // (longer than the first 64-byte buffer)
        #expect(formatted("%080.3f", 1.5) == String(format: "%080.3f", 1.5))
    }
}
